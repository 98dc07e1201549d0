// `drctl status` as plain text: one line per dataset, then the reasons behind any state but OK.

import { formatColumns } from "./columns.js";
import { formatDuration, formatMeasured } from "../core/duration.js";
import type { DatasetStatus, StatusReport } from "../core/status.js";

const short = (iso?: string) => (iso ? iso.replace(/\.\d+Z$/, "Z") : "—");

export function statusRows(r: StatusReport): string[][] {
  return r.datasets.map((d) => [
    d.dataset,
    d.tier,
    d.state,
    newestFullText(d),
    short(d.recoverableUntil),
    d.exposureSeconds === undefined
      ? "—"
      : `${formatDuration(d.exposureSeconds)}/${formatDuration(d.rpoTargetSeconds)}`,
    drillText(d),
  ]);
}

export const STATUS_HEAD = [
  "DATASET",
  "TIER",
  "STATE",
  "NEWEST FULL",
  "RECOVERABLE UNTIL",
  "EXPOSURE/RPO",
  "LAST DRILL",
];

/** When the newest full's data stands, and the replica it came from (with its lag then) when it did. */
function newestFullText(d: DatasetStatus): string {
  const f = d.newestFull;
  if (!f?.takenOn) return short(f?.at);
  const lag =
    f.replicaLagSeconds === undefined ? "" : `, lag ${f.replicaLagSeconds === null ? "?" : `${f.replicaLagSeconds}s`}`;
  return `${short(f.at)} on ${f.takenOn}${lag}`;
}

function drillText(d: DatasetStatus): string {
  const l = d.lastDrill;
  if (!l) return "never";
  const fig = (b?: { measuredSeconds: number; targetSeconds: number }) =>
    b ? `${formatMeasured(b.measuredSeconds)}/${formatDuration(b.targetSeconds)}` : "—";
  return `${short(l.startedAt)} ${l.result} RTO ${fig(l.rto)} RPO ${fig(l.rpo)}`;
}

export function renderStatusText(r: StatusReport): string {
  const rows = statusRows(r);
  const lines = formatColumns(STATUS_HEAD, rows);
  for (const d of r.datasets) for (const why of d.reasons) lines.push(`${d.dataset}: ${d.state}: ${why}`);
  const copies = offsiteLines(r);
  if (copies.length) lines.push("", ...copies);
  for (const n of r.notifications ?? [])
    lines.push(`notify: the last message to ${n.target} (${short(n.at)}) could not be delivered: ${n.error}`);
  lines.push(`overall: ${r.state} (as of ${short(r.now)})`);
  return lines.join("\n");
}

/** The offsite copies of every dataset, a table (none when no dataset has copies). */
export function offsiteLines(r: StatusReport): string[] {
  const copies = r.datasets.flatMap((d) => (d.offsite ?? []).map((c) => ({ d, c })));
  if (!copies.length) return [];
  return formatColumns(
    ["DATASET", "OFFSITE COPY", "REACHES", "AGE/RPO", "LAST COMPLETED", "LAST VERIFIED"],
    copies.map(({ d, c }) => [
      d.dataset,
      c.repository,
      short(c.newestPoint),
      c.exposureSeconds === undefined
        ? "—"
        : `${formatDuration(c.exposureSeconds)}/${formatDuration(d.rpoTargetSeconds)}`,
      c.lastRun?.pending ? `${short(c.lastCompleted)} (pending)` : short(c.lastCompleted),
      c.lastVerified ? `${short(c.lastVerified.at)} ${c.lastVerified.ok ? "ok" : "FAILED"}` : "never",
    ]),
  );
}
