// drctl restore into a sandbox, to a time between two transactions written more than a second
// apart, from a logical set and from a physical full + incremental, replaying archived binlogs
// from the set's exact position; a target beyond the archive is refused with the newest reachable time.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qualified } from "../../src/adapters/mysql/sql.js";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { readJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-restore-");
const env = { DRCTL_SANDBOX_HOME: join(dir, "sandboxes") };
const spec = join(dir, "drctl.yaml");
let db: Sandbox;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sql(s: string) {
  const c = await db.connectRoot();
  try {
    await c.query(s);
  } finally {
    await c.end();
  }
}

/** Restores with --keep, runs queries in the kept sandbox, tears it down. */
async function restoredQuery(
  dataset: string,
  args: string[],
  queries: string[],
): Promise<{ rows: string[]; stdout: string }> {
  const r = await drctl(["restore", "-f", spec, dataset, ...args, "--keep"], { env });
  expect(r.code, r.stderr + r.stdout).toBe(0);
  const cnf = /mariadb --defaults-file=(\S+)/.exec(r.stdout)![1]!;
  const rows = queries.map((q) =>
    execFileSync("mariadb", [`--defaults-file=${cnf}`, "-N", "-e", q], { encoding: "utf8" }).trim(),
  );
  expect((await drctl(["sandbox", "down", "--name", `restore-${dataset}`], { env })).code).toBe(0);
  return { rows, stdout: r.stdout };
}

