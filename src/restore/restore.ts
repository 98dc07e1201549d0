// `drctl restore <dataset> --to <time|latest>` into a throwaway sandbox (DESIGN §5): pick the
// recovery image, restore its sets, then replay archived binlogs from the last set's exact
// position (never from a timestamp) up to the last transaction written at or before the target —
// a GTID-group boundary found by reading the binlog's events, never mysqlbinlog's 1-second,
// local-time --stop-datetime.

import { tracer } from "../trace.js";
import { interruptedBy } from "../adapters/process/interrupt.js";
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setObjectPath } from "../repository/set-store.js";
import { decodeStages, runPipeline } from "../adapters/pipeline/stream.js";
import {
  destroySandboxDir,
  isOurServer,
  startSandbox,
  type Sandbox,
  type SandboxInfo,
  type SandboxOptions,
} from "../adapters/sandbox/mariadb-sandbox.js";
import { checkRepository } from "../repository/local.js";
import { datasetOf } from "../spec/lookup.js";
import type { BackupManifest } from "../core/manifest.generated.js";
import { checkIdentity } from "../backup/identity.js";
import { verifySet } from "../backup/verify.js";
import { parseInstant } from "../core/instant.js";
import { clockDisagreements, pointKey } from "../core/recovery.js";
import { planFromCatalog, readRecoveryCatalog } from "./recovery-catalog.js";
import { readBinlogFile } from "../binlog/read-file.js";
import {
  BinlogParser,
  formatGtid,
  parseGtidList,
  normalizeStatement,
  stopAt,
  type BinlogSummary,
  type TransactionGroup,
} from "../binlog/parse.js";
import { DrError, must } from "../errors.js";
import type { DrSpec } from "../spec/types.generated.js";
import type { RowDataPacket } from "mysql2/promise";
import { quoteIdent } from "../adapters/mysql/sql.js";
import { RowChangeReader } from "./row-changes.js";
import {
  checkTargetNames,
  copyDatabasesToServer,
  copyTablesToServer,
  keepOnlyTables,
  type TableCopy,
} from "./copy-tables.js";
import { connectServer, addressOf } from "../adapters/mysql/connect.js";
import { loadLogicalSet, loadMydumperSet, restorePhysicalChain, type StoredSet } from "./load.js";
import { isPhysical } from "../core/methods.js";

export interface RestoreRequest {
  spec: DrSpec;
  /**
   * Progress of the long loads (a label, bytes of the stored file read so far): a terminal line, or a
   * log line every 30 s.
   */
  onProgress?: (label: string, bytes: number) => void;
  dataset: string;
  /** ISO time (UTC) or "latest". */
  to: string;
  /** Stop before the first transaction after the set whose statement matches (normalized text, case-insensitive). */
  before?: string;
  /** Leave out that one transaction and go on to the target. */
  skip?: string;
  /**
   * With skip: go on although later transactions change rows the skipped one touched; with a target: although it is a
   * replication source.
   */
  force?: boolean;
  /** --reseed-replicas: the target is a source whose replicas are rebuilt after the restore (issue 16 §5). */
  reseedReplicas?: boolean;
  /**
   * Copy these tables (restored to the point in a sandbox) into this live server, under their new names; without
   * tables, the whole dataset.
   */
  into?: { server: string; tables?: TableCopy[] };
  /** Sandbox target with --tables: the sandbox keeps only these, renamed as asked. */
  only?: TableCopy[];
  /** Leave the sandbox running, under this directory (the CLI's sandbox home). */
  keepIn?: string;
  /** Parent dir for scratch files (default: the OS temp dir). */
  baseDir?: string;
  /**
   * Every file the restore will read is checked against its manifest first. A restore falls back to
   * an older image that reaches the target; with this (drills), a mismatch is an integrity error.
   */
  verifyDigests?: boolean;
  /** Drills: look at the restored data at the set's point and again at the target, before teardown. */
  inspect?: RestoreInspection;
  say?: (line: string) => void;
}

interface RestoreInspection {
  /** The image chosen, before anything is loaded (so a failure can name it). */
  planned?(image: BackupManifest[]): void;
  /**
   * Runs once the sandbox holds the data as of the image's reference snapshot (the last set's
   * `reference.at`, at or after its consistent point: the replay pauses there). `reached` is false
   * when it cannot: the target lies before that point, or the figures predate the set's point.
   */
  atSetPoint(sandbox: Sandbox, image: BackupManifest[], reached: boolean): Promise<void>;
  atTarget(sandbox: Sandbox, outcome: RestoreOutcome): Promise<void>;
}

/** One replayed transaction as the archive describes it (collected for drills only). */
interface ReplayedGroup {
  gtid?: string;
  timestamp: number;
  databases: string[];
}

/**
 * Server options for a sandbox a large dump loads into: a 1 GiB redo log instead of the default 96 MiB,
 * so the load is not throttled by checkpoints flushing pages (measured on 1 GB: the server's CPU for the
 * same load 18.5 → 15.5 s). Only for dumps of 32 MB and more stored; the file costs its size on disk.
 */
