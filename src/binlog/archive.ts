// `drctl binlog archive <server>`: every closed binlog of the server, once, into each repository
// of the datasets that archive it — each file a set of its own (compressed, encrypted, hashed,
// manifest last). Rotates only when the current binlog holds events the archive lacks, so an idle
// server does not grow a file a minute. Records how far the server had got when the run started
// (progress.json), so an idle server still counts as archived up to now. Gaps — a binlog purged
// before it was archived, another server or basename, a hole in the GTID sequence, a file that
// reappeared with other content — are reported and make the run exit 6 (DESIGN §8 rule 4).

import { mkdir, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describeExit, runTool } from "../adapters/process/run.js";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { addressOf, connectServer } from "../adapters/mysql/connect.js";
import { fileProducer, streamToFile } from "../adapters/pipeline/stream.js";
import { failoverGroup, stateDirOf } from "../core/desired.js";
import { failoverHole } from "../core/recovery.js";
import { DrError, interruptedError, messageOf, must } from "../errors.js";
import { throwIfInterrupted } from "../adapters/process/interrupt.js";
import { preflightRepository } from "../backup/backup.js";
import { checkRepository } from "../repository/local.js";
import type { BackupManifest, BinlogFileFacts } from "../core/manifest.generated.js";
import { clientConnectionArgs } from "../backup/methods.js";
import { encodingProblem, setEncoding, type SetEncoding } from "../backup/encoding.js";
import {
  beginSet,
  binlogSetsDir,
  cleanDebris,
  listSets,
  newSetId,
  publishSet,
  setObjectPath,
  stagingDir,
} from "../repository/set-store.js";
import type { DrSpec } from "../spec/types.generated.js";
import { acquireLock } from "../state/lock.js";
import {
  BinlogParser,
  formatGtid,
  gtidContinuity,
  gtidListText,
  parseGtidList,
  type BinlogSummary,
  type Gtid,
} from "./parse.js";
import { readBinlogFile } from "./read-file.js";

const PROGRESS = "progress.json";

export interface ArchiveProgress {
  server: string;
  serverId: string;
  basename: string;
  /** When the run that wrote this started, and where the server was then. */
  checkedAt: string;
  serverAt: { file: string; position: number; gtid: string };
  /** Everything up to serverAt is archived (no gap, nothing left behind). */
  complete: boolean;
  /** The last binlog in the archive. */
  lastArchived?: string;
  /** The binlog numbering the server is on (0 until a RESET MASTER is seen; see BinlogFileFacts.timeline). */
  timeline?: number;
}

export interface Gap {
  kind: "purged" | "server-changed" | "gtid" | "content-changed" | "unreadable" | "reset" | "failover";
  detail: string;
}

export interface ArchiveOutcome {
  repository: string;
  rotated: boolean;
  archived: { file: string; set: string; bytes: number; transactions: number }[];
  gaps: Gap[];
  progress: ArchiveProgress;
}

/** mariadb-bin.000042 → ["mariadb-bin", 42]. */
function splitBinlogName(name: string): { basename: string; sequence: number } {
  const m = /^(.*)\.(\d+)$/.exec(name);
  if (!m) throw new DrError("failed", `unexpected binlog file name ${JSON.stringify(name)}`);
  return { basename: must(m[1]), sequence: Number(m[2]) };
}

async function rowsOf(conn: Connection, sql: string): Promise<RowDataPacket[]> {
  const [r] = await conn.query<RowDataPacket[]>(sql);
  return r;
}

export interface ServerBinlogState {
  serverId: string;
  basename: string;
  gtid: string;
  current: { file: string; position: number };
  logs: { name: string; size: number }[];
}

