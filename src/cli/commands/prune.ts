// drctl prune <dataset> [--dry-run]: what goes and why each set stays, then (without --dry-run) the deletion.

import { prune } from "../../prune/prune.js";
import { formatBytes } from "../../core/units.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { JobResult } from "./job.js";

export async function pruneWork(
  spec: DrSpec,
  dataset: string,
  opts: { dryRun: boolean; now?: Date },
  io: Io,
): Promise<JobResult> {
  const r = await prune(spec, dataset, opts);
  const drop = r.decisions.filter((d) => !d.keep);
  const keep = r.decisions.filter((d) => d.keep);
  const would = r.dryRun ? "would be " : "";
  io.out(
    `prune ${dataset}${r.dryRun ? " (dry run)" : ""}: ${drop.length} set(s) ${would}deleted, ${keep.length} ` +
      `kept, ${formatBytes(r.bytesFreed)} ${would}freed`,
  );
  const width = Math.max(0, ...r.decisions.map((d) => d.set.id.length));
  for (const d of [...drop, ...keep])
    io.out(
      `  ${d.keep ? "keep  " : "delete"}  ${d.set.id.padEnd(width)}  ${d.set.kind.padEnd(11)}  ${d.why.join("; ")}`,
    );
  return {
    code: EXIT.ok,
    details: {
      dryRun: r.dryRun,
      deleted: r.deleted,
      wouldDelete: r.dryRun ? drop.map((d) => d.set.id) : [],
      kept: keep.length,
      bytesFreed: r.bytesFreed,
    },
  };
}
