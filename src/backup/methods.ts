// The backup tools' command lines and what their output says, as pure functions: argv arrays
// (never a shell string; identifiers travel as argv items), the consistent-point parsers for each
// tool's own report, and the dump scanner that finds the trailer and the tables a dump holds.

import { mydumperNamesDatabase } from "../core/findings.js";
import type { Server } from "../spec/types.generated.js";
import type { BinlogPoint, TableName } from "../core/manifest.generated.js";
import { must } from "../errors.js";

export type Flavor = "mariadb" | "mysql";

/** Connection argv for the MySQL client family: the option file first (it must be), then the spec's address. */
export function clientConnectionArgs(server: Server, optionFlag = "--defaults-extra-file"): string[] {
  const args = [`${optionFlag}=${server.credentials}`];
  if (server.socket) args.push(`--socket=${server.socket}`);
  else {
    if (server.host) args.push(`--host=${server.host}`);
    if (server.port) args.push(`--port=${server.port}`);
  }
  return args;
}

export function dumpCommand(flavor: Flavor): string {
  return flavor === "mariadb" ? "mariadb-dump" : "mysqldump";
}

/**
 * mariadb-dump / mysqldump with the production flags: one consistent snapshot, the binlog
 * coordinates of that snapshot written into the dump, routines/triggers/events, binary-safe
 * blobs. Accounts are not dumped here (drctl writes the DEFINER accounts beside it).
 */
export function dumpArgs(
  server: Server,
  flavor: Flavor,
  databases: string[],
  opts: { binlog: boolean; ignore?: TableName[]; replica?: boolean },
): string[] {
  const ignore = opts.ignore ?? [];
  // without binary logging there are no coordinates to record (and asking for them fails the dump)
  const coordinates = !opts.binlog
    ? []
    : flavor === "mariadb"
      ? ["--master-data=2", "--gtid"]
      : ["--source-data=2", "--set-gtid-purged=COMMENTED"];
  // on a replica: its source's coordinates too (the SQL thread pauses for the dump's snapshot)
  const source = opts.binlog && opts.replica ? [flavor === "mariadb" ? "--dump-slave=2" : "--dump-replica=2"] : [];
  return [
    ...clientConnectionArgs(server),
    "--single-transaction",
    ...coordinates,
    ...source,
    "--routines",
    "--triggers",
    "--events",
    "--hex-blob",
    "--default-character-set=utf8mb4",
    "--max-allowed-packet=1G",
    "--verbose", // its per-table log on stderr is how drctl knows what the dump holds (tablesInDumpLog)
    ...ignore.map((t) => `--ignore-table=${t.database}.${t.table}`),
    "--databases",
    "--", // a database named like an option stays a name
    ...databases,
  ];
}

/**
 * PCRE that matches exactly `db.` for the given databases, every byte hex-escaped (mydumper 0.10 cannot
 * take non-ASCII argv).
 */
