// plan reads the live topology (issue 16 §2) on a real source and replica: healthy after apply
// ("No changes"), then each way replication goes wrong named as a DBA would — a stopped SQL
// thread, a duplicate key quoting Last_SQL_Error, a transaction written on the replica (errant).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTopology, type Topology, waitForCatchUp } from "../../src/adapters/sandbox/replication.js";
import type { Plan } from "../../src/core/plan.generated.js";
import { drctl } from "../helpers/cli.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";
import { replicaServerYaml, runAs } from "../helpers/topology.js";

const dir = tempDir("drctl-replication-plan-");
const root = join(dir, "topo");
const dropIn = join(root, "90-drctl.cnf");
let t: Topology;
let spec: string;

beforeAll(async () => {
  mkdirSync(root, { recursive: true });
  writeFileSync(dropIn, ""); // the DBA's empty file for drctl: the source includes it
  t = await startTopology({ replicas: 1, baseDir: dir, sourceOptions: { extraOptionFiles: [dropIn] } });
  const c = await t.source.connectRoot();
  await c.query("CREATE DATABASE university");
  await c.query("CREATE TABLE university.grades (id INT PRIMARY KEY, grade CHAR(2)) ENGINE=InnoDB");
  await c.query("INSERT INTO university.grades VALUES (1, 'A'), (2, 'B')");
  await c.end();
  const replica = t.replicas[0]!;
  await waitForCatchUp(replica, t.source);
  spec = writeSpecFile({
    project: "topo",
    root,
    sandbox: t.source,
    extraServers: replicaServerYaml(replica),
  }).file;
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

const findings = async () => {
  const r = await drctl(["plan", "-f", spec, "--json"]);
  const plan = JSON.parse(r.stdout) as Plan;
  return plan.findings.filter((f) => f.subject === "db2" || f.code.startsWith("replica"));
};

const onReplica = (sql: string) => runAs(t.replicas[0]!, sql);

const untilReplica = async (ok: (f: Awaited<ReturnType<typeof findings>>) => boolean) => {
  for (let i = 0; i < 100; i++) {
    const f = await findings();
    if (ok(f)) return f;
    await new Promise((r) => setTimeout(r, 200));
  }
  return await findings();
};

describe("plan on a live source and replica", () => {
  it("healthy: apply, then plan says No changes and finds nothing about the replica", async () => {
    mkdirSync(join(root, "cron.d"), { recursive: true });
    const applied = await drctl(["apply", "-f", spec, "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const r = await drctl(["plan", "-f", spec, "--detailed-exitcode"]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^No changes\. The live state matches the spec\./m);
    expect(await findings()).toEqual([]);
  }, 180_000);

  it("the replica's SQL thread stopped: named, with both threads' state", async () => {
    await onReplica("STOP SLAVE SQL_THREAD");
    try {
      const f = await findings();
      expect(f.map((x) => [x.level, x.code])).toEqual([["error", "replica-stopped"]]);
      expect(f[0]?.message).toBe("db2: replication is stopped (IO running, SQL stopped)");
    } finally {
      await onReplica("START SLAVE SQL_THREAD");
    }
  }, 60_000);

  it("read_only OFF on the replica: a warning with the command (drctl does not flip the failover switch)", async () => {
    await onReplica("SET GLOBAL read_only = OFF");
    try {
      const f = await findings();
      expect(f.map((x) => [x.level, x.code])).toEqual([["warning", "replica-writable"]]);
      expect(f[0]?.message).toContain("db2 is a replica with read_only OFF: a write there forks it from db1");
      expect(f[0]?.message).toContain("SET GLOBAL read_only = ON there");
      // apply leaves it to the DBA: no change in the plan
      const r = await drctl(["plan", "-f", spec, "--json"]);
      const plan = JSON.parse(r.stdout) as Plan;
      expect(plan.hasChanges).toBe(false);
      expect(JSON.stringify(plan.resources)).not.toContain("read_only");
    } finally {
      await onReplica("SET GLOBAL read_only = ON");
    }
  }, 60_000);

  it("a duplicate key breaks replication: Last_SQL_Error quoted", async () => {
    // a row the replica has and the source does not (outside the replica's binlog: not errant)
    await onReplica("SET SESSION sql_log_bin = 0; INSERT INTO university.grades VALUES (3, 'Z')");
    const c = await t.source.connectRoot();
    await c.query("INSERT INTO university.grades VALUES (3, 'C')");
    await c.end();
    const f = await untilReplica((x) => x.some((y) => y.code === "replica-stopped"));
    expect(f.map((x) => x.code)).toEqual(["replica-stopped"]);
    expect(f[0]?.message).toMatch(/^db2: replication is stopped \(IO running, SQL stopped\): .*Duplicate entry '3'/);
    // repaired as a DBA would: the replica's row goes, replication resumes and catches up
    await onReplica("SET SESSION sql_log_bin = 0; DELETE FROM university.grades WHERE id = 3; START SLAVE");
    await waitForCatchUp(t.replicas[0]!, t.source);
    expect(await findings()).toEqual([]);
  }, 90_000);

  it("a transaction written on the replica is named by its GTID (errant)", async () => {
    await onReplica(
      "CREATE DATABASE scratch; CREATE TABLE scratch.t (id INT PRIMARY KEY); INSERT INTO scratch.t VALUES (1)",
    );
    const c = await t.replicas[0]!.connectRoot();
    const [[{ pos }]] = (await c.query("SELECT @@gtid_binlog_pos AS pos")) as unknown as [[{ pos: string }]];
    await c.end();
    expect(pos).toMatch(/^0-2-\d+$/); // the replica's own server id
    const f = await findings();
    expect(f.map((x) => [x.level, x.code])).toEqual([["error", "replica-errant-transactions"]]);
    expect(f[0]?.message).toContain(`db2 has transactions its source db1 does not: ${pos} (written on the replica)`);
  }, 60_000);
});
