import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/core/duration.js";

describe("durations", () => {
  it.each([
    ["30s", 30],
    ["5m", 300],
    ["1h", 3600],
    ["1d", 86400],
    ["2w", 1209600],
  ])("%s is %i s", (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(["", "5", "0m", "05m", "5 m", "5min", "-5m", "1h30m", "5M"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("formats compactly", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(90)).toBe("1m30s");
    expect(formatDuration(93600)).toBe("1d2h");
    expect(formatDuration(604800)).toBe("7d");
    expect(formatDuration(90061)).toBe("1d1h1m1s");
    expect(formatDuration(-90)).toBe("-1m30s");
    expect(formatDuration(89.6)).toBe("1m30s");
    expect(formatDuration(-0.4)).toBe("0s");
  });

  it("formatting a single-unit duration reads back as the same number of seconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom("s", "m", "h", "d"), (n, unit) => {
        const seconds = parseDuration(`${n}${unit}`)!;
        const text = formatDuration(seconds);
        const back = [...text.matchAll(/(\d+)([dhms])/g)].reduce((acc, m) => acc + parseDuration(`${m[1]}${m[2]}`)!, 0);
        expect(back).toBe(seconds);
      }),
    );
  });
});
