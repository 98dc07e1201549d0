// A time zone's UTC offsets as the system's zoneinfo file gives them (TZif, RFC 8536): the
// transitions it lists, then its POSIX TZ rule for the times after them. cron computes local time from
// these same files (through libc), so the RPO proofs read what cron reads instead of ICU's own copy of
// the tz database — and a plan need not start ICU (~30 ms). Pure: the bytes come from an adapter.

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** When a POSIX TZ rule switches: month/week/weekday, a 1-365 day without Feb 29, or a 0-365 day. */
type RuleDay =
  | { kind: "M"; month: number; week: number; weekday: number }
  | { kind: "J"; day: number }
  | { kind: "n"; day: number };

interface PosixRule {
  /** UTC offsets in ms (local = UTC + offset). */
  std: number;
  dst?: { offset: number; start: RuleDay; startTime: number; end: RuleDay; endTime: number };
}

export interface ZoneRules {
  name: string;
  /** Transition instants (ms), ascending, and the offset from each on. */
  times: number[];
  offsets: number[];
  /** The offset before the first transition. */
  initial: number;
  /** For times after the last transition; without one, the last offset holds. */
  rule?: PosixRule;
}

/** A zone's rules from its TZif bytes; undefined for anything this reader does not know (leap seconds...). */
export function parseTzif(name: string, bytes: Uint8Array): ZoneRules | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = (at: number) => {
    if (at + 44 > bytes.length || String.fromCharCode(...bytes.subarray(at, at + 4)) !== "TZif") return undefined;
    const n = (i: number) => view.getUint32(at + 20 + i * 4);
    return { version: bytes[at + 4] ?? 0, isut: n(0), isstd: n(1), leap: n(2), time: n(3), type: n(4), char: n(5) };
  };
  const v1 = header(0);
  if (!v1 || v1.leap > 0) return undefined; // "right/" zones count leap seconds: not what cron uses
  const v1Size = v1.time * 5 + v1.type * 6 + v1.char + v1.leap * 8 + v1.isstd + v1.isut;
  const wide = v1.version >= 0x32; // '2' and later: a 64-bit block and a footer follow
  const h = wide ? header(44 + v1Size) : v1;
  if (!h || h.leap > 0 || h.type === 0) return undefined;
  const timeSize = wide ? 8 : 4;
  let at = (wide ? 44 + v1Size : 0) + 44;
  const end = at + h.time * (timeSize + 1) + h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut;
  if (end > bytes.length) return undefined;
  const times: number[] = [];
  for (let i = 0; i < h.time; i++, at += timeSize)
    times.push((wide ? Number(view.getBigInt64(at)) : view.getInt32(at)) * 1000);
  const typeOf = Array.from(bytes.subarray(at, at + h.time));
  at += h.time;
  const utoff: number[] = [];
  for (let i = 0; i < h.type; i++) utoff.push(view.getInt32(at + i * 6) * 1000);
  if (typeOf.some((t) => t >= h.type)) return undefined;
  const offsets = typeOf.map((t) => utoff[t] as number);
  let rule: PosixRule | undefined;
  if (wide) {
    // the footer: "\n" TZ-string "\n"
    const text = new TextDecoder().decode(bytes.subarray(end));
    const m = /^\n([^\n]*)\n/.exec(text);
    if (!m) return undefined;
    if (m[1]) {
      rule = parsePosixTz(m[1]);
      if (!rule) return undefined;
    }
  }
  return { name, times, offsets, initial: utoff[0] as number, ...(rule ? { rule } : {}) };
}

/** A POSIX TZ string as TZif footers write it ("CET-1CEST,M3.5.0,M10.5.0/3"); undefined if not understood. */
export function parsePosixTz(text: string): PosixRule | undefined {
  const name = "(?:<[A-Za-z0-9+-]+>|[A-Za-z]{3,})";
  const offset = String.raw`([+-]?\d{1,3}(?::\d{1,2}){0,2})`;
  const day = String.raw`(M\d{1,2}\.\d\.\d|J\d{1,3}|\d{1,3})`;
  const re = new RegExp(`^${name}${offset}(?:${name}${offset}?(?:,${day}(?:/${offset})?,${day}(?:/${offset})?))?$`);
  const m = re.exec(text);
  if (!m) return undefined;
  // POSIX offsets count westward: "CET-1" is UTC+1 (0 - …: never a -0)
  const std = 0 - seconds(m[1] as string) * 1000;
  if (m[3] === undefined) return text.includes(",") ? undefined : { std };
  const start = ruleDay(m[3]);
  const end = ruleDay(m[5] as string);
  if (!start || !end) return undefined;
  return {
    std,
    dst: {
      offset: m[2] === undefined ? std + HOUR : 0 - seconds(m[2]) * 1000,
      start,
      startTime: m[4] === undefined ? 2 * 3600 : seconds(m[4]),
      end,
      endTime: m[6] === undefined ? 2 * 3600 : seconds(m[6]),
    },
  };
}

