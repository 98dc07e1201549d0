// src/core/ is the pure core (STYLE.md): data in, data out. It touches no I/O module and imports
// nothing from a stage that does (backup/, restore/, adapters/…); only itself, the spec's generated
// types and the error type. A new import that breaks this fails here, naming file and module.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/temp.js";

const core = join(repoRoot, "src/core");
const files = readdirSync(core).filter((f) => /\.tsx?$/.test(f));
/** Modules the core may use: pure computation only. */
const ALLOWED_NODE = new Set(["node:crypto", "node:path"]);
const ALLOWED_OUTSIDE = new Set(["../spec/types.generated.js", "../errors.js"]);

function importsOf(source: string): string[] {
  return [
    ...source.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"/gms),
    ...source.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1]!);
}

describe("src/core is pure", () => {
  it("has files to check", () => {
    expect(files.length).toBeGreaterThan(10);
  });
  it.each(files)("%s imports no I/O and no job folder", (f) => {
    const bad = importsOf(readFileSync(join(core, f), "utf8")).filter(
      (m) => !(m.startsWith("./") || ALLOWED_NODE.has(m) || ALLOWED_OUTSIDE.has(m)),
    );
    expect(bad, `${f} imports ${bad.join(", ")}`).toEqual([]);
  });
});
