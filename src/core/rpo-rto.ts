// The RPO/RTO proof: for each dataset, the worst-case data loss its schedules allow and the
// expected restore time, against its tier. Pure: schedules, sizes and measured drill figures in;
// bounds and one-line findings out. The defaults below are conservative readings of DESIGN §9's
// measurements (2 cores, MariaDB 10.11); a drill's measured restore rate replaces them.

import { backupServer } from "./backup-source.js";
import { parseCron } from "./cron.js";
import { formatDuration, formatMeasured, parseDuration } from "./duration.js";
import type { ObservedServer } from "./observed.js";
import { longestGap } from "./schedule-gaps.js";
import type { Bound, Finding, Proof } from "./plan.generated.js";
import type { Dataset, DrSpec } from "../spec/types.generated.js";
import { copyCron, DEFAULT_BINLOG_INTERVAL, DEFAULT_COPY_INTERVAL } from "./desired.js";
import { formatBytes } from "./units.js";
import { must } from "../errors.js";

/** Plan figures in SI units (rates and sizes as tiers talk about them). */
const fmtBytes = (n: number) => formatBytes(n, { si: true });

const MB = 1_000_000;
/** Bytes/s a backup writes, by method (measured 155/260/370 MB/s; a third of that, rounded down). */
const BACKUP_RATE: Record<string, number> = {
  mysqldump: 50 * MB,
  "mariadb-dump": 50 * MB,
  mydumper: 80 * MB,
  "mariadb-backup": 100 * MB,
  xtrabackup: 100 * MB,
};
/** Bytes/s a restore reads back, by method (measured 35/43/>300 MB/s for dump/myloader/prepare+copy-back). */
const RESTORE_RATE: Record<string, number> = {
  mysqldump: 20 * MB,
  "mariadb-dump": 20 * MB,
  mydumper: 25 * MB,
  "mariadb-backup": 150 * MB,
  xtrabackup: 150 * MB,
};
/** Starting the restored server, verifying it, moving files: a fixed allowance. */
const RESTORE_OVERHEAD_SECONDS = 30;
/** Binlog bytes/s mysqlbinlog | mariadb replays (62k row events/s measured ≈ 18 MB/s). */
const REPLAY_RATE = 15 * MB;
const TIGHT = 0.8;

export interface DrillMeasurement {
  /**
   * The last verified drill: wall time from its start to a verified server (start-up included), and
   * the bytes it restored.
   */
  rtoSeconds: number;
  bytes: number;
  at: string;
}

export interface ProofInput {
  spec: DrSpec;
  servers: Record<string, ObservedServer | undefined>;
  drills?: Record<string, DrillMeasurement | undefined>;
  /** Start of the year the schedules are examined over. */
  now: Date;
  /** The cron daemon's zone when the spec names none (this machine's, passed in by the CLI). */
  defaultTimeZone: string;
}

