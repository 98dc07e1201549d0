// The house width (biome.json: 120 columns). Biome's formatter breaks code but never a string, a
// regex or a comment, so a long one would slip through it: this test holds every source line to it.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/temp.js";

const WIDTH = JSON.parse(readFileSync(join(repoRoot, "biome.json"), "utf8")).formatter.lineWidth as number;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "fixtures" || e.name === "results" ? [] : sources(path);
    return /\.(ts|tsx|mjs|js)$/.test(e.name) && !e.name.includes(".generated.") ? [path] : [];
  });
}

describe("line width", () => {
  it(`no source line is over ${WIDTH} columns`, () => {
    const files = ["src", "test", "scripts", "bench"].flatMap((d) => sources(join(repoRoot, d)));
    expect(files.length).toBeGreaterThan(100);
    const long = files.flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .flatMap((line, i) => ([...line].length > WIDTH ? [`${relative(repoRoot, f)}:${i + 1}`] : [])),
    );
    expect(long).toEqual([]);
  });
});
