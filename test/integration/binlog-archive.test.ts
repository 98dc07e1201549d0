// drctl binlog archive against a real MariaDB: closed binlogs archived once each with their facts;
// an idle server is not rotated; a binlog purged before it was archived is a loud gap (exit 6).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import type { BackupManifest } from "../../src/core/manifest.generated.js";
import { readJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-binlog-");
let db: Sandbox;
let specFile: string;
const state = join(dir, "state");
const repo = join(dir, "repo");

async function sql(...stmts: string[]): Promise<unknown[]> {
  const c = await db.connectRoot();
  try {
    const out = [];
    for (const s of stmts) out.push((await c.query(s))[0]);
    return out;
  } finally {
    await c.end();
  }
}

async function binaryLogs(): Promise<string[]> {
  const [rows] = await sql("SHOW BINARY LOGS");
  return (rows as { Log_name: string }[]).map((r) => r.Log_name);
}

async function archived(): Promise<BackupManifest[]> {
  const r = await drctl(["backups", "-f", specFile, "--json"]);
  expect(r.code).toBe(0);
  const { readdirSync, existsSync } = await import("node:fs");
  const base = join(repo, "binlogs", "db1");
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((d) => d !== "progress.json")
    .sort()
    .map((d) => JSON.parse(readFileSync(join(base, d, "manifest.json"), "utf8")) as BackupManifest);
}

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir, binlog: true });
  await sql(
    "CREATE DATABASE shop",
    "CREATE TABLE shop.orders (id INT PRIMARY KEY, what VARCHAR(20))",
    "INSERT INTO shop.orders VALUES (1, 'first')",
  );
  specFile = join(dir, "drctl.yaml");
  writeFileSync(
    specFile,
    datasetsSpec({
      project: "binlogs",
      state,
      repo,
      server: { port: db.port, credentials: db.clientOptionFile },
      cronFile: join(dir, "cron"),
      tier: "{ rpo: 1h, rto: 4h }",
      datasets: {
        shop: { databases: ["shop"], method: "mysqldump", binlog: true },
        shop_reports: { databases: ["shop"], method: "mysqldump", binlog: true },
      },
    }),
  );
  expect((await drctl(["apply", "-f", specFile, "--auto-approve"])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

describe("drctl binlog archive", () => {
  it("rotates only when there is something new, archives each closed binlog once with its facts; an idle server " +
    "stays as it is", async () => {
    const before = await binaryLogs();
    expect(before).toEqual(["mariadb-bin.000001"]);
    const r1 = await drctl(["binlog", "archive", "-f", specFile, "db1"]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(
      new RegExp(
        "local: archived mariadb-bin\\.000001 \\(.*\\); rotated the binlog; archived up to " +
          "mariadb-bin\\.000002:\\d+, GTID 0-\\d+-3",
      ),
    );
    expect(await binaryLogs()).toEqual(["mariadb-bin.000001", "mariadb-bin.000002"]);

    // idle: three more runs neither rotate nor archive anything
    for (let i = 0; i < 3; i++) {
      const r = await drctl(["binlog", "archive", "-f", specFile, "db1"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("nothing new to archive");
    }
    expect(await binaryLogs()).toEqual(["mariadb-bin.000001", "mariadb-bin.000002"]);
    const progress = JSON.parse(readFileSync(join(repo, "binlogs", "db1", "progress.json"), "utf8")) as {
      checkedAt: string;
      complete: boolean;
    };
    expect(progress.complete).toBe(true);
    expect(Date.now() - Date.parse(progress.checkedAt)).toBeLessThan(10_000); // idle, yet archived up to now

    const t0 = Date.now();
    await sql("INSERT INTO shop.orders VALUES (2, 'second')", "UPDATE shop.orders SET what = 'changed' WHERE id = 1");
    const r2 = await drctl(["binlog", "archive", "-f", specFile, "db1"]);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain("archived mariadb-bin.000002");
    const sets = await archived();
    expect(sets.map((m) => m.binlog!.file)).toEqual(["mariadb-bin.000001", "mariadb-bin.000002"]);
    const [first, second] = sets;
    expect(first!.binlog!.transactions).toBe(3); // CREATE DATABASE, CREATE TABLE, INSERT
    expect(second!.binlog!.transactions).toBe(2);
    expect(second!.binlog!.gtidListAtStart).toBe(first!.binlog!.lastGtid); // continuity, as recorded
    expect(second!.binlog!.firstGtid).toMatch(/^0-\d+-4$/);
    expect(Date.parse(second!.binlog!.firstEventAt!)).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) * 1000);
    expect(second!.binlog!.endPosition).toBeGreaterThan(second!.binlog!.startPosition);
    expect(second!.files[0]!.source).toBe("mariadb-bin.000002");
    const v = await drctl(["verify", "-f", specFile, "--deep"]);
    expect(v.code, v.stdout).toBe(0);
    // the two binlogs and the first backup apply took of each dataset (verification.shop, verification.shop_reports)
    expect(v.stdout).toContain("4 set(s) checked (deep): 4 ok");
  }, 120_000);

  it("two datasets' archive jobs for one server at the same moment queue on one lock: each file once", async () => {
    await sql("INSERT INTO shop.orders VALUES (3, 'third')");
    const [a, b] = await Promise.all([
      drctl(["binlog", "archive", "-f", specFile, "db1"]),
      drctl(["binlog", "archive", "-f", specFile, "db1"]),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const files = (await archived()).map((m) => m.binlog!.file);
    expect(files).toEqual([...new Set(files)]);
    expect(files).toContain("mariadb-bin.000003");
  }, 120_000);

  it("a binlog purged before it was archived is a gap: named, journaled, exit 6; the archive goes on from what " +
    "is there", async () => {
    await sql(
      "INSERT INTO shop.orders VALUES (4, 'lost')",
      "FLUSH BINARY LOGS",
      "INSERT INTO shop.orders VALUES (5, 'kept')",
      "FLUSH BINARY LOGS",
    );
    const logs = await binaryLogs();
    const lost = logs.at(-3)!; // holds row 4; never archived
    await sql(`PURGE BINARY LOGS TO '${logs.at(-2)}'`);
    const r = await drctl(["binlog", "archive", "-f", specFile, "db1"]);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain(`GAP (purged): ${lost} was purged from db1 before it was archived`);
    expect(r.stderr).toContain("gap(s) in the binlog archive of db1");
    expect((await archived()).map((m) => m.binlog!.file)).toContain(logs.at(-2));
    const job = (await readJournal(state))
      .filter((j) => j.kind === "job" && j.data.command === "binlog archive")
      .at(-1)!;
    expect(job.data.exitCode).toBe(6);
    expect(job.data.result).toBe("degraded");
    expect(JSON.stringify(job.data.details)).toContain(`${lost} was purged`);
    const progress = JSON.parse(readFileSync(join(repo, "binlogs", "db1", "progress.json"), "utf8")) as {
      complete: boolean;
    };
    expect(progress.complete).toBe(false);
  }, 120_000);

  it("another server behind the same name (a different server_id) is a gap, named, exit 6", async () => {
    const other = await startSandbox({ baseDir: dir, binlog: true });
    try {
      const c = await other.connectRoot();
      await c.query(
        "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, what VARCHAR(20)); INSERT INTO " +
          "shop.orders VALUES (9, 'elsewhere')",
      );
      await c.end();
      const moved = join(dir, "moved.yaml");
      writeFileSync(
        moved,
        readFileSync(specFile, "utf8")
          .replace(`port: ${db.port}`, `port: ${other.port}`)
          .replace(JSON.stringify(db.clientOptionFile), JSON.stringify(other.clientOptionFile)),
      );
      const r = await drctl(["binlog", "archive", "-f", moved, "db1"]);
      expect(r.code).toBe(6);
      // its own file, though the name is taken by the old server's
      expect(r.stdout).toContain("local: archived mariadb-bin.000001");
      expect(r.stdout).toMatch(
        new RegExp(
          `GAP \\(server-changed\\): the archive's last binlog mariadb-bin\\.\\d+ came from server_id ` +
            `${db.serverId} \\(mariadb-bin\\); the server now is server_id ${other.serverId} \\(mariadb-bin\\)`,
        ),
      );
    } finally {
      await other.stop();
    }
  }, 120_000);
});
