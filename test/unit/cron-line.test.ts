// Cron lines survive any path: quoted for /bin/sh, escaped for cron (%, backslash), and read back
// by the real /bin/sh to exactly the words they were built from.
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cronUnescape, renderCronLine, shellWord } from "../../src/core/cron-line.js";

/** What /bin/sh makes of a command cron would hand it: the words, NUL-separated. */
function wordsAfterCronAndShell(words: string[]): string[] {
  const { command, stdin } = cronUnescape(words.map(shellWord).join(" "));
  expect(stdin).toBeUndefined();
  const out = execFileSync("/bin/sh", ["-c", `printf '%s\\0' ${command}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

describe("shellWord", () => {
  it.each([
    ["plain", "/usr/bin/node", "/usr/bin/node"],
    ["space", "a b", "'a b'"],
    ["quote", "it's", "'it'\\\\''s'"],
    ["percent", "100%", "'100\\%'"],
    ["backslash", "a\\b", "'a\\\\b'"],
  ])("%s", (_, word, want) => expect(shellWord(word)).toBe(want));

  it("hostile words come back byte for byte through cron's unescaping and /bin/sh", () => {
    const hostile = [
      "we'ird",
      "$(touch /tmp/PWNED)",
      "`id`",
      "100% done",
      "a\\b",
      "\\%",
      "\\\\",
      '"q"',
      "tab\there",
      "ünïcode 世界 😀",
      "-n",
      "*",
      "~",
      "#not a comment",
      ";",
      "&&",
      "|",
    ];
    expect(wordsAfterCronAndShell(hostile)).toEqual(hostile);
  });

  it("any string without NUL or newline round-trips (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).filter((s) => !/[\0\n\r]/.test(s)),
          { minLength: 1, maxLength: 6 },
        ),
        (words) => {
          expect(wordsAfterCronAndShell(words)).toEqual(words);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("cronUnescape", () => {
  it("reads \\% and \\\\ the way Debian's cron does, and cuts at a bare %", () => {
    expect(cronUnescape("printf '\\%s' 'a\\\\b' 'e\\f'")).toEqual({ command: "printf '%s' 'a\\b' 'e\\f'" });
    expect(cronUnescape("cat %line one%line two")).toEqual({ command: "cat ", stdin: "line one\nline two" });
  });
});

describe("renderCronLine", () => {
  it("refuses a newline in any word (it would end the cron line)", () => {
    expect(() =>
      renderCronLine({
        schedule: "* * * * *",
        flock: "/usr/bin/flock",
        lockFile: "/x.lock",
        argv: ["a\nb"],
        logFile: "/x.log",
      }),
    ).toThrow(/newline/);
  });
});
