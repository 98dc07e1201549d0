import { describe, expect, it } from "vitest";
import { longestGapMinutes, minutesOfDay, parseCron } from "../../src/core/cron.js";

function ok(expr: string) {
  const r = parseCron(expr);
  if (!r.ok) throw new Error(`${expr}: ${r.error.message}`);
  return r.schedule;
}

describe("parseCron", () => {
  it.each([
    ["0 2 * * *", [120]],
    ["*/15 * * * *", null],
    ["0,30 8-9 * * *", [480, 510, 540, 570]],
    ["5-59/20 1 * * *", [65, 85, 105]],
    ["@daily", [0]],
    ["@hourly", null],
  ])("%s fires at the expected minutes of the day", (expr, minutes) => {
    const s = ok(expr);
    if (minutes) expect(minutesOfDay(s)).toEqual(minutes);
    else expect(minutesOfDay(s).length).toBeGreaterThan(1);
  });

  it("reads month and weekday names and 7 as Sunday", () => {
    const s = ok("0 0 * jan,JUL sun-tue");
    expect(s.months.slice(1)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(s.daysOfWeek).toEqual([true, true, true, false, false, false, false]);
    expect(ok("0 0 * * 7").daysOfWeek[0]).toBe(true);
  });

  it.each([
    ["0 24 * * *", 2, "24 is out of range for the hour field (0-23)"],
    ["0 2 * *", 0, "has 5 fields"],
    ["0 2 * * * 2026", 10, "has 5 fields"],
    ["0 2 * * funday", 8, '"funday" is not valid in the day of week field'],
    ["*/0 * * * *", 2, "step"],
    ["5/10 * * * *", 0, "a step needs a range"],
    ["0 5-3 * * *", 2, "runs backwards"],
    ["0 0 31 2 *", 4, "never fires"],
    ["0 0 1,,2 * *", 6, "empty element"],
    ["@reboot", 0, "@reboot runs only when cron starts"],
    ["@fortnightly", 0, "unknown cron macro"],
  ])("refuses %s at offset %i", (expr, offset, message) => {
    const r = parseCron(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toContain(message);
      expect(r.error.offset).toBe(offset);
    }
  });
});

describe("longestGapMinutes (wall clock)", () => {
  it.each([
    ["0 2 * * *", 1440],
    ["0 */6 * * *", 360],
    ["*/5 * * * *", 5],
    ["0 2 * * 0", 7 * 1440],
    ["0 2 * * 1-5", 3 * 1440], // Friday 02:00 → Monday 02:00
    ["0 1,13 * * *", 720],
    ["0 8,9,17 * * *", 15 * 60], // 17:00 → 08:00 next day
    ["0 0 1 * *", 31 * 1440],
    ["0 0 1 */3 *", 92 * 1440], // Jul 1 → Oct 1 (92 days)
    ["0 0 29 2 *", 366 * 1440 * 4 - 1440 * 3], // leap years only: 2028-02-29 → 2032-02-29
    ["0 0 1 * 1", 7 * 1440], // day 1 OR Monday: never more than a week
  ])("%s → %i minutes", (expr, minutes) => {
    expect(longestGapMinutes(ok(expr))).toBe(minutes);
  });
});
