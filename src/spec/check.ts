// One entry point for "is this spec usable?": YAML → schema → semantic rules, all diagnostics
// collected and sorted by position, so a user sees every problem in one run.

import { statSync } from "node:fs";
import { systemZone } from "../adapters/fs/zoneinfo.js";
import { DrError, type Diagnostic } from "../errors.js";
import { parseSpecText, readSpecFile, type LoadedSpec } from "./load.js";
import { checkRules, type FileFacts } from "./rules.js";
import type { DrSpec } from "./types.generated.js";
import { validateSchema } from "./validate.js";

export interface SpecCheck {
  loaded: LoadedSpec;
  diagnostics: Diagnostic[];
  /** Present only when there is no error-level diagnostic. */
  spec?: DrSpec;
}

const realFiles: FileFacts = {
  stat(path) {
    try {
      const st = statSync(path);
      return { mode: st.mode, isFile: st.isFile() };
    } catch {
      return undefined;
    }
  },
  knowsZone: (name) => systemZone(name) !== undefined,
};

export function checkSpecText(text: string, file: string, files: FileFacts = realFiles): SpecCheck {
  const { loaded, diagnostics } = parseSpecText(text, file);
  if (!diagnostics.some((d) => d.severity === "error")) {
    if (loaded.data === undefined || loaded.data === null) {
      diagnostics.push({
        severity: "error",
        path: "(root)",
        summary: "the spec is empty",
        position: { line: 1, col: 1 },
        hint: "start from one of examples/*.yaml",
      });
    } else {
      diagnostics.push(...validateSchema(loaded), ...checkRules(loaded, files));
    }
  }
  diagnostics.sort(
    (a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0),
  );
  const ok = !diagnostics.some((d) => d.severity === "error");
  return ok ? { loaded, diagnostics, spec: loaded.data as DrSpec } : { loaded, diagnostics };
}

export async function checkSpecFile(file: string, files: FileFacts = realFiles): Promise<SpecCheck> {
  return checkSpecText(await readSpecFile(file), file, files);
}

/** For every command that needs a valid spec: the spec, or a DrError("invalid") carrying the diagnostics. */
export async function loadSpec(file: string): Promise<{ spec: DrSpec; check: SpecCheck }> {
  const check = await checkSpecFile(file);
  if (!check.spec) {
    throw new DrError("invalid", `${file} is not a valid spec`, { meta: { diagnostics: check.diagnostics, file } });
  }
  return { spec: check.spec, check };
}
