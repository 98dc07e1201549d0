// One binlog chain across a failover (issue 16 §4), on a real source and replica: db1 is archived,
// the test promotes db2 and keeps writing there, and `drctl binlog archive db1` follows the failover
// group to db2 — into an archive of its own, so db1's mariadb-bin.000001 and db2's never meet. A
// restore to a time after the switch joins the two archives by GTID and gets exactly the rows; a
// hole between them (db2's binlogs purged before they were archived) is a gap: exit 6, and the
// restore past it is refused. A logical and a physical dataset share the topology.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replicateFrom, startTopology, type Topology, waitForCatchUp } from "../../src/adapters/sandbox/replication.js";
import type { BackupManifest } from "../../src/core/manifest.generated.js";
import { drctl } from "../helpers/cli.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";
import { replicaServerYaml, runAs } from "../helpers/topology.js";

const dir = tempDir("drctl-replication-failover-");
let t: Topology;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const METHODS = ["mysqldump", "mariadb-backup"] as const;
type Spec = ReturnType<typeof writeSpecFile>;

const specFor = (name: string, method: string): Spec => {
  const s = writeSpecFile({
    project: name,
    root: join(dir, name),
    sandbox: t.source,
    extraServers: replicaServerYaml(t.replicas[0]!),
    dataset: "    failover: [db2]\n",
  });
  writeFileSync(s.file, readFileSync(s.file, "utf8").replace("method: mysqldump", `method: ${method}`));
  mkdirSync(s.repo, { recursive: true, mode: 0o700 });
  writeFileSync(join(s.repo, ".drctl-repository.json"), JSON.stringify({ project: name, repository: "local" }));
  return s;
};

/** The archived binlogs of one server: file name → server_id, read from the manifests. */
const archived = (s: Spec, server: string): Map<string, string> => {
  const root = join(s.repo, "binlogs", server);
  const out = new Map<string, string>();
  for (const id of readdirSync(root).filter((n) => n.includes("-binlog-"))) {
    const m = JSON.parse(readFileSync(join(root, id, "manifest.json"), "utf8")) as BackupManifest;
    out.set(m.binlog!.file, m.server.serverId);
  }
  return out;
};