function loadOptions(set: BackupManifest): string[] {
  const stored = set.files.filter((f) => f.role === "dump" || f.role === "mydumper").reduce((n, f) => n + f.bytes, 0);
  return stored >= 32 * 1024 ** 2 ? ["innodb-log-file-size=1G"] : [];
}

/**
 * Connections a dump set loads over in the throwaway server: one per core, at least two (the ordered
 * DDL runs beside them). DRCTL_RESTORE_LOADERS overrides it (1: the serial load through one client).
 */
function restoreLoaders(): number {
  const n = Number(process.env.DRCTL_RESTORE_LOADERS);
  return Number.isInteger(n) && n >= 1 ? n : Math.max(2, availableParallelism());
}

export interface RestoreOutcome {
  sets: string[];
  /**
   * transactions: in the replayed range of the server's binlog; `databases`: the filter applied (none for
   * whole-instance images).
   */
  /** Tables copied into the live server. */
  copied?: { server: string; tables?: TableCopy[]; databases?: string[] };
  replay?: {
    from: string;
    to?: string;
    files: string[];
    transactions: number;
    databases?: string[];
    lastGtid?: string;
    lastAt?: string;
    stoppedBefore?: string;
    skipped?: string;
    /** Every statement of the skipped transaction (all of it is left out, not just the one that matched). */
    skippedStatements?: string[];
    conflicts?: string[];
    /** With `inspect`: every transaction in the replayed range, in archive order. */
    groups?: ReplayedGroup[];
  };
  /** The sandbox left running (keepIn). */
  sandbox?: SandboxInfo;
}

/** Damaged stored files found while a physical image was being extracted (the server never started on it). */
class DamagedDuringExtraction extends Error {
  constructor(readonly bad: Map<string, string[]>) {
    super("stored files differ from their manifests");
  }
}

export async function restore(req: RestoreRequest): Promise<RestoreOutcome> {
  const say = req.say ?? (() => {});
  try {
    return await restoreOnce(req, new Map());
  } catch (e) {
    if (!(e instanceof DamagedDuringExtraction)) throw e;
    // as if found before the extraction: a drill's finding, or the image left out and an older one used
    if (req.verifyDigests) throw damagedImage(e.bad);
    for (const [id, problems] of e.bad) say(damagedSay(id, problems, req.to));
    return await restoreOnce(req, e.bad);
  }
}

function damagedImage(bad: Map<string, string[]>): DrError {
  const problems = [...bad].flatMap(([id, ps]) => ps.map((p) => `set ${id} ${p}`));
  return new DrError("integrity", `the stored bytes differ from their manifests: ${problems.join("; ")}`, {
    meta: { problems },
  });
}

const damagedSay = (id: string, problems: string[], to: string) =>
  `set ${id} fails its check against its manifest (${problems.join("; ")}): looking for an older image ` +
  `that reaches ${to}`;