function seconds(hms: string): number {
  const sign = hms.startsWith("-") ? -1 : 1;
  const [h = 0, mi = 0, s = 0] = hms.replace(/^[+-]/, "").split(":").map(Number);
  return sign * (h * 3600 + mi * 60 + s);
}

function ruleDay(text: string): RuleDay | undefined {
  if (text.startsWith("M")) {
    const [month = 0, week = 0, weekday = 0] = text.slice(1).split(".").map(Number);
    if (month < 1 || month > 12 || week < 1 || week > 5 || weekday > 6) return undefined;
    return { kind: "M", month, week, weekday };
  }
  if (text.startsWith("J")) {
    const day = Number(text.slice(1));
    return day >= 1 && day <= 365 ? { kind: "J", day } : undefined;
  }
  const day = Number(text);
  return day <= 365 ? { kind: "n", day } : undefined;
}

/** Midnight (as a UTC-encoded wall clock, ms) of a rule's day in `year`. */
function ruleDate(year: number, d: RuleDay): number {
  if (d.kind === "n") return Date.UTC(year, 0, 1) + d.day * DAY;
  if (d.kind === "J") {
    // 1-365, February 29 never counted: day 60 is March 1 in every year
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return Date.UTC(year, 0, 1) + (d.day - 1 + (leap && d.day >= 60 ? 1 : 0)) * DAY;
  }
  const first = Date.UTC(year, d.month - 1, 1);
  const firstWeekday = new Date(first).getUTCDay();
  let date = first + ((d.weekday - firstWeekday + 7) % 7) * DAY + (d.week - 1) * 7 * DAY;
  // week 5 is the last such weekday of the month
  while (new Date(date).getUTCMonth() !== d.month - 1) date -= 7 * DAY;
  return date;
}

/** The rule's switches in `year`: [instant, offset from then on], in time order. */
function ruleSwitches(rule: PosixRule, year: number): [number, number][] {
  const dst = rule.dst;
  if (!dst) return [];
  // into daylight time at a wall clock read in standard time, and out of it at one read in daylight time
  const on = ruleDate(year, dst.start) + dst.startTime * 1000 - rule.std;
  const off = ruleDate(year, dst.end) + dst.endTime * 1000 - dst.offset;
  const out: [number, number][] = [
    [on, dst.offset],
    [off, rule.std],
  ];
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * The offset at `fromMs` and every change of it before `toMs`: `starts[0]` is `fromMs`, each later
 * start the instant the offset becomes `offsets[i]`.
 */
export function offsetChanges(zone: ZoneRules, fromMs: number, toMs: number): { starts: number[]; offsets: number[] } {
  const all: [number, number][] = zone.times.map((t, i) => [t, zone.offsets[i] as number]);
  const last = zone.times.length ? (zone.times[zone.times.length - 1] as number) : Number.NEGATIVE_INFINITY;
  if (zone.rule && toMs > last) {
    const fromYear = new Date(Math.max(last, fromMs) - DAY).getUTCFullYear() - 1;
    const toYear = new Date(toMs).getUTCFullYear() + 1;
    for (let y = fromYear; y <= toYear; y++) for (const s of ruleSwitches(zone.rule, y)) if (s[0] > last) all.push(s);
  }
  const starts = [fromMs];
  const offsets = [zone.initial];
  for (const [t, o] of all) {
    if (t <= fromMs) offsets[0] = o;
    else if (t < toMs && o !== offsets[offsets.length - 1]) {
      starts.push(t);
      offsets.push(o);
    }
  }
  return { starts, offsets };
}