export function proveDataset(name: string, ds: Dataset, input: ProofInput): { proof: Proof; findings: Finding[] } {
  const { spec } = input;
  const tier = must(spec.tiers[ds.tier]);
  const rpoTarget = must(parseDuration(tier.rpo));
  const rtoTarget = must(parseDuration(tier.rto));
  const tz = spec.scheduler?.timezone ?? input.defaultTimeZone;
  const source = input.servers[backupServer(ds)];
  const origin = input.servers[ds.server];
  const method = ds.full.method;

  const sizeKnown = source?.reachable === true;
  const bytes = sizeKnown ? ds.databases.reduce((sum, db) => sum + (source.databaseBytes?.[db] ?? 0), 0) : undefined;

  // longest wait between backups (full ∪ incremental), in the scheduler's time zone
  const schedules = [ds.full.schedule, ...(ds.incremental ? [ds.incremental.schedule] : [])]
    .map((s) => parseCron(s))
    .flatMap((r) => (r.ok ? [r.schedule] : []));
  const gap = longestGap(schedules, tz, input.now.getTime());
  const gapSeconds = gap?.seconds ?? Infinity;
  const backupSeconds = bytes === undefined ? undefined : Math.ceil(bytes / must(BACKUP_RATE[method]));

  // RPO
  const interval = must(parseDuration(ds.binlog?.interval ?? DEFAULT_BINLOG_INTERVAL));
  const archiving = ds.binlog?.archive === true;
  const liveBinlog = origin?.reachable
    ? origin.variables?.log_bin === "ON" && origin.variables?.binlog_format === "ROW"
    : undefined;
  let rpo: Bound;
  let rpoWhy: string;
  let rpoFix = "";
  let rpoFixedByApply = false;
  if (archiving && liveBinlog === true) {
    rpo = {
      targetSeconds: rpoTarget,
      worstSeconds: interval,
      basis: `binlogs archived every ${formatDuration(interval)}`,
      estimated: false,
    };
    rpoWhy = `binlog archived every ${formatDuration(interval)}`;
  } else if (origin && !origin.reachable) {
    rpo = {
      targetSeconds: rpoTarget,
      worstSeconds: null,
      basis: `server ${ds.server} is unreachable`,
      estimated: true,
    };
    rpoWhy = `server ${ds.server} is unreachable, its binlog state is unknown`;
  } else {
    const worst = backupSeconds === undefined ? null : gapSeconds + backupSeconds;
    const gapText = gap
      ? `worst gap between backups ${formatDuration(gapSeconds)} (${gap.fromIso} → ${gap.toIso}, ${tz})`
      : "no backup ever runs";
    const job = backupSeconds ? ` + ~${formatDuration(backupSeconds)} ${method} run` : "";
    const cause = !archiving
      ? "no binlog archiving"
      : origin?.variables?.log_bin !== "ON"
        ? `binlog archiving is set but log_bin is OFF on ${ds.server} (apply sets it; takes effect after a restart)`
        : `binlog archiving is set but binlog_format is ${origin?.variables?.binlog_format} on ${ds.server}, not ROW`;
    rpo = {
      targetSeconds: rpoTarget,
      worstSeconds: worst,
      basis: `${cause}; ${gapText}${job}`,
      estimated: backupSeconds !== undefined,
    };
    rpoWhy = `${cause}, ${gapText}${job}`;
    // log_bin / binlog_format are what apply's binlog resource sets: the miss lasts until it is applied (and
    // the server restarted)
    rpoFixedByApply = archiving && interval <= rpoTarget;
    if (!archiving) rpoFix = `; add binlog: { archive: true, interval: ${formatDuration(Math.min(rpoTarget, 60))} }`;
  }

  // RTO
  const measured = input.drills?.[name];
  const rate = must(RESTORE_RATE[method]);
  let rto: Bound;
  let rtoWhy: string;
  if (bytes === undefined) {
    rto = {
      targetSeconds: rtoTarget,
      worstSeconds: null,
      basis: `size unknown: server ${backupServer(ds)} is unreachable`,
      estimated: true,
    };
    rtoWhy = rto.basis;
  } else {
    // a drill's time already holds the start-up and the checks: scaled to today's size (never below
    // what it measured), since a small drill's time is mostly fixed costs that do not shrink
    const restore = measured
      ? Math.ceil(measured.rtoSeconds * Math.max(1, bytes / Math.max(1, measured.bytes)))
      : Math.ceil(bytes / rate);
    const writeRate = origin?.reachable
      ? Number(origin.status?.Binlog_bytes_written ?? 0) / Math.max(1, Number(origin.status?.Uptime ?? 1))
      : 0;
    const replayBytes = archiving && liveBinlog ? writeRate * Math.min(gapSeconds, 366 * 86400) : 0;
    const replay = Math.ceil(replayBytes / REPLAY_RATE);
    const worst = (measured ? 0 : RESTORE_OVERHEAD_SECONDS) + restore + replay;
    const replayText =
      replay > 0
        ? ` + ${formatDuration(replay)} binlog replay (${fmtBytes(replayBytes)} at ${fmtBytes(REPLAY_RATE)}/s)`
        : "";
    const restoreText = measured
      ? `${fmtBytes(bytes)}: the drill of ${measured.at} restored and verified ${fmtBytes(measured.bytes)} in ` +
        `${formatMeasured(measured.rtoSeconds)}, start-up included (measured; scaled to the current size)`
      : `${fmtBytes(bytes)} at ${fmtBytes(rate)}/s (estimated default for ${method}) + ` +
        `${RESTORE_OVERHEAD_SECONDS}s start-up`;
    rto = { targetSeconds: rtoTarget, worstSeconds: worst, basis: `${restoreText}${replayText}`, estimated: !measured };
    rtoWhy = rto.basis;
  }

  const findings: Finding[] = [];
  const judge = (what: "RPO" | "RTO", b: Bound, why: string, fix: string, fixedByApply = false) => {
    const target = `${ds.tier} ${formatDuration(b.targetSeconds)}`;
    if (b.worstSeconds === null) {
      findings.push({
        level: "warning",
        code: `${what.toLowerCase()}-unknown`,
        subject: name,
        message: `${name}: ${what} cannot be proven: ${why}`,
      });
      return "unknown" as const;
    }
    const approx = b.estimated ? "~" : "";
    const worst = `${approx}${formatDuration(b.worstSeconds)}`;
    if (b.worstSeconds > b.targetSeconds) {
      findings.push({
        level: "error",
        code: `${what.toLowerCase()}-missed`,
        subject: name,
        message: `${name}: ${what} ${worst} > ${target}: ${why}${fix}`,
        ...(fixedByApply ? { fixedByApply } : {}),
      });
      return "missed" as const;
    }
    if (b.worstSeconds > TIGHT * b.targetSeconds) {
      findings.push({
        level: "warning",
        code: `${what.toLowerCase()}-tight`,
        subject: name,
        message: `${name}: ${what} ${worst} is within 20% of ${target}: ${why}`,
      });
      return "tight" as const;
    }
    findings.push({
      level: "info",
      code: `${what.toLowerCase()}-met`,
      subject: name,
      message: `${name}: ${what} ${worst} ≤ ${target}: ${why}`,
    });
    return "met" as const;
  };
  let rtoFix = "";
  if (
    bytes !== undefined &&
    !measured &&
    must(RESTORE_RATE[method]) < must(RESTORE_RATE["mariadb-backup"]) &&
    (rto.worstSeconds ?? 0) > rtoTarget
  ) {
    const physical = RESTORE_OVERHEAD_SECONDS + Math.ceil(bytes / must(RESTORE_RATE["mariadb-backup"]));
    rtoFix =
      `; a physical method (mariadb-backup) would restore ${fmtBytes(bytes)} in ~${formatDuration(physical)} ` +
      `at ${fmtBytes(must(RESTORE_RATE["mariadb-backup"]))}/s`;
  }
  const offsiteRpo = ds.copies?.length ? offsiteBound(name, ds, rpo, tz, input.now, findings) : undefined;
  const v1 = judge("RPO", rpo, rpoWhy, rpoFix, rpoFixedByApply);
  const v2 = judge("RTO", rto, rtoWhy, rtoFix);
  const order = ["met", "tight", "unknown", "missed"] as const;
  const verdict = must(order[Math.max(order.indexOf(v1), order.indexOf(v2))]);
  return {
    proof: { dataset: name, tier: ds.tier, rpo, rto, ...(offsiteRpo ? { offsiteRpo } : {}), verdict },
    findings,
  };
}

