// What a drill concludes from what it read: pure comparisons of the restored data against the
// set's manifest and the archive, and of the measured RTO/RPO against the tier. Each check is one
// line an auditor can read: what was compared, and what differed.

import type { ReferenceFigures, SchemaObject, TableName } from "../core/manifest.generated.js";
import { formatDuration, formatMeasured } from "../core/duration.js";

export interface Check {
  /** "set point" (before any replay) or "target" (after the replay). */
  step: "set point" | "target";
  name: string;
  ok: boolean;
  detail: string;
  /** Not run, and why (e.g. the reference snapshot lies past the drill's point). */
  skipped?: string;
}

const show = (t: TableName) => `${t.database}.${t.table}`;
const key = (t: TableName) => JSON.stringify([t.database, t.table]);
const list = (items: string[], max = 8) =>
  items.length > max ? `${items.slice(0, max).join(", ")} and ${items.length - max} more` : items.join(", ");

/** Every table the set holds exists in the restored server. */
export function compareTables(expected: TableName[], restored: TableName[]): Check {
  const have = new Set(restored.map(key));
  const missing = expected.filter((t) => !have.has(key(t)));
  return missing.length
    ? {
        step: "set point",
        name: "tables present",
        ok: false,
        detail:
          `${missing.length} of ${expected.length} table(s) the set holds are missing after the restore: ` +
          `${list(missing.map(show))}`,
      }
    : {
        step: "set point",
        name: "tables present",
        ok: true,
        detail: `all ${expected.length} table(s) of the set restored`,
      };
}

/** CHECK TABLE results: table → the last message (OK when the table is sound). */
export function judgeCheckTable(results: { table: TableName; status: string }[]): Check {
  const bad = results.filter((r) => !/^(OK|Table is already up to date)$/i.test(r.status));
  return bad.length
    ? {
        step: "set point",
        name: "CHECK TABLE",
        ok: false,
        detail: `${bad.length} table(s) failed CHECK TABLE: ${list(bad.map((b) => `${show(b.table)} (${b.status})`))}`,
      }
    : { step: "set point", name: "CHECK TABLE", ok: true, detail: `${results.length} table(s) passed CHECK TABLE` };
}

/** Views, routines, triggers and events: present, with the same normalized definition as when backed up. */
export function compareObjects(expected: SchemaObject[], restored: SchemaObject[]): Check {
  const id = (o: SchemaObject) => `${o.type} ${o.database}.${o.name}`;
  const have = new Map(restored.map((o) => [id(o), o]));
  const missing: string[] = [];
  const changed: string[] = [];
  for (const o of expected) {
    const r = have.get(id(o));
    if (!r) missing.push(id(o));
    else if (r.definition !== o.definition || (o.definer ?? "") !== (r.definer ?? "")) changed.push(id(o));
  }
  if (!missing.length && !changed.length)
    return {
      step: "set point",
      name: "schema objects",
      ok: true,
      detail: `${expected.length} view(s)/routine(s)/trigger(s)/event(s) match the manifest's definitions`,
    };
  const parts = [
    ...(missing.length ? [`missing: ${list(missing)}`] : []),
    ...(changed.length ? [`definition differs: ${list(changed)}`] : []),
  ];
  return { step: "set point", name: "schema objects", ok: false, detail: parts.join("; ") };
}

/** Row counts (and content checksums where both sides have one) against the backup's reference figures. */
export function compareReference(
  reference: ReferenceFigures["tables"],
  restored: { table: TableName; rows: number; checksum?: string }[],
  opts: { checksums: boolean },
): Check[] {
  const got = new Map(restored.map((r) => [key(r.table), r]));
  const countDiffs: string[] = [];
  const sumDiffs: string[] = [];
  let summed = 0;
  for (const ref of reference) {
    const r = got.get(key(ref));
    if (!r) {
      countDiffs.push(`${show(ref)}: missing (reference ${ref.rows} rows)`);
      continue;
    }
    if (r.rows !== ref.rows) countDiffs.push(`${show(ref)}: ${r.rows} rows, reference ${ref.rows}`);
    if (opts.checksums && ref.checksum !== undefined && r.checksum !== undefined) {
      summed++;
      if (r.checksum !== ref.checksum) sumDiffs.push(show(ref));
    }
  }
  const total = reference.reduce((n, t) => n + t.rows, 0);
  const out: Check[] = [
    countDiffs.length
      ? {
          step: "set point",
          name: "row counts",
          ok: false,
          detail: `${countDiffs.length} table(s) differ from the reference figures: ${list(countDiffs)}`,
        }
      : {
          step: "set point",
          name: "row counts",
          ok: true,
          detail: `${reference.length} table(s), ${total} rows, equal the reference figures`,
        },
  ];
  if (opts.checksums) {
    out.push(
      summed === 0 && reference.length > 0
        ? {
            step: "set point",
            name: "checksums",
            ok: false,
            detail:
              "the set has no reference checksums (the backup ran before this drill asked for checksums): " +
              "take a new backup",
          }
        : sumDiffs.length
          ? {
              step: "set point",
              name: "checksums",
              ok: false,
              detail: `${sumDiffs.length} table(s) hold different rows than the reference: ${list(sumDiffs)}`,
            }
          : {
              step: "set point",
              name: "checksums",
              ok: true,
              detail: `${summed} table(s)' content checksums equal the reference`,
            },
    );
  }
  return out;
}

