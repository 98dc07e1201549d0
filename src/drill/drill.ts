// `drctl drill run <name>` (DESIGN §5): restore the dataset into a harmless sandbox and verify it in
// two steps — at the set's own point before any replay (tables, CHECK TABLE, schema objects, row
// figures, views), then at the drill's point after the replay (the GTIDs applied, the drill's
// queries). RTO is measured from the start to a verified server, RPO from the restore target to the
// newest data that came back; both are judged against the dataset's tier. The sandbox always goes;
// the result goes to the journal, where a passed drill marks its image verified.

import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type Fetched, fetchFromCopy, specReadingFrom } from "../repository/fetch.js";
import { findMariadbd } from "../adapters/sandbox/mariadb-sandbox.js";
import { checkRepository } from "../repository/local.js";
import { datasetOf } from "../spec/lookup.js";
import type { BackupManifest } from "../core/manifest.generated.js";
import { planFromCatalog, readRecoveryCatalog } from "../restore/recovery-catalog.js";
import { stateDirOf } from "../core/desired.js";
import { parseDuration } from "../core/duration.js";
import { pointTime } from "../core/recovery.js";
import { DrError, messageOf, must } from "../errors.js";
import { restore, type RestoreOutcome } from "../restore/restore.js";
import type { Drill, DrSpec } from "../spec/types.generated.js";
import { appendJournal } from "../state/journal.js";
import { acquireLock, setsLockPath } from "../state/lock.js";
import {
  compareGtids,
  compareObjects,
  compareReference,
  compareTables,
  judgeCheckTable,
  judgeQuery,
  judgeTargets,
  judgeViews,
  measuredRpoSeconds,
  type Check,
} from "./compare.js";
import {
  appliedGtids,
  checkTables,
  datasetBytes,
  queryViews,
  restoredTables,
  runQuery,
  schemaObjects,
  tableFigures,
} from "./inspect.js";
import { drillPoint, type DrillPoint } from "./point.js";
import { isPhysical } from "../core/methods.js";

type DrillResult = "ok" | "target-missed" | "failed";

/** The journal's `drill` record: what the evidence export and status read back. */
export interface DrillRecord {
  drill: string;
  dataset: string;
  /** The copy it restored from (a drill of the lost site); absent: the dataset's repository. */
  from?: string;
  tier: string;
  /** The method of the image restored (what a verification proved). */
  method?: string;
  result: DrillResult;
  /** The data passed every check: its image counts as verified (retention keeps the newest). */
  verified: boolean;
  /** The full set of the image restored, and every set used. */
  set?: string;
  sets?: string[];
  point: DrillPoint;
  startedAt: string;
  finishedAt: string;
  rto?: { measuredSeconds: number; targetSeconds: number; met: boolean };
  rpo?: {
    measuredSeconds: number;
    targetSeconds: number;
    met: boolean;
    newestAppliedAt?: string;
    coveredUntil?: string;
  };
  /** Restored bytes (data + indexes) per second of RTO: what plan's RTO proof uses next. */
  restoreBytes?: number;
  restoreBytesPerSecond?: number;
  replay?: { transactions: number; lastGtid?: string; files: string[] };
  /** Where the time went, in order (a phase the drill did not reach is left out). */
  phases?: { name: string; seconds: number }[];
  checks: Check[];
  failures: string[];
  notes: string[];
}

export interface DrillRequest {
  spec: DrSpec;
  name: string;
  /** A drill not in the spec (apply's verification); default: the spec's drill `name`. */
  definition?: Drill;
  now?: () => Date;
  /** Seed for a random point (default: the drill's name and start time, recorded for a re-run). */
  seed?: string;
  lockWaitMs?: number;
  baseDir?: string;
  say?: (line: string) => void;
  /** Progress of the restore's long loads (label, bytes read). */
  onProgress?: (label: string, bytes: number) => void;
}

export function drillOf(spec: DrSpec, name: string) {
  const drill = spec.drills?.[name];
  if (!drill) {
    const names = Object.keys(spec.drills ?? {});
    throw new DrError("invalid", `the spec has no drill ${JSON.stringify(name)}`, {
      hint: names.length ? `drills: ${names.join(", ")}` : "add one under drills: in the spec",
    });
  }
  return drill;
}

