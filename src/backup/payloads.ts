// The payload of a set, per method: what runs, how its output is stored, and what it tells about
// the set — the consistent point, the tables it holds, the LSN range. Each returns only after the
// tool's own success marker was seen; anything less throws and the caller removes the attempt.

import { readdir, readFile, statfs } from "node:fs/promises";
import { join } from "node:path";
import type { RowDataPacket } from "mysql2/promise";
import { connectServer } from "../adapters/mysql/connect.js";
import { fileProducer, type Stage, type StreamResult } from "../adapters/pipeline/stream.js";
import { describeExit, runTool } from "../adapters/process/run.js";
import { DrError, must } from "../errors.js";
import { formatBytes } from "../core/units.js";
import type { Server } from "../spec/types.generated.js";
import type { BackupManifest, BinlogPoint, SetFile, TableName } from "../core/manifest.generated.js";
import {
  dumpArgs,
  dumpCommand,
  dumpHeadComplete,
  dumpHeadPoint,
  dumpHeadSourcePoint,
  slaveInfoPoint,
  mydumperArgs,
  parseKeyValues,
  parseMydumperMetadata,
  parseXtrabackupBinlogPos,
  physicalArgs,
  physicalCommand,
  tablesInDumpLog,
  type Flavor,
} from "./methods.js";
import type { CatalogTables, DatasetScope } from "./server-facts.js";

export interface ServerFacts {
  flavor: Flavor;
  version: string;
  serverId: string;
  binlogBasename?: string;
  binlog: boolean;
  /** ROW, MIXED or STATEMENT (the global default). */
  binlogFormat?: string;
  datadirBytes: number;
}

export interface PayloadContext {
  server: Server;
  facts: ServerFacts;
  catalog: CatalogTables;
  scope: DatasetScope;
  /** 0700 scratch dir inside the repository. */
  staging: string;
  repoPath: string;
  /** Stored-file suffix: .zst, .age. */
  ext: string;
  /** Streams a producer into a named file of the set (compressed, encrypted, hashed). */
  store: (name: string, role: SetFile["role"], producer: Stage, source?: string) => Promise<StreamResult>;
  /** The DEFINER accounts file (logical sets). */
  storeAccounts: () => Promise<void>;
  /** Incrementals: the set they build on. */
  parent?: BackupManifest;
  /**
   * Called once the set's consistent point exists on the server (the dump's snapshot is open, the
   * tool has finished): the reference figures are taken after it, so a drill can replay from the
   * set's point to theirs and compare exactly.
   */
  onPoint: () => void;
}

export interface Payload {
  point: BinlogPoint;
  /** Taken on a replica: where its source stood at the point. */
  sourcePoint?: BinlogPoint;
  /** Base tables the set holds, for the completeness check. */
  inSet: TableName[];
  lsn?: BackupManifest["lsn"];
}