/** One attempt, with the sets already known to be damaged left out. */
async function restoreOnce(req: RestoreRequest, known: Map<string, string[]>): Promise<RestoreOutcome> {
  const say = req.say ?? (() => {});
  const trace = tracer(say);
  trace(`started ${Math.round(process.uptime() * 1000)} ms after the process`);
  const ds = datasetOf(req.spec, req.dataset);
  const instant = req.to === "latest" ? undefined : parseInstant(req.to);
  if (req.to !== "latest" && !instant)
    throw new DrError(
      "invalid",
      `--to ${req.to}: expected an ISO time such as 2026-11-25T14:03:00Z (UTC unless a zone is given), or latest`,
    );
  const target = instant ? instant.toISOString() : "latest";
  if (req.before !== undefined && req.skip !== undefined)
    throw new DrError(
      "invalid",
      "--before and --skip cannot be combined: --before stops at the statement, --skip goes on past it",
    );
  const statementPattern = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    try {
      return new RegExp(normalizeStatement(text), "i");
    } catch (e) {
      throw new DrError(
        "invalid",
        `${flag} ${JSON.stringify(text)} is not a valid regular expression: ${(e as Error).message}`,
      );
    }
  };
  const before = statementPattern("--before", req.before);
  const skip = statementPattern("--skip", req.skip);
  // a source's replicas get what is restored there: refused unless forced, or rebuilt after it (--reseed-replicas)
  if (req.into) await checkTarget(req.spec, req.into.server, req.force === true || req.reseedReplicas === true);
  // a name that exists on the target is refused now, not after the whole restore
  if (req.into?.tables)
    await checkTargetNames(req.into.tables, must(req.spec.servers[req.into.server]), req.into.server);
  const repoPath = await checkRepository(req.spec, ds.repository);
  const catalog = await readRecoveryCatalog(repoPath, req.dataset, ds);
  trace("recovery catalog read");
  const dirOf = catalog.dirOf;
  const stored = (m: BackupManifest): StoredSet => ({ dir: must(dirOf.get(m.id)), manifest: m });
  const timelineOfSet = (m: BackupManifest) => catalog.images.find((im) => im.full.id === m.id)?.timeline ?? 0;
  for (const w of clockDisagreements(
    catalog.images.map((im) => im.full),
    timelineOfSet,
  ))
    say(`warning: ${w}`);
  // every file the restore will read is checked against its manifest first (issue 13, defect 10); a
  // damaged set is left out and the newest older image that still reaches the target is used instead
  const damaged = new Map(known);
  let plan = planFromCatalog(catalog, target, new Set(damaged.keys()));
  // a physical image's files are checked while its tools extract them (issue 17 §2): the server starts
  // on it only once they passed (see populate below); a damaged one restarts the restore without it
  let checking: Promise<Map<string, string[]>> | undefined;
  for (;;) {
    if (!plan.ok) {
      const why = damaged.size
        ? `; left out as damaged: ${[...damaged].map(([id, p]) => `${id} (${p.join("; ")})`).join(", ")}`
        : "";
      throw new DrError(
        damaged.size ? "integrity" : "invalid",
        `cannot restore ${req.dataset} to ${req.to}: ${plan.reason}${why}`,
        {
          ...(plan.newestReachable ? { hint: `the newest time that can be reached is ${plan.newestReachable}` } : {}),
          meta: { damaged: Object.fromEntries(damaged) },
        },
      );
    }
    const check = damagedSets([...plan.sets, ...plan.binlogs].map(stored));
    if (!damaged.size && isPhysical(plan.sets[0]?.method)) {
      checking = check;
      checking.catch(() => {}); // awaited in populate; must not be an unhandled rejection meanwhile
      break;
    }
    const bad = await check;
    trace("stored files checked against their manifests");
    if (!bad.size) break;
    // a drill tests THIS image: a damaged file is its finding, never hidden by a fallback
    if (req.verifyDigests) throw damagedImage(bad);
    for (const [id, problems] of bad) {
      damaged.set(id, problems);
      say(damagedSay(id, problems, req.to));
    }
    plan = planFromCatalog(catalog, target, new Set(damaged.keys()));
  }
  if (damaged.size)
    say(`restoring from ${plan.sets.map((s) => s.id).join(" + ")} instead (the damaged set(s) are left out)`);
  const keys = {
    ...(req.spec.encryption?.identityFile ? { identityFile: req.spec.encryption.identityFile } : {}),
    ...(req.onProgress ? { onRead: req.onProgress } : {}),
  };
  await checkIdentity(req.spec.encryption?.identityFile, [...plan.sets, ...plan.binlogs]);
  req.inspect?.planned?.(plan.sets);
  const scratchParent = req.baseDir ?? tmpdir();
  for (const gone of await sweepAbandoned(scratchParent))
    say(`removed a sandbox and scratch files left by a killed restore or drill (pid ${gone.pid}): ${gone.dir}`);
  const work = await mkdtemp(join(scratchParent, "drctl-restore-"));
  // who owns this scratch dir: a later restore removes it (and stops its server) if this process is killed
  await writeFile(
    join(work, OWNER),
    `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() })}\n`,
    { mode: 0o600 },
  );
  let sandbox: Sandbox | undefined;
  try {
    const full = must(plan.sets[0]);
    // a drill's sandbox logs what the replay applies (not the load), so the GTIDs it really applied can be read back
    const where: SandboxOptions = {
      ...(req.keepIn ? { baseDir: req.keepIn, persistent: true } : { baseDir: work }),
      ...(req.inspect ? { binlog: true, serverOptions: ["sync-binlog=0"] } : {}),
    };
    // a drill keeps the load out of the sandbox's binlog: only what the replay applies is logged there
    const logLoad = req.inspect === undefined;
    say(`restoring ${plan.sets.map((s) => s.id).join(" + ")} into a sandbox`);
    if (isPhysical(full.method)) {
      sandbox = await startSandbox({
        ...where,
        harmless: true,
        populate: async (datadir) => {
          // a damaged file may fail its tools first (zstd: corrupt input): the check's verdict is what is said
          const extracted = await restorePhysicalChain(
            plan.sets.map(stored),
            join(work, "prepare"),
            datadir,
            keys,
            trace,
          )
            .then(() => undefined)
            .catch((e: unknown) => ({ error: e }));
          if (extracted && interruptedBy()) throw extracted.error;
          const bad = await checking;
          if (checking) trace("stored files checked against their manifests");
          if (bad?.size) throw new DamagedDuringExtraction(bad);
          if (extracted) throw extracted.error;
        },
      });
      trace("sandbox started on the prepared image");
    } else {
      sandbox = await startSandbox({
        ...where,
        harmless: true,
        serverOptions: [...(where.serverOptions ?? []), ...loadOptions(full)],
      });
      trace("sandbox started");
      if (full.method === "mydumper") await loadMydumperSet(stored(full), sandbox, join(work, "scratch"), keys);
      else await loadLogicalSet(stored(full), sandbox, keys, { binlog: logLoad, loaders: restoreLoaders(), say });
      trace("set loaded");
    }
    const outcome: RestoreOutcome = { sets: plan.sets.map((s) => s.id) };
    const sb = sandbox;
    const inspect = req.inspect;
    const refAt = must(plan.sets.at(-1)).reference?.at;
    const pause = inspect && {
      ...(refAt?.file !== undefined && refAt.position !== undefined
        ? { at: { file: refAt.file, position: refAt.position, ...(refAt.gtid ? { gtid: refAt.gtid } : {}) } }
        : {}),
      run: (reached: boolean) => inspect.atSetPoint(sb, plan.sets, reached),
    };
    if (plan.binlogs.length && pointKey(plan.from)) {
      const physical = isPhysical(full.method);
      // a chain that starts in another server's archive (the set's own file never archived before a
      // failover) starts there by GTID, as a set placed in its source's binlogs does
      const join0 = plan.image.joins?.find((j) => j.at === plan.binlogs[0]?.id);
      outcome.replay = await replay(
        plan.binlogs.map(stored),
        join0 ? { file: must(must(plan.binlogs[0]).binlog).file, gtid: join0.after } : plan.from,
        target,
        sandbox,
        join(work, "binlogs"),
        keys,
        ds.databases.filter((d) => !(ds.exclude ?? []).includes(d)),
        physical,
        before,
        skip && { pattern: skip, force: req.force === true, say },
        pause,
        new Map(
          (plan.image.joins ?? [])
            .map((j) => [plan.binlogs.findIndex((b) => b.id === j.at), j.after] as const)
            .filter(([i]) => i > 0),
        ),
      );
      if (before && !outcome.replay.stoppedBefore)
        throw new DrError(
          "invalid",
          `no transaction after ${outcome.replay.from} up to ${req.to} matches /${before.source}/: nothing ` +
            `to stop before`,
          {
            hint:
              "the statement is matched without backticks and server comments; check the spelling, or give " +
              "--to alone",
          },
        );
    } else if (pause) {
      // nothing to replay: the set's point is where the data is; its reference figures match only if taken there
      const samePoint = !pause.at || (pause.at.file === plan.from.file && pause.at.position === plan.from.position);
      await pause.run(samePoint);
    }
    if (plan.binlogs.length) trace("binlogs replayed");
    if (inspect) {
      await inspect.atTarget(sandbox, outcome);
      trace("verified at the target point");
    }
    if (req.only)
      await keepOnlyTables(
        sandbox,
        req.only,
        ds.databases.filter((d) => !(ds.exclude ?? []).includes(d)),
      );
    if (req.into) {
      const server = must(req.spec.servers[req.into.server]);
      if (req.into.tables) {
        await copyTablesToServer(sandbox, req.into.tables, server, req.into.server);
        outcome.copied = { server: req.into.server, tables: req.into.tables };
        say(
          `copied ` +
            `${req.into.tables.map((t) => `${t.database}.${t.table} as ${t.database}.${t.as}`).join(", ")} ` +
            `into ${req.into.server}`,
        );
      } else {
        const databases = ds.databases.filter((d) => !(ds.exclude ?? []).includes(d));
        await copyDatabasesToServer(sandbox, databases, server);
        outcome.copied = { server: req.into.server, databases };
        say(`restored ${databases.join(", ")} onto ${req.into.server}`);
      }
    }
    if (req.keepIn) {
      const { stop: _s, restart: _r, connectRoot: _c, ...info } = sandbox;
      outcome.sandbox = info;
    }
    trace("restore done");
    return outcome;
  } catch (e) {
    await sandbox?.stop().catch(() => {});
    throw e;
  } finally {
    if (!req.keepIn) await sandbox?.stop().catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
}

