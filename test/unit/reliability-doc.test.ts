// docs/reliability.md names a test for every fault case: each must exist, in the file the row names
// (the title starts with what the row says), or the table promises what CI does not run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/temp.js";

const doc = readFileSync(join(repoRoot, "docs/reliability.md"), "utf8");
const rows = doc
  .split("\n")
  .filter((l) => /^\| \d+ \|/.test(l))
  .map((l) => {
    const cells = l.split(/(?<!\\)\|/).map((c) => c.trim());
    const [file, name] = cells.at(-2)!.split(" › ");
    return { n: Number(cells[1]), file: file!, name: name!.replaceAll("\\|", "|") };
  });

describe("docs/reliability.md", () => {
  it("lists at least 60 cases, numbered in order", () => {
    expect(rows.length).toBeGreaterThanOrEqual(60);
    expect(rows.map((r) => r.n)).toEqual(rows.map((_, i) => i + 1));
  });
  it.each(rows)("case $n names a test that exists: $file › $name", ({ file, name }) => {
    const source = readFileSync(join(repoRoot, file), "utf8");
    // a test title is a string literal: "…", '…' or `…` (template titles are checked up to their first ${)
    const titles = [...source.matchAll(/\bit(?:\.each\([^)]*\))?\(\s*(["'`])((?:\\.|(?!\1).)*)\1/g)].map(
      (m) => m[2]!.replace(/\\(.)/g, "$1").split("${")[0]!,
    );
    expect(titles.some((t) => t.startsWith(name))).toBe(true);
  });
});
