// The fixture every backup method must carry through unharmed (issue 5): a unicode database name,
// tables named with a space, a backtick, CJK; a view and a routine with a DEFINER, a trigger, an
// event, a BLOB holding all 256 byte values and an emoji in utf8mb4 — and the fingerprint a restore
// is compared by: CHECKSUM TABLE of every table, normalized SHOW CREATE of every object, the view's rows.
import type { Connection } from "mysql2/promise";
import { qualified, quoteIdent } from "../../src/adapters/mysql/sql.js";
import { schemaObjects } from "../../src/backup/server-facts.js";

export const HOSTILE_DB = "dr_ünïcode";
const DEFINER = "definer_ü";

export async function loadHostileFixture(
  conn: Connection,
  db: string,
  opts: { backtickTable: boolean },
): Promise<void> {
  const q = quoteIdent(db);
  const stmts = [
    `CREATE DATABASE ${q} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`,
    `CREATE TABLE ${q}.\`tbl with space\` (id INT PRIMARY KEY, note VARCHAR(100) CHARACTER SET utf8mb4) ENGINE=InnoDB`,
    `CREATE TABLE ${q}.\`学生\` (id INT PRIMARY KEY, \`名前\` VARCHAR(50)) ENGINE=InnoDB`,
    `CREATE TABLE ${q}.blobs (id INT PRIMARY KEY, b BLOB) ENGINE=InnoDB`,
    `CREATE TABLE ${q}.audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100)) ENGINE=InnoDB`,
    `INSERT INTO ${q}.\`tbl with space\` VALUES (1, 'emoji 🦊 here'), (2, 'quote '' and "dq" and \`bt\` and ` +
      `\\\\ backslash')`,
    `INSERT INTO ${q}.\`学生\` VALUES (1, '山田'), (2, 'Ünïcödé')`,
    `CREATE USER IF NOT EXISTS '${DEFINER}'@'localhost'`,
    `GRANT ALL ON ${q}.* TO '${DEFINER}'@'localhost'`,
    `CREATE DEFINER='${DEFINER}'@'localhost' SQL SECURITY DEFINER VIEW ${q}.\`v ü\` AS SELECT id, note FROM ` +
      `${q}.\`tbl with space\``,
    `CREATE DEFINER='${DEFINER}'@'localhost' PROCEDURE ${q}.\`proc ü\`(IN n INT) BEGIN SELECT n + 1 AS r; END`,
    `CREATE TRIGGER ${q}.\`trg ü\` AFTER INSERT ON ${q}.\`tbl with space\` FOR EACH ROW INSERT INTO ${q}.audit(what) ` +
      `VALUES (CONCAT('ins ', NEW.id))`,
    `CREATE EVENT ${q}.\`ev ü\` ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00' DISABLE DO DELETE FROM ` +
      `${q}.audit WHERE id < 0`,
    `INSERT INTO ${q}.\`tbl with space\` VALUES (3, 'after the trigger')`,
  ];
  if (opts.backtickTable) {
    stmts.push(
      `CREATE TABLE ${q}.\`back\`\`tick\` (id INT PRIMARY KEY, v INT) ENGINE=InnoDB`,
      `INSERT INTO ${q}.\`back\`\`tick\` VALUES (1, 10), (2, 20)`,
    );
  }
  for (const s of stmts) await conn.query(s);
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await conn.query(`INSERT INTO ${q}.blobs VALUES (1, ?), (2, ?)`, [all, Buffer.from(all).reverse()]);
}

export interface Fingerprint {
  checksums: Record<string, string>;
  objects: { type: string; database: string; name: string; definition: string }[];
  viewRows: unknown[];
}

export async function fingerprint(conn: Connection, db: string): Promise<Fingerprint> {
  const [tables] = await conn.query(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE " +
      "TABLE' ORDER BY TABLE_NAME",
    [db],
  );
  const checksums: Record<string, string> = {};
  for (const { t } of tables as { t: string }[]) {
    const [r] = await conn.query(`CHECKSUM TABLE ${qualified(db, t)} EXTENDED`);
    checksums[t] = String((r as { Checksum: unknown }[])[0]!.Checksum);
  }
  const objects = (await schemaObjects(conn, [db])).map(({ type, database, name, definition }) => ({
    type,
    database,
    name,
    definition,
  }));
  const [viewRows] = await conn.query(`SELECT * FROM ${qualified(db, "v ü")} ORDER BY id`);
  return { checksums, objects, viewRows: viewRows as unknown[] };
}