async function readServerState(conn: Connection, serverName: string): Promise<ServerBinlogState> {
  const v = Object.fromEntries(
    (
      await rowsOf(
        conn,
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'server_id', 'log_bin_basename', 'gtid_binlog_pos')",
      )
    ).map((r) => [String(r.Variable_name), String(r.Value)]),
  );
  if (v.log_bin !== "ON")
    throw new DrError(
      "failed",
      `server ${serverName}: binary logging is off (log_bin = ${v.log_bin ?? "?"}): there is nothing to archive`,
      { hint: "`drctl apply` configures it; log_bin takes effect after a restart" },
    );
  const [st] = await rowsOf(conn, "SHOW MASTER STATUS");
  if (!st)
    throw new DrError(
      "failed",
      `server ${serverName}: SHOW MASTER STATUS returned nothing (does the account have BINLOG MONITOR?)`,
    );
  const logs = (await rowsOf(conn, "SHOW BINARY LOGS")).map((r) => ({
    name: String(r.Log_name),
    size: Number(r.File_size),
  }));
  return {
    serverId: v.server_id ?? "",
    basename: (v.log_bin_basename ?? "").split("/").pop() ?? "",
    gtid: v.gtid_binlog_pos ?? "",
    current: { file: String(st.File), position: Number(st.Position) },
    logs,
  };
}

export async function readProgress(dir: string): Promise<ArchiveProgress | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, PROGRESS), "utf8")) as ArchiveProgress;
  } catch {
    return undefined;
  }
}

/** "mariadb-bin", 7 → "mariadb-bin.000007" (the server's own numbering). */
const binlogFileName = (basename: string, seq: number) => `${basename}.${String(seq).padStart(6, "0")}`;

/** The manifest of an archived binlog file: its facts are always recorded (binlogManifest below). */
type ArchivedBinlog = BackupManifest & { binlog: BinlogFileFacts };

function isArchivedBinlog(m: BackupManifest): m is ArchivedBinlog {
  return m.kind === "binlog" && m.binlog !== undefined;
}

/**
 * The datasets that archive this server's binlogs — as their server or one of its failover candidates —
 * and so the repositories the files go to, and the failover group they name (the server first).
 */
function archiveTargets(spec: DrSpec, server: string): { repos: string[]; group: string[] } {
  const repos = new Set<string>();
  const group = new Set<string>();
  for (const ds of Object.values(spec.datasets)) {
    const members = failoverGroup(ds);
    if (!ds.binlog?.archive || !members.includes(server)) continue;
    repos.add(ds.repository);
    for (const m of members) group.add(m);
  }
  return { repos: [...repos].sort(), group: [...group] };
}

/** How a member of a failover group stands: writable and replicating from nobody is a source. */
interface MemberState {
  name: string;
  source: boolean;
  why: string;
}

async function memberState(spec: DrSpec, name: string): Promise<MemberState> {
  let conn: Connection;
  try {
    conn = await connectServer(must(spec.servers[name]));
  } catch (e) {
    return { name, source: false, why: `unreachable (${messageOf(e)})` };
  }
  try {
    const [replica] = await rowsOf(conn, "SHOW SLAVE STATUS");
    const [ro] = await rowsOf(conn, "SELECT @@GLOBAL.read_only AS ro");
    const readOnly = Number(ro?.ro) === 1;
    // a stopped replica whose threads ended on an error is still a replica, not a promoted server
    const replicating =
      replica !== undefined &&
      (replica.Slave_IO_Running !== "No" ||
        replica.Slave_SQL_Running !== "No" ||
        !!replica.Last_IO_Error ||
        !!replica.Last_SQL_Error);
    const why = replicating
      ? `a replica of ${String(replica?.Master_Host)}:${String(replica?.Master_Port)}`
      : readOnly
        ? "read-only"
        : "writable, replicating from nobody";
    return { name, source: !replicating && !readOnly, why };
  } finally {
    await conn.end().catch(() => {});
  }
}

/**
 * The member of a failover group that is the source now (issue 16 §4): the one writable server that
 * replicates from nobody. None, or two at once (split brain), is refused — archiving the wrong server
 * would file another history under the dataset.
 */
async function currentSource(spec: DrSpec, group: string[], say: (l: string) => void): Promise<string> {
  const states = await Promise.all(group.map((m) => memberState(spec, m)));
  const sources = states.filter((s) => s.source);
  const all = states.map((s) => `${s.name}: ${s.why}`).join("; ");
  if (sources.length !== 1)
    throw new DrError(
      "failed",
      sources.length
        ? `failover group ${group.join(", ")} has ${sources.length} writable sources (${all}): refusing to archive ` +
            "either (split brain?)"
        : `no server of failover group ${group.join(", ")} is a writable source (${all}): nothing to archive`,
      { hint: "promote exactly one (read_only OFF, no replication configured), or demote the others" },
    );
  const source = must(sources[0]).name;
  if (source !== group[0]) say(`archiving ${source}, the source of failover group ${group.join(", ")} now (${all})`);
  return source;
}

