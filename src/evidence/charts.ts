// Pictures for the evidence report (issue 18 §5), as inline SVG — no script, no network, printable:
// per dataset, each drill's measured RTO and RPO against the tier's target over the period, and a
// calendar of the period's backups, offsite copies, drills and archive gaps, one cell per day. Pure:
// evidence in, SVG text out; every mark carries data-* attributes saying what it stands for.

import { formatDuration, formatMeasured } from "../core/duration.js";
import type { DatasetEvidence, DrillEvidence } from "./evidence.generated.js";

const COLOR = { ok: "#2e7d32", missed: "#ef6c00", failed: "#c62828", none: "#e8e8e8", warn: "#ffa726" } as const;
const DAY = 86_400_000;

function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

const day = (iso: string) => iso.slice(0, 10);

/**
 * Measured RTO (or RPO) of every drill in the period, as points over time, with the tier's target as a
 * dashed line: a point above the line missed it. A drill that failed before measuring is a red mark on
 * the axis.
 */
export function drillChart(d: DatasetEvidence, which: "rto" | "rpo", since: string, until: string): string {
  const W = 460;
  const H = 170;
  const left = 76;
  const right = 12;
  const top = 26;
  const bottom = 30;
  const t0 = Date.parse(since);
  const t1 = Math.max(Date.parse(until), t0 + DAY);
  const figures = d.drills.map((x) => ({ x, f: x[which] }));
  const target = figures.find((p) => p.f)?.f?.targetSeconds;
  const max = Math.max(1, target ?? 0, ...figures.map((p) => p.f?.measuredSeconds ?? 0)) * 1.15;
  const xOf = (iso: string) => left + ((Date.parse(iso) - t0) / (t1 - t0)) * (W - left - right);
  const yOf = (s: number) => top + (1 - s / max) * (H - top - bottom);
  const label = which.toUpperCase();
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart drill-${which}" data-dataset="${esc(d.name)}" ` +
      `width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">`,
    `<title>${esc(`${d.name}: measured ${label} of each drill against the ${label} target`)}</title>`,
    `<text x="${left}" y="16" font-size="13" font-weight="600">${esc(`${label} per drill — ${d.name}`)}</text>`,
    `<line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}" stroke="#999"/>`,
    `<text x="${left - 6}" y="${top + 4}" font-size="10" text-anchor="end">` +
      `${esc(formatDuration(Math.round(max)))}</text>`,
    `<text x="${left - 6}" y="${H - bottom}" font-size="10" text-anchor="end">0</text>`,
    `<text x="${left}" y="${H - 8}" font-size="10">${day(since)}</text>`,
    `<text x="${W - right}" y="${H - 8}" font-size="10" text-anchor="end">${day(until)}</text>`,
  ];
  if (target !== undefined)
    out.push(
      `<line class="target" data-target="${target}" x1="${left}" y1="${yOf(target).toFixed(1)}" x2="${W - right}" ` +
        `y2="${yOf(target).toFixed(1)}" stroke="#555" stroke-dasharray="5 4"/>`,
      `<text x="${W - right}" y="${(yOf(target) - 4).toFixed(1)}" font-size="10" text-anchor="end">` +
        `${esc(`target ${formatDuration(target)}`)}</text>`,
    );
  for (const { x, f } of figures) {
    const result = x.result;
    const color = result === "ok" ? COLOR.ok : result === "target-missed" ? COLOR.missed : COLOR.failed;
    const common =
      `class="drill" data-drill="${esc(x.drill)}" data-at="${esc(x.at)}" data-result="${result}"` +
      (f ? ` data-measured="${f.measuredSeconds}"` : "");
    const measured = f ? `${label} ${formatMeasured(f.measuredSeconds)}` : "no measurement";
    const tip = `${x.drill} ${x.at}: ${measured} (${result})`;
    if (f)
      out.push(
        `<circle ${common} cx="${xOf(x.at).toFixed(1)}" cy="${yOf(f.measuredSeconds).toFixed(1)}" r="5" ` +
          `fill="${color}">` +
          `<title>${esc(tip)}</title></circle>`,
      );
    else {
      const cx = xOf(x.at);
      const by = H - bottom;
      out.push(
        `<path ${common} d="M${(cx - 5).toFixed(1)} ${by} L${cx.toFixed(1)} ${by - 9} ` +
          `L${(cx + 5).toFixed(1)} ${by} Z" ` +
          `fill="${color}"><title>${esc(tip)}</title></path>`,
      );
    }
  }
  if (!figures.length)
    out.push(`<text x="${W / 2}" y="${H / 2}" font-size="12" text-anchor="middle">no drill in the period</text>`);
  out.push("</svg>");
  return out.join("");
}

