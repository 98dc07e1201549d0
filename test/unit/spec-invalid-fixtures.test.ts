// Every broken spec under test/fixtures/invalid/ is refused with exactly the errors its header
// names: FILE:LINE:COL, spec path and message.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSpecText } from "../../src/spec/check.js";

const dir = join(import.meta.dirname, "../fixtures/invalid");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
const noFiles = { stat: () => undefined };

describe("invalid specs", () => {
  it("has at least 20 fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(files)("%s", (file) => {
    const text = readFileSync(join(dir, file), "utf8");
    const expected = [...text.matchAll(/^# expect: (\d+):(\d+) (.+?) \| (.*)$/gm)].map((m) => ({
      line: Number(m[1]),
      col: Number(m[2]),
      path: m[3],
      message: m[4]!,
    }));
    expect(expected.length, "fixture names its expected errors").toBeGreaterThan(0);
    const check = checkSpecText(text, file, noFiles);
    expect(check.spec).toBeUndefined();
    const errors = check.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => ({ line: d.position?.line, col: d.position?.col, path: d.path }))).toEqual(
      expected.map(({ line, col, path }) => ({ line, col, path })),
    );
    for (const [i, d] of errors.entries()) expect(d.summary).toContain(expected[i]!.message);
  });
});
