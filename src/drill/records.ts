// Drill results as the journal holds them: the one place that reads `drill` records back, for
// retention (which images are verified), status, plan and the evidence export.

import type { JournalRecord } from "../state/journal.js";
import type { DrillRecord } from "./drill.js";

export function drillRecords(journal: JournalRecord[]): (DrillRecord & { seq: number })[] {
  return journal.filter((r) => r.kind === "drill").map((r) => ({ ...(r.data as unknown as DrillRecord), seq: r.seq }));
}

/** Set ids a drill restored and whose data passed every check (the full set of the image, and its incrementals). */
export function verifiedSets(journal: JournalRecord[]): Set<string> {
  const out = new Set<string>();
  for (const d of drillRecords(journal)) if (d.verified) for (const id of d.sets ?? (d.set ? [d.set] : [])) out.add(id);
  return out;
}

/** Per drill, its newest record. */
export function lastDrills(journal: JournalRecord[]): Map<string, DrillRecord> {
  const out = new Map<string, DrillRecord>();
  for (const d of drillRecords(journal)) out.set(d.drill, d);
  return out;
}

/** Per dataset, the newest drill whose data verified (what plan's RTO proof and status use). */
export function lastVerifiedDrill(journal: JournalRecord[]): Map<string, DrillRecord> {
  const out = new Map<string, DrillRecord>();
  for (const d of drillRecords(journal)) if (d.verified) out.set(d.dataset, d);
  return out;
}
