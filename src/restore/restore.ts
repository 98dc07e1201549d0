// `drctl restore <dataset> --to <time|latest>` into a throwaway sandbox (DESIGN §5): pick the
// recovery image, restore its sets, then replay archived binlogs from the last set's exact
// position (never from a timestamp) up to the last transaction written at or before the target —
// a GTID-group boundary found by reading the binlog's events, never mysqlbinlog's 1-second,
// local-time --stop-datetime.

import { mkdtemp, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { decodeStages, runPipeline } from "../adapters/pipeline/stream.js";
import { startSandbox, type Sandbox, type SandboxInfo, type SandboxOptions } from "../adapters/sandbox/mariadb-sandbox.js";
import { checkRepository, datasetOf } from "../backup/backup.js";
import type { BackupManifest } from "../backup/manifest.generated.js";
import { binlogSetsDir, listSets, setsDir } from "../backup/set-store.js";
import { planRecovery, pointKey, recoveryImages } from "../core/recovery.js";
import { BinlogParser, formatGtid, normalizeStatement, stopAt } from "../binlog/parse.js";
import { DrError } from "../errors.js";
import type { DrSpec } from "../spec/types.generated.js";
import { loadLogicalSet, loadMydumperSet, restorePhysicalChain, type StoredSet } from "./load.js";

export interface RestoreRequest {
  spec: DrSpec;
  dataset: string;
  /** ISO time (UTC) or "latest". */
  to: string;
  /** Stop before the first transaction after the set whose statement matches (normalized text, case-insensitive). */
  before?: string;
  /** Leave the sandbox running, under this directory (the CLI's sandbox home). */
  keepIn?: string;
  /** Parent dir for scratch files (default: the OS temp dir). */
  baseDir?: string;
  say?: (line: string) => void;
}

export interface RestoreOutcome {
  sets: string[];
  /** transactions: in the replayed range of the server's binlog; `databases`: the filter applied (none for whole-instance images). */
  replay?: { from: string; to?: string; files: string[]; transactions: number; databases?: string[]; lastGtid?: string; lastAt?: string; stoppedBefore?: string };
  /** The sandbox left running (keepIn). */
  sandbox?: SandboxInfo;
}

export async function restore(req: RestoreRequest): Promise<RestoreOutcome> {
  const say = req.say ?? (() => {});
  const ds = datasetOf(req.spec, req.dataset);
  if (req.to !== "latest" && Number.isNaN(Date.parse(req.to))) throw new DrError("invalid", `--to ${req.to}: expected an ISO time such as 2026-11-25T14:03:00Z, or latest`);
  const target = req.to === "latest" ? "latest" : new Date(req.to).toISOString();
  let before: RegExp | undefined;
  if (req.before !== undefined) {
    try {
      before = new RegExp(normalizeStatement(req.before), "i");
    } catch (e) {
      throw new DrError("invalid", `--before ${JSON.stringify(req.before)} is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  const repoPath = await checkRepository(req.spec, ds.repository);
  const sets = (await listSets(setsDir(repoPath, req.dataset))).sets;
  const binlogs = (await listSets(binlogSetsDir(repoPath, ds.server))).sets;
  const dirOf = new Map([...sets, ...binlogs].map((s) => [s.manifest.id, s.dir]));
  const plan = planRecovery(
    recoveryImages(
      sets.map((s) => s.manifest),
      binlogs.map((s) => s.manifest),
    ),
    target,
  );
  if (!plan.ok) {
    throw new DrError("invalid", `cannot restore ${req.dataset} to ${req.to}: ${plan.reason}`, {
      ...(plan.newestReachable ? { hint: `the newest time that can be reached is ${plan.newestReachable}` } : {}),
    });
  }
  const stored = (m: BackupManifest): StoredSet => ({ dir: dirOf.get(m.id)!, manifest: m });
  const keys = req.spec.encryption?.identityFile ? { identityFile: req.spec.encryption.identityFile } : {};
  const work = await mkdtemp(join(req.baseDir ?? (await import("node:os")).tmpdir(), "drctl-restore-"));
  let sandbox: Sandbox | undefined;
  try {
    const full = plan.sets[0]!;
    const where: SandboxOptions = req.keepIn ? { baseDir: req.keepIn, persistent: true } : { baseDir: work };
    say(`restoring ${plan.sets.map((s) => s.id).join(" + ")} into a sandbox`);
    if (full.method === "mariadb-backup" || full.method === "xtrabackup") {
      sandbox = await startSandbox({ ...where, harmless: true, populate: (datadir) => restorePhysicalChain(plan.sets.map(stored), join(work, "prepare"), datadir, keys) });
    } else {
      sandbox = await startSandbox({ ...where, harmless: true });
      if (full.method === "mydumper") await loadMydumperSet(stored(full), sandbox, join(work, "scratch"), keys);
      else await loadLogicalSet(stored(full), sandbox, keys);
    }
    const outcome: RestoreOutcome = { sets: plan.sets.map((s) => s.id) };
    if (plan.binlogs.length && pointKey(plan.from)) {
      const physical = full.method === "mariadb-backup" || full.method === "xtrabackup";
      outcome.replay = await replay(plan.binlogs.map(stored), plan.from, target, sandbox, join(work, "binlogs"), keys, ds.databases.filter((d) => !(ds.exclude ?? []).includes(d)), physical, before);
      if (before && !outcome.replay.stoppedBefore) throw new DrError("invalid", `no transaction after ${outcome.replay.from} up to ${req.to} matches /${before.source}/: nothing to stop before`, { hint: "the statement is matched without backticks and server comments; check the spelling, or give --to alone" });
      say(`replayed ${outcome.replay.transactions} transaction(s) from ${outcome.replay.from} to ${outcome.replay.to ?? "the end of the archive"}`);
    }
    if (req.keepIn) {
      const { stop: _s, restart: _r, connectRoot: _c, ...info } = sandbox;
      outcome.sandbox = info;
    }
    return outcome;
  } catch (e) {
    await sandbox?.stop().catch(() => {});
    throw e;
  } finally {
    if (!req.keepIn) await sandbox?.stop().catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
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
): Promise<NonNullable<RestoreOutcome["replay"]>> {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  const paths: string[] = [];
  let transactions = 0;
  let stopPosition: number | undefined;
  let last: { gtid?: string; at?: string } = {};
  let stoppedBefore: string | undefined;
  const targetSeconds = target === "latest" ? Infinity : Math.floor(Date.parse(target) / 1000);
  for (const [i, f] of files.entries()) {
    const payload = f.manifest.files[0]!;
    const path = join(scratch, f.manifest.binlog!.file);
    const fh = await open(path, "wx", 0o600);
    const parser = new BinlogParser({ index: true, ...(before ? { match: before } : {}) });
    try {
      await runPipeline(decodeStages(join(f.dir, payload.name), { compressed: f.manifest.compression === "zstd", ...(f.manifest.encryption.type === "age" ? { ageIdentityFile: keys.identityFile! } : {}) }), async (chunk) => {
        parser.push(chunk);
        await fh.write(chunk);
      });
    } finally {
      await fh.close();
    }
    paths.push(path);
    const groups = (parser.finish().groups ?? []).filter((g) => i > 0 || g.position >= (from.position ?? 0));
    const stop = stopAt(groups, targetSeconds);
    const applied = stop.stopPosition === undefined ? groups : groups.filter((g) => g.position < stop.stopPosition!);
    transactions += applied.length;
    if (stop.lastApplied) last = { ...(stop.lastApplied.gtid ? { gtid: formatGtid(stop.lastApplied.gtid) } : {}), at: new Date(stop.lastApplied.timestamp * 1000).toISOString() };
    if (stop.stopPosition !== undefined) {
      stopPosition = stop.stopPosition;
      if (stop.stoppedBy?.matched !== undefined) {
        const g = stop.stoppedBy;
        stoppedBefore = `${g.matched} (${g.gtid ? `GTID ${formatGtid(g.gtid)}, ` : ""}written ${new Date(g.timestamp * 1000).toISOString()})`;
      }
      break;
    }
  }
  // only the dataset's databases are replayed: events for the server's other databases would fail
  // on tables the sandbox does not have. mysqlbinlog --database takes one name, so a dataset of
  // several databases replays each in turn (each database's transactions stay in order; the
  // interleaving between databases does not, which only matters for cross-database statements)
  const range = [`--start-position=${from.position ?? 4}`, ...(stopPosition !== undefined ? [`--stop-position=${stopPosition}`] : [])];
  for (const db of wholeInstance ? [undefined] : databases) {
    await runPipeline(
      [
        { name: "mysqlbinlog", command: "mysqlbinlog", args: [...range, ...(db === undefined ? [] : [`--database=${db}`]), "--", ...paths] },
        { name: "mariadb", command: "mariadb", args: [`--defaults-extra-file=${sandbox.clientOptionFile}`, "--binary-mode", "--batch"] },
      ],
      async () => {},
    );
  }
  return {
    from: `${from.file}:${from.position}${from.gtid ? ` (GTID ${from.gtid})` : ""}`,
    ...(last.gtid || last.at ? { to: `${last.gtid ? `GTID ${last.gtid}` : ""}${last.at ? ` written ${last.at}` : ""}`.trim() } : {}),
    files: files.slice(0, paths.length).map((f) => f.manifest.binlog!.file),
    transactions,
    ...(wholeInstance ? {} : { databases }),
    ...(stoppedBefore ? { stoppedBefore } : {}),
    ...(last.gtid ? { lastGtid: last.gtid } : {}),
    ...(last.at ? { lastAt: last.at } : {}),
  };
}
