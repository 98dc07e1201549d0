// drctl validate [-f FILE | FILE]: every problem in the spec at once, as FILE:LINE:COL lines.

import { formatDiagnostic } from "../../errors.js";
import { checkSpecFile } from "../../spec/check.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

export async function validateCommand(file: string, io: Io): Promise<number> {
  const check = await checkSpecFile(file);
  for (const d of check.diagnostics) io.err(formatDiagnostic(file, d));
  const errors = check.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = check.diagnostics.length - errors;
  if (!check.spec) {
    io.err(`${file}: invalid: ${plural(errors, "error")}${warnings ? `, ${plural(warnings, "warning")}` : ""}`);
    return EXIT.invalid;
  }
  io.out(`${file}: valid: ${summarize(check.spec)}${warnings ? ` (${plural(warnings, "warning")})` : ""}`);
  return EXIT.ok;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function summarize(spec: DrSpec): string {
  const n = (o: object | undefined) => Object.keys(o ?? {}).length;
  return [
    `project ${spec.project}`,
    plural(n(spec.tiers), "tier"),
    plural(n(spec.servers), "server"),
    plural(n(spec.repositories), "repository").replace("repositorys", "repositories"),
    plural(n(spec.datasets), "dataset"),
    plural(n(spec.drills), "drill"),
  ].join(", ");
}
