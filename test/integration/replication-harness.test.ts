// The replication test harness (issue 16 §1): a source and replicas on loopback that really
// replicate (GTID, ROW, strict mode, read-only replicas, distinct server ids) and are always torn
// down, and the same from the command line: `drctl sandbox up --replica-of NAME`.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { isOurServer } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { startTopology, waitForCatchUp } from "../../src/adapters/sandbox/replication.js";
import { drctl } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-replication-");
const DB = "Ünï `db` 'x' $(y)";
const q = (id: string) => `\`${id.replaceAll("`", "``")}\``;

interface Facts {
  io: string;
  sql: string;
  readOnly: number;
  strict: number;
  logSlaveUpdates: number;
  serverId: number;
}

async function factsOf(conn: mysql.Connection): Promise<Facts> {
  const [[v]] = (await conn.query(
    "SELECT @@read_only AS readOnly, @@gtid_strict_mode AS strict, @@log_slave_updates AS logSlaveUpdates, " +
      "@@server_id AS serverId",
  )) as unknown as [[Facts]];
  const [status] = (await conn.query("SHOW SLAVE STATUS")) as unknown as [
    { Slave_IO_Running: string; Slave_SQL_Running: string }[],
  ];
  return { ...v, io: status[0]?.Slave_IO_Running ?? "-", sql: status[0]?.Slave_SQL_Running ?? "-" };
}

describe("replication harness", () => {
  it("a source and two replicas replicate hostile names row for row, and stop() leaves nothing", async () => {
    const t = await startTopology({ replicas: 2, baseDir: dir });
    const members = [t.source, ...t.replicas];
    try {
      const src = await t.source.connectRoot();
      await src.query(`CREATE DATABASE ${q(DB)}`);
      await src.query(`CREATE TABLE ${q(DB)}.${q("t `1`")} (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB`);
      await src.query(`INSERT INTO ${q(DB)}.${q("t `1`")} VALUES (1, 'ä'), (2, 'b'), (3, '$(c)')`);
      const [[{ pos }]] = (await src.query("SELECT @@gtid_binlog_pos AS pos")) as unknown as [[{ pos: string }]];
      await src.end();
      for (const r of t.replicas) await waitForCatchUp(r, t.source);

      const facts: Facts[] = [];
      for (const m of members) {
        const c = await m.connectRoot();
        facts.push(await factsOf(c));
        if (m !== t.source) {
          const [rows] = await c.query(`SELECT id, v FROM ${q(DB)}.${q("t `1`")} ORDER BY id`);
          expect(rows).toEqual([
            { id: 1, v: "ä" },
            { id: 2, v: "b" },
            { id: 3, v: "$(c)" },
          ]);
          const [[{ slavePos }]] = (await c.query("SELECT @@gtid_slave_pos AS slavePos")) as unknown as [
            [{ slavePos: string }],
          ];
          expect(slavePos).toBe(pos); // everything the source wrote, nothing of its own
        }
        await c.end();
      }
      expect(facts.map((f) => [f.io, f.sql, f.readOnly])).toEqual([
        ["-", "-", 0],
        ["Yes", "Yes", 1],
        ["Yes", "Yes", 1],
      ]);
      expect(facts.every((f) => f.strict === 1 && f.logSlaveUpdates === 1)).toBe(true);
      expect(new Set(facts.map((f) => f.serverId)).size).toBe(3);
      // the replication password is in no option file drctl wrote, only in the replica's datadir
      for (const m of members) expect(readFileSync(m.serverOptionFile, "utf8")).not.toMatch(/drctl_repl|password/i);
    } finally {
      await t.stop();
    }
    for (const m of members) {
      expect(isOurServer(m.pid, m.dir)).toBe(false);
      expect(existsSync(m.dir)).toBe(false);
    }
  }, 120_000);

  it("drctl sandbox up --replica-of: replicates from the named sandbox; refuses one without a binlog", async () => {
    const env = { DRCTL_SANDBOX_HOME: join(dir, "home") };
    const up = (...args: string[]) => drctl(["sandbox", "up", "--json", ...args], { env });
    try {
      const src = await up("--binlog", "--name", "src");
      expect(src.code, src.stderr).toBe(0);
      const plain = await up("--name", "plain");
      expect(plain.code, plain.stderr).toBe(0);

      const refused = await up("--replica-of", "plain", "--name", "nope");
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain('sandbox "plain" has binary logging off');
      const missing = await up("--replica-of", "ghost", "--name", "nope");
      expect([missing.code, missing.stderr]).toEqual([3, expect.stringContaining('no sandbox "ghost" is up')]);

      const rep = await up("--replica-of", "src", "--name", "rep");
      expect(rep.code, rep.stderr).toBe(0);
      const s = JSON.parse(src.stdout) as { socket: string; serverId: number };
      const r = JSON.parse(rep.stdout) as { socket: string; serverId: number; port: number };
      expect(r.serverId).not.toBe(s.serverId);
      const a = await mysql.createConnection({ socketPath: s.socket, user: "root" });
      await a.query("CREATE DATABASE shop");
      await a.query("CREATE TABLE shop.o (id INT PRIMARY KEY) ENGINE=InnoDB");
      await a.query("INSERT INTO shop.o VALUES (7)");
      await a.end();
      const b = await mysql.createConnection({ socketPath: r.socket, user: "root" });
      try {
        // replication is asynchronous: the row arrives within moments
        for (let i = 0; i < 100; i++) {
          const [t] = (await b.query(
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'shop'",
          )) as unknown as [{ n: number }[]];
          const [n] = t[0]?.n
            ? ((await b.query("SELECT COUNT(*) AS n FROM shop.o")) as unknown as [{ n: number }[]])
            : [[]];
          if (n[0]?.n === 1) break;
          await new Promise((res) => setTimeout(res, 100));
        }
        const [rows] = await b.query("SELECT id FROM shop.o");
        expect(rows).toEqual([{ id: 7 }]);
      } finally {
        await b.end();
      }
      const listed = await drctl(["sandbox", "list", "--json"], { env });
      expect(listed.stdout).toContain('"rep"');
    } finally {
      await drctl(["sandbox", "down", "--all"], { env });
    }
  }, 120_000);
});