export async function runDrill(req: DrillRequest): Promise<DrillRecord> {
  const { spec } = req;
  const say = req.say ?? (() => {});
  const now = req.now ?? (() => new Date());
  const drill = req.definition ?? drillOf(spec, req.name);
  const ds = datasetOf(spec, drill.dataset);
  const tier = must(spec.tiers[ds.tier]);
  findMariadbd(); // a missing server binary is this host's problem, not the backup's
  // a drill of the lost site reads a copy; otherwise the dataset's repository must be there
  const primary = drill.from === undefined ? await checkRepository(spec, ds.repository) : undefined;
  const lock = await acquireLock(setsLockPath(stateDirOf(spec), drill.dataset), {
    waitMs: req.lockWaitMs ?? must(parseDuration("1h")) * 1000,
    command: `drctl drill run ${req.name}`,
    purpose: `drills and pruning of dataset ${drill.dataset}`,
    onWait: () => say(`waiting for another drill or prune of ${drill.dataset} to finish`),
  });
  let fetched: Fetched | undefined;
  try {
    const started = now();
    const t0 = performance.now();
    // from a copy, fetching it is part of the time to a verified server: the measured RTO includes it
    if (drill.from !== undefined) {
      fetched = await fetchFromCopy(spec, drill.dataset, drill.from, join(stateDirOf(spec), "fetch"), say);
      say(`fetched ${fetched.sets} set(s) from ${fetched.where}`);
    }
    const source = fetched ? specReadingFrom(spec, drill.dataset, fetched) : spec;
    const repoPath = fetched?.path ?? must(primary);
    const catalog = await readRecoveryCatalog(repoPath, drill.dataset, ds);
    const sets = catalog.sets.map((s) => s.manifest);
    const fulls = sets.filter((m) => m.kind === "full");
    if (!fulls.length)
      throw new DrError("failed", `dataset ${drill.dataset} has no backup set to drill yet`, {
        hint: `run \`drctl backup ${drill.dataset}\` first`,
      });
    const earliest = must(fulls.map(pointTime).sort()[0]);
    const archiving = ds.binlog?.archive === true;
    // how far a restore reaches, read exactly as restore and status read it
    const latestPlan = planFromCatalog(catalog, "latest");
    const reach = archiving ? (latestPlan.ok ? latestPlan.reaches : latestPlan.newestReachable) : undefined;
    const point = drillPoint(drill.restoreTo as Parameters<typeof drillPoint>[0], {
      now: started,
      seed: req.seed ?? `${req.name}@${started.toISOString()}`,
      earliest,
      ...(reach ? { latest: reach } : {}),
      ...(archiving ? {} : { points: sets.map(pointTime) }),
    });
    say(
      `drill ${req.name}: restoring ${drill.dataset} to ${point.how === "latest" ? "latest" : point.to} ` +
        `(${point.how}) into a sandbox`,
    );

    const verifyList = drill.verify ?? ["rowCounts"];
    const wantCounts = verifyList.includes("rowCounts") || verifyList.includes("checksums");
    const wantChecksums = verifyList.includes("checksums");
    const queries = verifyList.flatMap((v) => (typeof v === "object" ? [v] : []));
    const checks: Check[] = [];
    const notes: string[] = [];
    let image: BackupManifest[] = [];
    let setPointDone = false;
    let verifiedAt: number | undefined;
    let bytes = 0;

    // where the time goes (issue 17 §4): each phase's end, from the restore's start
    const marks: PhaseMarks = {};
    let outcome: RestoreOutcome | undefined;
    try {
      outcome = await restore({
        spec: source,
        dataset: drill.dataset,
        to: point.to,
        verifyDigests: true,
        ...(req.onProgress ? { onProgress: req.onProgress } : {}),
        ...(req.baseDir ? { baseDir: req.baseDir } : {}),
        say,
        inspect: {
          planned: (sets) => {
            image = sets;
          },
          atSetPoint: async (sandbox, sets, reached) => {
            marks.setPoint = performance.now();
            image = sets;
            setPointDone = true;
            const last = must(sets.at(-1));
            const conn = await sandbox.connectRoot();
            try {
              const expected = last.tables ?? [];
              const databases = last.databases ?? ds.databases;
              const restored = await restoredTables(conn, databases);
              checks.push(compareTables(expected, restored));
              // CHECK TABLE reads every page and index of a table: worth it where the pages came from the
              // backup (a physical image); a logical load has just built every table on this server, and
              // what it can get wrong — a missing table, missing rows — the table and row checks catch
              const physicalImage = isPhysical(sets[0]?.method);
              // each reads every page: the row figures are counted on a second connection while CHECK TABLE
              // runs (two server threads instead of one after the other: ~40 % of a physical drill's checks)
              const reference = last.reference;
              const counting =
                physicalImage && wantCounts && reference && reached
                  ? (async () => {
                      const c2 = await sandbox.connectRoot();
                      try {
                        return await tableFigures(c2, reference.tables, wantChecksums);
                      } finally {
                        await c2.end();
                      }
                    })()
                  : undefined;
              counting?.catch(() => {}); // awaited below; must not be an unhandled rejection meanwhile
              checks.push(
                physicalImage
                  ? judgeCheckTable(await checkTables(conn, expected))
                  : {
                      step: "set point",
                      name: "CHECK TABLE",
                      ok: true,
                      detail: "not run",
                      skipped:
                        "a logical load builds every table anew on this server; missing tables and rows are the " +
                        "table and row checks' findings",
                    },
              );
              checks.push(compareObjects(last.rebuild?.objects ?? [], await schemaObjects(conn, databases)));
              const views = (last.rebuild?.objects ?? [])
                .filter((o) => o.type === "view")
                .map((o) => ({ database: o.database, table: o.name }));
              checks.push(judgeViews(views.length, await queryViews(conn, views)));
              if (wantCounts) {
                if (!last.reference) {
                  checks.push({
                    step: "set point",
                    name: "row counts",
                    ok: false,
                    detail: `set ${last.id} carries no reference figures`,
                  });
                } else if (!reached) {
                  const why =
                    "the drill's point lies before the set's reference snapshot (or the figures predate the " +
                    "set's point): the row figures cannot be compared in this run";
                  checks.push({
                    step: "set point",
                    name: "row counts",
                    ok: true,
                    detail: "not compared",
                    skipped: why,
                  });
                  notes.push(why);
                } else {
                  checks.push(
                    ...compareReference(
                      last.reference.tables,
                      (await counting) ?? (await tableFigures(conn, last.reference.tables, wantChecksums)),
                      { checksums: wantChecksums },
                    ),
                  );
                }
              }
            } finally {
              await conn.end();
            }
            say(`  at the set's point: ${summary(checks)}`);
            marks.setChecked = performance.now();
          },
          atTarget: async (sandbox, out) => {
            marks.target = performance.now();
            const conn = await sandbox.connectRoot();
            const before = checks.length;
            try {
              if (out.replay?.groups) {
                const physical = isPhysical(image[0]?.method);
                const dbs = new Set(out.replay.databases ?? []);
                const all = out.replay.groups.flatMap((g) => (g.gtid ? [g.gtid] : []));
                const mine = out.replay.groups
                  .filter((g) => physical || g.databases.some((d) => dbs.has(d)))
                  .flatMap((g) => (g.gtid ? [g.gtid] : []));
                checks.push(compareGtids(mine, all, await appliedGtids(sandbox, conn)));
              }
              for (const q of queries) {
                const r = await runQuery(conn, q.query);
                checks.push(judgeQuery(q.query, q.expect, r.value, r.error));
              }
              bytes = await datasetBytes(conn, image.at(-1)?.databases ?? ds.databases);
            } finally {
              await conn.end();
            }
            verifiedAt = performance.now();
            marks.targetChecked = verifiedAt;
            if (checks.length > before) say(`  at the drill's point: ${summary(checks.slice(before))}`);
          },
        },
      });
    } catch (e) {
      if (e instanceof DrError && (e.kind === "invalid" || e.kind === "locked")) throw e;
      // the image did not come back (a file that fails its digest, a load or replay that errors): the drill failed
      checks.push({ step: setPointDone ? "target" : "set point", name: "restore", ok: false, detail: messageOf(e) });
    }

    marks.done = performance.now();
    const phases = drillPhases(t0, marks);
    if (phases.length) say(`  phases: ${phases.map((p) => `${p.name} ${p.seconds.toFixed(2)} s`).join(" · ")}`);
    const finished = now();
    const failures = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    const verified = failures.length === 0 && verifiedAt !== undefined;
    const record: DrillRecord = {
      drill: req.name,
      dataset: drill.dataset,
      ...(drill.from !== undefined ? { from: drill.from } : {}),
      tier: ds.tier,
      result: "failed",
      verified,
      ...(image.length ? { set: must(image[0]).id, sets: image.map((m) => m.id), method: must(image[0]).method } : {}),
      point,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      checks,
      failures,
      notes,
      ...(phases.length ? { phases } : {}),
    };
    if (outcome?.replay)
      record.replay = {
        transactions: outcome.replay.transactions,
        files: outcome.replay.files,
        ...(outcome.replay.lastGtid ? { lastGtid: outcome.replay.lastGtid } : {}),
      };
    if (verified) {
      const rtoSeconds = (must(verifiedAt) - t0) / 1000;
      const coveredUntil = archiving
        ? (catalog.options.coveredUntil ?? (image.length ? pointTime(must(image.at(-1))) : undefined))
        : image.length
          ? pointTime(must(image.at(-1)))
          : undefined;
      const newestAppliedAt = outcome?.replay?.lastAt;
      const rpoSeconds = measuredRpoSeconds(
        point.targetTime,
        coveredUntil,
        newestAppliedAt ?? (image.length ? pointTime(must(image.at(-1))) : undefined),
      );
      const judged = judgeTargets(
        {
          rtoSeconds,
          rpoSeconds,
          rtoTargetSeconds: must(parseDuration(tier.rto)),
          rpoTargetSeconds: must(parseDuration(tier.rpo)),
        },
        ds.tier,
      );
      record.rto = {
        measuredSeconds: round(rtoSeconds),
        targetSeconds: must(parseDuration(tier.rto)),
        met: judged.rtoMet,
      };
      record.rpo = {
        measuredSeconds: round(rpoSeconds),
        targetSeconds: must(parseDuration(tier.rpo)),
        met: judged.rpoMet,
        ...(newestAppliedAt ? { newestAppliedAt } : {}),
        ...(coveredUntil ? { coveredUntil } : {}),
      };
      record.restoreBytes = bytes;
      record.restoreBytesPerSecond = Math.round(bytes / Math.max(rtoSeconds, 0.001));
      record.result = judged.rtoMet && judged.rpoMet ? "ok" : "target-missed";
      for (const l of judged.lines) say(`  ${l}`);
    }
    await appendJournal(stateDirOf(spec), "drill", record as unknown as Record<string, unknown>);
    return record;
  } finally {
    if (fetched) await rm(fetched.path, { recursive: true, force: true });
    await lock.release();
  }
}

