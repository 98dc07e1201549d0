// `drctl status`: per dataset, how much data would be lost if the server died now (the exposure),
// and whether recoverability is proven and current. Pure: what the catalog, the archive's progress
// and the journal say, and the time, in; a state per dataset out — OK, AT RISK or BREACHED — with
// the reasons a person on call reads first.

import type { DrSpec } from "../spec/types.generated.js";
import { parseCron } from "./cron.js";
import { formatDuration, parseDuration } from "./duration.js";
import { fireInstants } from "./schedule-gaps.js";
import { must } from "../errors.js";
import { describeMissing, missingText } from "./recovery.js";

export type StatusState = "OK" | "AT RISK" | "BREACHED";

/** How close to the tier's RPO the exposure may come before it is AT RISK. */
const AT_RISK_SHARE = 0.8;
/** A drill that fired less than this long ago may still be running: not yet overdue. */
const DRILL_GRACE_SECONDS = 3600;

interface DrillSummary {
  drill: string;
  startedAt: string;
  result: "ok" | "target-missed" | "failed";
  rto?: { measuredSeconds: number; targetSeconds: number; met: boolean };
  rpo?: { measuredSeconds: number; targetSeconds: number; met: boolean };
}

/** A set as status shows it; `takenOn` only when it came from another server than the dataset's (a replica). */
interface SetFacts {
  id: string;
  at: string;
  takenOn?: string;
  /** A gated replica's lag when the set was taken (null: unknown). */
  replicaLagSeconds?: number | null;
}

export interface DatasetFacts {
  /** The newest full set and the newest set of any kind (their consistent points' times). */
  newestFull?: SetFacts;
  newestSet?: { id: string; at: string };
  /**
   * Binlog archiving: the last archive run that reached the server's position (nothing left behind), and the newest
   * archived event.
   */
  archivedUntil?: string;
  newestArchivedEvent?: string;
  /**
   * What a restore to "latest" reaches, read as restore reads it (planRecovery), and the binlog
   * missing before it, if any.
   */
  recovery?: { reaches?: string; missing?: string };
  /** Every drill record of the dataset, oldest first. */
  drills: DrillSummary[];
  /** Per repository of the dataset's `copies`, what the journal says of the copies sent there. */
  offsite?: CopyHistory[];
  /** Bytes the dataset's repository holds: its sets, and its server's archived binlogs. */
  storedBytes?: { sets: number; binlogs: number };
}

/** What the journal says of a dataset's copies in one repository (copy/records.ts reads it). */
export interface CopyHistory {
  repository: string;
  /** Where the copy is (a path, sftp://…, s3://…), as the last run that reached it said. */
  where?: string;
  /** The newest run that tried this target. */
  lastRun?: { at: string; pending?: string; mismatches: number };
  /** The newest run that brought the target fully up to date (nothing pending, nothing mismatched). */
  lastCompleted?: string;
  /** What the target held after the newest run that reached it. */
  newestFull?: string;
  newestPoint?: string;
  /** The newest `drctl verify --repository` of the whole copy. */
  lastVerified?: { at: string; ok: boolean; deep: boolean; checked: number; failed: number };
}

interface OffsiteStatus extends CopyHistory {
  /** now − the newest point the copy holds: what losing the site would lose. */
  exposureSeconds?: number;
}

export interface DatasetStatus {
  dataset: string;
  tier: string;
  state: StatusState;
  reasons: string[];
  newestFull?: SetFacts;
  /** Up to when a restore brings data back; now − this is the exposure. */
  recoverableUntil?: string;
  exposureSeconds?: number;
  rpoTargetSeconds: number;
  rtoTargetSeconds: number;
  lastDrill?: DrillSummary;
  /** Each drill of the spec for this dataset: its last run, and since when a run is overdue. */
  drills?: { drill: string; lastStartedAt?: string; overdueSince?: string }[];
  /** Binlog archiving: how far the archive reaches, how far behind now, and a hole in it. */
  binlog?: { archivedUntil?: string; newestArchivedEvent?: string; lagSeconds?: number; missing?: string };
  /** Each offsite copy: where, how old, the last run's trouble. */
  offsite?: OffsiteStatus[];
  storedBytes?: { sets: number; binlogs: number };
}

export interface StatusReport {
  now: string;
  state: StatusState;
  datasets: DatasetStatus[];
  /** Notification targets whose newest delivery failed (the journal's notify records). */
  notifications?: { target: string; at: string; error: string }[];
}