const OWNER = "owner.json";

/**
 * A restore's scratch dir (its sandbox, prepared files, decoded binlogs) outlives a drctl that was
 * SIGKILLed (no exit hook runs): remove those whose owner process is gone, stopping their server.
 */
async function sweepAbandoned(parent: string): Promise<{ dir: string; pid: number }[]> {
  const gone: { dir: string; pid: number }[] = [];
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith("drctl-restore-")) continue;
    const dir = join(parent, name);
    let owner: { pid: number; host: string };
    try {
      owner = JSON.parse(await readFile(join(dir, OWNER), "utf8")) as { pid: number; host: string };
    } catch {
      continue; // not ours to judge (being created, or another user's)
    }
    if (owner.host !== hostname() || isOurServer(owner.pid)) continue;
    for (const sub of await readdir(dir).catch(() => [] as string[]))
      if (sub.startsWith("drctl-sandbox-")) await destroySandboxDir(join(dir, sub));
    await rm(dir, { recursive: true, force: true });
    gone.push({ dir, pid: owner.pid });
  }
  return gone;
}

/** The sets whose stored files differ from their manifests, with what is wrong ("file F: problem"). */
async function damagedSets(sets: StoredSet[]): Promise<Map<string, string[]>> {
  const bad = new Map<string, string[]>();
  for (const s of sets) {
    const r = await verifySet({ repository: "", dir: s.dir, manifest: s.manifest }, { deep: false });
    if (!r.ok)
      bad.set(
        r.id,
        r.problems.map((p) => `file ${p.file}: ${p.problem}`),
      );
  }
  return bad;
}

/** "mysql-bin.000042:1234 (GTID 0-1-99)", or "mysql-bin.000042 after GTID 0-1-99" for a set placed by GTID. */
function describeFrom(from: { file?: string; position?: number; gtid?: string }): string {
  if (from.position === undefined && from.gtid) return `${from.file} after GTID ${from.gtid}`;
  return `${from.file}:${from.position}${from.gtid ? ` (GTID ${from.gtid})` : ""}`;
}