const round = (s: number) => Math.round(s * 1000) / 1000;

/** performance.now() at the end of each phase of a drill. */
interface PhaseMarks {
  setPoint?: number;
  setChecked?: number;
  target?: number;
  targetChecked?: number;
  done?: number;
}

/**
 * The phases between consecutive marks: restoring to the set's point (fetch, digests, load or
 * prepare + start, the replay to the reference point), its checks, the replay to the drill's
 * point, its checks, and the teardown. A phase whose ends were not both reached is left out.
 */
export function drillPhases(t0: number, m: PhaseMarks): { name: string; seconds: number }[] {
  const steps: [string, number | undefined, number | undefined][] = [
    ["restore to the set's point", t0, m.setPoint],
    ["checks at the set's point", m.setPoint, m.setChecked],
    ["replay to the drill's point", m.setChecked, m.target],
    ["checks at the drill's point", m.target, m.targetChecked],
    ["teardown", m.targetChecked, m.done],
  ];
  return steps.flatMap(([name, a, b]) =>
    a !== undefined && b !== undefined ? [{ name, seconds: round(Math.max(0, b - a) / 1000) }] : [],
  );
}

function summary(checks: Check[]): string {
  const bad = checks.filter((c) => !c.ok);
  return bad.length ? `${bad.length} of ${checks.length} check(s) FAILED` : `${checks.length} check(s) passed`;
}