/** Views that could not be queried: view → the server's error. */
export function judgeViews(total: number, failures: { view: string; error: string }[]): Check {
  return failures.length
    ? {
        step: "set point",
        name: "views answer",
        ok: false,
        detail:
          `${failures.length} of ${total} view(s) cannot be queried: ` +
          `${list(failures.map((f) => `${f.view} (${f.error})`))}`,
      }
    : { step: "set point", name: "views answer", ok: true, detail: `${total} view(s) answer a query` };
}

/**
 * The replay applied exactly the archive's transactions up to the point: every one touching the
 * dataset is in the sandbox's own binlog, and none past the point (nor outside the replayed range) is.
 */
export function compareGtids(expected: string[], allowed: string[], applied: string[]): Check {
  const got = new Set(applied);
  const ok = new Set(allowed);
  const missing = expected.filter((g) => !got.has(g));
  const extra = applied.filter((g) => !ok.has(g));
  const last = expected.at(-1);
  if (!missing.length && !extra.length) {
    return {
      step: "target",
      name: "last applied GTID",
      ok: true,
      detail: last
        ? `${expected.length} transaction(s) replayed; the last applied is GTID ${last}, the archive's last ` +
          `for the point`
        : "no transaction of the dataset lies between the set and the point",
    };
  }
  const parts = [
    ...(missing.length ? [`not applied: GTID ${list(missing)}`] : []),
    ...(extra.length ? [`applied but not in the archive up to the point: GTID ${list(extra)}`] : []),
  ];
  return {
    step: "target",
    name: "last applied GTID",
    ok: false,
    detail: `${parts.join("; ")}${last ? ` (the archive's last for the point is GTID ${last})` : ""}`,
  };
}

export interface QueryExpectation {
  min?: number;
  max?: number;
  equals?: number | string;
}

/** A drill query's first value against its expectation. */
export function judgeQuery(query: string, expect: QueryExpectation, value: unknown, error?: string): Check {
  const name = `query: ${query}`;
  if (error !== undefined) return { step: "target", name, ok: false, detail: `failed: ${error}` };
  const text = value === null || value === undefined ? "NULL" : String(value);
  const n = typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : Number(text);
  const fails: string[] = [];
  if (expect.min !== undefined && !(n >= expect.min)) fails.push(`≥ ${expect.min}`);
  if (expect.max !== undefined && !(n <= expect.max)) fails.push(`≤ ${expect.max}`);
  if (
    expect.equals !== undefined &&
    !(typeof expect.equals === "number" ? n === expect.equals : text === expect.equals)
  )
    fails.push(`= ${JSON.stringify(expect.equals)}`);
  return fails.length
    ? { step: "target", name, ok: false, detail: `returned ${text}, expected ${fails.join(" and ")}` }
    : { step: "target", name, ok: true, detail: `returned ${text}` };
}

export interface Measured {
  rtoSeconds: number;
  rpoSeconds: number;
  rtoTargetSeconds: number;
  rpoTargetSeconds: number;
}

export function judgeTargets(m: Measured, tier: string): { rtoMet: boolean; rpoMet: boolean; lines: string[] } {
  const rtoMet = m.rtoSeconds <= m.rtoTargetSeconds;
  const rpoMet = m.rpoSeconds <= m.rpoTargetSeconds;
  return {
    rtoMet,
    rpoMet,
    lines: [
      `RTO measured ${formatMeasured(m.rtoSeconds)} ${rtoMet ? "≤" : ">"} target ` +
        `${formatDuration(m.rtoTargetSeconds)} (${tier}): ${rtoMet ? "met" : "MISSED"}`,
      `RPO measured ${formatMeasured(m.rpoSeconds)} ${rpoMet ? "≤" : ">"} target ` +
        `${formatDuration(m.rpoTargetSeconds)} (${tier}): ${rpoMet ? "met" : "MISSED"}`,
    ],
  };
}

/**
 * RPO as measured: how much before the restore target the newest recoverable data stands. The
 * archive covers time up to `coveredUntil` (the last archive run that reached the server's
 * position then, or the set's own point without binlogs); data after it did not come back.
 */
export function measuredRpoSeconds(
  targetIso: string,
  coveredUntilIso: string | undefined,
  newestAppliedIso: string | undefined,
): number {
  const target = Date.parse(targetIso);
  const covered = Math.max(
    coveredUntilIso ? Date.parse(coveredUntilIso) : -Infinity,
    newestAppliedIso ? Date.parse(newestAppliedIso) : -Infinity,
  );
  if (!Number.isFinite(covered)) return Infinity;
  return Math.max(0, (target - covered) / 1000);
}