/**
 * Which transactions of the first file come after the point replay starts from: at or past its byte
 * position, or — a set placed by GTID — not among the set's GTIDs (its domain's sequence past the
 * set's; a domain the set has not seen at all is new). The GTID list is read once, not per transaction.
 */
function startsAfter(from: {
  position?: number;
  gtid?: string;
}): (g: { position: number; gtid?: { domain: number; seq: bigint } }) => boolean {
  if (from.position !== undefined || !from.gtid) return (g) => g.position >= (from.position ?? 0);
  const seen = parseGtidList(from.gtid);
  return (g) => {
    if (!g.gtid) return false; // between the set's transactions and the next: nothing of its own
    const s = seen.get(g.gtid.domain);
    return s === undefined || g.gtid.seq > s.seq;
  };
}

/** Bytes of the replayed files: from file `first` at `start` through file `last` up to `stop` (or its end). */
interface ByteRange {
  first: number;
  start: number;
  last: number;
  stop?: number;
}

/**
 * The ranges with the one holding (file, position) split in two there; `endingAt` is the index of the
 * piece that ends at the point, -1 when no range holds it (the point is not replayed).
 */
function cutRanges(ranges: ByteRange[], file: number, position: number): { ranges: ByteRange[]; endingAt: number } {
  const holds = (r: ByteRange) =>
    (file > r.first || (file === r.first && position >= r.start)) &&
    (file < r.last || (file === r.last && (r.stop === undefined || position <= r.stop)));
  const i = ranges.findIndex(holds);
  if (i < 0) return { ranges, endingAt: -1 };
  const r = must(ranges[i]);
  const left = { first: r.first, start: r.start, last: file, stop: position };
  const right = { first: file, start: position, last: r.last, ...(r.stop !== undefined ? { stop: r.stop } : {}) };
  return { ranges: [...ranges.slice(0, i), left, right, ...ranges.slice(i + 1)], endingAt: i };
}

/**
 * A failover join (issue 16 §4) continues the chain in another server's file after the GTID reached:
 * the transaction at that GTID must be the very one the chain applied — the same server id — or
 * the two histories diverged there (a source's transactions lost in the failover, or an unrelated
 * server) and nothing may be replayed across.
 */
function divergence(
  after: string,
  groups: { gtid?: { domain: number; server: number; seq: bigint } }[],
  startList: string | undefined,
  file: string,
): string | undefined {
  const atStart = parseGtidList(startList ?? "");
  for (const want of parseGtidList(after).values()) {
    const here = groups.find((g) => g.gtid?.domain === want.domain && g.gtid.seq === want.seq)?.gtid;
    const have = here ?? atStart.get(want.domain);
    if (have && have.seq === want.seq && have.server !== want.server)
      return (
        `${file} has GTID ${formatGtid(have)} where the chain applied ${formatGtid(want)}: the two servers' ` +
        "histories diverge there (transactions lost in a failover?)"
      );
  }
  return undefined;
}

