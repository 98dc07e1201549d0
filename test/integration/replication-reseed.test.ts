// Recovery when an error has replicated (issue 16 §5; MySQL HA ch. 15): a DROP TABLE on the source
// reaches the replica too. `drctl restore … --before 'DROP TABLE …' --target db1 --reseed-replicas`
// restores the source to just before it, then rebuilds the replica from a fresh dump of the restored
// source and restarts its replication at that GTID: afterwards both have the table with every row
// written before the DROP, both replication threads run, and the replica logged nothing of its own.
// A logical and a physical dataset, each its own spec on the same source and replica.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTopology, type Topology, waitForCatchUp } from "../../src/adapters/sandbox/replication.js";
import type { Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { readJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";
import { replicaServerYaml, runAs } from "../helpers/topology.js";

const dir = tempDir("drctl-replication-reseed-");
let t: Topology;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `drctl restore -f FILE university --to latest … --target db1 --reseed-replicas` */
const reseed = (file: string, ...more: string[]) => [
  "restore",
  "-f",
  file,
  "university",
  "--to",
  "latest",
  ...more,
  "--target",
  "db1",
  "--reseed-replicas",
];

const specFor = (name: string, method: string) => {
  const s = writeSpecFile({
    project: name,
    root: join(dir, name),
    sandbox: t.source,
    extraServers: replicaServerYaml(t.replicas[0]!),
  });
  writeFileSync(s.file, readFileSync(s.file, "utf8").replace("method: mysqldump", `method: ${method}`));
  mkdirSync(s.repo, { recursive: true, mode: 0o700 });
  writeFileSync(join(s.repo, ".drctl-repository.json"), JSON.stringify({ project: name, repository: "local" }));
  return s;
};

async function query<T>(member: Sandbox, sql: string): Promise<T[]> {
  const c = await member.connectRoot();
  try {
    return ((await c.query(sql)) as unknown as [T[]])[0];
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  t = await startTopology({ replicas: 1, baseDir: dir });
  await runAs(
    t.source,
    "CREATE DATABASE university; CREATE TABLE university.grades (id INT PRIMARY KEY, grade CHAR(2)) ENGINE=InnoDB; " +
      "INSERT INTO university.grades VALUES (1, 'A')",
  );
  await waitForCatchUp(t.replicas[0]!, t.source);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe("restore --reseed-replicas after a replicated DROP TABLE", () => {
  it("refuses without confirmation off a terminal, naming the servers it would rewrite (nothing written)", async () => {
    const s = specFor("confirm", "mysqldump");
    const r = await drctl(reseed(s.file));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("writing to the live server db1 needs confirmation: add --yes");
    expect(r.stderr).toContain("then REBUILDING university on its replica(s) db2");
  }, 60_000);

  it("refuses before writing anything when the replica's replication stopped on an error (quoted)", async () => {
    const s = specFor("broken", "mysqldump");
    // the replica already has a row the source then writes: its SQL thread stops on the duplicate key
    await runAs(t.replicas[0]!, "SET SESSION sql_log_bin = 0; INSERT INTO university.grades VALUES (50, 'Z')");
    await runAs(t.source, "INSERT INTO university.grades VALUES (50, 'Y')");
    try {
      for (let i = 0; i < 100; i++) {
        const [st] = await query<Record<string, string>>(t.replicas[0]!, "SHOW SLAVE STATUS");
        if (st?.Last_SQL_Error) break;
        await sleep(100);
      }
      expect((await drctl(["binlog", "archive", "-f", s.file, "db1"])).code).toBe(0);
      expect((await drctl(["backup", "-f", s.file, "university"])).code).toBe(0);
      const r = await drctl([...reseed(s.file), "--yes"], {
        env: { DRCTL_SANDBOX_HOME: join(dir, "sandboxes-broken") },
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/--reseed-replicas: db2's replication stopped on an error: .*Duplicate entry '50'/);
      expect(r.stderr).toContain("nothing was written");
    } finally {
      await runAs(
        t.replicas[0]!,
        "STOP SLAVE; SET SESSION sql_log_bin = 0; DELETE FROM university.grades WHERE id = 50; START SLAVE",
      );
      await waitForCatchUp(t.replicas[0]!, t.source);
    }
  }, 120_000);

  it.each(["mysqldump", "mariadb-backup"] as const)(
    "%s: source and replica both get the table back with the rows before the DROP; replication runs",
    async (method) => {
      const table = `exams_${method.replace("-", "_")}`;
      const s = specFor(`reseed-${method}`, method);
      await runAs(t.source, `CREATE TABLE university.${table} (id INT PRIMARY KEY, score INT) ENGINE=InnoDB`);
      expect((await drctl(["binlog", "archive", "-f", s.file, "db1"])).code).toBe(0);
      const backup = await drctl(["backup", "-f", s.file, "university"]);
      expect(backup.code, backup.stderr).toBe(0);
      await runAs(t.source, `INSERT INTO university.${table} VALUES (1, 90), (2, 75)`);
      await sleep(1100);
      await runAs(t.source, `INSERT INTO university.${table} VALUES (3, 60)`);
      await runAs(t.source, `DROP TABLE university.${table}`);
      await waitForCatchUp(t.replicas[0]!, t.source);
      expect(await query(t.replicas[0]!, `SHOW TABLES FROM university LIKE '${table}'`)).toEqual([]);
      expect((await drctl(["binlog", "archive", "-f", s.file, "db1"])).code).toBe(0);
      const [{ own: before }] = await query<{ own: string }>(t.replicas[0]!, "SELECT @@gtid_binlog_pos AS own");
      // drift only a rebuild removes (replication of the restore would leave it): a table the source never had
      await runAs(t.replicas[0]!, `SET SESSION sql_log_bin = 0; CREATE TABLE university.drift_${table} (id INT)`);

      const r = await drctl([...reseed(s.file, "--before", `DROP TABLE ${table}`), "--yes"], {
        env: { DRCTL_SANDBOX_HOME: join(dir, `sandboxes-${method}`) },
      });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      // each step said as it happened, and the result
      expect(r.stderr).toMatch(/^dumped university from db1 at GTID 0-1-\d+$/m);
      expect(r.stderr).toMatch(/^db2: applied everything up to GTID 0-1-\d+; replication stopped there$/m);
      expect(r.stderr).toMatch(/^db2: replaced university with the source's at GTID 0-1-\d+$/m);
      expect(r.stderr).toContain("db2: replication runs (IO and SQL threads)");
      expect(r.stdout).toMatch(/^ {2}reseeded: db2 from db1 at GTID 0-1-\d+; replication runs, \d+ table\(s\) equal/m);

      const ids = `SELECT id FROM university.${table} ORDER BY id`;
      for (const member of [t.source, t.replicas[0]!])
        expect((await query<{ id: number }>(member, ids)).map((x) => x.id)).toEqual([1, 2, 3]);
      expect(await query(t.replicas[0]!, `SHOW TABLES FROM university LIKE 'drift_${table}'`)).toEqual([]);
      const [st] = await query<Record<string, string>>(t.replicas[0]!, "SHOW SLAVE STATUS");
      expect([st?.Slave_IO_Running, st?.Slave_SQL_Running, st?.Last_SQL_Error]).toEqual(["Yes", "Yes", ""]);
      // the reload was the source's transactions: the replica's binlog got no GTID of its own (server_id 2)
      const [{ own: after }] = await query<{ own: string }>(t.replicas[0]!, "SELECT @@gtid_binlog_pos AS own");
      expect(`${before},${after}`).not.toMatch(/\b0-2-\d+/);
      // and it keeps following the source
      await runAs(t.source, `INSERT INTO university.${table} VALUES (4, 50)`);
      await waitForCatchUp(t.replicas[0]!, t.source);
      expect((await query<{ id: number }>(t.replicas[0]!, ids)).map((x) => x.id)).toEqual([1, 2, 3, 4]);

      const job = (await readJournal(s.stateDir)).filter((j) => j.kind === "job").at(-1)!;
      expect(job.data.details).toMatchObject({
        reseeded: [{ server: "db2", gtid: expect.stringMatching(/^0-1-\d+$/) }],
      });
    },
    240_000,
  );
});
