// The parallel load of a dump set (issue 17 §3) on real servers: a real mariadb-dump of a database
// with a hostile name, foreign keys, a trigger that would rewrite rows if it existed during the
// load, a view, a routine and an event, loaded over three connections and, for comparison, through
// one client — the two servers hold the same rows (CHECKSUM TABLE) and the same objects. A row that
// fails to load stops the load naming the loader and the server's error.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStages, fileProducer, runPipeline } from "../../src/adapters/pipeline/stream.js";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { dumpArgs } from "../../src/backup/methods.js";
import { loadClientArgs, loadDumpInParallel } from "../../src/restore/parallel-load.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-parallel-load-");
const DB = "par `db` ü;$(x)";
const q = (s: string) => `\`${s.replaceAll("`", "``")}\``;
let source: Sandbox;
const dumpFile = join(dir, "dump.sql.zst");

async function state(s: Sandbox): Promise<Record<string, unknown>> {
  const c = await s.connectRoot();
  try {
    const [tables] = await c.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' " +
        "ORDER BY 1",
      [DB],
    );
    const sums: Record<string, unknown> = {};
    for (const { t } of tables) {
      const [r] = await c.query<RowDataPacket[]>(`CHECKSUM TABLE ${q(DB)}.${q(String(t))}`);
      const [n] = await c.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${q(DB)}.${q(String(t))}`);
      sums[String(t)] = `${r[0]?.Checksum}/${n[0]?.n}`;
    }
    const objects = async (sql: string) => {
      const [rows] = await c.query<RowDataPacket[]>(sql, [DB]);
      return rows.map((r) => Object.values(r).join("|"));
    };
    return {
      sums,
      triggers: await objects(
        "SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
      ),
      routines: await objects(
        "SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?",
      ),
      views: await objects("SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?"),
      events: await objects("SELECT EVENT_NAME, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?"),
      fks: await objects(
        "SELECT CONSTRAINT_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS " +
          "WHERE CONSTRAINT_SCHEMA = ?",
      ),
    };
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  source = await startSandbox({ binlog: true, baseDir: dir });
  const c = await source.connectRoot();
  const d = q(DB);
  await c.query(`CREATE DATABASE ${d}`);
  await c.query(`CREATE TABLE ${d}.parent (id INT PRIMARY KEY, s VARCHAR(200)) ENGINE=InnoDB`);
  await c.query(
    `CREATE TABLE ${d}.\`child ; "x"\` (id INT PRIMARY KEY, parent INT NOT NULL, s TEXT, ` +
      `FOREIGN KEY (parent) REFERENCES ${d}.parent (id)) ENGINE=InnoDB`,
  );
  await c.query(`CREATE TABLE ${d}.audited (id INT PRIMARY KEY, s TEXT) ENGINE=InnoDB`);
  // several INSERT lines per table (mariadb-dump starts a new one about every MB)
  await c.query(`INSERT INTO ${d}.parent SELECT seq, CONCAT('p', seq, ' ;\\n''"') FROM test.seq_1_to_20000`);
  await c.query(
    `INSERT INTO ${d}.\`child ; "x"\` SELECT seq, 1 + seq MOD 20000, REPEAT(MD5(seq), 8) FROM test.seq_1_to_30000`,
  );
  await c.query(`INSERT INTO ${d}.audited SELECT seq, REPEAT(CHAR(65 + seq MOD 26), 300) FROM test.seq_1_to_12000`);
  // were this trigger created before the rows load, every loaded row would say 'rewritten'
  await c.query(`CREATE TRIGGER ${d}.rewrite BEFORE INSERT ON ${d}.audited FOR EACH ROW SET NEW.s = 'rewritten'`);
  await c.query(
    `CREATE VIEW ${d}.v AS SELECT p.id, COUNT(*) AS n FROM ${d}.parent p JOIN ${d}.\`child ; "x"\` c ` +
      "ON c.parent = p.id GROUP BY p.id",
  );
  await c.query(`CREATE PROCEDURE ${d}.p() BEGIN INSERT INTO ${d}.audited VALUES (0, 'from p'); END`);
  await c.query(`CREATE EVENT ${d}.e ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM ${d}.audited`);
  await c.end();
  // drctl's own production flags (the server has binary logging, so the head carries its coordinates)
  const dump = execFileSync(
    "mariadb-dump",
    dumpArgs({ credentials: source.clientOptionFile }, "mariadb", [DB], { binlog: true }),
    { maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "ignore"] },
  );
  expect(dump.toString("latin1").match(/^INSERT INTO /gm)?.length).toBeGreaterThan(6);
  writeFileSync(join(dir, "dump.sql"), dump);
  execFileSync("zstd", ["-q", "-3", join(dir, "dump.sql"), "-o", dumpFile]);
}, 120_000);

afterAll(async () => {
  await source?.stop();
});

describe("loadDumpInParallel", () => {
  it("three loaders and one client load the same rows and objects as the source holds", async () => {
    const want = await state(source);
    expect(Object.keys(want.sums as object)).toHaveLength(3);
    const parallel = await startSandbox({ baseDir: dir, harmless: true });
    const serial = await startSandbox({ baseDir: dir, harmless: true });
    try {
      await loadDumpInParallel({
        decode: decodeStages(dumpFile),
        clientOptionFile: parallel.clientOptionFile,
        binlog: true,
        loaders: 3,
      });
      await runPipeline(
        [
          ...decodeStages(dumpFile),
          { name: "mariadb", command: "mariadb", args: loadClientArgs(serial.clientOptionFile, true) },
        ],
        async () => {},
      );
      expect(await state(parallel)).toEqual(want);
      expect(await state(serial)).toEqual(want);
    } finally {
      await parallel.stop();
      await serial.stop();
    }
  }, 120_000);

  it("a row that does not load stops everything, naming the loader and the server's error", async () => {
    const bad = join(dir, "bad.sql");
    writeFileSync(
      bad,
      "CREATE DATABASE d;\nUSE `d`;\nCREATE TABLE `t` (id INT PRIMARY KEY);\n" +
        "INSERT INTO `t` VALUES (1),(2);\nINSERT INTO `t` VALUES (3);\nINSERT INTO `t` VALUES (2);\n",
    );
    const target = await startSandbox({ baseDir: dir, harmless: true });
    try {
      const err = await loadDumpInParallel({
        decode: [fileProducer(bad)],
        clientOptionFile: target.clientOptionFile,
        binlog: true,
        loaders: 2,
      }).catch((e: unknown) => e as Error);
      expect(String((err as Error).message)).toMatch(/^loader [12] failed: ERROR 1062 \(23000\): Duplicate entry '2'/);
    } finally {
      await target.stop();
    }
  }, 60_000);
});