const worse = (a: StatusState, b: StatusState): StatusState =>
  ["OK", "AT RISK", "BREACHED"].indexOf(a) >= ["OK", "AT RISK", "BREACHED"].indexOf(b) ? a : b;

export function datasetStatus(
  spec: DrSpec,
  name: string,
  facts: DatasetFacts,
  now: Date,
  defaultTimeZone: string,
): DatasetStatus {
  const ds = must(spec.datasets[name]);
  const tier = must(spec.tiers[ds.tier]);
  const rpo = must(parseDuration(tier.rpo));
  const rto = must(parseDuration(tier.rto));
  const reasons: string[] = [];
  let state: StatusState = "OK";
  const flag = (s: StatusState, why: string) => {
    state = worse(state, s);
    reasons.push(why);
  };

  // exposure: what a restore would not bring back if the server died now
  const archiving = ds.binlog?.archive === true;
  // one truth with restore: when the restore plan was read, it says how far a restore reaches
  const recoverableUntil = !facts.newestFull
    ? undefined
    : facts.recovery
      ? (facts.recovery.reaches ?? facts.newestFull.at)
      : archiving
        ? ([facts.archivedUntil, facts.newestArchivedEvent, facts.newestSet?.at]
            .filter((t): t is string => !!t)
            .sort()
            .at(-1) ?? facts.newestFull.at)
        : (facts.newestSet?.at ?? facts.newestFull.at);
  const exposure = recoverableUntil ? Math.max(0, (now.getTime() - Date.parse(recoverableUntil)) / 1000) : undefined;
  const basis = facts.recovery?.missing
    ? `the archive up to the missing ${describeMissing(facts.recovery.missing)}`
    : archiving
      ? facts.archivedUntil && recoverableUntil === facts.archivedUntil
        ? "the last complete binlog archive run"
        : "the newest archived binlog event"
      : "the newest backup set (no binlog archiving)";
  if (!facts.newestFull) flag("BREACHED", "no full backup set: nothing to restore");
  else if (must(exposure) > rpo)
    flag(
      "BREACHED",
      `exposure ${formatDuration(must(exposure))} > RPO ${formatDuration(rpo)} (${ds.tier}): data since ` +
        `${recoverableUntil} (${basis}) would be lost`,
    );
  else if (must(exposure) > AT_RISK_SHARE * rpo)
    flag(
      "AT RISK",
      `exposure ${formatDuration(must(exposure))} is above ${Math.round(AT_RISK_SHARE * 100)}% of RPO ` +
        `${formatDuration(rpo)} (${ds.tier}), since ${recoverableUntil} (${basis})`,
    );
  if (facts.recovery?.missing)
    flag(
      "AT RISK",
      `${missingText(facts.recovery.missing)} from the archive: a restore reaches only ` +
        `${recoverableUntil ?? "the sets' own points"} (take a new full backup to start a new chain)`,
    );
  if (archiving && facts.newestFull && !facts.archivedUntil)
    flag(
      "AT RISK",
      "no binlog archive run has completed without leaving something behind (see `drctl binlog archive`)",
    );

  // the copies that survive the loss of the site: past the RPO, losing the site loses more than the tier allows
  const offsite: OffsiteStatus[] = [];
  for (const c of facts.offsite ?? []) {
    const age = c.newestPoint ? Math.max(0, (now.getTime() - Date.parse(c.newestPoint)) / 1000) : undefined;
    offsite.push({ ...c, ...(age !== undefined ? { exposureSeconds: Math.round(age) } : {}) });
    const trouble = c.lastRun?.pending ? ` (the last copy run, ${c.lastRun.at}, is pending: ${c.lastRun.pending})` : "";
    if (age === undefined)
      flag("AT RISK", `no copy at ${c.repository} holds a full set yet: losing the site loses everything${trouble}`);
    else if (age > rpo)
      flag(
        "AT RISK",
        `the newest copy at ${c.repository} reaches ${c.newestPoint}: ${formatDuration(age)} old, over the RPO ` +
          `${formatDuration(rpo)} (${ds.tier}) if the site is lost${trouble}`,
      );
    if (c.lastRun?.mismatches)
      flag("AT RISK", `the last copy run to ${c.repository} (${c.lastRun.at}) found objects that differ (exit 5)`);
    if (c.lastVerified && !c.lastVerified.ok)
      flag("AT RISK", `the last verify of ${c.repository} (${c.lastVerified.at}) FAILED: the copy is damaged`);
  }

  // proof: the newest drill, and whether each drill ran when its schedule said
  const lastDrill = facts.drills.at(-1);
  const drills = Object.entries(spec.drills ?? {}).filter(([, d]) => d.dataset === name);
  if (!drills.length) flag("AT RISK", "no drill in the spec: recoverability is never proven");
  else if (!lastDrill) flag("AT RISK", "never drilled: recoverability not yet proven");
  else if (lastDrill.result === "failed")
    flag("BREACHED", `the last drill (${lastDrill.drill}, ${lastDrill.startedAt}) FAILED: recoverability not proven`);
  else if (lastDrill.result === "target-missed") {
    const missed = [
      lastDrill.rto && !lastDrill.rto.met
        ? `RTO ${formatDuration(lastDrill.rto.measuredSeconds)} > ${formatDuration(lastDrill.rto.targetSeconds)}`
        : "",
      lastDrill.rpo && !lastDrill.rpo.met
        ? `RPO ${formatDuration(lastDrill.rpo.measuredSeconds)} > ${formatDuration(lastDrill.rpo.targetSeconds)}`
        : "",
    ].filter(Boolean);
    flag("BREACHED", `the last drill (${lastDrill.drill}, ${lastDrill.startedAt}) measured ${missed.join(" and ")}`);
  }
  const tz = spec.scheduler?.timezone ?? defaultTimeZone;
  const drillRuns: NonNullable<DatasetStatus["drills"]> = [];
  for (const [drillName, d] of drills) {
    const last = facts.drills.filter((r) => r.drill === drillName).at(-1);
    drillRuns.push({ drill: drillName, ...(last ? { lastStartedAt: last.startedAt } : {}) });
    if (!last) continue;
    const parsed = parseCron(d.schedule);
    if (!parsed.ok) continue;
    // a run was due after the last one started (and long enough ago that it should have finished)
    const due = fireInstants(
      [parsed.schedule],
      tz,
      Date.parse(last.startedAt) + 60_000,
      now.getTime() - DRILL_GRACE_SECONDS * 1000,
    );
    if (due.length) {
      must(drillRuns.at(-1)).overdueSince = new Date(must(due[0])).toISOString();
      flag(
        "AT RISK",
        `drill ${drillName} is overdue: its schedule (${d.schedule}) ran it at ` +
          `${new Date(must(due[0])).toISOString()}, but the last run is from ${last.startedAt}`,
      );
    }
  }
  // the archive's own reach, beside the exposure (which also counts the sets)
  const newestArchived = [facts.archivedUntil, facts.newestArchivedEvent]
    .filter((t): t is string => !!t)
    .sort()
    .at(-1);
  const binlog = archiving
    ? {
        ...(facts.archivedUntil ? { archivedUntil: facts.archivedUntil } : {}),
        ...(facts.newestArchivedEvent ? { newestArchivedEvent: facts.newestArchivedEvent } : {}),
        ...(newestArchived
          ? { lagSeconds: Math.round(Math.max(0, (now.getTime() - Date.parse(newestArchived)) / 1000)) }
          : {}),
        ...(facts.recovery?.missing ? { missing: facts.recovery.missing } : {}),
      }
    : undefined;
  return {
    dataset: name,
    tier: ds.tier,
    state,
    reasons,
    ...(facts.newestFull ? { newestFull: facts.newestFull } : {}),
    ...(recoverableUntil ? { recoverableUntil } : {}),
    ...(exposure !== undefined ? { exposureSeconds: Math.round(exposure) } : {}),
    rpoTargetSeconds: rpo,
    rtoTargetSeconds: rto,
    ...(lastDrill ? { lastDrill } : {}),
    ...(drillRuns.length ? { drills: drillRuns } : {}),
    ...(binlog ? { binlog } : {}),
    ...(offsite.length ? { offsite } : {}),
    ...(facts.storedBytes ? { storedBytes: facts.storedBytes } : {}),
  };
}

export function statusReport(datasets: DatasetStatus[], now: Date): StatusReport {
  return { now: now.toISOString(), state: datasets.reduce<StatusState>((s, d) => worse(s, d.state), "OK"), datasets };
}
