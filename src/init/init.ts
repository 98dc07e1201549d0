// `drctl init`: reads a live server through an option file (its databases and sizes, engines, binlog
// settings, replication, the account's privileges) and writes a first spec (core/init-spec.ts) that
// validates — checked here before anything is written.

import type { RowDataPacket } from "mysql2/promise";
import { clientOptions } from "../adapters/mysql/option-file.js";
import { connectServer } from "../adapters/mysql/connect.js";
import { privilegesMissingFor } from "../core/findings.js";
import { initSpec, LOGICAL_LIMIT, type InitFacts, type InitOptions } from "../core/init-spec.js";
import { discoverServer } from "../discover/server.js";
import { DrError, messageOf } from "../errors.js";
import { checkSpecText } from "../spec/check.js";
import type { Server } from "../spec/types.generated.js";

const SYSTEM = ["information_schema", "performance_schema", "mysql", "sys"];

export async function readInitFacts(optionFile: string): Promise<InitFacts> {
  const client = clientOptions(optionFile);
  const server: Server = { credentials: optionFile };
  let conn: Awaited<ReturnType<typeof connectServer>>;
  try {
    conn = await connectServer(server);
  } catch (e) {
    throw new DrError("failed", `cannot connect with ${optionFile}: ${messageOf(e)}`, {
      hint: "the option file needs [client] user, password and host/port or socket",
    });
  }
  let databases: InitFacts["databases"];
  let replicas: string[];
  try {
    const q = async (sql: string, args: unknown[] = []) => (await conn.query<RowDataPacket[]>(sql, args))[0];
    const names = (await q("SELECT schema_name AS db FROM information_schema.schemata ORDER BY schema_name"))
      .map((r) => String(r.db))
      .filter((d) => !SYSTEM.includes(d));
    const sizes = new Map<string, number>();
    const loose = new Map<string, { table: string; engine: string }[]>();
    if (names.length) {
      for (const r of await q(
        "SELECT table_schema AS db, table_name AS t, engine, data_length + index_length AS b " +
          "FROM information_schema.tables WHERE table_schema IN (?) AND table_type = 'BASE TABLE'",
        [names],
      )) {
        const db = String(r.db);
        sizes.set(db, (sizes.get(db) ?? 0) + Number(r.b ?? 0));
        const engine = String(r.engine ?? "");
        if (engine && !["InnoDB", "XtraDB"].includes(engine))
          loose.set(db, [...(loose.get(db) ?? []), { table: String(r.t), engine }]);
      }
    }
    databases = names.map((name) => ({ name, bytes: sizes.get(name) ?? 0, nonTransactional: loose.get(name) ?? [] }));
    replicas = (await q("SHOW SLAVE HOSTS").catch(() => [])).map(
      (r) => `${String(r.Host ?? "?")}:${String(r.Port ?? "?")} (server_id ${String(r.Server_id ?? "?")})`,
    );
  } finally {
    await conn.end().catch(() => {});
  }
  const observed = await discoverServer(
    "init",
    server,
    databases.map((d) => d.name),
  );
  if (!observed.reachable) throw new DrError("failed", observed.error ?? "the server could not be read");
  const flavor = observed.flavor ?? "mariadb";
  const variables = observed.variables ?? {};
  const total = databases.reduce((n, d) => n + d.bytes, 0);
  const method = total >= LOGICAL_LIMIT ? (flavor === "mariadb" ? "mariadb-backup" : "xtrabackup") : "mysqldump";
  const jobs = [method, ...(variables.log_bin === "ON" ? ["binlog archiving"] : [])];
  return {
    address: client.socket && !client.host ? { socket: client.socket } : { host: client.host, port: client.port },
    credentials: optionFile,
    flavor,
    version: observed.version ?? "",
    variables,
    databases,
    ...(observed.replica ? { replicaOf: `${observed.replica.sourceHost}:${observed.replica.sourcePort}` } : {}),
    replicas,
    missingPrivileges: privilegesMissingFor(observed.privileges ?? [], jobs, flavor),
  };
}

/** The spec's text, proven valid (an init that wrote a spec drctl refuses would be a bug, said so). */
export function writeInitSpec(facts: InitFacts, opts: InitOptions, file: string): string {
  const text = initSpec(facts, opts);
  const check = checkSpecText(text, file);
  const errors = check.diagnostics.filter((d) => d.severity === "error");
  if (errors.length)
    throw new DrError(
      "failed",
      "internal error: the spec init wrote does not validate:\n  " +
        errors.map((d) => `${d.path}: ${d.summary}`).join("\n  "),
    );
  return text;
}
