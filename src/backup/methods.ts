// The backup tools' command lines and what their output says, as pure functions: argv arrays
// (never a shell string; identifiers travel as argv items), the consistent-point parsers for each
// tool's own report, and the dump scanner that finds the trailer and the tables a dump holds.

import type { Server } from "../spec/types.generated.js";
import type { BinlogPoint, TableName } from "./manifest.generated.js";

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
export function dumpArgs(server: Server, flavor: Flavor, databases: string[], opts: { binlog: boolean; ignore?: TableName[] }): string[] {
  const ignore = opts.ignore ?? [];
  // without binary logging there are no coordinates to record (and asking for them fails the dump)
  const coordinates = !opts.binlog ? [] : flavor === "mariadb" ? ["--master-data=2", "--gtid"] : ["--source-data=2", "--set-gtid-purged=COMMENTED"];
  return [
    ...clientConnectionArgs(server),
    "--single-transaction",
    ...coordinates,
    "--routines",
    "--triggers",
    "--events",
    "--hex-blob",
    "--default-character-set=utf8mb4",
    "--max-allowed-packet=1G",
    ...ignore.map((t) => `--ignore-table=${t.database}.${t.table}`),
    "--databases",
    "--", // a database named like an option stays a name
    ...databases,
  ];
}

/** PCRE that matches exactly `db.` for the given databases, every byte hex-escaped (mydumper 0.10 cannot take non-ASCII argv). */
export function mydumperRegex(databases: string[], only?: TableName[]): string {
  const hex = (s: string) => [...Buffer.from(s, "utf8")].map((b) => (/[A-Za-z0-9_]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("");
  // with a tables: filter, exactly the selected db.table names; otherwise whole databases
  if (only) return `^(${only.map((t) => `${hex(t.database)}\\.${hex(t.table)}`).join("|")})$`;
  return `^(${databases.map(hex).join("|")})\\.`;
}

export function mydumperArgs(server: Server, databases: string[], outDir: string, threads: number, only?: TableName[]): string[] {
  const conn = ["--defaults-file=" + server.credentials];
  if (server.socket) conn.push(`--socket=${server.socket}`);
  else {
    if (server.host) conn.push(`--host=${server.host}`);
    if (server.port) conn.push(`--port=${server.port}`);
  }
  return [...conn, "--regex", mydumperRegex(databases, only), "--outputdir", outDir, "--triggers", "--events", "--routines", "--trx-consistency-only", "--threads", String(threads), "--verbose", "2"];
}

/** Names mydumper 0.10 writes into broken SQL: a backtick or a quote in the table name. */
export function mydumperUnsafe(t: TableName): boolean {
  return /[`'"]/.test(t.table) || /[`'"]/.test(t.database);
}

export function physicalArgs(server: Server, lsnDir: string, incrementalLsn?: string, parallel = 2): string[] {
  return [
    ...clientConnectionArgs(server),
    "--backup",
    "--stream=xbstream",
    `--target-dir=${lsnDir}`,
    `--extra-lsndir=${lsnDir}`,
    `--parallel=${parallel}`,
    ...(incrementalLsn ? [`--incremental-lsn=${incrementalLsn}`] : []),
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
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** xtrabackup_info's binlog_pos: "filename 'x', position 'n', GTID of the last change 'g'". */
export function parseXtrabackupBinlogPos(value: string | undefined): BinlogPoint {
  if (!value) return {};
  const file = /filename '([^']*)'/.exec(value)?.[1];
  const pos = /position '?(\d+)'?/.exec(value)?.[1];
  const gtid = /GTID of the last change '([^']*)'/.exec(value)?.[1];
  return { ...(file ? { file } : {}), ...(pos ? { position: Number(pos) } : {}), ...(gtid ? { gtid } : {}), source: "xtrabackup_info" };
}

/** mydumper's metadata file: "SHOW MASTER STATUS: Log: f Pos: n GTID:g" and its Finished line. */
export function parseMydumperMetadata(text: string): { point: BinlogPoint; finished: boolean } {
  const master = text.split(/SHOW SLAVE STATUS:/)[0] ?? "";
  const file = /Log:\s*(\S+)/.exec(master)?.[1];
  const pos = /Pos:\s*(\d+)/.exec(master)?.[1];
  const gtid = /GTID:\s*(\S*)/.exec(master)?.[1];
  return {
    point: { ...(file ? { file } : {}), ...(pos ? { position: Number(pos) } : {}), ...(gtid ? { gtid } : {}), source: "mydumper metadata" },
    finished: /Finished dump at:/.test(text),
  };
}

const CREATE_TABLE = Buffer.from("\nCREATE TABLE `");
const USE_DB = Buffer.from("\nUSE `");
const EDGE = 64 * 1024;

/**
 * Watches a dump stream go by: the coordinates the dump wrote (head), its "Dump completed" trailer
 * (tail), and every CREATE TABLE under its USE database — without keeping the stream.
 */
export class DumpScanner {
  head = Buffer.alloc(0);
  private tailChunks: Buffer[] = [];
  private tailBytes = 0;
  private carry = Buffer.alloc(0);
  private db: string | undefined;
  readonly tables: TableName[] = [];
  bytes = 0;

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.head.length < EDGE) this.head = Buffer.concat([this.head, chunk.subarray(0, EDGE - this.head.length)]);
    this.tailChunks.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailChunks.length > 1 && this.tailBytes - this.tailChunks[0]!.length >= EDGE) this.tailBytes -= this.tailChunks.shift()!.length;
    this.scan(this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk);
  }

  private scan(buf: Buffer): void {
    let pos = 0;
    for (;;) {
      const a = buf.indexOf(CREATE_TABLE, pos);
      const b = buf.indexOf(USE_DB, pos);
      const idx = a < 0 ? b : b < 0 ? a : Math.min(a, b);
      if (idx < 0) break;
      const isUse = idx === b;
      const start = idx + (isUse ? USE_DB.length : CREATE_TABLE.length);
      const name = readQuoted(buf, start);
      if (!name) {
        this.carry = Buffer.from(buf.subarray(idx));
        return;
      }
      if (isUse) this.db = name.value;
      else if (this.db !== undefined) this.tables.push({ database: this.db, table: name.value });
      pos = name.end;
    }
    // a token split across chunks starts at the last newline: keep that short piece only
    const nl = buf.lastIndexOf(10);
    this.carry = nl >= pos && buf.length - nl < 1024 ? Buffer.from(buf.subarray(nl)) : Buffer.alloc(0);
  }

  tail(): string {
    return Buffer.concat(this.tailChunks).subarray(-EDGE).toString("utf8");
  }

  /** The tool's own success marker (DESIGN §8 rule 1: a trailer-less dump is a failure). */
  completed(): boolean {
    return /\n-- Dump completed/.test(this.tail());
  }

  point(): BinlogPoint {
    const head = this.head.toString("utf8");
    const m = /-- CHANGE (?:MASTER|REPLICATION SOURCE) TO (?:MASTER|SOURCE)_LOG_FILE='([^']*)', (?:MASTER|SOURCE)_LOG_POS=(\d+)/.exec(head);
    const tail = this.tail();
    const g = /-- SET GLOBAL gtid_slave_pos='([^']*)'/.exec(tail) ?? /SET @@GLOBAL\.GTID_PURGED=(?:\/\*!80000 '\+'\*\/ )?'([^']*)'/.exec(head);
    return { ...(m ? { file: m[1]!, position: Number(m[2]) } : {}), ...(g ? { gtid: g[1]! } : {}), source: "dump header" };
  }
}

/** A backtick-quoted identifier starting at `start` (just after the opening backtick); undefined when it runs past the buffer. */
function readQuoted(buf: Buffer, start: number): { value: string; end: number } | undefined {
  let i = start;
  for (;;) {
    const q = buf.indexOf(0x60, i);
    if (q < 0 || q + 1 >= buf.length) return undefined;
    if (buf[q + 1] === 0x60) {
      i = q + 2;
      continue;
    }
    return { value: buf.subarray(start, q).toString("utf8").replaceAll("``", "`"), end: q + 1 };
  }
}
