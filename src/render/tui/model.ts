// What the plan TUI shows, as plain data: resource groups, the lines a resource expands into, the
// findings, and the scrolling window. Pure, so it is tested without a terminal; the Ink component
// only draws it and routes keys.

import { structuredPatch } from "diff";
import type { Finding, Plan, ResourceChange } from "../../core/plan.generated.js";
import { attributeLines, proofLine, withNewline } from "../text.js";
import { must } from "../../errors.js";

/** One group per action, in the order a reviewer wants to read them: what destroys first. */
type Group = "delete" | "restart" | "update" | "create" | "unknown" | "no-op";

const GROUPS: { group: Group; symbol: string; title: string; color: string }[] = [
  { group: "delete", symbol: "-", title: "to destroy", color: "red" },
  { group: "restart", symbol: "±", title: "to change, taking effect when the server restarts", color: "magenta" },
  { group: "update", symbol: "~", title: "to change in place", color: "yellow" },
  { group: "create", symbol: "+", title: "to create", color: "green" },
  { group: "unknown", symbol: "?", title: "unknown (not inspected or unreachable)", color: "cyan" },
  { group: "no-op", symbol: " ", title: "unchanged", color: "gray" },
];

function groupOf(r: ResourceChange): Group {
  if (r.action === "update" && r.restartRequired) return "restart";
  return r.action;
}

const symbolOf = (r: ResourceChange) => must(GROUPS.find((g) => g.group === groupOf(r))).symbol;

/** Resources in display order; unchanged ones only when asked for. Stable within a group. */
export function orderedResources(plan: Plan, showUnchanged: boolean): ResourceChange[] {
  const rank = new Map(GROUPS.map((g, i) => [g.group, i]));
  return plan.resources
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => showUnchanged || r.action !== "no-op")
    .sort((a, b) => must(rank.get(groupOf(a.r))) - must(rank.get(groupOf(b.r))) || a.i - b.i)
    .map(({ r }) => r);
}

type Tone = "add" | "remove" | "change" | "context" | "note" | "hunk";
export interface DetailLine {
  text: string;
  tone: Tone;
}

/** The lines under an expanded resource: where it runs, why, its attributes, and a text diff. */
function detailLines(r: ResourceChange): DetailLine[] {
  const out: DetailLine[] = [];
  if (r.runsOn && r.action !== "unknown") out.push({ text: `runs on: ${r.runsOn}`, tone: "note" });
  if (r.reason) out.push({ text: r.reason, tone: "note" });
  for (const line of attributeLines(r)) {
    const tone: Tone = line.startsWith("+") ? "add" : line.startsWith("-") ? "remove" : "change";
    out.push({ text: line, tone });
  }
  const before = r.textBefore ?? "";
  const after = r.textAfter ?? "";
  if (before !== after) {
    out.push({ text: r.kind === "server-binlog" ? "option-file drop-in:" : "cron line:", tone: "note" });
    out.push(...textDiff(before, after));
  }
  return out;
}