export async function archiveBinlogs(
  spec: DrSpec,
  requested: string,
  opts: { say?: (line: string) => void; lockWaitMs?: number } = {},
): Promise<ArchiveOutcome[]> {
  const say = opts.say ?? (() => {});
  if (!spec.servers[requested])
    throw new DrError("invalid", `the spec has no server ${JSON.stringify(requested)}`, {
      hint: `servers: ${Object.keys(spec.servers).join(", ")}`,
    });
  const { repos: targets, group } = archiveTargets(spec, requested);
  if (!targets.length)
    throw new DrError("invalid", `no dataset archives the binlogs of server ${requested} (binlog: { archive: true })`);
  // a failover group: archive the member that is the source now; a lone server is its own source
  const serverName = group.length > 1 ? await currentSource(spec, group, say) : requested;
  const server = must(spec.servers[serverName]);
  const repos = await Promise.all(targets.map(async (name) => ({ name, path: await checkRepository(spec, name) })));
  for (const r of repos) await preflightRepository(r.path, r.name, 0, "");

  // one archiver per server at a time: two datasets' cron lines for the same server queue up here
  const lock = await acquireLock(join(stateDirOf(spec), "locks", `binlog.${serverName}.lock`), {
    waitMs: opts.lockWaitMs ?? 300_000,
    command: `drctl binlog archive ${serverName}`,
    purpose: `binlog archiving of server ${serverName}`,
  });
  const checkedAt = new Date().toISOString();
  let conn: Connection;
  try {
    conn = await connectServer(server);
  } catch (e) {
    await lock.release();
    throw new DrError("failed", `cannot connect to server ${serverName} (${addressOf(server)}): ${messageOf(e)}`);
  }
  try {
    const start = await readServerState(conn, serverName);
    const outcomes: ArchiveOutcome[] = [];
    // rotate once for all repositories, when any of them lacks events of the current binlog
    const progresses = await Promise.all(repos.map((r) => readProgress(binlogSetsDir(r.path, serverName))));
    let state = start;
    if (progresses.some((p) => newEventsSince(p, start))) {
      await conn.query("FLUSH BINARY LOGS");
      state = await readServerState(conn, serverName);
    }
    const rotated = state.current.file !== start.current.file;
    // the progress records the GTID position read BEFORE the rotation: everything up to it is in the
    // closed files archived now; a transaction that slipped in after the flush makes the next run rotate again
    for (const repo of repos)
      outcomes.push(
        await archiveInto(spec, serverName, server, repo, state, {
          checkedAt,
          rotated,
          say,
          gtidBefore: start.gtid,
          group,
        }),
      );
    return outcomes;
  } finally {
    await conn.end().catch(() => {});
    await lock.release();
  }
}

/**
 * Did the server log anything since the last run recorded where it was? On MariaDB every
 * transaction carries a GTID, so gtid_binlog_pos says it exactly; positions are not used there
 * (a fresh binlog's checkpoint event lands a moment after a rotation and would look like news,
 * rotating an idle server every run). Without GTIDs, the position says it.
 */
export function newEventsSince(
  p: ArchiveProgress | undefined,
  now: { serverId: string; gtid: string; current: { file: string; position: number } },
): boolean {
  if (!p || p.serverId !== now.serverId) return now.gtid !== "" || now.current.position > 1024;
  if (now.gtid !== "" || p.serverAt.gtid !== "") return p.serverAt.gtid !== now.gtid;
  return p.serverAt.file !== now.current.file || p.serverAt.position !== now.current.position;
}

const timelineOf = (m: BackupManifest) => m.binlog?.timeline ?? 0;

/**
 * Did the server's binlogs start over since `last` was archived (RESET MASTER)? Its numbering went
 * back below the archive's, or a GTID domain's sequence went back below what the archive holds.
 * Returns what was seen, or undefined.
 */
