// When cron actually fires, as UTC instants, in the scheduler's time zone — DST included: a job
// whose local time is skipped by a spring-forward runs at the change (Debian cron does), one in a
// repeated autumn hour runs once. From these, the longest gap between runs.

import { firesOnDay, minutesOfDay, type CronSchedule } from "./cron.js";
import { must } from "../errors.js";
import { lastAtOrBefore } from "./sorted.js";
import { offsetChanges, type ZoneRules } from "./tzif.js";

const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    // the offset itself ("2025, GMT+01:00"): 6x cheaper than formatting the local time into parts
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset", year: "numeric" });
    formatters.set(tz, f);
  }
  return f;
}

/**
 * Offset of `tz` from UTC at instant `utcMs`, in ms (local = utc + offset). Answered from a table
 * of the zone's transitions (found once per zone and span, to the minute), because asking Intl
 * for every cron run of a thousand datasets takes seconds.
 */
function tzOffset(tz: string, utcMs: number): number {
  if (tz === "UTC") return 0;
  return offsetTable(tz, utcMs).at(utcMs);
}

interface OffsetTable {
  from: number;
  to: number;
  /** Instants where the offset changes, ascending, and the offset from each on. */
  starts: number[];
  offsets: number[];
  at(utcMs: number): number;
}

const tables = new Map<string, OffsetTable>();
const SPAN = 4 * 366 * DAY;

/** Where a zone's rules come from before ICU: none here; the CLI points it at the system's zoneinfo. */
let zoneSource: (tz: string) => ZoneRules | undefined = () => undefined;

/**
 * Read zones from `source` first (the files cron reads); a zone it does not have is still asked of ICU.
 * Set before a plan or status is built.
 */
export function readZonesFrom(source: (tz: string) => ZoneRules | undefined): void {
  // every plan and status names its source: the tables built from the same one stay valid
  if (source === zoneSource) return;
  zoneSource = source;
  tables.clear();
  dayTables.clear();
  gapMemo.clear();
}

function offsetTable(tz: string, utcMs: number): OffsetTable {
  const cached = tables.get(tz);
  if (cached && utcMs >= cached.from && utcMs < cached.to) return cached;
  const from = Math.floor((utcMs - 366 * DAY) / DAY) * DAY;
  const to = from + SPAN;
  const rules = zoneSource(tz);
  const { starts, offsets } = rules ? offsetChanges(rules, from, to) : intlChanges(tz, from, to);
  const table: OffsetTable = {
    from,
    to,
    starts,
    offsets,
    at: (ms: number) => must(offsets[lastAtOrBefore(starts, ms)]),
  };
  tables.set(tz, table);
  return table;
}

/** The offset changes ICU knows of over [from, to): sampled every 6 hours, each change bisected to the second. */
function intlChanges(tz: string, from: number, to: number): { starts: number[]; offsets: number[] } {
  const starts = [from];
  const offsets = [intlOffset(tz, from)];
  // offsets change at most a few times a year and never twice within 6 hours: sample, then bisect
  for (let t = from + DAY / 4; t < to; t += DAY / 4) {
    const o = intlOffset(tz, t);
    if (o === offsets[offsets.length - 1]) continue;
    let lo = t - DAY / 4;
    let hi = t;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (intlOffset(tz, mid) === o) hi = mid;
      else lo = mid;
    }
    starts.push(hi);
    offsets.push(o);
  }
  return { starts, offsets };
}