/** A unified diff of two texts as tonal lines (the hunks of `diff`, without file headers). */
export function textDiff(before: string, after: string): DetailLine[] {
  const patch = structuredPatch("now", "after apply", withNewline(before), withNewline(after), undefined, undefined, {
    context: 2,
  });
  const out: DetailLine[] = [];
  for (const h of patch.hunks) {
    out.push({ text: `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, tone: "hunk" });
    for (const l of h.lines) {
      if (l.startsWith("\\")) continue; // "\ No newline at end of file"
      out.push({ text: l, tone: l.startsWith("+") ? "add" : l.startsWith("-") ? "remove" : "context" });
    }
  }
  return out;
}

export interface Row {
  /** Index of the selectable item (resource, finding, proof) the row belongs to; null for titles. */
  item: number | null;
  text: string;
  tone: Tone | Group | Finding["level"] | Plan["proofs"][number]["verdict"];
  /** The item's first row: the one the cursor marks. */
  lead?: boolean;
}

/** The resource pane flattened to one row per terminal line, group titles included. */
export function resourceRows(resources: ResourceChange[], expanded: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const counts = new Map<Group, number>();
  for (const r of resources) counts.set(groupOf(r), (counts.get(groupOf(r)) ?? 0) + 1);
  let group: Group | undefined;
  resources.forEach((r, i) => {
    const g = groupOf(r);
    if (g !== group) {
      group = g;
      const meta = must(GROUPS.find((x) => x.group === g));
      rows.push({ item: null, text: `${meta.symbol} ${counts.get(g)} ${meta.title}`, tone: g });
    }
    const flags = [...(r.restartRequired ? ["restart required"] : []), ...(r.destructive ? ["destructive"] : [])];
    const open = expanded.has(r.address) ? "▾" : "▸";
    rows.push({
      item: i,
      lead: true,
      text: `${open} ${symbolOf(r)} ${r.address}${flags.length ? `  (${flags.join(", ")})` : ""}`,
      tone: g,
    });
    if (expanded.has(r.address))
      for (const d of detailLines(r)) rows.push({ item: i, text: `      ${d.text}`, tone: d.tone });
  });
  return rows;
}

/** Findings, errors first, each wrapped to the pane's width (a finding is one line of prose). */
export function findingRows(findings: Finding[], width: number): Row[] {
  const label = (l: Finding["level"]) => (l === "error" ? "✖ error  " : l === "warning" ? "▲ warning" : "· info   ");
  const rows: Row[] = [];
  findings.forEach((f, i) => {
    const lines = wrapText(f.message, Math.max(20, width - 12));
    for (const [j, text] of lines.entries()) {
      rows.push({ item: i, lead: j === 0, text: `${j === 0 ? label(f.level) : "         "} ${text}`, tone: f.level });
    }
  });
  return rows;
}

/** One line per dataset's proof; expanded, the basis of each bound. */
export function proofRows(plan: Plan, expanded: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  plan.proofs.forEach((p, i) => {
    rows.push({ item: i, lead: true, text: `${expanded.has(p.dataset) ? "▾" : "▸"} ${proofLine(p)}`, tone: p.verdict });
    if (expanded.has(p.dataset)) {
      rows.push({ item: i, text: `    RPO: ${p.rpo.basis}`, tone: "note" });
      if (p.offsiteRpo) rows.push({ item: i, text: `    site lost: ${p.offsiteRpo.basis}`, tone: "note" });
      rows.push({ item: i, text: `    RTO: ${p.rto.basis}`, tone: "note" });
    }
  });
  return rows;
}

/** Greedy word wrap; a word longer than the width is cut. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) {
        out.push(line);
        line = "";
      }
      out.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line || !out.length) out.push(line);
  return out;
}

/** The rows an item spans, for scrolling it into view. */
export function itemSpan(rows: Row[], item: number): [number, number] {
  const first = rows.findIndex((r) => r.item === item);
  let last = first;
  while (last + 1 < rows.length && must(rows[last + 1]).item === item) last++;
  // a group title just above the first item of a group scrolls in with it
  const start = first > 0 && must(rows[first - 1]).item === null ? first - 1 : first;
  return [Math.max(start, 0), Math.max(last, 0)];
}

const LEVEL_ORDER = { error: 0, warning: 1, info: 2 } as const;
export function orderedFindings(plan: Plan): Finding[] {
  return plan.findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => LEVEL_ORDER[a.f.level] - LEVEL_ORDER[b.f.level] || a.i - b.i)
    .map(({ f }) => f);
}

/**
 * The first row to show so that rows [focusStart, focusEnd] are visible in a window of `height`,
 * moving the previous window as little as possible (the way a pager scrolls).
 */
export function scrollTo(
  previousTop: number,
  focusStart: number,
  focusEnd: number,
  height: number,
  total: number,
): number {
  if (height <= 0 || total <= height) return 0;
  let top = Math.min(Math.max(previousTop, 0), total - height);
  if (focusEnd - focusStart + 1 > height) return Math.min(focusStart, total - height);
  if (focusStart < top) top = focusStart;
  if (focusEnd >= top + height) top = focusEnd - height + 1;
  return Math.min(Math.max(top, 0), total - height);
}

// ---- navigation state -------------------------------------------------------------------------

export type PaneName = "resources" | "proofs" | "findings";

export interface ViewState {
  focus: PaneName;
  cursor: Record<PaneName, number>;
  expanded: ReadonlySet<string>;
  expandedProofs: ReadonlySet<string>;
  showUnchanged: boolean;
  quit: boolean;
}

export const initialView = (): ViewState => ({
  focus: "resources",
  cursor: { resources: 0, proofs: 0, findings: 0 },
  expanded: new Set(),
  expandedProofs: new Set(),
  showUnchanged: false,
  quit: false,
});

export type Command =
  | "down"
  | "up"
  | "page-down"
  | "page-up"
  | "first"
  | "last"
  | "toggle"
  | "open"
  | "close"
  | "all"
  | "unchanged"
  | "next-pane"
  | "previous-pane"
  | "quit";

/** What a key means; undefined when it means nothing. */
export function commandFor(
  input: string,
  key: {
    upArrow?: boolean;
    downArrow?: boolean;
    leftArrow?: boolean;
    rightArrow?: boolean;
    pageUp?: boolean;
    pageDown?: boolean;
    home?: boolean;
    end?: boolean;
    return?: boolean;
    escape?: boolean;
    tab?: boolean;
    shift?: boolean;
  },
): Command | undefined {
  if (input === "q" || key.escape) return "quit";
  if (key.tab) return key.shift ? "previous-pane" : "next-pane";
  if (key.downArrow || input === "j") return "down";
  if (key.upArrow || input === "k") return "up";
  if (key.pageDown) return "page-down";
  if (key.pageUp) return "page-up";
  if (key.home || input === "g") return "first";
  if (key.end || input === "G") return "last";
  if (key.return || input === " ") return "toggle";
  if (key.rightArrow || input === "l") return "open";
  if (key.leftArrow || input === "h") return "close";
  if (input === "a") return "all";
  if (input === "u") return "unchanged";
  return undefined;
}

/**
 * The next view state. Pure and computed from the state it is given, so keys typed faster than
 * the screen redraws (or pasted) all land where they should.
 */
export function reduceView(plan: Plan, s: ViewState, cmd: Command, pageRows = 10): ViewState {
  const resources = orderedResources(plan, s.showUnchanged);
  const counts: Record<PaneName, number> = {
    resources: resources.length,
    proofs: plan.proofs.length,
    findings: plan.findings.length,
  };
  const panes = (["resources", "proofs", "findings"] as const).filter((p) => counts[p] > 0);
  const focus = s.focus;
  const clamp = (n: number) => Math.max(0, Math.min(n, counts[focus] - 1));
  const at = (n: number): ViewState => ({ ...s, cursor: { ...s.cursor, [focus]: clamp(n) } });
  const c = s.cursor[focus];
  const flipCurrent = (open?: boolean): ViewState => {
    if (focus === "resources" && resources[c]) return { ...s, expanded: flip(s.expanded, resources[c].address, open) };
    if (focus === "proofs" && plan.proofs[c])
      return { ...s, expandedProofs: flip(s.expandedProofs, plan.proofs[c].dataset, open) };
    return s;
  };
  switch (cmd) {
    case "quit":
      return { ...s, quit: true };
    case "next-pane":
    case "previous-pane": {
      if (!panes.length) return s;
      const i = Math.max(0, panes.indexOf(focus));
      return { ...s, focus: must(panes[(i + (cmd === "next-pane" ? 1 : panes.length - 1)) % panes.length]) };
    }
    case "down":
      return at(c + 1);
    case "up":
      return at(c - 1);
    case "page-down":
      return at(c + Math.max(1, pageRows - 1));
    case "page-up":
      return at(c - Math.max(1, pageRows - 1));
    case "first":
      return at(0);
    case "last":
      return at(counts[focus] - 1);
    case "toggle":
      return flipCurrent();
    case "open":
      return flipCurrent(true);
    case "close":
      return flipCurrent(false);
    case "all": {
      if (focus !== "resources") return s;
      const allOpen = resources.length > 0 && resources.every((r) => s.expanded.has(r.address));
      return { ...s, expanded: allOpen ? new Set() : new Set(resources.map((r) => r.address)) };
    }
    case "unchanged": {
      const selected = resources[s.cursor.resources]?.address;
      const next = orderedResources(plan, !s.showUnchanged);
      const index = Math.max(
        0,
        next.findIndex((r) => r.address === selected),
      );
      return { ...s, showUnchanged: !s.showUnchanged, cursor: { ...s.cursor, resources: index } };
    }
  }
}

function flip(set: ReadonlySet<string>, key: string, open?: boolean): ReadonlySet<string> {
  const next = new Set(set);
  if (open ?? !next.has(key)) next.add(key);
  else next.delete(key);
  return next;
}
