// What a drill reads from its sandbox: the restored tables, CHECK TABLE, schema objects, row
// figures, views, the GTIDs the replay really applied (from the sandbox's own binlog), and the
// drill's queries. Reading only; the comparisons are in compare.ts.

import { join } from "node:path";
import type { Connection, RowDataPacket } from "mysql2/promise";
import type { Sandbox } from "../adapters/sandbox/mariadb-sandbox.js";
import { qualified } from "../adapters/mysql/sql.js";
import type { TableName } from "../core/manifest.generated.js";
import { contentChecksum, schemaObjects } from "../backup/server-facts.js";
import { BinlogParser, formatGtid } from "../binlog/parse.js";
import { readBinlogFile } from "../binlog/read-file.js";
import { messageOf, must } from "../errors.js";

async function rows(conn: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [r] = await conn.query<RowDataPacket[]>(sql, params);
  return r;
}

export async function restoredTables(conn: Connection, databases: string[]): Promise<TableName[]> {
  if (!databases.length) return [];
  return (
    await rows(
      conn,
      "SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE " +
        "TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA IN (?)",
      [databases],
    )
  ).map((r) => ({ database: String(r.d), table: String(r.t) }));
}

/** CHECK TABLE per table: its status message, or the first error the server reported. */
export async function checkTables(
  conn: Connection,
  tables: TableName[],
): Promise<{ table: TableName; status: string }[]> {
  const out: { table: TableName; status: string }[] = [];
  for (const t of tables) {
    try {
      const r = await rows(conn, `CHECK TABLE ${qualified(t.database, t.table)}`);
      const error = r.find((x) => String(x.Msg_type).toLowerCase() === "error");
      const status = r.find((x) => String(x.Msg_type).toLowerCase() === "status");
      out.push({ table: t, status: error ? String(error.Msg_text) : String(status?.Msg_text ?? "no status") });
    } catch (e) {
      out.push({ table: t, status: messageOf(e) });
    }
  }
  return out;
}

export async function tableFigures(
  conn: Connection,
  tables: TableName[],
  checksums: boolean,
): Promise<{ table: TableName; rows: number; checksum?: string }[]> {
  const out: { table: TableName; rows: number; checksum?: string }[] = [];
  for (const t of tables) {
    try {
      const [c] = await rows(conn, `SELECT COUNT(*) AS n FROM ${qualified(t.database, t.table)}`);
      out.push({
        table: t,
        rows: Number(must(c).n),
        ...(checksums ? { checksum: await contentChecksum(conn, t) } : {}),
      });
    } catch {
      // a table that cannot be read is reported missing by the comparison
    }
  }
  return out;
}

export { schemaObjects };

export async function queryViews(conn: Connection, views: TableName[]): Promise<{ view: string; error: string }[]> {
  const failures: { view: string; error: string }[] = [];
  for (const v of views) {
    try {
      await conn.query(`SELECT 1 FROM ${qualified(v.database, v.table)} LIMIT 1`);
    } catch (e) {
      failures.push({ view: `${v.database}.${v.table}`, error: messageOf(e) });
    }
  }
  return failures;
}

/** A drill query's first column of its first row (undefined for no rows), or the server's error. */
export async function runQuery(conn: Connection, sql: string): Promise<{ value?: unknown; error?: string }> {
  try {
    const [r] = await conn.query({ sql, rowsAsArray: true });
    const first = Array.isArray(r) ? (r[0] as unknown[] | undefined) : undefined;
    return { value: first?.[0] };
  } catch (e) {
    return { error: messageOf(e) };
  }
}

/** Bytes of the dataset's tables in the restored server (data + indexes): what a restore rate is measured in. */
export async function datasetBytes(conn: Connection, databases: string[]): Promise<number> {
  if (!databases.length) return 0;
  const [r] = await rows(
    conn,
    "SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)",
    [databases],
  );
  return Number(must(r).b);
}

/**
 * The GTIDs of the transactions the sandbox logged that came from elsewhere (the replay): read from
 * its own binlog files, so what is reported is what the server applied, not what drctl sent.
 */
export async function appliedGtids(sandbox: Sandbox, conn: Connection): Promise<string[]> {
  const logs = (await rows(conn, "SHOW BINARY LOGS")).map((r) => String(r.Log_name));
  const out: string[] = [];
  for (const name of logs) {
    const summary = await readBinlogFile(join(sandbox.datadir, name), new BinlogParser({ index: true }));
    for (const g of summary.groups ?? [])
      if (g.gtid && g.gtid.server !== sandbox.serverId) out.push(formatGtid(g.gtid));
  }
  return out;
}