const ids = (cnf: string) =>
  execFileSync("mariadb", [`--defaults-file=${cnf}`, "-N", "-e", "SELECT id FROM university.grades ORDER BY id"], {
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .map(Number);

const specs = new Map<string, Spec>();
const holed = new Map<string, Spec>();
let between = "";

beforeAll(async () => {
  t = await startTopology({ replicas: 1, baseDir: dir });
  const [db1, db2] = [t.source, t.replicas[0]!];
  await runAs(
    db1,
    "CREATE DATABASE university; CREATE TABLE university.grades (id INT PRIMARY KEY, grade CHAR(2)) ENGINE=InnoDB; " +
      "INSERT INTO university.grades VALUES (1, 'A'), (2, 'B')",
  );
  for (const method of METHODS) {
    specs.set(method, specFor(`failover-${method}`, method));
    holed.set(method, specFor(`hole-${method}`, method));
  }
  const all = [...specs.values(), ...holed.values()];
  for (const s of all) {
    const a = await drctl(["binlog", "archive", "-f", s.file, "db1"]);
    expect(a.code, a.stderr).toBe(0);
    const b = await drctl(["backup", "-f", s.file, "university"]);
    expect(b.code, b.stderr).toBe(0);
  }
  await runAs(db1, "INSERT INTO university.grades VALUES (3, 'C')");
  for (const s of all) expect((await drctl(["binlog", "archive", "-f", s.file, "db1"])).code).toBe(0);
  // written on db1 and never archived from it: only db2's copy (log_slave_updates) carries it on
  await runAs(db1, "INSERT INTO university.grades VALUES (4, 'D')");
  await waitForCatchUp(db2, db1);

  // the failover, as a DBA does it: demote db1, promote db2, point db1 at db2
  await runAs(db1, "SET GLOBAL read_only = ON");
  await runAs(db2, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF");
  await replicateFrom(db1, db2);
  await runAs(db2, "INSERT INTO university.grades VALUES (5, 'E')");
  await sleep(1100);
  between = new Date().toISOString();
  await sleep(1100);
  await runAs(db2, "INSERT INTO university.grades VALUES (6, 'F')");
}, 300_000);

afterAll(async () => {
  await t?.stop();
});

describe("a failover group: archiving follows the source, restore joins the archives by GTID", () => {
  it("binlog archive db1 archives db2, the source now, into an archive of its own (none overwritten)", async () => {
    for (const s of specs.values()) {
      const r = await drctl(["binlog", "archive", "-f", s.file, "db1"]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stderr).toContain("archiving db2, the source of failover group db1, db2 now");
      const [one, two] = [archived(s, "db1"), archived(s, "db2")];
      // both servers number their binlogs alike: the same names, each server's kept apart by its server_id
      const shared = [...one.keys()].filter((f) => two.has(f));
      expect(shared.length).toBeGreaterThan(0);
      expect([...one.values()].every((id) => id === "1") && [...two.values()].every((id) => id === "2")).toBe(true);
      // plan says the failover once, with the spec change it implies, instead of "db2 is not a replica"
      const plan = await drctl(["plan", "-f", s.file]);
      expect(plan.stdout + plan.stderr).toContain(
        "db2 is the writable source of dataset university's failover group now; db1 replicates: binlog " +
          "archiving follows db2. Update the spec: datasets.university.server: db2",
      );
      expect(plan.stdout + plan.stderr).not.toContain("should replicate from db1 but is not a replica");
      expect(plan.stdout + plan.stderr).not.toContain("but the spec gives it no replicaOf");
      // status reads the joined chain: recoverable up to db2's last archive run, nothing missing
      // (AT RISK only because the spec has no drill)
      const st = await drctl(["status", "-f", s.file]);
      // exposure: seconds since db2's archive run just now, not since db1's last one before the switch
      const exposure = /^university +bronze +AT RISK .* (\d+)s\/2d /m.exec(st.stdout)?.[1];
      expect(Number(exposure ?? "NaN")).toBeLessThan(60);
      expect(st.stdout + st.stderr).not.toMatch(/missing|gap/i);
      expect(st.stdout.split("\n").filter((l) => l.startsWith("university: "))).toEqual([
        "university: AT RISK: no drill in the spec: recoverability is never proven",
      ]);
    }
  }, 120_000);

  it.each(METHODS)(
    "%s: PITR to a time after the switch gives exactly the rows",
    async (method) => {
      const s = specs.get(method)!;
      const env = { DRCTL_SANDBOX_HOME: join(dir, `sandboxes-${method}`) };
      const r = await drctl(["restore", "-f", s.file, "university", "--to", between, "--keep"], { env });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      try {
        // the replay names each file by its server: the chain crosses from db1's archive into db2's
        expect(r.stdout).toMatch(/db1:mariadb-bin\.\d+/);
        expect(r.stdout).toMatch(/db2:mariadb-bin\.\d+/);
        const cnf = /mariadb --defaults-file=(\S+)/.exec(r.stdout)?.[1] ?? "?";
        // 1-2 in the backup, 3 archived from db1, 4 only in db2's binlogs, 5 written on db2 before the target
        expect(ids(cnf)).toEqual([1, 2, 3, 4, 5]);
      } finally {
        await drctl(["sandbox", "down", "--all"], { env });
      }
    },
    180_000,
  );

  it("the runbook gives the failover and replicated-error scenarios with their exact commands", async () => {
    const s = specs.get("mysqldump")!;
    const out = join(dir, "runbooks");
    const r = await drctl(["runbook", "-f", s.file, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const md = readFileSync(join(out, "university.md"), "utf8");
    expect(md).toContain("binlogs under binlogs/db1/, binlogs/db2/");
    expect(md).toContain("## Scenario: a mistake has replicated (db1 → db2)");
    expect(md).toContain(
      `drctl restore -f ${s.file} university --to latest --before 'DROP TABLE grades' --target db1 --reseed-replicas`,
    );
    expect(md).toContain("## Scenario: failover from db1");
    expect(md).toContain("the archiver follows the one writable source of db1, db2");
    expect(md).toContain(`drctl binlog archive -f ${s.file} db1`);
  }, 60_000);

  it("a hole between the archives (db2's binlogs purged before they were archived) is a gap: exit 6", async () => {
    await runAs(t.replicas[0]!, "FLUSH BINARY LOGS");
    const c = await t.replicas[0]!.connectRoot();
    const [[st]] = (await c.query("SHOW MASTER STATUS")) as unknown as [[{ File: string }]];
    await c.query(`PURGE BINARY LOGS TO '${st.File}'`);
    await c.end();
    await runAs(t.replicas[0]!, "INSERT INTO university.grades VALUES (7, 'G')");
    for (const method of METHODS) {
      const s = holed.get(method)!;
      const r = await drctl(["binlog", "archive", "-f", s.file, "db1"]);
      expect(r.code, r.stderr + r.stdout).toBe(6);
      expect(r.stdout).toMatch(
        /GAP \(failover\): the archive of db1 ends at GTID 0-1-\d+; db2's archived binlogs start later/,
      );
      const restore = await drctl(["restore", "-f", s.file, "university", "--to", "latest"], {
        env: { DRCTL_SANDBOX_HOME: join(dir, `hole-sandboxes-${method}`) },
      });
      expect(restore.code).toBe(3);
      expect(restore.stderr).toMatch(/transactions after GTID 0-1-\d+ .* are missing from the archive/);
    }
  }, 180_000);
});