/** Decodes the binlog files, finds where to stop, and pipes `mysqlbinlog` into the sandbox's client. */
async function replay(
  files: StoredSet[],
  from: { file?: string; position?: number; gtid?: string },
  target: string,
  sandbox: Sandbox,
  scratch: string,
  keys: { identityFile?: string },
  databases: string[],
  wholeInstance: boolean,
  before?: RegExp,
  skip?: { pattern: RegExp; force: boolean; say: (l: string) => void },
  pause?: { at?: { file: string; position: number; gtid?: string }; run: (reached: boolean) => Promise<void> },
  joins?: ReadonlyMap<number, string>,
): Promise<NonNullable<RestoreOutcome["replay"]>> {
  const joinStart = new Map<number, number>();
  // after a failover the chain holds two servers' files, maybe of the same names: each is told by its server
  const servers = new Set(files.map((f) => f.manifest.server.name));
  const label = (i: number) => {
    const m = must(files[i]).manifest;
    return servers.size > 1 ? `${m.server.name}:${must(m.binlog).file}` : must(m.binlog).file;
  };
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  const paths: string[] = [];
  let transactions = 0;
  let stopPosition: number | undefined;
  let last: { gtid?: string; at?: string } = {};
  let stoppedBefore: string | undefined;
  let skipAt: { file: number; position: number; next: number; text: string; statements: string[] } | undefined;
  let stopFile = files.length - 1;
  const targetSeconds = target === "latest" ? Infinity : Math.floor(Date.parse(target) / 1000);
  const collected: ReplayedGroup[] | undefined = pause ? [] : undefined;
  let start = from.position;
  // a set placed in its source's binlogs by GTID (taken on a replica): its reference snapshot's file and
  // position are the replica's, meaningless here (the same file names may exist on the source) — the
  // pause goes before the first transaction after the snapshot's GTIDs instead, or is not reached
  const byGtid = from.position === undefined && from.gtid !== undefined;
  const refGtid = byGtid ? pause?.at?.gtid : undefined;
  const afterRef = refGtid ? startsAfter({ gtid: refGtid }) : undefined;
  const afterFrom = startsAfter(from);
  let pauseAt = byGtid ? undefined : pause?.at;
  for (const [i, f] of files.entries()) {
    const path = join(scratch, `${String(i).padStart(4, "0")}-${must(f.manifest.binlog).file}`);
    const summary = await decodeBinlog(f, path, keys, before ?? (skip && !skipAt ? skip.pattern : undefined));
    paths.push(path);
    if (afterRef && !pauseAt) {
      const first = (summary.groups ?? []).find(afterRef);
      if (first) pauseAt = { file: must(f.manifest.binlog).file, position: first.position };
    }
    const joinAfter = i > 0 ? joins?.get(i) : undefined;
    if (joinAfter) {
      const diverged = divergence(joinAfter, summary.groups ?? [], f.manifest.binlog?.gtidListAtStart, label(i));
      if (diverged)
        throw new DrError("invalid", `binlog chain of ${label(0)} … ${label(i)}: ${diverged}`, {
          hint: "restore to a time before the failover, or take a new full backup on the new source",
        });
    }
    const after = i === 0 ? afterFrom : joinAfter ? startsAfter({ gtid: joinAfter }) : undefined;
    let groups = (summary.groups ?? []).filter((g) => !after || after(g));
    // a set placed in its source's binlogs by GTID (taken on a replica) starts at its first later transaction;
    // a failover join at the first transaction after the GTID the chain reached
    if (i === 0) start = from.position ?? groups[0]?.position ?? summary.size;
    else if (joinAfter) joinStart.set(i, groups[0]?.position ?? summary.size);
    if (skip) {
      // --skip: the first matching transaction at or before the target is left out; later matches are ordinary
      const hit = skipAt ? -1 : groups.findIndex((g) => g.matched !== undefined && g.timestamp <= targetSeconds);
      if (hit >= 0) {
        const g = must(groups[hit]);
        skipAt = {
          file: i,
          position: g.position,
          next: groups[hit + 1]?.position ?? summary.size,
          text: describeGroup(g),
          statements: g.statements ?? [],
        };
        groups = groups.filter((_, k) => k !== hit);
      }
      groups = groups.map(({ matched: _m, ...g }) => g);
    }
    const stop = stopAt(groups, targetSeconds);
    const applied =
      stop.stopPosition === undefined ? groups : groups.filter((g) => g.position < must(stop.stopPosition));
    transactions += applied.length;
    collected?.push(
      ...applied.map((g) => ({
        ...(g.gtid ? { gtid: formatGtid(g.gtid) } : {}),
        timestamp: g.timestamp,
        databases: g.databases ?? [],
      })),
    );
    if (stop.lastApplied)
      last = {
        ...(stop.lastApplied.gtid ? { gtid: formatGtid(stop.lastApplied.gtid) } : {}),
        at: new Date(stop.lastApplied.timestamp * 1000).toISOString(),
      };
    if (stop.stopPosition !== undefined) {
      stopPosition = stop.stopPosition;
      stopFile = i;
      if (stop.stoppedBy?.matched !== undefined) stoppedBefore = describeGroup(stop.stoppedBy);
      break;
    }
  }
  // only the dataset's databases are replayed: events for the server's other databases would fail
  // on tables the sandbox does not have. mysqlbinlog --database takes one name, so a dataset of
  // several databases replays each in turn (each database's transactions stay in order; the
  // interleaving between databases does not, which only matters for cross-database statements)
  if (skip && !skipAt)
    throw new DrError(
      "invalid",
      `no transaction after ${describeFrom(from)} up to the target matches /${skip.pattern.source}/: ` +
        `nothing to skip`,
    );
  // the ranges replayed: one per server's run of files (a failover joins another server's archive
  // after the GTID reached, issue 16 §4), the last cut at the stop; --skip cuts the skipped
  // transaction out, a drill's pause cuts where it inspects
  const bounds = [0, ...[...joinStart.keys()].filter((j) => j > 0 && j <= stopFile).sort((a, b) => a - b)];
  let ranges: ByteRange[] = bounds.map((b, k) => {
    const lastOne = k === bounds.length - 1;
    return {
      first: b,
      start: k === 0 ? (start ?? 4) : must(joinStart.get(b)),
      last: lastOne ? stopFile : must(bounds[k + 1]) - 1,
      ...(lastOne && stopPosition !== undefined ? { stop: stopPosition } : {}),
    };
  });
  let afterSkip: ByteRange[] = [];
  if (skipAt) {
    const cut = cutRanges(cutRanges(ranges, skipAt.file, skipAt.position).ranges, skipAt.file, skipAt.next).ranges;
    const skipped = (r: ByteRange) =>
      r.first === skipAt?.file && r.start === skipAt.position && r.last === skipAt.file && r.stop === skipAt.next;
    const at = cut.findIndex(skipped);
    afterSkip = cut.slice(at + 1);
    ranges = cut.filter((r) => !skipped(r));
  }
  // a drill pauses at its reference point: the range is cut there (when the replay reaches it at all)
  let pauseRun: { afterRange: number; reached: boolean } | undefined;
  if (pause) {
    const at = pauseAt;
    const fileIdx = at ? files.findIndex((f) => must(f.manifest.binlog).file === at.file) : -1;
    const first = must(ranges[0]);
    // placed by GTID with a reference point that no replayed transaction follows: not reached (never
    // "at the start", which is where a set without any reference point is compared)
    if (byGtid && pause.at && !at) pauseRun = { afterRange: -1, reached: false };
    else if (!at || (fileIdx === first.first && at.position === first.start))
      pauseRun = { afterRange: -1, reached: true };
    else if (fileIdx < 0 || skipAt) pauseRun = { afterRange: -1, reached: false };
    else {
      const cut = cutRanges(ranges, fileIdx, at.position);
      ranges = cut.ranges;
      pauseRun = { afterRange: cut.endingAt, reached: cut.endingAt >= 0 };
    }
    if (pauseRun.afterRange < 0) await pause.run(pauseRun.reached);
  }
  const rangeArgs = (r: ByteRange) => [
    `--start-position=${r.start}`,
    ...(r.stop !== undefined ? [`--stop-position=${r.stop}`] : []),
    "--",
    ...paths.slice(r.first, r.last + 1),
  ];
  let conflicts: string[] | undefined;
  if (skipAt && skip) {
    conflicts = await laterChangesToSkippedRows(sandbox, must(paths[skipAt.file]), skipAt, afterSkip.map(rangeArgs));
    if (conflicts.length && !skip.force) {
      throw new DrError(
        "invalid",
        `skipping ${skipAt.text} would not undo it: ${conflicts.length} later transaction(s) change rows it ` +
          `touched, and their row images would carry its values back:\n  ${conflicts.join("\n  ")}`,
        {
          hint: "restore with --before to stop at it instead, or add --force to skip it anyway",
        },
      );
    }
    if (conflicts.length)
      skip.say(
        `WARNING: --force: ${conflicts.length} later transaction(s) change rows the skipped one touched; ` +
          `their row images may bring its values back`,
      );
  }
  // only the dataset's databases are replayed: events for the server's other databases would fail
  // on tables the sandbox does not have. mysqlbinlog --database takes one name, so a dataset of
  // several databases replays each in turn (each database's transactions stay in order; the
  // interleaving between databases does not, which only matters for cross-database statements)
  for (const [ri, r] of ranges.entries()) {
    const empty = r.stop !== undefined && r.first === r.last && r.stop <= r.start;
    for (const db of empty ? [] : wholeInstance ? [undefined] : databases) {
      const args = rangeArgs(r);
      if (db !== undefined) args.unshift(`--database=${db}`);
      await runPipeline(
        [
          { name: "mysqlbinlog", command: "mysqlbinlog", args },
          {
            name: "mariadb",
            command: "mariadb",
            args: [`--defaults-extra-file=${sandbox.clientOptionFile}`, "--binary-mode", "--batch"],
          },
        ],
        async () => {},
      );
    }
    if (pauseRun && pauseRun.afterRange === ri) await must(pause).run(true);
  }
  return {
    from: describeFrom(from),
    ...(last.gtid || last.at
      ? {
          to: (
            (last.gtid ? `GTID ${last.gtid}` : "") +
            (last.at ? ` written ${last.at}` : "") +
            (stopPosition !== undefined
              ? `, stopping at ${must(must(files[stopFile]).manifest.binlog).file}:${stopPosition}`
              : ", through the end of the archive")
          ).trim(),
        }
      : {}),
    files: files.slice(0, paths.length).map((_, i) => label(i)),
    transactions,
    ...(wholeInstance ? {} : { databases }),
    ...(stoppedBefore ? { stoppedBefore } : {}),
    ...(skipAt ? { skipped: skipAt.text, skippedStatements: skipAt.statements } : {}),
    ...(conflicts?.length ? { conflicts } : {}),
    ...(last.gtid ? { lastGtid: last.gtid } : {}),
    ...(last.at ? { lastAt: last.at } : {}),
    ...(collected ? { groups: collected } : {}),
  };
}