export function mydumperRegex(databases: string[], only?: TableName[]): string {
  const hex = (s: string) =>
    [...Buffer.from(s, "utf8")]
      .map((b) =>
        /[A-Za-z0-9_]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`,
      )
      .join("");
  // with a tables: filter, exactly the selected db.table names; otherwise whole databases
  if (only) return `^(${only.map((t) => `${hex(t.database)}\\.${hex(t.table)}`).join("|")})$`;
  return `^(${databases.map(hex).join("|")})\\.`;
}

export function mydumperArgs(
  server: Server,
  databases: string[],
  outDir: string,
  threads: number,
  only?: TableName[],
): string[] {
  const conn = [`--defaults-file=${server.credentials}`];
  if (server.socket) conn.push(`--socket=${server.socket}`);
  else {
    if (server.host) conn.push(`--host=${server.host}`);
    if (server.port) conn.push(`--port=${server.port}`);
  }
  // mydumper 0.10 reads every database on the server before its --regex applies, and breaks on a database
  // name holding a quote anywhere (issue 13): one database is named with --database, so it reads only that
  // one — when its name is ASCII (glib's option parsing rejects other bytes; the regex spells them in hex)
  const one = mydumperNamesDatabase(databases) ? ["--database", must(databases[0])] : [];
  return [
    ...conn,
    ...one,
    "--regex",
    mydumperRegex(databases, only),
    "--outputdir",
    outDir,
    "--triggers",
    "--events",
    "--routines",
    "--trx-consistency-only",
    "--threads",
    String(threads),
    "--verbose",
    "2",
  ];
}

/** Names mydumper 0.10 writes into broken SQL: a backtick or a quote in the table name. */
export function mydumperUnsafe(t: TableName): boolean {
  return /[`'"]/.test(t.table) || /[`'"]/.test(t.database);
}

export function physicalArgs(
  server: Server,
  lsnDir: string,
  incrementalLsn?: string,
  parallel = 2,
  onReplica = false,
): string[] {
  return [
    ...clientConnectionArgs(server),
    "--backup",
    "--stream=xbstream",
    `--target-dir=${lsnDir}`,
    `--extra-lsndir=${lsnDir}`,
    `--parallel=${parallel}`,
    ...(incrementalLsn ? [`--incremental-lsn=${incrementalLsn}`] : []),
    // on a replica: its source's coordinates recorded beside its own, and the SQL thread paused while
    // non-InnoDB files are copied (no half-applied statement in them)
    ...(onReplica ? ["--slave-info", "--safe-slave-backup"] : []),
  ];
}

export function physicalCommand(flavor: Flavor): string {
  return flavor === "mariadb" ? "mariadb-backup" : "xtrabackup";
}

/** `key = value` lines (xtrabackup_checkpoints, xtrabackup_info). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[must(m[1])] = must(m[2]);
  }
  return out;
}

/** xtrabackup_info's binlog_pos: "filename 'x', position 'n', GTID of the last change 'g'". */
export function parseXtrabackupBinlogPos(value: string | undefined): BinlogPoint {
  if (!value) return {};
  const file = /filename '([^']*)'/.exec(value)?.[1];
  const pos = /position '?(\d+)'?/.exec(value)?.[1];
  const gtid = /GTID of the last change '([^']*)'/.exec(value)?.[1];
  return {
    ...(file ? { file } : {}),
    ...(pos ? { position: Number(pos) } : {}),
    ...(gtid ? { gtid } : {}),
    source: "xtrabackup_info",
  };
}

/** mydumper's metadata file: "SHOW MASTER STATUS: Log: f Pos: n GTID:g" and its Finished line. */
export function parseMydumperMetadata(text: string): { point: BinlogPoint; finished: boolean } {
  const master = text.split(/SHOW SLAVE STATUS:/)[0] ?? "";
  const file = /Log:\s*(\S+)/.exec(master)?.[1];
  const pos = /Pos:\s*(\d+)/.exec(master)?.[1];
  const gtid = /GTID:\s*(\S*)/.exec(master)?.[1];
  return {
    point: {
      ...(file ? { file } : {}),
      ...(pos ? { position: Number(pos) } : {}),
      ...(gtid ? { gtid } : {}),
      source: "mydumper metadata",
    },
    finished: /Finished dump at:/.test(text),
  };
}

/**
 * Has the dump's head been read far enough? The coordinates come before the first database
 * (`-- CHANGE MASTER TO …` with --master-data=2); once a CREATE DATABASE or USE shows up they
 * would have been there.
 */
export function dumpHeadComplete(head: Buffer, replica = false): boolean {
  const text = head.toString("latin1");
  return (
    // a replica's dump writes its source's coordinates after its own: only the first database ends the head
    (!replica && /\n-- CHANGE (?:MASTER|REPLICATION SOURCE) TO (?:MASTER|SOURCE)_LOG_FILE=[^\n]*\n/.test(text)) ||
    /\n(?:CREATE DATABASE|USE) /.test(text)
  );
}

