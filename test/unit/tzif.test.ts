// Time zones from the system's zoneinfo (src/core/tzif.ts): the offsets the TZif files and their POSIX
// rules give must be ICU's wherever both know the zone — to the second, across DST, southern
// hemisphere, half-hour and 45-minute zones, negative DST (Dublin), rules with negative or >24 h times,
// and after 2037, where only the files' footer rule speaks.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { offsetChanges, parsePosixTz, parseTzif, type ZoneRules } from "../../src/core/tzif.js";
import { systemZone } from "../../src/adapters/fs/zoneinfo.js";

const HOUR = 3_600_000;
const DAY = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();
function intlOffset(tz: string, ms: number): number {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" });
    formats.set(tz, f);
  }
  const text = f.format(new Date(ms));
  const m = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m?.[1]) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000;
}

/** The offset at `ms` by the changes over a span that holds it. */
function offsetAt(zone: ZoneRules, ms: number): number {
  const { starts, offsets } = offsetChanges(zone, ms - DAY, ms + DAY);
  let o = offsets[0] as number;
  for (let i = 1; i < starts.length; i++) if ((starts[i] as number) <= ms) o = offsets[i] as number;
  return o;
}

const ZONES = [
  "Europe/Berlin",
  "Europe/London",
  "Europe/Dublin",
  "America/New_York",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "America/St_Johns",
  "America/Nuuk",
  "America/Santiago",
  "Australia/Sydney",
  "Australia/Lord_Howe",
  "Australia/Adelaide",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Asia/Tokyo",
  "Pacific/Chatham",
  "Pacific/Auckland",
  "Antarctica/Troll",
  "Africa/Johannesburg",
  "Etc/GMT+5",
  "UTC",
];

describe("zoneinfo offsets against ICU", () => {
  it.each(ZONES)("%s: every 6 hours of 2025-2031 and 2038-2041, and at each change to the second", (tz) => {
    const zone = systemZone(tz);
    expect(zone, `no zoneinfo for ${tz}`).toBeDefined();
    if (!zone) return;
    for (const [from, to] of [
      [Date.UTC(2025, 0, 1), Date.UTC(2031, 0, 1)],
      [Date.UTC(2038, 0, 1), Date.UTC(2041, 0, 1)],
    ] as const) {
      const { starts, offsets } = offsetChanges(zone, from, to);
      const at = (ms: number) => {
        let o = offsets[0] as number;
        for (let i = 1; i < starts.length; i++) if ((starts[i] as number) <= ms) o = offsets[i] as number;
        return o;
      };
      for (let t = from; t < to; t += 6 * HOUR)
        expect(at(t), `${tz} at ${new Date(t).toISOString()}`).toBe(intlOffset(tz, t));
      for (const s of starts.slice(1)) {
        expect(at(s), `${tz} at ${new Date(s).toISOString()}`).toBe(intlOffset(tz, s));
        expect(at(s - 1000), `${tz} just before ${new Date(s).toISOString()}`).toBe(intlOffset(tz, s - 1000));
      }
    }
  });

  it("a zone the files do not have, a name that would leave the directory: none", () => {
    expect(systemZone("Mars/Olympus_Mons")).toBeUndefined();
    expect(systemZone("../../etc/passwd")).toBeUndefined();
    expect(systemZone("Europe/../../../etc/passwd")).toBeUndefined();
  });

  it("refuses what it does not know: leap-second files, truncated or foreign bytes", () => {
    const berlin = readFileSync("/usr/share/zoneinfo/Europe/Berlin");
    expect(parseTzif("x", berlin.subarray(0, 100))).toBeUndefined();
    expect(parseTzif("x", Buffer.from("not a zone file at all, not even close to one, really no"))).toBeUndefined();
    const right = (() => {
      try {
        return readFileSync("/usr/share/zoneinfo/right/Europe/Berlin");
      } catch {
        return undefined;
      }
    })();
    if (right) expect(parseTzif("right/Europe/Berlin", right)).toBeUndefined();
    expect(offsetAt(parseTzif("Europe/Berlin", berlin) as ZoneRules, Date.UTC(2026, 6, 1))).toBe(2 * HOUR);
  });
});

describe("POSIX TZ rules (the files' footers)", () => {
  it("reads offsets west-positive, default DST an hour ahead, switch times default 02:00", () => {
    expect(parsePosixTz("UTC0")).toEqual({ std: 0 });
    expect(parsePosixTz("<+0530>-5:30")).toEqual({ std: 5.5 * HOUR });
    expect(parsePosixTz("EST5EDT,M3.2.0,M11.1.0")).toEqual({
      std: -5 * HOUR,
      dst: {
        offset: -4 * HOUR,
        start: { kind: "M", month: 3, week: 2, weekday: 0 },
        startTime: 7200,
        end: { kind: "M", month: 11, week: 1, weekday: 0 },
        endTime: 7200,
      },
    });
    // Nuuk: switches at -01:00 and 00:00 local; Dublin: "daylight" is winter (negative DST)
    expect(parsePosixTz("<-02>2<-01>,M3.5.0/-1,M10.5.0/0")?.dst?.startTime).toBe(-3600);
    expect(parsePosixTz("IST-1GMT0,M10.5.0,M3.5.0/1")).toMatchObject({ std: HOUR, dst: { offset: 0, endTime: 3600 } });
    expect(parsePosixTz("XXX3YYY,J60/25,300")).toMatchObject({
      dst: { start: { kind: "J", day: 60 }, startTime: 25 * 3600, end: { kind: "n", day: 300 } },
    });
  });

  it("refuses what it cannot read", () => {
    for (const t of ["", "EST", "EST5EDT", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0", "E5", "EST5,M3.2.0"])
      expect(parsePosixTz(t), t).toBeUndefined();
  });

  it("a J day never counts February 29; an n day does", () => {
    // switch to +1 at J60 (March 1) and back at n300, in a leap year and a common one
    const rule = parsePosixTz("AAA0BBB-1,J60/0,300/0");
    const zone: ZoneRules = { name: "test", times: [], offsets: [], initial: 0, ...(rule ? { rule } : {}) };
    for (const year of [2027, 2028]) {
      const { starts } = offsetChanges(zone, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
      expect(new Date(starts[1] as number).toISOString()).toBe(`${year}-03-01T00:00:00.000Z`);
      // day 300 from January 1 (0-based), a day later in a leap year's calendar: Oct 28 / Oct 27, minus the hour
      expect(starts[2]).toBe(Date.UTC(year, 0, 1) + 300 * DAY - HOUR);
    }
  });
});
