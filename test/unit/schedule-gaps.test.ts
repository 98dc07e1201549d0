// The longest gap of schedules that fire every day is found by walking only the days around each
// offset change (and the first two of every stretch between them): held here to the full walk of every
// run of the year, in zones with one-hour, half-hour and midnight changes and none, from instants just
// before, inside and after a change.
import { describe, expect, it } from "vitest";
import { parseCron, type CronSchedule } from "../../src/core/cron.js";
import { fireInstants, longestGap, readZonesFrom } from "../../src/core/schedule-gaps.js";
import { systemZone } from "../../src/adapters/fs/zoneinfo.js";

const DAY = 86_400_000;

const parse = (e: string): CronSchedule => {
  const r = parseCron(e);
  if (!r.ok) throw new Error(e);
  return r.schedule;
};

/** Every run of the year and a month after it, every consecutive pair compared: the definition. */
function fullWalk(schedules: CronSchedule[], tz: string, fromMs: number) {
  const runs = fireInstants(schedules, tz, fromMs, fromMs + 366 * DAY + 32 * DAY);
  let best: { seconds: number; fromIso: string; toIso: string } | undefined;
  for (let i = 1; i < runs.length; i++) {
    if (runs[i - 1]! >= fromMs + 366 * DAY) break;
    const g = (runs[i]! - runs[i - 1]!) / 1000;
    if (!best || g > best.seconds)
      best = { seconds: g, fromIso: new Date(runs[i - 1]!).toISOString(), toIso: new Date(runs[i]!).toISOString() };
  }
  return best;
}

const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Australia/Lord_Howe", // half-hour change
  "Asia/Kathmandu", // +05:45, no change
  "America/Havana", // changes at midnight
  "Pacific/Chatham", // +12:45/+13:45
  "America/Santiago", // southern hemisphere, changes at midnight
];
const SCHEDULES = [
  ["0 2 * * *"],
  ["30 2 * * *"],
  ["59 23 * * *"],
  ["0 0 * * *"],
  ["*/15 * * * *"],
  ["0 */6 * * *"],
  ["15 1,13 * * *"],
  ["30 1 * * *", "0 */6 * * *"],
  ["0 2 * * *", "45 2 * * *"],
  ["* 2 * * *"],
];
const FROM = [
  "2026-01-01T00:00:00Z",
  "2026-03-29T00:30:00Z", // the night Berlin springs forward
  "2026-10-25T00:59:00Z", // the night it falls back
  "2026-04-05T14:17:00Z",
  "2026-11-01T05:30:00Z",
];

describe("longest gap of every-day schedules (days between offset changes skipped)", () => {
  it("equals the full walk of every run: same length, same first occurrence", () => {
    let compared = 0;
    for (const tz of ZONES)
      for (const exprs of SCHEDULES)
        for (const from of FROM) {
          const schedules = exprs.map(parse);
          const at = Date.parse(from);
          expect(longestGap(schedules, tz, at), `${exprs.join(" + ")} in ${tz} from ${from}`).toEqual(
            fullWalk(schedules, tz, at),
          );
          compared++;
        }
    expect(compared).toBe(ZONES.length * SCHEDULES.length * FROM.length);
  });

  it("a fall-back night makes the gap longer than any steady day's (Europe/Berlin, 02:30 daily)", () => {
    const gap = longestGap([parse("30 2 * * *")], "Europe/Berlin", Date.parse("2026-01-01T00:00:00Z"));
    // 02:30 comes twice on 25 October; cron runs at the first (CEST): the next run is an hour later in UTC
    expect(gap).toEqual({ seconds: 25 * 3600, fromIso: "2026-10-25T00:30:00.000Z", toIso: "2026-10-26T01:30:00.000Z" });
  });

  it("schedules that skip days still take the full walk (weekly)", () => {
    const schedules = [parse("0 3 * * 0")];
    const at = Date.parse("2026-01-01T00:00:00Z");
    expect(longestGap(schedules, "Europe/Berlin", at)).toEqual(fullWalk(schedules, "Europe/Berlin", at));
  });
});

describe("zones read from the system's zoneinfo (what cron reads) instead of ICU", () => {
  it("give the same gaps and the same runs for every zone, schedule and start above", () => {
    const key = (tz: string, exprs: string[], from: string) => `${tz}|${exprs.join("+")}|${from}`;
    const viaIcu = new Map<string, unknown>();
    for (const tz of ZONES)
      for (const exprs of SCHEDULES)
        for (const from of FROM) {
          const schedules = exprs.map(parse);
          const at = Date.parse(from);
          viaIcu.set(key(tz, exprs, from), [
            longestGap(schedules, tz, at),
            [...fireInstants(schedules, tz, at, at + 40 * DAY)],
          ]);
        }
    try {
      readZonesFrom(systemZone);
      for (const tz of ZONES) expect(tz === "UTC" || systemZone(tz) !== undefined, tz).toBe(true);
      for (const tz of ZONES)
        for (const exprs of SCHEDULES)
          for (const from of FROM) {
            const schedules = exprs.map(parse);
            const at = Date.parse(from);
            expect([longestGap(schedules, tz, at), [...fireInstants(schedules, tz, at, at + 40 * DAY)]]).toEqual(
              viaIcu.get(key(tz, exprs, from)),
            );
          }
    } finally {
      readZonesFrom(() => undefined);
    }
  });
});
