// Replication between sandboxes (issue 16): a source and replicas on loopback, each its own datadir
// and port, GTID-based (MASTER_USE_GTID=slave_pos), ROW binlogs, gtid_strict_mode, and
// log_slave_updates everywhere so that any replica can be promoted and continue the chain. The
// replication account lives only on the source (created outside its binlog) and its password only
// in the replica's master.info inside its 0700 datadir — never on a command line.

import { randomBytes } from "node:crypto";
import type mysql from "mysql2/promise";
import { mysqlDriver } from "../mysql/connect.js";
import { DrError, messageOf } from "../../errors.js";
import { type Sandbox, type SandboxInfo, type SandboxOptions, startSandbox } from "./mariadb-sandbox.js";

/** What every member of a topology runs with: a replica must be able to become the source. */
export const TOPOLOGY_OPTIONS = ["gtid-strict-mode=ON", "log-slave-updates=ON", "binlog-format=ROW"];

const REPLICATION_USER = "drctl_repl";

interface ReplicaStatus {
  Slave_IO_Running?: string;
  Slave_SQL_Running?: string;
  Last_IO_Error?: string;
  Last_SQL_Error?: string;
}

async function oneRow<T>(conn: mysql.Connection, sql: string): Promise<T | undefined> {
  const [rows] = await conn.query(sql);
  return (rows as T[])[0];
}

/** Root over the socket of a sandbox on a fresh datadir (one `drctl sandbox up` started, too). */
async function connectRoot(s: SandboxInfo): Promise<mysql.Connection> {
  return (await mysqlDriver()).createConnection({ socketPath: s.socket, user: "root" });
}

/** The source's replication account (created outside its binlog, so that nothing replicates it), and its password. */
async function replicationAccount(source: SandboxInfo): Promise<string> {
  const password = randomBytes(18).toString("base64url");
  const conn = await connectRoot(source);
  try {
    await conn.query("SET SESSION sql_log_bin = 0");
    await conn.query("CREATE OR REPLACE USER ?@'127.0.0.1' IDENTIFIED BY ?", [REPLICATION_USER, password]);
    await conn.query("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ?@'127.0.0.1'", [REPLICATION_USER]);
  } finally {
    await conn.end();
  }
  return password;
}

/**
 * Points `replica` at `source` and starts replicating from the replica's own GTID position (empty on
 * a fresh datadir: the source's binlogs from their start). No CHANGE MASTER runs anywhere else in drctl.
 */
export async function replicateFrom(replica: SandboxInfo, source: SandboxInfo, opts: { timeoutMs?: number } = {}) {
  if (!source.binlog)
    throw new DrError("invalid", `the source on 127.0.0.1:${source.port} has binary logging off: nothing to replicate`);
  const password = await replicationAccount(source);
  const conn = await connectRoot(replica);
  try {
    await conn.query("STOP SLAVE");
    await conn.query(
      "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, " +
        "MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1",
      [source.port, REPLICATION_USER, password],
    );
    await conn.query("START SLAVE");
  } finally {
    await conn.end();
  }
  await waitForReplication(replica, opts.timeoutMs ?? 30_000);
}

/** Until both replication threads run (or the replica reports why they do not). */
async function waitForReplication(replica: SandboxInfo, timeoutMs: number): Promise<void> {
  const conn = await connectRoot(replica);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await oneRow<ReplicaStatus>(conn, "SHOW SLAVE STATUS");
      if (s?.Slave_IO_Running === "Yes" && s.Slave_SQL_Running === "Yes") return;
      const why = s?.Last_IO_Error || s?.Last_SQL_Error || `IO ${s?.Slave_IO_Running}, SQL ${s?.Slave_SQL_Running}`;
      if (s?.Last_IO_Error || s?.Last_SQL_Error || Date.now() > deadline)
        throw new DrError("failed", `the replica on port ${replica.port} does not replicate: ${why}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await conn.end();
  }
}

/** Until the replica has applied everything the source has written so far (its GTID position reached). */
export async function waitForCatchUp(replica: SandboxInfo, source: SandboxInfo, timeoutMs = 30_000): Promise<void> {
  const src = await connectRoot(source);
  let pos: string;
  try {
    pos = (await oneRow<{ pos: string }>(src, "SELECT @@gtid_binlog_pos AS pos"))?.pos ?? "";
  } finally {
    await src.end();
  }
  const conn = await connectRoot(replica);
  try {
    const [rows] = await conn.query("SELECT MASTER_GTID_WAIT(?, ?) AS r", [pos, timeoutMs / 1000]);
    const r = (rows as { r: number }[])[0]?.r;
    if (r !== 0)
      throw new DrError(
        "failed",
        `the replica on port ${replica.port} did not reach the source's GTID ${pos || "(empty)"} ` +
          `within ${timeoutMs / 1000} s`,
      );
  } finally {
    await conn.end();
  }
}

export interface Topology {
  source: Sandbox;
  replicas: Sandbox[];
  /** Every member stopped and its directory removed, replicas first. */
  stop(): Promise<void>;
}

/**
 * A source and `replicas` replicas of it, replicating and caught up; each member gets server-id
 * 1, 2, 3… so that a duplicate is a deliberate act of the test. Always torn down on failure.
 */
export async function startTopology(
  opts: { replicas: number; baseDir?: string; sourceOptions?: SandboxOptions } & SandboxOptions,
): Promise<Topology> {
  const { replicas: count, sourceOptions, ...base } = opts;
  const members: Sandbox[] = [];
  const stop = async () => {
    for (const m of [...members].reverse()) await m.stop().catch(() => {});
  };
  try {
    const start = (serverId: number, readOnly: boolean, own: SandboxOptions = {}) =>
      startSandbox({
        ...base,
        ...own,
        binlog: true,
        serverId,
        serverOptions: [
          ...TOPOLOGY_OPTIONS,
          ...(readOnly ? ["read-only=ON"] : []),
          ...(base.serverOptions ?? []),
          ...(own.serverOptions ?? []),
        ],
      });
    // the source's own options (a drop-in apply writes) are its alone
    const source = await start(1, false, sourceOptions);
    members.push(source);
    for (let i = 0; i < count; i++) {
      const replica = await start(i + 2, true);
      members.push(replica);
      await replicateFrom(replica, source);
    }
    return { source, replicas: members.slice(1), stop };
  } catch (e) {
    await stop();
    throw e instanceof DrError ? e : new DrError("failed", `cannot start the replication topology: ${messageOf(e)}`);
  }
}
