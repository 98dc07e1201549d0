// Backups from a replica behind a lag gate (issue 16 §3), on a real source and replica: at lag 0
// the set is the replica's and says how far behind it was; with its SQL thread stopped and writes
// on the source the gate refuses (exit 1, the measured lag named, journaled), or, with
// `fallback: source`, the backup runs on the source and says why.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTopology, type Topology, waitForCatchUp } from "../../src/adapters/sandbox/replication.js";
import type { BackupManifest } from "../../src/core/manifest.generated.js";
import { readJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";
import { replicaServerYaml, runAs } from "../helpers/topology.js";

const dir = tempDir("drctl-replication-backup-");
let t: Topology;

const specWith = (name: string, backupFrom: string, method = "mysqldump") => {
  const replica = t.replicas[0]!;
  const s = writeSpecFile({
    project: name,
    root: join(dir, name),
    sandbox: t.source,
    extraServers: replicaServerYaml(replica),
    dataset: `    backupFrom: ${backupFrom}\n`,
  });
  if (method !== "mysqldump")
    writeFileSync(s.file, readFileSync(s.file, "utf8").replace("method: mysqldump", `method: ${method}`));
  // the repository as apply leaves it (apply has its own tests)
  mkdirSync(s.repo, { recursive: true, mode: 0o700 });
  writeFileSync(join(s.repo, ".drctl-repository.json"), JSON.stringify({ project: name, repository: "local" }));
  return s;
};

const manifestOf = (repo: string, stdout: string): BackupManifest => {
  const id = /^backup (\S+):/m.exec(stdout)?.[1] ?? "?";
  return JSON.parse(readFileSync(join(repo, "sets", "university", id, "manifest.json"), "utf8")) as BackupManifest;
};

const onReplica = (sql: string) => runAs(t.replicas[0]!, sql);

beforeAll(async () => {
  t = await startTopology({ replicas: 1, baseDir: dir });
  const c = await t.source.connectRoot();
  await c.query("CREATE DATABASE university");
  await c.query("CREATE TABLE university.grades (id INT PRIMARY KEY, grade CHAR(2)) ENGINE=InnoDB");
  await c.query("INSERT INTO university.grades VALUES (1, 'A'), (2, 'B')");
  await c.end();
  await waitForCatchUp(t.replicas[0]!, t.source);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe("backupFrom a replica with maxLag", () => {
  it("at lag 0: taken on the replica, its lag in the manifest and the journal", async () => {
    const s = specWith("lag0", "{ server: db2, maxLag: 1m }");
    const r = await drctl(["backup", "-f", s.file, "university"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}taken on db2, a replica of db1: lag 0s \(0 transaction\(s\) behind db1\)$/m);
    const m = manifestOf(s.repo, r.stdout);
    expect(m.server.name).toBe("db2");
    expect(m.server.serverId).toBe("2");
    expect(m.replication).toEqual({ replicaOf: "db1", lagSeconds: 0, detail: "0 transaction(s) behind db1" });
    // the replica's own point and its source's (mariadb-dump --dump-slave): at lag 0 the same GTID position
    expect(m.sourcePoint).toEqual({
      file: expect.stringMatching(/^mariadb-bin\.\d{6}$/),
      position: expect.any(Number),
      gtid: m.consistentPoint.gtid,
      source: "dump header (--dump-slave)",
    });
    const job = (await readJournal(s.stateDir)).filter((j) => j.kind === "job").at(-1)!;
    expect(job.data.details).toMatchObject({ server: "db2", replication: { lagSeconds: 0 } });
    // where each set came from: the catalog listing and the auditor's bundle
    const listed = await drctl(["backups", "-f", s.file]);
    expect(listed.stdout.split("\n")[0]).toMatch(/ FROM /);
    expect(listed.stdout).toContain(" db2 (replica, lag 0s) ");
    const out = join(dir, "lag0-evidence");
    const ev = await drctl(["evidence", "export", "-f", s.file, "--out", out]);
    expect(ev.code, ev.stderr).toBe(0);
    const bundle = JSON.parse(readFileSync(join(out, "evidence.json"), "utf8")) as {
      catalog: { id: string; server: string; replicaLagSeconds?: number | null }[];
    };
    expect(bundle.catalog.find((c) => c.id === m.id)).toMatchObject({
      server: "db2",
      replicaLagSeconds: 0,
      sourceGtid: m.consistentPoint.gtid,
    });
    const status = await drctl(["status", "-f", s.file]);
    expect(status.stdout).toMatch(/^university .* on db2, lag 0s /m);
  }, 60_000);

  it("a replica's dump longer than a pipe buffer still records the source's GTID (printed at its END)", async () => {
    const c = await t.source.connectRoot();
    await c.query("CREATE TABLE university.bulk (id INT PRIMARY KEY, pad TEXT) ENGINE=InnoDB");
    // ~6 MB of incompressible-ish text: many pipe buffers, so the dump is mid-stream when its head is read
    await c.query("INSERT INTO university.bulk SELECT seq, REPEAT(MD5(seq), 12) FROM university.seq_1_to_16000");
    const [rows] = await c.query("SELECT @@GLOBAL.gtid_binlog_pos AS g");
    const sourceGtid = String((rows as { g: string }[])[0]!.g);
    await waitForCatchUp(t.replicas[0]!, t.source);
    try {
      const s = specWith("bulk", "{ server: db2, maxLag: 1m }");
      const r = await drctl(["backup", "-f", s.file, "university"]);
      expect(r.code, r.stderr).toBe(0);
      const m = manifestOf(s.repo, r.stdout);
      expect(m.server.name).toBe("db2");
      expect(m.sourcePoint?.gtid).toBe(sourceGtid);
    } finally {
      await c.query("DROP TABLE university.bulk");
      await c.end();
      await waitForCatchUp(t.replicas[0]!, t.source);
    }
  }, 60_000);

  it("SQL thread stopped, writes on the source: refused with the measured lag (exit 1, journaled)", async () => {
    await onReplica("STOP SLAVE SQL_THREAD");
    try {
      const c = await t.source.connectRoot();
      await c.query("INSERT INTO university.grades VALUES (3, 'C')");
      await c.query("INSERT INTO university.grades VALUES (4, 'D')");
      await c.end();
      const s = specWith("refused", "{ server: db2, maxLag: 1m }");
      const r = await drctl(["backup", "-f", s.file, "university"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "backup of university refused: db2 lag unknown: replication stopped (IO running, SQL stopped); " +
          "2 transaction(s) behind db1 (maxLag 1m)",
      );
      expect(r.stderr).toContain("backupFrom.fallback: source");
      const job = (await readJournal(s.stateDir)).filter((j) => j.kind === "job").at(-1)!;
      expect([job.data.command, job.data.exitCode]).toEqual(["backup", 1]);
      expect(String(job.data.error)).toContain("2 transaction(s) behind db1");

      // fallback: source — the same moment, taken on db1 instead, and the set says why
      const f = specWith("fallback", "{ server: db2, maxLag: 1m, fallback: source }");
      const ok = await drctl(["backup", "-f", f.file, "university"]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).toContain("taking the backup on the source db1 instead (backupFrom.fallback: source)");
      const m = manifestOf(f.repo, ok.stdout);
      expect(m.server.name).toBe("db1");
      expect(m.replication).toBeUndefined();
      expect(m.notes).toContain(
        "taken on the source db1: db2 lag unknown: replication stopped (IO running, SQL stopped); " +
          "2 transaction(s) behind db1 (maxLag 1m)",
      );
    } finally {
      await onReplica("START SLAVE SQL_THREAD");
    }
  }, 90_000);

  it.each([
    ["mysqldump", 10],
    ["mariadb-backup", 20],
  ] as const)(
    "a replica's %s set restores and replays the SOURCE's archived binlogs from its GTID: exact rows",
    async (method, row) => {
      await waitForCatchUp(t.replicas[0]!, t.source);
      const s = specWith(`pitr-${method}`, "{ server: db2, maxLag: 1m }", method);
      const env = { DRCTL_SANDBOX_HOME: join(dir, `pitr-${method}-sandboxes`) };
      const archive = async () => expect((await drctl(["binlog", "archive", "-f", s.file, "db1"])).code).toBe(0);
      await archive();
      const backup = await drctl(["backup", "-f", s.file, "university"]);
      expect(backup.code, backup.stderr).toBe(0);
      const m = manifestOf(s.repo, backup.stdout);
      expect([m.server.name, m.consistentPoint.gtid]).toEqual(["db2", expect.stringMatching(/^0-1-\d+$/)]);
      // the source's GTID position at the set's point, recorded by the tool on the replica
      expect(m.sourcePoint?.gtid).toBe(m.consistentPoint.gtid);
      // replication runs after the backup (a physical copy pauses the SQL thread, --safe-slave-backup, and restarts it)
      const rc = await t.replicas[0]!.connectRoot();
      const [[st]] = (await rc.query("SHOW SLAVE STATUS")) as unknown as [[Record<string, string>]];
      await rc.end();
      expect([st?.Slave_IO_Running, st?.Slave_SQL_Running]).toEqual(["Yes", "Yes"]);
      const c = await t.source.connectRoot();
      const [rows] = (await c.query("SELECT id FROM university.grades ORDER BY id")) as unknown as [{ id: number }[]];
      await c.end();
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      await sleep(1100);
      await runAs(t.source, `INSERT INTO university.grades VALUES (${row}, 'X')`);
      await sleep(1100);
      const between = new Date().toISOString();
      await sleep(1100);
      await runAs(t.source, `INSERT INTO university.grades VALUES (${row + 1}, 'Y')`);
      await archive();
      const r = await drctl(["restore", "-f", s.file, "university", "--to", between, "--keep"], { env });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      try {
        expect(r.stdout).toMatch(/after GTID 0-1-\d+/);
        const cnf = /mariadb --defaults-file=(\S+)/.exec(r.stdout)?.[1] ?? "?";
        const ids = execFileSync(
          "mariadb",
          [`--defaults-file=${cnf}`, "-N", "-e", "SELECT id FROM university.grades ORDER BY id"],
          { encoding: "utf8" },
        );
        // everything the replica's set held, the source's row before the target, not the one after
        expect(ids.trim().split("\n").map(Number)).toEqual([...rows.map((r) => r.id), row]);
      } finally {
        await drctl(["sandbox", "down", "--all"], { env });
      }
      // a drill of the replica's set compares the row figures at its reference snapshot, found by GTID
      const drill = await drctl(["drill", "verify", "-f", s.file, "university"], { env });
      expect(drill.code, drill.stdout + drill.stderr).toBe(0);
      expect(drill.stdout + drill.stderr).not.toContain("not compared");
    },
    120_000,
  );

  it("the short form (backupFrom: db2) is not gated: taken on the replica as before", async () => {
    await waitForCatchUp(t.replicas[0]!, t.source);
    const s = specWith("short", "db2");
    const r = await drctl(["backup", "-f", s.file, "university"]);
    expect(r.code, r.stderr).toBe(0);
    const m = manifestOf(s.repo, r.stdout);
    expect([m.server.name, m.replication]).toEqual(["db2", undefined]);
  }, 60_000);
});