function intlOffset(tz: string, utcMs: number): number {
  const text = formatter(tz).format(new Date(utcMs));
  const m = /GMT(?:([+-])(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) throw new Error(`cannot read the UTC offset of ${tz} from "${text}"`);
  if (!m[1]) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return (m[1] === "-" ? -1 : 1) * seconds * 1000;
}

/**
 * The instant a cron job set for local wall time `wallMs` (a UTC-encoded wall clock) runs.
 * Skipped wall times run at the transition; repeated ones on their first occurrence.
 */
function wallToUtc(tz: string, wallMs: number): number {
  const before = tzOffset(tz, wallMs - DAY / 2);
  const after = tzOffset(tz, wallMs + DAY / 2);
  const first = wallMs - before; // reading with the earlier offset
  if (before === after) return first;
  if (tzOffset(tz, first) === before) return first; // exists (and if repeated, this is the first one)
  const second = wallMs - after;
  if (tzOffset(tz, second) === after) return second;
  // in the gap of a spring-forward: the transition instant
  let lo = wallMs - DAY / 2;
  let hi = wallMs + DAY / 2;
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (tzOffset(tz, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Per local calendar day of a span: its date fields and the zone's offset at its start and end. */
interface Days {
  month: Uint8Array;
  dom: Uint8Array;
  dow: Uint8Array;
  offStart: Float64Array;
  offEnd: Float64Array;
}

/**
 * Built once per zone and span: every dataset of a plan walks the same days (a 1,000-dataset plan
 * made 130,000 Dates and twice as many offset lookups for them).
 */
const dayTables = new Map<string, Days>();
function daysOf(tz: string, firstDay: number, count: number): Days {
  const key = `${tz}|${firstDay}|${count}`;
  let days = dayTables.get(key);
  if (!days) {
    days = {
      month: new Uint8Array(count),
      dom: new Uint8Array(count),
      dow: new Uint8Array(count),
      offStart: new Float64Array(count),
      offEnd: new Float64Array(count),
    };
    for (let i = 0; i < count; i++) {
      const day = firstDay + i * DAY;
      const d = new Date(day);
      days.month[i] = d.getUTCMonth() + 1;
      days.dom[i] = d.getUTCDate();
      days.dow[i] = d.getUTCDay();
      days.offStart[i] = tzOffset(tz, day - tzOffset(tz, day));
      days.offEnd[i] = tzOffset(tz, day + DAY - tzOffset(tz, day + DAY));
    }
    dayTables.set(key, days);
  }
  return days;
}

/** Every run of any of `schedules` from `fromMs` to `toMs` (UTC), sorted, deduplicated. */
export function fireInstants(schedules: CronSchedule[], tz: string, fromMs: number, toMs: number): Float64Array {
  // walk local calendar days; a day without an offset change maps wall → UTC by one subtraction
  const startWall = fromMs + tzOffset(tz, fromMs);
  const firstDay = Math.floor(startWall / DAY) * DAY;
  const endWall = toMs + tzOffset(tz, toMs) + DAY;
  const count = Math.ceil((endWall - firstDay) / DAY);
  return runsOfDays(schedules, tz, firstDay, daysOf(tz, firstDay, count), 0, count, fromMs, toMs);
}

/** The runs on local days `from` to `to` (exclusive) of a day table, within [fromMs, toMs), sorted, deduplicated. */
function runsOfDays(
  schedules: CronSchedule[],
  tz: string,
  firstDay: number,
  days: Days,
  from: number,
  to: number,
  fromMs: number,
  toMs: number,
): Float64Array {
  const out: number[] = [];
  const perSchedule = schedules.map((s) => ({ s, minutes: minutesOfDay(s) }));
  for (let i = from; i < to; i++) {
    const day = firstDay + i * DAY;
    const offStart = must(days.offStart[i]);
    const offEnd = must(days.offEnd[i]);
    const steady = offStart === offEnd;
    for (const { s, minutes } of perSchedule) {
      if (!firesOnDay(s, must(days.month[i]), must(days.dom[i]), must(days.dow[i]))) continue;
      for (const m of minutes) {
        const wall = day + m * MINUTE;
        const t = steady ? wall - offStart : wallToUtc(tz, wall);
        if (t >= fromMs && t < toMs) out.push(t);
        if (!steady && s.wildcardTime) {
          // an autumn hour that repeats: Debian cron runs jobs with a * minute or hour again in it
          const again = wall - Math.min(offStart, offEnd);
          if (again !== t && tzOffset(tz, again) === Math.min(offStart, offEnd) && again >= fromMs && again < toMs)
            out.push(again);
        }
      }
    }
  }
  const arr = Float64Array.from(out).sort();
  // dedupe (two schedules at the same minute; skipped-hour runs folded onto the transition)
  let w = 0;
  for (let i = 0; i < arr.length; i++) if (i === 0 || arr[i] !== arr[w - 1]) arr[w++] = must(arr[i]);
  return arr.subarray(0, w);
}

export interface Gap {
  seconds: number;
  /** The run after which the longest wait starts, ISO UTC. */
  fromIso: string;
  toIso: string;
}

/**
 * The longest wait between consecutive runs of any of `schedules` over the year from `fromMs`
 * (looking past its end for the run that closes the last gap). undefined when nothing runs.
 */
const gapMemo = new Map<string, Gap | undefined>();

export function longestGap(schedules: CronSchedule[], tz: string, fromMs: number): Gap | undefined {
  // many datasets share a schedule: compute each combination once
  const key = `${tz}|${fromMs}|${schedules.map((s) => s.source).join("|")}`;
  if (gapMemo.has(key)) return gapMemo.get(key);
  const gap = computeLongestGap(schedules, tz, fromMs);
  gapMemo.set(key, gap);
  return gap;
}

function computeLongestGap(schedules: CronSchedule[], tz: string, fromMs: number): Gap | undefined {
  if (schedules.length > 0 && schedules.every(firesEveryDay)) return everyDayGap(schedules, tz, fromMs);
  const year = 366 * DAY;
  // the gaps that start within the year end at the first run after it: a year and a month holds it for
  // all but rare schedules (those get the two years) — half the runs to generate for a plan's datasets
  let runs = fireInstants(schedules, tz, fromMs, fromMs + year + 32 * DAY);
  if (!(runs.length > 0 && must(runs[runs.length - 1]) >= fromMs + year))
    runs = fireInstants(schedules, tz, fromMs, fromMs + 2 * year);
  return widest(runs, fromMs + year, undefined);
}

/** The longest gap between consecutive runs that starts before `before`; ties: the earliest. */
function widest(runs: Float64Array, before: number, best: Gap | undefined): Gap | undefined {
  for (let i = 1; i < runs.length; i++) {
    if (must(runs[i - 1]) >= before) break;
    const g = (must(runs[i]) - must(runs[i - 1])) / 1000;
    if (!best || g > best.seconds)
      best = {
        seconds: g,
        fromIso: new Date(must(runs[i - 1])).toISOString(),
        toIso: new Date(must(runs[i])).toISOString(),
      };
  }
  return best;
}

function firesEveryDay(s: CronSchedule): boolean {
  for (let m = 1; m <= 12; m++) if (!s.months[m]) return false;
  for (let d = 1; d <= 31; d++) if (!s.daysOfMonth[d]) return false;
  for (let d = 0; d < 7; d++) if (!s.daysOfWeek[d]) return false;
  return true;
}

/**
 * Schedules that fire every day (nearly every fleet's): a day's runs depend only on the zone's offsets
 * that day, so between two offset changes every day repeats the one before, shifted by a day. Only the
 * first two days of each such stretch are walked, with the days around each change and at both ends of
 * the year — a dozen days instead of 400 per schedule. Ties go to the earliest gap, as the full walk's.
 */
function everyDayGap(schedules: CronSchedule[], tz: string, fromMs: number): Gap | undefined {
  const end = fromMs + 366 * DAY;
  const firstDay = Math.floor((fromMs + tzOffset(tz, fromMs)) / DAY) * DAY;
  // two days past the year's end: the run that closes its last gap
  const count = Math.ceil((end + tzOffset(tz, end) + 2 * DAY - firstDay) / DAY);
  const days = daysOf(tz, firstDay, count);
  const keep = new Uint8Array(count);
  const mark = (i: number) => {
    if (i >= 0 && i < count) keep[i] = 1;
  };
  for (const i of [0, 1, 2, count - 4, count - 3, count - 2, count - 1]) mark(i);
  // a change: the day before, the day, and the next stretch's first pair
  for (let i = 0; i < count; i++) {
    if (days.offStart[i] === days.offEnd[i]) continue;
    for (let j = i - 1; j <= i + 2; j++) mark(j);
  }
  let best: Gap | undefined;
  for (let a = 0; a < count; ) {
    if (!keep[a]) {
      a++;
      continue;
    }
    let b = a;
    while (b < count && keep[b]) b++;
    best = widest(runsOfDays(schedules, tz, firstDay, days, a, b, fromMs, Infinity), end, best);
    a = b;
  }
  return best;
}