type Mark = "ok" | "failed" | "warn";

/** One row per kind of event, one cell per day of the period: what happened that day, the worst first. */
export function calendar(d: DatasetEvidence, since: string, until: string): string {
  const first = Date.parse(day(since));
  const days = Math.max(1, Math.min(400, Math.floor((Date.parse(day(until)) - first) / DAY) + 1));
  const cell = 11;
  const gap = 2;
  const left = 64;
  const top = 30;
  const rows: [string, Map<number, Mark>][] = [
    ["backups", new Map()],
    ["copies", new Map()],
    ["drills", new Map()],
    ["gaps", new Map()],
  ];
  const put = (row: number, iso: string | undefined, mark: Mark) => {
    if (!iso || Number.isNaN(Date.parse(iso))) return;
    const i = Math.floor((Date.parse(day(iso)) - first) / DAY);
    if (i < 0 || i >= days) return;
    const m = rows[row]?.[1];
    const had = m?.get(i);
    // a failure that day outweighs a warning, which outweighs a success
    if (!had || (had === "ok" && mark !== "ok") || (had === "warn" && mark === "failed")) m?.set(i, mark);
  };
  for (const b of d.backups) if (b.exitCode !== 4) put(0, b.at, b.exitCode === 0 ? "ok" : "failed");
  for (const c of d.copies ?? []) {
    put(1, c.lastCompleted, "ok");
    if (c.lastRun) put(1, c.lastRun.at, c.lastRun.mismatches ? "failed" : c.lastRun.pending ? "warn" : "ok");
    if (c.lastVerified) put(1, c.lastVerified.at, c.lastVerified.ok ? "ok" : "failed");
  }
  for (const x of d.drills as DrillEvidence[])
    put(2, x.at, x.result === "ok" ? "ok" : x.result === "target-missed" ? "warn" : "failed");
  for (const g of d.gaps) put(3, g.slice(0, g.indexOf(": ")), "failed");
  const W = left + days * (cell + gap) + 8;
  const H = top + rows.length * (cell + gap) + 8;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart calendar" data-dataset="${esc(d.name)}" width="${W}" ` +
      `height="${H}" viewBox="0 0 ${W} ${H}" role="img">`,
    `<title>${esc(`${d.name}: backups, copies, drills and gaps per day from ${day(since)} to ${day(until)}`)}</title>`,
    `<text x="0" y="14" font-size="13" font-weight="600">${esc(`Calendar — ${d.name}`)}</text>`,
  ];
  for (let i = 0; i < days; i++) {
    const date = new Date(first + i * DAY).toISOString().slice(0, 10);
    if (i === 0 || date.endsWith("-01"))
      out.push(
        `<text x="${left + i * (cell + gap)}" y="${top - 4}" font-size="9">${date.slice(0, i === 0 ? 10 : 7)}</text>`,
      );
  }
  for (const [r, [name, marks]] of rows.entries()) {
    const y = top + r * (cell + gap);
    out.push(`<text x="0" y="${y + cell - 1}" font-size="10">${name}</text>`);
    for (let i = 0; i < days; i++) {
      const mark = marks.get(i);
      const date = new Date(first + i * DAY).toISOString().slice(0, 10);
      const fill =
        mark === "ok" ? COLOR.ok : mark === "failed" ? COLOR.failed : mark === "warn" ? COLOR.warn : COLOR.none;
      out.push(
        `<rect class="day" data-row="${name}" data-day="${date}"${mark ? ` data-mark="${mark}"` : ""} ` +
          `x="${left + i * (cell + gap)}" y="${y}" width="${cell}" height="${cell}" fill="${fill}">` +
          `<title>${esc(`${name} ${date}: ${mark ?? "nothing"}`)}</title></rect>`,
      );
    }
  }
  out.push("</svg>");
  return out.join("");
}