/**
 * Where a replica's source stood, from a dump's head with --dump-slave=2: `-- CHANGE MASTER '' TO
 * MASTER_LOG_FILE='…', MASTER_LOG_POS=…;` and the gtid_slave_pos printed after "the dump-slave
 * CHANGE-MASTER follows". Undefined when the head has neither.
 */
export function dumpHeadSourcePoint(head: Buffer): BinlogPoint | undefined {
  const text = head.toString("utf8");
  const m = new RegExp(
    "^-- CHANGE (?:MASTER '[^']*' TO MASTER|REPLICATION SOURCE TO SOURCE)_LOG_FILE='([^']*)', " +
      "(?:MASTER|SOURCE)_LOG_POS=(\\d+)",
    "m",
  ).exec(text);
  const after = text.indexOf("dump-slave CHANGE-MASTER follows");
  const g = after < 0 ? undefined : /^-- SET GLOBAL gtid_slave_pos='([^']*)';$/m.exec(text.slice(after))?.[1];
  if (!m && g === undefined) return undefined;
  return {
    ...(m ? { file: must(m[1]), position: Number(m[2]) } : {}),
    ...(g !== undefined ? { gtid: g } : {}),
    source: "dump header (--dump-slave)",
  };
}

/**
 * Where a replica's source stood at a physical backup's point, from mariadb-backup --slave-info's
 * log line: "MySQL slave binlog position: gtid_slave_pos '0-1-3'; master '' …" (GTID replication) or
 * "master host '…', filename '…', position '…'" (file and position).
 */
export function slaveInfoPoint(log: string): BinlogPoint | undefined {
  const line = /MySQL slave binlog position: (.*)$/m.exec(log)?.[1];
  if (!line) return undefined;
  const gtid = /gtid_slave_pos '([^']*)'/.exec(line)?.[1];
  const file = /filename '([^']*)'/.exec(line)?.[1];
  const pos = /position '?(\d+)'?/.exec(line)?.[1];
  return {
    ...(file ? { file } : {}),
    ...(pos ? { position: Number(pos) } : {}),
    ...(gtid !== undefined ? { gtid } : {}),
    source: "mariadb-backup --slave-info",
  };
}

/** The binlog coordinates a dump wrote into its head (MariaDB and MySQL 8 spellings). */
export function dumpHeadPoint(head: Buffer): BinlogPoint {
  const text = head.toString("utf8");
  const m = new RegExp(
    "-- CHANGE (?:MASTER|REPLICATION SOURCE) TO " +
      "(?:MASTER|SOURCE)_LOG_FILE='([^']*)', (?:MASTER|SOURCE)_LOG_POS=(\\d+)",
  ).exec(text);
  const g = /SET @@GLOBAL\.GTID_PURGED=(?:\/\*!80000 '\+'\*\/ )?'([^']*)'/.exec(text);
  return {
    ...(m ? { file: must(m[1]), position: Number(m[2]) } : {}),
    ...(g ? { gtid: must(g[1]) } : {}),
    source: "dump header",
  };
}

/**
 * Which of `candidates` the dump wrote, from its --verbose log on stderr: per database (in the
 * order given to --databases, each between "Setting savepoint" and "Releasing savepoint" under
 * --single-transaction) a "Retrieving table structure for table NAME" followed by "Sending SELECT
 * query" — the table's rows were read. Exact substring matches, so any name works.
 */
export function tablesInDumpLog(log: string, databases: string[], candidates: TableName[]): TableName[] {
  const segments: string[] = [];
  let from = 0;
  for (;;) {
    const start = log.indexOf("-- Setting savepoint...\n", from);
    if (start < 0) break;
    const end = log.indexOf("-- Releasing savepoint...\n", start);
    segments.push(log.slice(start, end < 0 ? undefined : end));
    if (end < 0) break;
    from = end;
  }
  return candidates.filter((t) => {
    const seg = segments[databases.indexOf(t.database)];
    return seg?.includes(`\n-- Retrieving table structure for table ${t.table}...\n-- Sending SELECT query...\n`);
  });
}
