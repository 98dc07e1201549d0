// `drctl status`: per dataset, how much data would be lost if the server died now (the exposure),
// and whether recoverability is proven and current. Pure: what the catalog, the archive's progress
// and the journal say, and the time, in; a state per dataset out — OK, AT RISK or BREACHED — with
// the reasons a person on call reads first.

import type { DrSpec } from "../spec/types.generated.js";
import { parseCron } from "./cron.js";
import { formatDuration, parseDuration } from "./duration.js";
import { fireInstants } from "./schedule-gaps.js";
import { must } from "../errors.js";

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

export interface DatasetFacts {
  /** The newest full set and the newest set of any kind (their consistent points' times). */
  newestFull?: { id: string; at: string };
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
}

export interface DatasetStatus {
  dataset: string;
  tier: string;
  state: StatusState;
  reasons: string[];
  newestFull?: { id: string; at: string };
  /** Up to when a restore brings data back; now − this is the exposure. */
  recoverableUntil?: string;
  exposureSeconds?: number;
  rpoTargetSeconds: number;
  rtoTargetSeconds: number;
  lastDrill?: DrillSummary;
}

export interface StatusReport {
  now: string;
  state: StatusState;
  datasets: DatasetStatus[];
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
    ? `the archive up to the missing binlog ${facts.recovery.missing}`
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
      `binlog ${facts.recovery.missing} is missing from the archive: a restore reaches only ` +
        `${recoverableUntil ?? "the sets' own points"} (take a new full backup to start a new chain)`,
    );
  if (archiving && facts.newestFull && !facts.archivedUntil)
    flag(
      "AT RISK",
      "no binlog archive run has completed without leaving something behind (see `drctl binlog archive`)",
    );

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
  for (const [drillName, d] of drills) {
    const last = facts.drills.filter((r) => r.drill === drillName).at(-1);
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
    if (due.length)
      flag(
        "AT RISK",
        `drill ${drillName} is overdue: its schedule (${d.schedule}) ran it at ` +
          `${new Date(must(due[0])).toISOString()}, but the last run is from ${last.startedAt}`,
      );
  }
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
  };
}

export function statusReport(datasets: DatasetStatus[], now: Date): StatusReport {
  return { now: now.toISOString(), state: datasets.reduce<StatusState>((s, d) => worse(s, d.state), "OK"), datasets };
}
