// Which sets retention keeps and which it removes — pure, the same code for --dry-run and the real
// run (DESIGN §8 rule 3). Fulls by calendar, grandfather-father-son: the newest full of each of the
// last `daily` days, `weekly` ISO weeks and `monthly` months (UTC) that have one. Every incremental
// a kept full's chain holds stays; archived binlogs stay from the image that reaches the start of
// the PITR window (`binlogs`) onwards; the newest verified image always stays; a policy that would
// keep no full is refused.

import type { BackupManifest } from "./manifest.generated.js";
import { pointTime, recoveryImages, type RecoveryImage } from "./recovery.js";
import { must } from "../errors.js";

export interface RetentionPolicy {
  daily?: number;
  weekly?: number;
  monthly?: number;
  /** PITR window in seconds (binlogs); undefined: binlogs follow the kept images only. */
  binlogSeconds?: number;
}

export interface RetentionDecision {
  set: BackupManifest;
  keep: boolean;
  /** Why it is kept ("daily 2026-11-20", "chain of f1", "newest verified image", "PITR window"), or why it goes. */
  why: string[];
}

export interface RetentionResult {
  decisions: RetentionDecision[];
  /** Set when the policy must not run (it would keep no full). */
  refused?: string;
}

const day = (iso: string) => iso.slice(0, 10);
const month = (iso: string) => iso.slice(0, 7);
/** ISO week "2026-W47" (weeks start on Monday; the week belongs to the year of its Thursday). */
export function isoWeek(iso: string): string {
  const d = new Date(`${day(iso)}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(d.getTime() + (3 - dow) * 86400_000);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - yearStart) / (7 * 86400_000));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** For each bucket (day, week or month) the newest full in it; the newest `count` buckets. */
function newestPerBucket(fulls: BackupManifest[], bucket: (iso: string) => string, count: number): Map<string, string> {
  const newest = new Map<string, BackupManifest>();
  for (const f of fulls) {
    const b = bucket(pointTime(f));
    const have = newest.get(b);
    if (!have || pointTime(f) > pointTime(have)) newest.set(b, f);
  }
  const chosen = [...newest.entries()].sort(([a], [b]) => (a < b ? 1 : -1)).slice(0, count);
  return new Map(chosen.map(([b, f]) => [f.id, b]));
}

export function selectRetention(
  sets: BackupManifest[],
  binlogs: BackupManifest[],
  policy: RetentionPolicy,
  now: Date,
  verified: ReadonlySet<string>,
): RetentionResult {
  const images = recoveryImages(sets, binlogs);
  const fulls = images.map((i) => i.full);
  const why = new Map<string, string[]>();
  const keep = (m: BackupManifest, reason: string) => {
    const reasons = why.get(m.id) ?? [];
    if (!reasons.includes(reason)) why.set(m.id, [...reasons, reason]);
  };

  for (const [label, bucket, count] of [
    ["daily", day, policy.daily ?? 0],
    ["weekly", isoWeek, policy.weekly ?? 0],
    ["monthly", month, policy.monthly ?? 0],
  ] as const) {
    for (const [id, b] of newestPerBucket(fulls, bucket, count))
      keep(must(fulls.find((f) => f.id === id)), `${label} ${b}`);
  }
  // the newest image a drill proved restorable never goes
  const newestVerified = [...images]
    .reverse()
    .find((im) => verified.has(im.full.id) || im.incrementals.some((s) => verified.has(s.id)));
  if (newestVerified) keep(newestVerified.full, "newest verified image");

  const keptImages = images.filter((im) => why.has(im.full.id));
  if (!keptImages.length && fulls.length)
    return {
      decisions: [],
      refused: `the policy would keep none of the ${fulls.length} full set(s): refusing to delete everything`,
    };
  for (const im of keptImages) for (const s of im.incrementals) keep(s, `chain of ${im.full.id}`);

  // binlogs: everything from the image that reaches the start of the PITR window (or the oldest kept image) on,
  // and every binlog a kept image needs to reach its successor
  const windowStart =
    policy.binlogSeconds !== undefined
      ? new Date(now.getTime() - policy.binlogSeconds * 1000).toISOString()
      : undefined;
  const anchor: RecoveryImage | undefined = windowStart
    ? (keptImages.filter((im) => pointTime(im.full) <= windowStart).at(-1) ?? keptImages[0])
    : undefined;
  for (const im of keptImages) {
    const inWindow = anchor && pointTime(im.full) >= pointTime(anchor.full);
    for (const b of im.binlogs) {
      if (inWindow) keep(b, `PITR window from ${anchor.full.id}`);
      else if (!windowStart) keep(b, `needed by ${im.full.id}`);
    }
  }
  if (anchor) {
    // binlogs no kept image's chain holds (after a gap, or after the newest image) but inside the window
    for (const b of binlogs)
      if (
        b.binlog &&
        !why.has(b.id) &&
        // (after a failover the chain holds other servers' files: numbers compare within one server only)
        b.binlog.sequence >
          Math.max(
            -1,
            ...anchor.binlogs
              .filter((x) => x.server.serverId === b.server.serverId)
              .map((x) => must(x.binlog).sequence),
          ) &&
        (b.binlog.lastEventAt ?? b.finishedAt) >= must(windowStart)
      )
        keep(b, "PITR window");
  }

  const decisions: RetentionDecision[] = [...sets, ...binlogs].map((m) => {
    const reasons = why.get(m.id);
    if (reasons) return { set: m, keep: true, why: reasons };
    const gone =
      m.kind === "binlog"
        ? windowStart
          ? `before the PITR window (${windowStart})`
          : "needed by no kept image"
        : m.kind === "full"
          ? "outside every daily/weekly/monthly slot"
          : `its full ${imageOf(images, m)?.full.id ?? "(none)"} goes`;
    return { set: m, keep: false, why: [gone] };
  });
  return { decisions };
}

function imageOf(images: RecoveryImage[], m: BackupManifest): RecoveryImage | undefined {
  return images.find((im) => im.incrementals.some((s) => s.id === m.id));
}

/**
 * Archived binlogs belong to the server, not the dataset: one another dataset of the same server (in
 * the same repository) keeps under its own policy stays, named. A dataset without a policy, or whose
 * policy is refused, keeps every binlog.
 */
export function keepSharedBinlogs(
  decisions: RetentionDecision[],
  binlogs: BackupManifest[],
  others: { name: string; sets: BackupManifest[]; policy: RetentionPolicy | undefined }[],
  now: Date,
  verified: ReadonlySet<string>,
): RetentionDecision[] {
  const keptBy = new Map<string, string>();
  for (const o of others) {
    const r = o.policy ? selectRetention(o.sets, binlogs, o.policy, now, verified) : undefined;
    for (const b of binlogs)
      if (!r || r.refused || r.decisions.some((d) => d.set.id === b.id && d.keep)) keptBy.set(b.id, o.name);
  }
  return decisions.map((d) =>
    !d.keep && keptBy.has(d.set.id) ? { ...d, keep: true, why: [`needed by dataset ${keptBy.get(d.set.id)}`] } : d,
  );
}
