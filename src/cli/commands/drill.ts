// drctl drill run | list: run a drill (what the drill cron line calls), list drills with their last result.

import { formatColumns } from "../../render/columns.js";
import { progressReporter } from "../progress.js";
import { drillOf, runDrill, type DrillRecord } from "../../drill/drill.js";
import { lastDrills } from "../../drill/records.js";
import { stateDirOf } from "../../core/desired.js";
import { formatDuration, formatMeasured, parseWaitMs } from "../../core/duration.js";
import { DrError, must } from "../../errors.js";
import { loadSpec } from "../../spec/check.js";
import type { Drill, DrSpec } from "../../spec/types.generated.js";
import { checkRepository } from "../../repository/local.js";
import { datasetOf } from "../../spec/lookup.js";
import { listSets, setsDir } from "../../repository/set-store.js";
import { pointTime } from "../../core/recovery.js";
import { readJournal } from "../../state/journal.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { JobResult } from "./job.js";

/**
 * The drill apply's verification runs (and `drctl drill verify`): the dataset's newest full set
 * restored to its own point — what the first backup holds, before any binlog is archived — and
 * checked as the dataset's own drills would check it.
 */
export async function verificationDrill(spec: DrSpec, dataset: string): Promise<Drill> {
  const ds = datasetOf(spec, dataset);
  const full = (await listSets(setsDir(await checkRepository(spec, ds.repository), dataset))).sets
    .map((s) => s.manifest)
    .filter((m) => m.kind === "full")
    .at(-1);
  if (!full)
    throw new DrError("failed", `dataset ${dataset} has no full backup set to verify`, {
      hint: `run \`drctl backup ${dataset}\` first`,
    });
  const own = Object.values(spec.drills ?? {}).find((d) => d.dataset === dataset);
  return {
    dataset,
    schedule: own?.schedule ?? "@weekly",
    restoreTo: pointTime(full),
    verify: (own?.verify ?? ["rowCounts"]).filter((v) => typeof v === "string"),
  };
}

export async function drillWork(
  spec: DrSpec,
  name: string,
  opts: { seed?: string; lockTimeout?: string; definition?: Drill },
  io: Io,
): Promise<JobResult> {
  const waitMs = opts.lockTimeout === undefined ? undefined : parseWaitMs(opts.lockTimeout);
  if (opts.lockTimeout !== undefined && waitMs === undefined)
    throw new DrError("invalid", `--lock-timeout ${opts.lockTimeout}: expected a duration such as 0s, 30s, 5m or 1h`);
  if (!opts.definition) drillOf(spec, name);
  const progress = progressReporter(io, { verb: "read" });
  const r = await runDrill({
    spec,
    name,
    ...(opts.definition ? { definition: opts.definition } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(waitMs !== undefined ? { lockWaitMs: waitMs } : {}),
    onProgress: (label, bytes) => progress.update(label, bytes),
    say: (l) => {
      progress.done();
      io.err(l);
    },
  }).finally(() => progress.done());
  for (const c of r.checks)
    io.out(
      `  ${c.ok ? (c.skipped ? "skip" : "ok  ") : "FAIL"}  [${c.step}] ${c.name}: ${c.detail}` +
        (c.skipped ? ` (${c.skipped})` : ""),
    );
  const code = r.result === "ok" ? EXIT.ok : r.result === "target-missed" ? EXIT.targetMissed : EXIT.integrity;
  const sets = r.sets?.join(" + ") ?? "no image";
  if (r.result === "failed")
    io.out(`drill ${name} FAILED: ${r.failures.length} check(s) failed on ${sets} (dataset ${r.dataset})`);
  else {
    const figures =
      `RTO ${formatMeasured(must(r.rto).measuredSeconds)} (target ` +
      `${formatDuration(must(r.rto).targetSeconds)}${must(r.rto).met ? "" : ", MISSED"}), ` +
      `RPO ${formatMeasured(must(r.rpo).measuredSeconds)} (target ` +
      `${formatDuration(must(r.rpo).targetSeconds)}${must(r.rpo).met ? "" : ", MISSED"})`;
    io.out(
      `drill ${name} ${r.result === "ok" ? "passed" : "verified the data but MISSED the tier"}: ${sets} ` +
        `restored${r.from !== undefined ? ` from the copy in ${r.from}` : ""} and verified; ${figures}`,
    );
  }
  return {
    code,
    details: {
      drill: name,
      dataset: r.dataset,
      result: r.result,
      ...(r.set ? { set: r.set } : {}),
      ...(r.rto ? { rtoSeconds: r.rto.measuredSeconds } : {}),
      ...(r.rpo ? { rpoSeconds: r.rpo.measuredSeconds } : {}),
    },
    ...(code ? { error: r.result === "failed" ? r.failures.join("; ") : "RTO/RPO target missed" } : {}),
  };
}

export async function drillListCommand(flags: { file: string; json: boolean }, io: Io): Promise<number> {
  const { spec } = await loadSpec(flags.file);
  const last = lastDrills(await readJournal(stateDirOf(spec)));
  const rows = Object.entries(spec.drills ?? {}).map(([name, d]) => ({
    name,
    dataset: d.dataset,
    schedule: d.schedule,
    restoreTo: d.restoreTo ?? "latest",
    last: last.get(name),
  }));
  if (flags.json) {
    io.out(JSON.stringify({ drills: rows }, null, 2));
    return EXIT.ok;
  }
  if (!rows.length) {
    io.out("no drills in the spec");
    return EXIT.ok;
  }
  const table = rows.map((r) => [
    r.name,
    r.dataset,
    r.schedule,
    typeof r.restoreTo === "string" ? r.restoreTo : `random within ${r.restoreTo.randomWithin}`,
    ...lastColumns(r.last),
  ]);
  const head = ["DRILL", "DATASET", "SCHEDULE", "RESTORE TO", "LAST RUN", "RESULT", "RTO", "RPO"];
  for (const line of formatColumns(head, table)) io.out(line);
  return EXIT.ok;
}

function lastColumns(r: DrillRecord | undefined): string[] {
  if (!r) return ["never", "", "", ""];
  const fig = (b?: { measuredSeconds: number; targetSeconds: number }) =>
    b ? `${formatMeasured(b.measuredSeconds)}/${formatDuration(b.targetSeconds)}` : "";
  return [r.startedAt.replace(/\.\d+Z$/, "Z"), r.result, fig(r.rto), fig(r.rpo)];
}