/** Restores with --keep, reads the ids back from the kept sandbox, tears it down. */
async function restoredIds(dataset: string, to: string): Promise<{ ids: number[]; stdout: string }> {
  const r = await drctl(["restore", "-f", spec, dataset, "--to", to, "--keep"], { env });
  expect(r.code, r.stderr + r.stdout).toBe(0);
  const cnf = /mariadb --defaults-file=(\S+)/.exec(r.stdout)![1]!;
  const out = execFileSync("mariadb", [`--defaults-file=${cnf}`, "-N", "-e", "SELECT id FROM uni.grades ORDER BY id"], {
    encoding: "utf8",
  });
  expect((await drctl(["sandbox", "down", "--name", `restore-${dataset}`], { env })).code).toBe(0);
  return { ids: out.trim().split("\n").map(Number), stdout: r.stdout };
}

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir, binlog: true });
  await sql("CREATE DATABASE uni");
  await sql("CREATE TABLE uni.grades (id INT PRIMARY KEY, v VARCHAR(20))");
  await sql("INSERT INTO uni.grades VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  await sql("CREATE DATABASE shop");
  await sql("CREATE TABLE shop.orders (id INT PRIMARY KEY)");
  await sql("CREATE DATABASE outside");
  await sql("CREATE TABLE outside.noise (id INT PRIMARY KEY)");
  writeFileSync(
    spec,
    datasetsSpec({
      project: "restore",
      state: join(dir, "state"),
      repo: join(dir, "repo"),
      server: { port: db.port, credentials: db.clientOptionFile },
      cronFile: join(dir, "cron"),
      datasets: {
        logical: { databases: ["uni"], method: "mysqldump", binlog: true },
        pair: { databases: ["uni", "shop"], method: "mysqldump", binlog: true },
        physical: { databases: ["uni"], method: "mariadb-backup", incremental: "mariadb-backup", binlog: true },
      },
    }),
  );
  expect((await drctl(["apply", "-f", spec, "--auto-approve"])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await drctl(["sandbox", "down", "--all"], { env });
  await db?.stop();
});

describe("drctl restore --to", () => {
  let between = "";
  let afterDrop = "";
  let newest = "";

  it("logical set + binlogs: exactly the rows committed up to the target time; latest: all of them", async () => {
    expect((await drctl(["backup", "-f", spec, "logical"])).code).toBe(0);
    expect((await drctl(["backup", "-f", spec, "physical", "--kind", "full"])).code).toBe(0);
    await sql("INSERT INTO uni.grades VALUES (10, 'after the fulls')");
    expect((await drctl(["backup", "-f", spec, "physical", "--kind", "incremental"])).code).toBe(0);
    await sql("INSERT INTO uni.grades VALUES (15, 'after inc 1')");
    await sleep(1200);
    between = new Date().toISOString();
    await sleep(1200);
    await sql("INSERT INTO uni.grades VALUES (20, 'after the target')");
    expect((await drctl(["backup", "-f", spec, "physical", "--kind", "incremental"])).code).toBe(0);
    await sql("INSERT INTO uni.grades VALUES (25, 'after inc 2')");
    const a = await drctl(["binlog", "archive", "-f", spec, "db1"]);
    expect(a.code, a.stdout + a.stderr).toBe(0);

    const r = await restoredIds("logical", between);
    expect(r.ids).toEqual([1, 2, 3, 10, 15]);
    expect(r.stdout).toMatch(
      /replayed: 2 transaction\(s\) from mariadb-bin\.\d+:\d+ \(GTID 0-\d+-\d+\) to GTID 0-\d+-\d+ written /,
    );
    expect((await restoredIds("logical", "latest")).ids).toEqual([1, 2, 3, 10, 15, 20, 25]);
  }, 180_000);

  it("physical full + two incrementals + binlogs, to a time between the incrementals: the full, the first " +
    "incremental, then replay to the target", async () => {
    const r = await restoredIds("physical", between);
    expect(r.ids).toEqual([1, 2, 3, 10, 15]);
    // one incremental: the second is after the target
    expect(r.stdout).toMatch(/from \S+-full-\S+ \+ \S+-incremental-\S+\n/);
    expect(r.stdout).toContain("replayed: 1 transaction(s)");
    const latest = await restoredIds("physical", "latest");
    expect(latest.ids).toEqual([1, 2, 3, 10, 15, 20, 25]);
    expect(latest.stdout).toMatch(/from \S+-full-\S+ \+ \S+-incremental-\S+ \+ \S+-incremental-\S+\n/);
  }, 180_000);

  it("a target later than the archive reaches (the last archive run that left nothing behind) is refused (exit " +
    "3) with the newest reachable time; restores are journaled", async () => {
    newest = new Date(Date.now() + 3600_000).toISOString();
    const r = await drctl(["restore", "-f", spec, "logical", "--to", newest], { env });
    expect(r.code).toBe(3);
    const reach = /is later than the last archive run that left nothing behind \((\S+)\)/.exec(r.stderr)?.[1];
    expect(reach, r.stderr).toBeDefined();
    const progress = JSON.parse(readFileSync(join(dir, "repo", "binlogs", "db1", "progress.json"), "utf8")) as {
      checkedAt: string;
    };
    expect(reach).toBe(progress.checkedAt);
    expect(r.stderr).toContain(`the newest time that can be reached is ${progress.checkedAt}`);
    const jobs = (await readJournal(join(dir, "state"))).filter(
      (j) => j.kind === "job" && j.data.command === "restore",
    );
    expect(jobs.map((j) => j.data.exitCode)).toEqual([0, 0, 0, 0, 3]);
  }, 60_000);

  it("--before: back to just before a DROP TABLE, or before an UPDATE without WHERE (its SQL is in " +
    "Annotate_rows): everything up to it applied, it and what follows not", async () => {
    await sql("CREATE TABLE uni.exams (id INT PRIMARY KEY, score INT)");
    await sql("INSERT INTO uni.exams VALUES (1, 90), (2, 80), (3, 70)");
    await sql("CREATE TABLE uni.students (id INT PRIMARY KEY, gpa DECIMAL(3,2))");
    await sql("INSERT INTO uni.students VALUES (1, 3.10), (2, 2.50)");
    expect((await drctl(["backup", "-f", spec, "logical"])).code).toBe(0);
    await sql("INSERT INTO uni.exams VALUES (4, 60)");
    await sql("INSERT INTO uni.students VALUES (3, 3.90)");
    await sleep(1200);
    await sql("UPDATE uni.students SET gpa = 0");
    await sleep(1200);
    await sql("INSERT INTO uni.grades VALUES (50, 'between')");
    await sleep(1200);
    await sql("DROP TABLE uni.exams");
    await sleep(1200);
    afterDrop = new Date().toISOString();
    await sql("INSERT INTO uni.grades VALUES (60, 'after the drop')");
    expect((await drctl(["binlog", "archive", "-f", spec, "db1"])).code).toBe(0);
    const queries = [
      "SELECT GROUP_CONCAT(id ORDER BY id) FROM uni.exams",
      "SELECT GROUP_CONCAT(CONCAT(id, ':', gpa) ORDER BY id) FROM uni.students",
      "SELECT GROUP_CONCAT(id ORDER BY id) FROM uni.grades",
    ];

    const drop = await restoredQuery("logical", ["--to", "latest", "--before", "DROP TABLE exams"], queries);
    expect(drop.rows).toEqual(["1,2,3,4", "1:0.00,2:0.00,3:0.00", "1,2,3,10,15,20,25,50"]);
    expect(drop.stdout).toMatch(
      /stopped before: DROP TABLE uni\.exams \(GTID 0-\d+-\d+, written \S+\) — not applied, nor anything after it/,
    );
    // the headline says where it stopped, never "to latest" (issue 13)
    expect(drop.stdout).toMatch(
      new RegExp(
        "^restored logical to just before DROP TABLE uni\\.exams \\(GTID .*\\) \\(last applied " +
          "transaction written \\S+\\) from ",
        "m",
      ),
    );

    const update = await restoredQuery(
      "logical",
      ["--to", "latest", "--before", "update students set gpa = 0"],
      queries,
    );
    expect(update.rows).toEqual(["1,2,3,4", "1:3.10,2:2.50,3:3.90", "1,2,3,10,15,20,25"]);
    expect(update.stdout).toContain("stopped before: UPDATE uni.students SET gpa = 0");

    const none = await drctl(["restore", "-f", spec, "logical", "--to", "latest", "--before", "TRUNCATE nothing"], {
      env,
    });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain("matches /TRUNCATE nothing/: nothing to stop before");
  }, 240_000);

  it("a dataset of two databases replays both (one --database pass each) and skips the " +
    "server's other databases", async () => {
    expect((await drctl(["backup", "-f", spec, "pair"])).code).toBe(0);
    await sql("INSERT INTO shop.orders VALUES (7)");
    await sql("INSERT INTO outside.noise VALUES (1)"); // not in the dataset: its table is not in the sandbox
    await sql("INSERT INTO uni.grades VALUES (70, 'pair')");
    expect((await drctl(["binlog", "archive", "-f", spec, "db1"])).code).toBe(0);
    const r = await restoredQuery(
      "pair",
      ["--to", "latest"],
      [
        "SELECT GROUP_CONCAT(id) FROM shop.orders",
        "SELECT MAX(id) FROM uni.grades",
        "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'outside'",
      ],
    );
    expect(r.rows).toEqual(["7", "70", "0"]);
    expect(r.stdout).toContain("replayed: 3 transaction(s)"); // the range holds the outside one too
    expect(r.stdout).toContain("applied:  the events of uni, shop (mysqlbinlog --database, one pass each)");
  }, 120_000);

  it("--skip: a bad UPDATE between two good transactions is left out, both good ones applied; a later change to " +
    "the same rows makes it refuse, listing that change", async () => {
    await sql("CREATE TABLE uni.marks (id INT PRIMARY KEY, mark INT, note VARCHAR(20))");
    await sql("INSERT INTO uni.marks VALUES (1, 10, ''), (2, 20, ''), (3, 30, '')");
    expect((await drctl(["backup", "-f", spec, "logical"])).code).toBe(0);
    await sleep(1100);
    await sql("INSERT INTO uni.marks VALUES (4, 40, 'good before')");
    await sleep(1100);
    await sql("UPDATE uni.marks SET mark = 0 WHERE id <= 2");
    await sleep(1100);
    await sql("UPDATE uni.marks SET note = 'good after' WHERE id = 3");
    expect((await drctl(["binlog", "archive", "-f", spec, "db1"])).code).toBe(0);
    const q = ["SELECT GROUP_CONCAT(CONCAT(id, ':', mark, ':', note) ORDER BY id) FROM uni.marks"];
    const ok = await restoredQuery("logical", ["--to", "latest", "--skip", "UPDATE marks SET mark = 0"], q);
    expect(ok.rows).toEqual(["1:10:,2:20:,3:30:good after,4:40:good before"]);
    expect(ok.stdout).toMatch(
      new RegExp(
        "skipped: {2}UPDATE uni\\.marks SET mark = 0 WHERE id <= 2 \\(GTID 0-\\d+-\\d+, written " +
          "\\S+\\) — the whole transaction",
      ),
    );

    await sleep(1100);
    await sql("UPDATE uni.marks SET note = 'touches 2' WHERE id = 2");
    expect((await drctl(["binlog", "archive", "-f", spec, "db1"])).code).toBe(0);
    const refused = await drctl(
      ["restore", "-f", spec, "logical", "--to", "latest", "--skip", "UPDATE marks SET mark = 0"],
      { env },
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/1 later transaction\(s\) change rows it touched/);
    expect(refused.stderr).toMatch(
      /GTID 0-\d+-\d+: UPDATE uni\.marks SET note = 'touches 2' WHERE id = 2 — `uni`\.`marks` @1=2/,
    );
    const forced = await restoredQuery(
      "logical",
      ["--to", "latest", "--skip", "UPDATE marks SET mark = 0", "--force"],
      q,
    );
    expect(forced.stdout).toContain("WARNING (--force)");
    // the later change's row image carries the skipped value back: exactly what the refusal warned about
    expect(forced.rows).toEqual(["1:10:,2:0:touches 2,3:30:good after,4:40:good before"]);
  }, 240_000);

  it("--tables --rename --target: the dropped table comes back beside the live tables under a new name; nothing " +
    "else on the server changes", async () => {
    const checksums = async () => {
      const c = await db.connectRoot();
      try {
        const [tables] = await c.query(
          "SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN " +
            "('uni', 'shop', 'outside') ORDER BY 1, 2",
        );
        const out: Record<string, string> = {};
        for (const { d, t } of tables as { d: string; t: string }[]) {
          const [r] = await c.query(`CHECKSUM TABLE ${qualified(d, t)} EXTENDED`);
          out[`${d}.${t}`] = String((r as { Checksum: unknown }[])[0]!.Checksum);
        }
        return out;
      } finally {
        await c.end();
      }
    };
    const before = await checksums();
    expect(before["uni.exams"]).toBeUndefined();
    const args = [
      "restore",
      "-f",
      spec,
      "logical",
      "--to",
      afterDrop,
      "--before",
      "DROP TABLE exams",
      "--tables",
      "uni.exams",
      "--rename",
      "exams=exams restored`2",
      "--target",
      "db1",
    ];
    const unconfirmed = await drctl(args, { env });
    expect(unconfirmed.code).toBe(3);
    expect(unconfirmed.stderr).toContain("needs confirmation: add --yes");
    const r = await drctl([...args, "--yes"], { env });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain("copied:   uni.exams → db1 as uni.exams restored`2");
    const after = await checksums();
    const { "uni.exams restored`2": restored, ...rest } = after;
    expect(restored).toBeDefined();
    expect(rest).toEqual(before); // every other table on the server is as it was
    const c = await db.connectRoot();
    const [rows] = await c.query("SELECT GROUP_CONCAT(id ORDER BY id) AS ids FROM uni.`exams restored``2`");
    await c.end();
    expect((rows as { ids: string }[])[0]!.ids).toBe("1,2,3,4");
    const again = await drctl([...args, "--yes"], { env });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("already has uni.exams restored`2: nothing is overwritten");
  }, 180_000);

  it("--target SERVER without --tables: the dataset as of the time onto another live server (confirmed); a " +
    "replication source is refused without --force", async () => {
    const db2 = await startSandbox({ baseDir: dir });
    try {
      const q = JSON.stringify;
      const spec2 = join(dir, "with-db2.yaml");
      writeFileSync(
        spec2,
        readFileSync(spec, "utf8").replace(
          "repositories:",
          `  db2: { host: 127.0.0.1, port: ${db2.port}, credentials: ${q(db2.clientOptionFile)} }\n  db3: { ` +
            `host: 127.0.0.1, port: 9, credentials: ${q(db2.clientOptionFile)}, replicaOf: db2 }\nrepositories:`,
        ),
      );
      const args = ["restore", "-f", spec2, "logical", "--to", between, "--target", "db2"];
      const refused = await drctl([...args, "--yes"], { env });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain("--target db2 is a replication source (db3 replicate from it)");
      const r = await drctl([...args, "--yes", "--force"], { env });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toContain("restored onto db2: uni (as of the restored point)");
      const c = await db2.connectRoot();
      const [rows] = await c.query("SELECT GROUP_CONCAT(id ORDER BY id) AS ids FROM uni.grades");
      await c.end();
      expect((rows as { ids: string }[])[0]!.ids).toBe("1,2,3,10,15");
    } finally {
      await db2.stop();
    }
  }, 180_000);

  it("--tables into the sandbox: it keeps only those tables, renamed as asked", async () => {
    const r = await restoredQuery(
      "logical",
      ["--to", between, "--tables", "uni.grades", "--rename", "grades=grades, as of then"],
      [
        "SELECT GROUP_CONCAT(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'uni'",
        "SELECT GROUP_CONCAT(id ORDER BY id) FROM uni.`grades, as of then`",
      ],
    );
    expect(r.rows).toEqual(["grades, as of then", "1,2,3,10,15"]);
    expect(r.stdout).toContain("sandbox holds only: uni.grades, as of then");
  }, 120_000);

  it("a binlog deleted from the repository inside the range: refused (exit 3) naming the missing file and the " +
    "newest reachable time", async () => {
    const sets = JSON.parse((await drctl(["backups", "-f", spec, "logical", "--json"])).stdout) as {
      sets: { consistentPoint: { file: string } }[];
    };
    const file = sets.sets.at(-1)!.consistentPoint.file; // the binlog the newest set's point lies in
    const base = join(dir, "repo", "binlogs", "db1");
    const victim = readdirSync(base).find(
      (d) =>
        d !== "progress.json" && JSON.parse(readFileSync(join(base, d, "manifest.json"), "utf8")).binlog.file === file,
    )!;
    rmSync(join(base, victim), { recursive: true });
    const r = await drctl(["restore", "-f", spec, "logical", "--to", "latest"], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`binlog ${file} is missing from the archive`);
    expect(r.stderr).toMatch(/the newest time that can be reached is \d{4}-/);
  }, 60_000);
});