/** Later transactions (in the ranges after the skipped one) that change a row the skipped one touched. */
async function laterChangesToSkippedRows(
  sandbox: Sandbox,
  skippedFile: string,
  skipAt: { position: number; next: number },
  laterArgs: string[][],
): Promise<string[]> {
  const keyCols = await primaryKeyColumns(sandbox);
  const decode = ["--base64-output=decode-rows", "--verbose"];
  const touched = new Set<string>();
  const skippedReader = new RowChangeReader(keyCols, (t) => {
    for (const r of t.rows) touched.add(`${r.table} ${r.key}`);
  });
  await runPipeline(
    [
      {
        name: "mysqlbinlog",
        command: "mysqlbinlog",
        args: [...decode, `--start-position=${skipAt.position}`, `--stop-position=${skipAt.next}`, "--", skippedFile],
      },
    ],
    async (c) => skippedReader.push(c),
  );
  skippedReader.finish();
  const conflicts: string[] = [];
  const laterReader = new RowChangeReader(keyCols, (t) => {
    const hits = t.rows.filter((r) => touched.has(`${r.table} ${r.key}`));
    if (hits.length)
      conflicts.push(
        `${t.gtid ? `GTID ${t.gtid}: ` : ""}${t.statement ?? "(row changes)"} — ` +
          `${hits.map((h) => `${h.table} ${h.key}`).join("; ")}`,
      );
  });
  for (const args of laterArgs)
    await runPipeline([{ name: "mysqlbinlog", command: "mysqlbinlog", args: [...decode, ...args] }], async (c) =>
      laterReader.push(c),
    );
  laterReader.finish();
  return conflicts;
}

