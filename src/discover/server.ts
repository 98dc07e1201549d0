// Reads one server's live state over mysql2: variables, binlogs, replica status, the account's
// privileges and the size of the dataset's databases. Read-only; a failure becomes an
// unreachable server whose error names it, never an exception that hides the rest of the plan.

import type { Connection, RowDataPacket } from "mysql2/promise";
import { addressOf, connectServer } from "../adapters/mysql/connect.js";
import { messageOf, must } from "../errors.js";
import type { ObservedServer, ReplicaStatus } from "../core/observed.js";
import type { Server } from "../spec/types.generated.js";

const WATCHED_VARIABLES = [
  "version",
  "version_comment",
  "log_bin",
  "log_bin_basename",
  "binlog_format",
  "sync_binlog",
  "server_id",
  "binlog_expire_logs_seconds",
  "expire_logs_days",
  "gtid_strict_mode",
  "gtid_domain_id",
  "gtid_binlog_pos",
  "gtid_slave_pos",
  "gtid_mode",
  "enforce_gtid_consistency",
  "log_slave_updates",
  "log_replica_updates",
  "read_only",
  "datadir",
];

async function rows(conn: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [r] = await conn.query<RowDataPacket[]>(sql, params);
  return r;
}

export async function discoverServer(name: string, server: Server, databases: string[]): Promise<ObservedServer> {
  let conn: Connection | undefined;
  try {
    conn = await connectServer(server);
  } catch (e) {
    return {
      name,
      reachable: false,
      error: `cannot connect to server ${name} (${addressOf(server)}): ${messageOf(e)}`,
    };
  }
  try {
    const vars: Record<string, string> = {};
    for (const r of await rows(conn, "SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)", [WATCHED_VARIABLES])) {
      vars[String(r.Variable_name).toLowerCase()] = String(r.Value);
    }
    const version = vars.version ?? "";
    const flavor = /mariadb/i.test(version + (vars.version_comment ?? "")) ? "mariadb" : "mysql";
    const status: Record<string, string> = {};
    for (const r of await rows(conn, "SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime', 'Binlog_bytes_written')"))
      status[String(r.Variable_name)] = String(r.Value);
    let binaryLogs: { name: string; size: number }[] = [];
    if (vars.log_bin === "ON") {
      binaryLogs = (await rows(conn, "SHOW BINARY LOGS").catch(() => [])).map((r) => ({
        name: String(r.Log_name),
        size: Number(r.File_size),
      }));
    }
    const replica = await replicaStatus(conn, flavor);
    const privileges = await globalPrivileges(conn);
    const databaseBytes: Record<string, number> = {};
    const hostileTableNames: string[] = [];
    const hostileNames: { database: string; table: string }[] = [];
    const hostileDatabases = (
      await rows(
        conn,
        "SELECT schema_name AS db FROM information_schema.schemata WHERE LOCATE('`', schema_name) > 0 OR " +
          "LOCATE('''', schema_name) > 0 OR LOCATE('\"', schema_name) > 0",
      ).catch(() => [])
    ).map((r) => String(r.db));
    if (databases.length > 0) {
      for (const r of await rows(
        conn,
        "SELECT table_schema AS db, COALESCE(SUM(data_length + index_length), 0) AS bytes FROM " +
          "information_schema.tables WHERE table_schema IN (?) GROUP BY table_schema",
        [databases],
      )) {
        databaseBytes[String(r.db)] = Number(r.bytes);
      }
      for (const r of await rows(
        conn,
        "SELECT table_schema AS db, table_name AS t FROM information_schema.tables WHERE table_schema IN (?) " +
          "AND (LOCATE('`', CONCAT(table_schema, table_name)) > 0 OR LOCATE('''', CONCAT(table_schema, " +
          "table_name)) > 0 OR LOCATE('\"', CONCAT(table_schema, table_name)) > 0)",
        [databases],
      )) {
        hostileTableNames.push(`${String(r.db)}.${String(r.t)}`);
        hostileNames.push({ database: String(r.db), table: String(r.t) });
      }
    }
    return {
      name,
      reachable: true,
      flavor,
      version,
      variables: vars,
      status,
      binaryLogs,
      replica,
      privileges,
      databaseBytes,
      hostileTableNames,
      hostileNames,
      hostileDatabases,
    };
  } catch (e) {
    return {
      name,
      reachable: false,
      error: `server ${name} (${addressOf(server)}): reading its state failed: ${messageOf(e)}`,
    };
  } finally {
    await conn.end().catch(() => undefined);
  }
}

async function replicaStatus(conn: Connection, flavor: "mariadb" | "mysql"): Promise<ReplicaStatus | null> {
  const sql = flavor === "mariadb" ? "SHOW SLAVE STATUS" : "SHOW REPLICA STATUS";
  const r = (await rows(conn, sql).catch(() => []))[0];
  if (!r) return null;
  const pick = (...keys: string[]) => {
    for (const k of keys) if (r[k] !== undefined && r[k] !== null) return String(r[k]);
    return "";
  };
  const lag = pick("Seconds_Behind_Master", "Seconds_Behind_Source");
  return {
    ioRunning: pick("Slave_IO_Running", "Replica_IO_Running") === "Yes",
    sqlRunning: pick("Slave_SQL_Running", "Replica_SQL_Running") === "Yes",
    lagSeconds: lag === "" ? null : Number(lag),
    sourceHost: pick("Master_Host", "Source_Host"),
    sourcePort: Number(pick("Master_Port", "Source_Port") || 0),
    lastIoError: pick("Last_IO_Error"),
    lastSqlError: pick("Last_SQL_Error"),
  };
}

/**
 * Global privileges of the current account, parsed from SHOW GRANTS (the lines themselves can hold password hashes:
 * they are not kept).
 */
async function globalPrivileges(conn: Connection): Promise<string[]> {
  const privs = new Set<string>();
  for (const r of await rows(conn, "SHOW GRANTS")) {
    const line = String(Object.values(r)[0]);
    const m = /^GRANT (.+?) ON \*\.\* TO /i.exec(line);
    if (!m) continue;
    for (const p of must(m[1]).split(",")) privs.add(p.trim().toUpperCase().replace(/^ALL$/, "ALL PRIVILEGES"));
  }
  return [...privs].sort();
}
