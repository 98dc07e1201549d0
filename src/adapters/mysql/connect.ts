// Connections to the spec's servers: the address comes from the spec, the account and password
// only from the server's option file (never argv, never the spec).

import type { Connection } from "mysql2/promise";
import type { Server } from "../../spec/types.generated.js";
import { clientOptions } from "./option-file.js";

type Driver = typeof import("mysql2/promise");
let driver: Promise<Driver> | undefined;

/**
 * mysql2, loaded on first use (~90 ms of CommonJS): `plan --observed`, validate and the renderers never
 * pay for it, and a restore asks for it early so it loads while its tools extract.
 */
export function mysqlDriver(): Promise<Driver> {
  driver ??= import("mysql2/promise").then((m) => m.default as unknown as Driver);
  return driver;
}

/**
 * `verbatim`: for a dump's own statements — each query's latin1 string goes out as exactly those
 * bytes (charset BINARY; the dump's header sets the session's real character set), several
 * statements may share a query (the header), and nothing is scanned for `?` placeholders (that scan
 * alone cost more CPU than the load's own work on a megabyte of rows).
 */
export async function connectServer(
  server: Server,
  opts: { timeoutMs?: number; verbatim?: boolean } = {},
): Promise<Connection> {
  const client = clientOptions(server.credentials);
  // the spec's address wins; without one, the option file's (socket before host, as the client does)
  const socket = server.socket ?? (server.host === undefined && server.port === undefined ? client.socket : undefined);
  const where = socket
    ? { socketPath: socket }
    : { host: server.host ?? client.host ?? "127.0.0.1", port: server.port ?? client.port ?? 3306 };
  const mysql = await mysqlDriver();
  return await mysql.createConnection({
    ...where,
    user: client.user,
    password: client.password,
    connectTimeout: opts.timeoutMs ?? 5000,
    charset: opts.verbatim ? "BINARY" : "utf8mb4_general_ci",
    ...(opts.verbatim ? { multipleStatements: true, queryFormat: (sql: string) => sql } : {}),
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
  });
}

/** `127.0.0.1:3306` or `socket /run/mysqld/mysqld.sock`, for messages. */
export function addressOf(server: Server): string {
  return server.socket ? `socket ${server.socket}` : `${server.host}:${server.port ?? 3306}`;
}