/** `db`.`table` → the 1-based positions of its primary-key columns, read from the restored sandbox. */
async function primaryKeyColumns(sandbox: Sandbox): Promise<(table: string) => number[] | undefined> {
  const conn = await sandbox.connectRoot();
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      "SELECT c.TABLE_SCHEMA AS d, c.TABLE_NAME AS t, c.ORDINAL_POSITION AS p FROM " +
        "information_schema.COLUMNS c JOIN information_schema.STATISTICS s ON s.TABLE_SCHEMA = c.TABLE_SCHEMA " +
        "AND s.TABLE_NAME = c.TABLE_NAME AND s.COLUMN_NAME = c.COLUMN_NAME AND s.INDEX_NAME = 'PRIMARY' WHERE " +
        "c.TABLE_SCHEMA NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema') ORDER BY " +
        "c.ORDINAL_POSITION",
    );
    const map = new Map<string, number[]>();
    for (const r of rows) {
      const k = `${quoteIdent(String(r.d))}.${quoteIdent(String(r.t))}`;
      map.set(k, [...(map.get(k) ?? []), Number(r.p)]);
    }
    return (table) => map.get(table);
  } finally {
    await conn.end();
  }
}

/** A live target must exist and must not be a source others replicate from (their data would follow), unless forced. */
async function checkTarget(spec: DrSpec, name: string, force: boolean): Promise<void> {
  const server = spec.servers[name];
  if (!server)
    throw new DrError("invalid", `--target ${name}: the spec has no such server`, {
      hint: `servers: ${Object.keys(spec.servers).join(", ")}`,
    });
  const replicas = Object.entries(spec.servers)
    .filter(([, s]) => s.replicaOf === name)
    .map(([n]) => n);
  let live: string[] = [];
  try {
    const conn = await connectServer(server);
    try {
      const [rows] = await conn.query<RowDataPacket[]>("SHOW SLAVE HOSTS");
      live = rows.map((r) => `server_id ${String(r.Server_id)}`);
    } finally {
      await conn.end();
    }
  } catch (e) {
    throw new DrError("failed", `cannot reach --target ${name} (${addressOf(server)}): ${(e as Error).message}`);
  }
  const followers = [...replicas, ...live];
  if (followers.length && !force) {
    throw new DrError(
      "invalid",
      `--target ${name} is a replication source (${followers.join(", ")} replicate from it): what is ` +
        `restored there would replicate too`,
      { hint: "restore into a sandbox, or add --force if that is what you want" },
    );
  }
}

/** "UPDATE … (GTID 0-1-7, written 2026-…)" for what --before stopped at or --skip left out. */
function describeGroup(g: TransactionGroup): string {
  return (
    `${g.matched} (${g.gtid ? `GTID ${formatGtid(g.gtid)}, ` : ""}written ` +
    `${new Date(g.timestamp * 1000).toISOString()})`
  );
}

/** Decodes an archived binlog (age → zstd) into `path`, reading its transactions on the way. */
async function decodeBinlog(
  f: StoredSet,
  path: string,
  keys: { identityFile?: string },
  match: RegExp | undefined,
): Promise<BinlogSummary> {
  const payload = must(f.manifest.files[0]);
  const fh = await open(path, "wx", 0o600);
  try {
    // decoded straight into the scratch file (the last stage writes it: nothing passes through this
    // process), then read back in large blocks from the page cache — a pipe through node cost more
    // than the decoding itself (issue 17 §2)
    await runPipeline(
      decodeStages(setObjectPath(f.dir, payload.name), {
        compressed: f.manifest.compression === "zstd",
        ...(f.manifest.encryption.type === "age" ? { ageIdentityFile: must(keys.identityFile) } : {}),
      }),
      { fd: fh.fd },
    );
  } finally {
    await fh.close();
  }
  const summary = await readBinlogFile(path, new BinlogParser({ index: true, ...(match ? { match } : {}) }));
  const name = f.manifest.binlog?.file ?? f.manifest.id;
  // a file the reader cannot read through is never replayed half-understood
  if (summary.error)
    throw new DrError("integrity", `archived binlog ${name} (set ${f.manifest.id}) cannot be read: ${summary.error}`);
  if (match && summary.opaqueTransactions) {
    throw new DrError(
      "invalid",
      `archived binlog ${name} holds ${summary.opaqueTransactions} compressed transaction(s) (MySQL ` +
        `binlog_transaction_compression): a statement cannot be matched inside them`,
      {
        hint: "restore --to the time just before the statement instead of --before/--skip",
      },
    );
  }
  return summary;
}