/** mysqldump / mariadb-dump: one stream; its head (coordinates) peeled off, its table log on stderr. */
export async function dumpPayload(ctx: PayloadContext): Promise<Payload> {
  const { server, facts, catalog, scope } = ctx;
  const cmd = dumpCommand(facts.flavor);
  const ignore = ignoredTables(catalog);
  const headFile = join(ctx.staging, "dump-head.sql");
  const onReplica = server.replicaOf !== undefined && facts.binlog;
  const log: Buffer[] = [];
  // the consistent point's GTID is looked up while the rest of the dump streams
  // (BINLOG_GTID_POS reads the binlog up to the position: not free on a large binlog)
  let gtid: Promise<string | undefined> = Promise.resolve(undefined);
  const onHead = (head: Buffer) => {
    const p = dumpHeadPoint(head);
    if (p.file && p.gtid === undefined && facts.flavor === "mariadb") gtid = gtidAt(server, p.file, p.position ?? 0);
    gtid.catch(() => {});
    ctx.onPoint();
  };
  // mariadb-dump prints the source's GTID (gtid_slave_pos) only at the END of the dump, which never
  // passes through this process. It read it with the SQL thread paused for the dump; while that pause
  // lasts the server still says the same. If the thread runs again the dump has finished (restarting
  // it is its last act), so the rest sits in the pipe, short: read it and the tail is in the head.
  let pausedSourceGtid: string | undefined;
  const readRest =
    onReplica && facts.flavor === "mariadb"
      ? async (head: Buffer) => {
          if (dumpHeadSourcePoint(head)?.gtid !== undefined) return false;
          const paused = await slavePosWhilePaused(server).catch(() => null); // null: cannot tell
          if (paused === undefined) return true;
          if (paused !== null) pausedSourceGtid = paused;
          return false;
        }
      : undefined;
  await ctx.store(`dump.sql${ctx.ext}`, "dump", {
    name: cmd,
    command: cmd,
    args: dumpArgs(server, facts.flavor, scope.databases, { binlog: facts.binlog, ignore, replica: onReplica }),
    peel: { file: headFile, enough: (h) => dumpHeadComplete(h, onReplica), maxBytes: 1 << 20, onHead, readRest },
    onStderr: (c) => log.push(c),
  });
  const head = await readFile(headFile);
  if (!head.length) throw new DrError("failed", `${cmd} exited 0 but wrote nothing: the dump is empty`);
  let point = dumpHeadPoint(head);
  if (facts.binlog && !point.file)
    throw new DrError("failed", `${cmd} wrote no binlog coordinates (-- CHANGE MASTER TO …) at the head of the dump`);
  const g = await gtid;
  if (g !== undefined) point = { ...point, gtid: g };
  const said = Buffer.concat(log).toString("utf8");
  // the tool's own success marker (DESIGN §8 rule 1): --verbose ends a finished dump with this line; a
  // dump cut short (killed, its output truncated by something that still exits 0) never writes it
  if (!/^-- Disconnecting from .*$/m.test(said.slice(-4096))) {
    throw new DrError(
      "failed",
      `${cmd} exited 0 but never said it finished (no "-- Disconnecting from …" at the end of its log): the ` +
        `dump may be cut short; nothing is published`,
      {
        meta: { stage: cmd },
      },
    );
  }
  const inSet = tablesInDumpLog(said, scope.databases, catalog.base);
  await ctx.storeAccounts();
  let sourcePoint = onReplica ? dumpHeadSourcePoint(head) : undefined;
  if (sourcePoint && sourcePoint.gtid === undefined && pausedSourceGtid !== undefined)
    sourcePoint = { ...sourcePoint, gtid: pausedSourceGtid };
  if (onReplica && !sourcePoint)
    throw new DrError("failed", `${cmd} --dump-slave wrote no source coordinates at the head of the dump`);
  return { point, inSet, ...(sourcePoint ? { sourcePoint } : {}) };
}

/** mydumper 0.10 cannot stream: it writes to staging, then each file goes through the pipeline under a slug. */
export async function mydumperPayload(ctx: PayloadContext): Promise<Payload> {
  const { server, facts, catalog, scope } = ctx;
  const out = join(ctx.staging, "dump");
  await ensureFreeSpace(
    ctx.repoPath,
    facts.datadirBytes,
    "mydumper stages its files in the repository before compressing them",
  );
  const only = catalog.outOfScope.length ? [...catalog.base, ...catalog.views] : undefined;
  const r = await runTool("mydumper", mydumperArgs(server, scope.databases, out, 2, only), {
    env: { LC_ALL: "C.UTF-8" },
  });
  if (r.exitCode !== 0)
    throw new DrError("failed", `stage mydumper ${describeExit(r)}: ${tailOf(r.all)}`, { meta: { stage: "mydumper" } });
  const meta = parseMydumperMetadata(await readFile(join(out, "metadata"), "utf8").catch(() => ""));
  if (!meta.finished)
    throw new DrError(
      "failed",
      'mydumper exited 0 but its metadata file has no "Finished dump at" line: the dump is incomplete',
    );
  ctx.onPoint();
  const names = (await readdir(out)).sort();
  let n = 0;
  for (const name of names) {
    if (name === "metadata" || name.startsWith(".")) continue;
    n++;
    // the tool's own file names carry the hostile identifiers: stored under a slug, named in the manifest
    await ctx.store(
      `mydumper/${String(n).padStart(6, "0")}.sql${ctx.ext}`,
      "mydumper",
      fileProducer(join(out, name)),
      name,
    );
  }
  await ctx.store(`mydumper/metadata${ctx.ext}`, "mydumper", fileProducer(join(out, "metadata")), "metadata");
  await ctx.storeAccounts();
  const schemaFiles = new Set(names.filter((f) => f.endsWith("-schema.sql")));
  return {
    point: meta.point,
    inSet: catalog.base.filter((t) => schemaFiles.has(`${t.database}.${t.table}-schema.sql`)),
  };
}

/** What a physical copy needs: it can start before the server's catalog is read (its tool follows the flavor). */
export type PhysicalContext = Pick<PayloadContext, "server" | "staging" | "ext" | "store" | "onPoint" | "parent"> & {
  flavor: Flavor;
};