function resetSince(last: ArchivedBinlog, state: Pick<ServerBinlogState, "current" | "gtid">): string | undefined {
  const seq = splitBinlogName(state.current.file).sequence;
  if (seq < last.binlog.sequence)
    return (
      `binlog numbering restarted (the server writes ${state.current.file}; the archive already holds ` +
      `${last.binlog.file})`
    );
  if (!last.binlog.lastGtid) return undefined;
  const now = state.gtid ? parseGtidList(state.gtid) : new Map<number, Gtid>();
  for (const g of parseGtidList(last.binlog.lastGtid).values()) {
    const cur = now.get(g.domain);
    if (!cur || cur.seq < g.seq)
      return (
        `the GTID state went back (domain ${g.domain}: the archive reached ${formatGtid(g)}, the server is at ` +
        `${cur ? formatGtid(cur) : "nothing"})`
      );
  }
  return undefined;
}

/**
 * Gaps the archive already has before this run copies anything: the server behind the name
 * changed, or files the archive expects next were purged from the server before they were archived.
 */
export function gapsBefore(
  archived: ArchivedBinlog[],
  last: ArchivedBinlog | undefined,
  state: ServerBinlogState,
  serverName: string,
): Gap[] {
  const gaps: Gap[] = [];
  const prevAny = archived.at(-1);
  if (prevAny && (prevAny.server.serverId !== state.serverId || prevAny.binlog.basename !== state.basename)) {
    gaps.push({
      kind: "server-changed",
      detail:
        `the archive's last binlog ${prevAny.binlog.file} came from server_id ${prevAny.server.serverId} ` +
        `(${prevAny.binlog.basename}); ` +
        `the server now is server_id ${state.serverId} (${state.basename})`,
    });
  }
  if (last) {
    const want = last.binlog.sequence + 1;
    const oldest = Math.min(...state.logs.map((l) => splitBinlogName(l.name).sequence));
    for (let seq = want; seq < oldest; seq++) {
      gaps.push({
        kind: "purged",
        detail: `${binlogFileName(state.basename, seq)} was purged from ${serverName} before it was archived`,
      });
    }
  }
  return gaps;
}

