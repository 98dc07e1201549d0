// Offsite copies as the journal holds them: the one place that reads `copy` and `verify --repository`
// job records back, for status (is the newest copy within the RPO?) and the evidence export (where is
// each copy, when was it last completed and verified).

import type { CopyHistory } from "../core/status.js";
import type { JournalRecord } from "../state/journal.js";

interface CopyTargetDetails {
  dataset: string;
  repository: string;
  where?: string;
  newestFull?: string;
  newestPoint?: string;
  pending?: string;
  mismatches?: string[];
}

const targetsOf = (r: JournalRecord): CopyTargetDetails[] =>
  r.kind === "job" && r.data.command === "copy"
    ? (((r.data.details as { targets?: CopyTargetDetails[] } | undefined)?.targets ?? []) as CopyTargetDetails[])
    : [];

export function copyHistory(journal: JournalRecord[], dataset: string, repository: string): CopyHistory {
  const out: CopyHistory = { repository };
  for (const r of journal) {
    for (const t of targetsOf(r)) {
      if (t.dataset !== dataset || t.repository !== repository) continue;
      out.lastRun = { at: r.ts, ...(t.pending ? { pending: t.pending } : {}), mismatches: t.mismatches?.length ?? 0 };
      if (!t.pending && !t.mismatches?.length) out.lastCompleted = r.ts;
      if (t.where) out.where = t.where;
      // a run that could not reach the target says nothing about what it holds
      if (t.newestPoint || t.newestFull) {
        if (t.newestFull) out.newestFull = t.newestFull;
        if (t.newestPoint) out.newestPoint = t.newestPoint;
      }
    }
    const d = r.data.details as
      | { repository?: string; whole?: boolean; deep?: boolean; checked?: number; failed?: unknown[] }
      | undefined;
    if (r.kind === "job" && r.data.command === "verify" && d?.repository === repository && d.whole)
      out.lastVerified = {
        at: r.ts,
        ok: r.data.exitCode === 0,
        deep: d.deep === true,
        checked: d.checked ?? 0,
        failed: d.failed?.length ?? 0,
      };
  }
  return out;
}
