// drctl plan: discover the live state, diff it against the spec, prove RPO/RTO, show the plan.

import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { existsSync } from "node:fs";
import { writeFileAtomic } from "../../adapters/fs/atomic-write.js";
import { packageFile } from "../../adapters/fs/package-files.js";
import { buildDesiredState, stateDirOf, type DesiredState, type Runtime } from "../../core/desired.js";
import type { DrillMeasurement } from "../../core/rpo-rto.js";
import { lastVerifiedDrill } from "../../drill/records.js";
import { readJournal } from "../../state/journal.js";
import type { ObservedState } from "../../core/observed.js";
import type { Plan } from "../../core/plan.generated.js";
import { buildPlan } from "../../core/plan.js";
import { readZonesFrom } from "../../core/schedule-gaps.js";
import { systemZone } from "../../adapters/fs/zoneinfo.js";
import { discoverState } from "../../discover/discover.js";
import { DrError } from "../../errors.js";
import { prettyJsonPieces } from "../../render/json-pieces.js";
import { renderPlanText } from "../../render/text.js";
import { loadSpec } from "../../spec/check.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { tracer } from "../../trace.js";
import { EXIT } from "../exit-codes.js";
import { printPieces, type Io } from "../io.js";

export interface PlanFlags {
  file: string;
  out?: string;
  json: boolean;
  detailedExitcode: boolean;
  tui: boolean;
  observed?: string;
}

export function runtimeFor(specFile: string): Runtime {
  // cron runs with PATH=/usr/bin:/bin, so the line names flock by absolute path
  const flock = ["/usr/bin/flock", "/bin/flock"].find((p) => existsSync(p));
  if (!flock) throw new DrError("failed", "flock(1) not found", { hint: "install util-linux" });
  return {
    node: process.execPath,
    drctl: packageFile("dist/cli.js"),
    flock,
    specFile: resolve(specFile),
    cronUser: userInfo().username,
  };
}

async function makePlan(
  file: string,
  trace: (what: string) => void,
  observedFile?: string,
  now = new Date(),
): Promise<{ plan: Plan; cronTarget: string }> {
  const { spec, check } = await loadSpec(file);
  trace(`spec loaded and checked (${Math.round(process.uptime() * 1000)} ms after the process)`);
  const runtime = runtimeFor(file);
  const desired = buildDesiredState(spec, runtime);
  trace("desired state built");
  let observed: ObservedState;
  if (observedFile) {
    try {
      observed = JSON.parse(await readFile(observedFile, "utf8")) as ObservedState;
    } catch (e) {
      throw new DrError("invalid", `cannot read recorded state ${observedFile}: ${(e as Error).message}`);
    }
  } else {
    observed = await discoverState(spec);
  }
  trace(observedFile ? "recorded state read" : "live state discovered");
  const drills = await measuredDrills(spec);
  const plan = planAgainst(spec, check.loaded.text, runtime, desired, observed, now, drills);
  trace("plan built (diff, findings, RPO/RTO proofs)");
  return { plan, cronTarget: desired.cronTarget };
}

/**
 * Per dataset, what its newest verified drill measured (time to a verified server, bytes restored): the RTO proof uses
 * it instead of the defaults.
 */
export async function measuredDrills(spec: DrSpec): Promise<Record<string, DrillMeasurement>> {
  const journal = await readJournal(stateDirOf(spec)).catch(() => []);
  const out: Record<string, DrillMeasurement> = {};
  for (const [ds, d] of lastVerifiedDrill(journal))
    if (d.rto && d.restoreBytes !== undefined)
      out[ds] = { rtoSeconds: d.rto.measuredSeconds, bytes: d.restoreBytes, at: d.startedAt };
  return out;
}

/** The plan for a loaded spec against an observed state, in the cron daemon's default time zone. */
export function planAgainst(
  spec: DrSpec,
  specText: string,
  runtime: Runtime,
  desired: DesiredState,
  observed: ObservedState,
  now = new Date(),
  drills: Record<string, DrillMeasurement> = {},
): Plan {
  // cron's zone: the spec's, else this machine's (asking ICU, ~30 ms to start, only then); the zones' rules
  // come from the system's zoneinfo, which cron reads, before ICU
  readZonesFrom(systemZone);
  const defaultTimeZone = spec.scheduler?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  return buildPlan({ spec, specText, specFile: runtime.specFile, desired, observed, now, defaultTimeZone, drills });
}

function planExitCode(plan: Plan, detailed: boolean): number {
  if (plan.summary.errors > 0) return EXIT.failed;
  if (detailed && plan.hasChanges) return EXIT.changes;
  return EXIT.ok;
}

export async function planCommand(flags: PlanFlags, io: Io): Promise<number> {
  // DRCTL_TRACE: where a fleet's plan spends its time
  const trace = tracer((l) => io.err(l));
  const { plan, cronTarget } = await makePlan(flags.file, trace, flags.observed);
  if (flags.out) await writeFileAtomic(resolve(flags.out), `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
  if (flags.json) {
    printPieces(io, prettyJsonPieces(plan));
  } else if (flags.tui && io.interactive) {
    const { showPlanTui } = await import("../../render/tui/show.js");
    await showPlanTui(plan);
    if (flags.out) io.out(`Saved the plan to ${flags.out}; apply it with: drctl apply ${flags.out}`);
  } else {
    io.out(renderPlanText(plan, { cronTarget }));
    if (flags.out) io.out(`\nSaved the plan to ${flags.out}; apply it with: drctl apply ${flags.out}`);
  }
  trace("plan written");
  return planExitCode(plan, flags.detailedExitcode);
}