/**
 * What losing the site loses: a change is off site once it is in a set or an archived binlog (the
 * RPO) and the next copy run has sent it (the copy schedule's worst gap; the spread minute does not
 * change the gap). Reported beside the tier's RPO, a warning when over it: the tier is stated for
 * losing the server, and a site's loss is the rarer case the DBA decides about knowingly.
 */
function offsiteBound(name: string, ds: Dataset, rpo: Bound, tz: string, now: Date, findings: Finding[]): Bound {
  const interval = ds.copyInterval ?? DEFAULT_COPY_INTERVAL;
  const parsed = parseCron(copyCron(interval, 0));
  const gap = parsed.ok ? longestGap([parsed.schedule], tz, now.getTime()) : undefined;
  const copies = must(ds.copies).join(", ");
  const gapSeconds = gap?.seconds ?? must(parseDuration(interval));
  const bound: Bound = {
    targetSeconds: rpo.targetSeconds,
    worstSeconds: rpo.worstSeconds === null ? null : rpo.worstSeconds + gapSeconds,
    basis:
      `RPO ${rpo.worstSeconds === null ? "?" : formatDuration(rpo.worstSeconds)}, then copied to ${copies} ` +
      `every ${formatDuration(gapSeconds)}`,
    estimated: rpo.estimated,
  };
  // a local RPO already over the tier is reported as such; the copies cannot fix it
  if (bound.worstSeconds === null || (rpo.worstSeconds ?? 0) > rpo.targetSeconds) return bound;
  if (bound.worstSeconds > rpo.targetSeconds)
    findings.push({
      level: "warning",
      code: "offsite-rpo-over",
      subject: name,
      message:
        `${name}: losing the whole site loses up to ${formatDuration(bound.worstSeconds)}, over the RPO ` +
        `${formatDuration(rpo.targetSeconds)} (${bound.basis}): a shorter copyInterval brings it closer`,
    });
  else
    findings.push({
      level: "info",
      code: "offsite-rpo-met",
      subject: name,
      message:
        `${name}: losing the whole site loses up to ${formatDuration(bound.worstSeconds)} ≤ RPO ` +
        `${formatDuration(rpo.targetSeconds)} (${bound.basis})`,
    });
  return bound;
}