async function archiveInto(
  spec: DrSpec,
  serverName: string,
  server: DrSpec["servers"][string],
  repo: { name: string; path: string },
  state: ServerBinlogState,
  ctx: { checkedAt: string; rotated: boolean; say: (l: string) => void; gtidBefore: string; group: string[] },
): Promise<ArchiveOutcome> {
  const parent = binlogSetsDir(repo.path, serverName);
  await cleanDebris([parent, join(repo.path, "staging")]);
  const { sets } = await listSets(parent);
  const archived = sets.map((s) => s.manifest).filter(isArchivedBinlog);
  const gaps: Gap[] = [];
  const done: ArchiveOutcome["archived"] = [];

  // the archive of this server's binlog series, per timeline: a RESET MASTER restarts the numbering
  // (and the GTID state), and the new files are a chain of their own, never filed under the old names
  const mine = archived.filter((m) => m.server.serverId === state.serverId && m.binlog.basename === state.basename);
  const before = await readProgress(parent);
  let timeline = Math.max(0, ...mine.map(timelineOf), before?.serverId === state.serverId ? (before.timeline ?? 0) : 0);
  let last = mine
    .filter((m) => timelineOf(m) === timeline)
    .sort((a, b) => a.binlog.sequence - b.binlog.sequence)
    .at(-1);
  const reset = last && resetSince(last, state);
  if (last && reset) {
    gaps.push({
      kind: "reset",
      detail:
        `${reset} on ${serverName} (RESET MASTER?): the archive starts binlog timeline ${timeline + 1}; sets ` +
        `taken before it restore up to the end of ${last.binlog.file} at most — take a new full backup to ` +
        `start a chain on the new binlogs`,
    });
    timeline += 1;
    last = undefined;
  }
  // a file is "the same" only from the same server and timeline: another server's mariadb-bin.000001 is its own
  const byName = new Map(mine.filter((m) => timelineOf(m) === timeline).map((m) => [m.binlog.file, m]));
  const closed = state.logs.filter((l) => l.name !== state.current.file);
  gaps.push(...gapsBefore(archived, last, state, serverName));

  const ds = Object.values(spec.datasets).find(
    (d) => d.server === serverName && d.binlog?.archive && d.repository === repo.name,
  );
  let staging: string | undefined;
  let encoding: SetEncoding | undefined;
  try {
    for (const log of closed) {
      const have = byName.get(log.name);
      if (have) {
        if (have.binlog.endPosition !== log.size) {
          gaps.push({
            kind: "content-changed",
            detail:
              `${log.name} on ${serverName} is ${log.size} bytes; the archived file of that name is ` +
              `${have.binlog.endPosition} (RESET MASTER? the archive keeps the old one)`,
          });
        }
        continue;
      }
      const { sequence } = splitBinlogName(log.name);
      // older than the archive's start: not ours to fill in
      if (last && sequence < last.binlog.sequence && last.server.serverId === state.serverId) continue;
      staging ??= await stagingDir(repo.path, `drctl binlog archive ${serverName}`);
      encoding ??= await setEncoding(spec, ds?.compression, staging);
      const staged = join(staging, log.name);
      await fetchBinlog(server, log.name, staging);
      const summary = await parseFile(staged);
      if (summary.error) {
        gaps.push({ kind: "unreadable", detail: `${log.name}: ${summary.error}` });
        await rm(staged, { force: true });
        continue;
      }
      if (summary.size !== log.size)
        throw new DrError("failed", `${log.name}: fetched ${summary.size} bytes, the server lists ${log.size}`);
      if (
        last &&
        last.server.serverId === state.serverId &&
        last.binlog.sequence === sequence - 1 &&
        last.binlog.gtidListAtStart !== undefined &&
        summary.gtidListAtStart
      ) {
        const prevStart = [...parseGtidList(last.binlog.gtidListAtStart).values()];
        const prevLast = last.binlog.lastGtid ? parseGtidList(last.binlog.lastGtid) : new Map<number, Gtid>();
        const hole = gtidContinuity(prevStart, prevLast, summary.gtidListAtStart);
        if (hole) gaps.push({ kind: "gtid", detail: `between ${last.binlog.file} and ${log.name}: ${hole}` });
      }
      const id = `${newSetId("binlog").replace(/-[0-9a-f]{6}$/, "")}-${String(sequence).padStart(8, "0")}`;
      const setDir = await beginSet(parent, id, `drctl binlog archive ${serverName}`);
      let published = false;
      try {
        const started = new Date();
        const name = `binlog${encoding.ext}`;
        const r = await streamToFile(setObjectPath(setDir, name), {
          producer: fileProducer(staged),
          ...encoding.stream,
        });
        const wrong = encodingProblem(r.head, encoding.manifest);
        if (wrong) throw new DrError("failed", `${log.name}: ${wrong}; nothing is published`);
        const manifest = binlogManifest({
          id,
          project: spec.project,
          serverName,
          state,
          file: log.name,
          summary,
          started,
          stored: { name, bytes: r.bytes, sha256: r.sha256 },
          encoding,
          timeline,
        });
        throwIfInterrupted((signal) => interruptedError(signal, `archiving ${log.name} of ${serverName}`));
        await publishSet(setDir, manifest);
        published = true;
        last = manifest;
        done.push({ file: log.name, set: id, bytes: r.bytes, transactions: summary.transactions });
        ctx.say(
          `archived ${log.name} (${summary.transactions} transaction${summary.transactions === 1 ? "" : "s"}) ` +
            `as ${id} in ${repo.name}`,
        );
      } finally {
        if (!published) await rm(setDir, { recursive: true, force: true });
        await rm(staged, { force: true });
      }
    }
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
  }
  gaps.push(...(await failoverGaps(repo.path, serverName, before, ctx.group)));
  const progress: ArchiveProgress = {
    server: serverName,
    serverId: state.serverId,
    basename: state.basename,
    checkedAt: ctx.checkedAt,
    serverAt: { file: state.current.file, position: state.current.position, gtid: ctx.gtidBefore },
    complete: gaps.length === 0,
    ...(last ? { lastArchived: last.binlog.file } : {}),
    ...(timeline ? { timeline } : {}),
  };
  await mkdir(parent, { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(parent, PROGRESS), `${JSON.stringify(progress, null, 2)}\n`, { mode: 0o600 });
  return { repository: repo.name, rotated: ctx.rotated, archived: done, gaps, progress };
}

/**
 * The first run on a server after another member of its failover group was archived (issue 16 §4):
 * its archive must carry on by GTID where the previous source's ends, or the transactions between
 * were never archived — a gap like any other. Each server keeps its own archive, so none of the old
 * source's files is ever overwritten by the new one's of the same name.
 */
async function failoverGaps(
  repoPath: string,
  serverName: string,
  before: ArchiveProgress | undefined,
  group: string[],
): Promise<Gap[]> {
  const others = (
    await Promise.all(group.filter((m) => m !== serverName).map(async (m) => readProgress(binlogSetsDir(repoPath, m))))
  )
    .filter((p) => p !== undefined)
    .sort((a, b) => a.checkedAt.localeCompare(b.checkedAt));
  const previous = others.at(-1);
  if (!previous || (before && before.checkedAt > previous.checkedAt)) return [];
  const files = async (m: string) =>
    (await listSets(binlogSetsDir(repoPath, m))).sets.map((s) => s.manifest).filter(isArchivedBinlog);
  const hole = failoverHole(await files(previous.server), await files(serverName));
  return hole ? [{ kind: "failover", detail: hole }] : [];
}

/** The manifest of one archived binlog: its facts as read from its events. */
function binlogManifest(o: {
  id: string;
  project: string;
  serverName: string;
  state: ServerBinlogState;
  file: string;
  summary: BinlogSummary;
  started: Date;
  stored: { name: string; bytes: number; sha256: string };
  encoding: SetEncoding;
  timeline: number;
}): ArchivedBinlog {
  const { summary } = o;
  const iso = (secs: number) => new Date(secs * 1000).toISOString();
  const facts: BinlogFileFacts = {
    file: o.file,
    sequence: splitBinlogName(o.file).sequence,
    basename: splitBinlogName(o.file).basename,
    startPosition: 4,
    endPosition: summary.size,
    ...(summary.firstEventAt !== undefined ? { firstEventAt: iso(summary.firstEventAt) } : {}),
    ...(summary.lastEventAt !== undefined ? { lastEventAt: iso(summary.lastEventAt) } : {}),
    ...(summary.gtidListAtStart ? { gtidListAtStart: gtidListText(summary.gtidListAtStart) } : {}),
    ...(summary.firstGtid ? { firstGtid: formatGtid(summary.firstGtid) } : {}),
    ...(summary.lastPerDomain.size ? { lastGtid: gtidListText(summary.lastPerDomain.values()) } : {}),
    transactions: summary.transactions,
    ...(o.timeline ? { timeline: o.timeline } : {}),
  };
  return {
    formatVersion: 1,
    id: o.id,
    project: o.project,
    kind: "binlog",
    method: "binlog",
    server: {
      name: o.serverName,
      version: "",
      flavor: "mariadb",
      serverId: o.state.serverId,
      binlogBasename: o.state.basename,
    },
    host: hostname(),
    startedAt: o.started.toISOString(),
    finishedAt: new Date().toISOString(),
    consistentPoint: {
      file: o.file,
      position: summary.size,
      ...(facts.lastGtid ? { gtid: facts.lastGtid } : {}),
      source: "end of the archived binlog",
    },
    files: [{ name: o.stored.name, role: "binlog", source: o.file, bytes: o.stored.bytes, sha256: o.stored.sha256 }],
    ...o.encoding.manifest,
    tools: { mysqlbinlog: "--read-from-remote-server --raw" },
    binlog: facts,
  };
}

async function fetchBinlog(server: DrSpec["servers"][string], file: string, dir: string): Promise<void> {
  // --raw writes files named after the binlog under --result-file's prefix (never to stdout)
  const r = await runTool("mysqlbinlog", [
    ...clientConnectionArgs(server),
    "--read-from-remote-server",
    "--raw",
    `--result-file=${dir}/`,
    "--",
    file,
  ]);
  if (r.exitCode !== 0)
    throw new DrError(
      "failed",
      `stage mysqlbinlog ${describeExit(r)} fetching ${file}: ${r.all.trim().split("\n").slice(-4).join("\n")}`,
      { meta: { stage: "mysqlbinlog" } },
    );
}

function parseFile(path: string): Promise<BinlogSummary> {
  return readBinlogFile(path, new BinlogParser());
}