/**
 * mariadb-backup / xtrabackup: xbstream streamed (incrementals from the parent's to_lsn); the whole
 * instance, so every table the catalog lists is in it.
 */
export async function physicalPayload(ctx: PhysicalContext): Promise<Omit<Payload, "inSet">> {
  const cmd = physicalCommand(ctx.flavor);
  const lsnDir = join(ctx.staging, "lsn");
  const onReplica = ctx.server.replicaOf !== undefined;
  const r = await ctx.store(`backup.xbstream${ctx.ext}`, "xbstream", {
    name: cmd,
    command: cmd,
    args: physicalArgs(ctx.server, lsnDir, ctx.parent?.lsn?.to, 2, onReplica),
  });
  if (!/completed OK!\s*$/.test(r.stderr[cmd] ?? ""))
    throw new DrError("failed", `${cmd} exited 0 without "completed OK!": ${tailOf(r.stderr[cmd] ?? "")}`);
  ctx.onPoint();
  const checkpoints = parseKeyValues(await readFile(join(lsnDir, "xtrabackup_checkpoints"), "utf8"));
  const info = parseKeyValues(await readFile(join(lsnDir, "xtrabackup_info"), "utf8"));
  const lsn = {
    from: checkpoints.from_lsn ?? "0",
    to: checkpoints.to_lsn ?? "",
    ...(checkpoints.last_lsn ? { last: checkpoints.last_lsn } : {}),
  };
  if (!lsn.to) throw new DrError("failed", `${cmd} wrote no to_lsn in xtrabackup_checkpoints`);
  // --slave-info writes its file into the stream only; its log line says the same
  const sourcePoint = onReplica ? slaveInfoPoint(r.stderr[cmd] ?? "") : undefined;
  if (onReplica && !sourcePoint)
    throw new DrError("failed", `${cmd} --slave-info logged no "MySQL slave binlog position" line`);
  return {
    point: parseXtrabackupBinlogPos(info.binlog_pos),
    lsn,
    ...(sourcePoint ? { sourcePoint } : {}),
  };
}

/**
 * With a `tables:` filter the dump leaves out what the filter does not select. mariadb-dump splits
 * --ignore-table at the first dot, so a database name holding a dot cannot be filtered this way:
 * refused rather than dumped wrongly.
 */
export function ignoredTables(catalog: CatalogTables): TableName[] {
  const dotted = catalog.outOfScope.filter((t) => t.database.includes("."));
  if (dotted.length) {
    throw new DrError(
      "invalid",
      `a tables: filter cannot be passed to mariadb-dump for database ` +
        `${JSON.stringify(must(dotted[0]).database)}: its name holds a dot`,
      {
        hint: "list whole databases for this dataset, or use mydumper/mariadb-backup",
      },
    );
  }
  return catalog.outOfScope;
}

async function ensureFreeSpace(path: string, needBytes: number, why: string): Promise<void> {
  const s = await statfs(path);
  const free = s.bavail * s.bsize;
  const need = Math.ceil(needBytes * 1.2);
  if (free < need) {
    throw new DrError(
      "failed",
      `not enough free space in ${path}: ${formatBytes(free)} free, about ${formatBytes(need)} needed (${why})`,
    );
  }
}

/** The GTID position of a binlog coordinate (MariaDB), as the dump's own trailer would state it. */
async function gtidAt(server: Server, file: string, position: number): Promise<string> {
  const conn = await connectServer(server);
  try {
    const [rows] = await conn.query<RowDataPacket[]>("SELECT BINLOG_GTID_POS(?, ?) AS g", [file, position]);
    return String(rows[0]?.g ?? "");
  } finally {
    await conn.end().catch(() => {});
  }
}

/**
 * gtid_slave_pos, when the replica's SQL thread is (still) stopped after the reading: then nothing was
 * applied since the dump read it. Undefined when the thread runs.
 */
async function slavePosWhilePaused(server: Server): Promise<string | undefined> {
  const conn = await connectServer(server);
  try {
    const [pos] = await conn.query<RowDataPacket[]>("SELECT @@GLOBAL.gtid_slave_pos AS p");
    const [status] = await conn.query<RowDataPacket[]>("SHOW SLAVE STATUS");
    return status.some((r) => r.Slave_SQL_Running === "Yes") ? undefined : String(pos[0]?.p ?? "");
  } finally {
    await conn.end().catch(() => {});
  }
}

function tailOf(s: string, lines = 6): string {
  return s.trim().split("\n").slice(-lines).join("\n");
}
