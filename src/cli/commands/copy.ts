// drctl copy [DATASET] [--to REPO]: what the copy cron line runs. Pending targets are loud: named,
// journaled, exit 6; an object at a target that is not what the manifest says: exit 5.

import { join } from "node:path";
import { copyDataset, type TargetOutcome } from "../../copy/copy.js";
import { stateDirOf } from "../../core/desired.js";
import { formatBytes } from "../../core/units.js";
import { DrError } from "../../errors.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { acquireLock, type Lock, shareDatasetSets } from "../../state/lock.js";
import { EXIT } from "../exit-codes.js";
import { progressReporter } from "../progress.js";
import type { Io } from "../io.js";
import type { JobResult } from "./job.js";
import { parseWaitMs } from "../../core/duration.js";

export async function copyWork(
  spec: DrSpec,
  opts: { dataset?: string; to?: string; lockTimeout: string },
  io: Io,
): Promise<JobResult> {
  const waitMs = parseWaitMs(opts.lockTimeout);
  if (waitMs === undefined)
    throw new DrError("invalid", `--lock-timeout ${opts.lockTimeout}: expected a duration such as 0s, 30s, 5m or 1h`);
  const datasets =
    opts.dataset !== undefined
      ? [opts.dataset]
      : Object.entries(spec.datasets)
          .filter(([, ds]) => ds.copies?.length)
          .map(([name]) => name);
  if (!datasets.length) throw new DrError("invalid", "no dataset of the spec has copies: nothing to copy");
  const results: { dataset: string; targets: TargetOutcome[] }[] = [];
  for (const dataset of datasets) {
    const locks: Lock[] = [];
    try {
      const dir = join(stateDirOf(spec), "locks");
      locks.push(
        await acquireLock(join(dir, `dataset.${dataset}.copy.lock`), {
          waitMs: 0,
          command: `drctl copy ${dataset}`,
          purpose: `copies of dataset ${dataset}`,
        }),
      );
      // prune takes this lock whole: no set vanishes while it is being sent
      locks.push(
        await shareDatasetSets(stateDirOf(spec), dataset, {
          waitMs,
          command: `drctl copy ${dataset}`,
          onWait: () => io.err(`waiting for a prune or drill of ${dataset} to finish`),
        }),
      );
      const progress = progressReporter(io, { verb: "sent" });
      const targets = await copyDataset(spec, dataset, {
        ...(opts.to !== undefined ? { to: opts.to } : {}),
        say: (l) => {
          progress.done();
          io.err(l);
        },
        onBytes: (label, bytes) => progress.update(label, bytes),
      }).finally(() => progress.done());
      results.push({ dataset, targets });
      for (const t of targets) {
        const bytes = t.copied.reduce((n, c) => n + c.bytesSent, 0);
        io.out(
          `${dataset} → ${t.repository} (${t.where}): ` +
            (t.pending
              ? `offsite pending: ${t.pending}`
              : `${t.copied.length} set(s) copied (${formatBytes(bytes)} sent), ${t.alreadyThere} already there`),
        );
        for (const m of t.mismatches) io.out(`  NOT COPIED: ${m}`);
      }
    } finally {
      for (const l of locks.reverse()) await l.release();
    }
  }
  const all = results.flatMap((r) => r.targets.map((t) => ({ dataset: r.dataset, ...t })));
  const details = {
    targets: all.map((t) => ({
      dataset: t.dataset,
      repository: t.repository,
      copied: t.copied.map((c) => c.id),
      bytesSent: t.copied.reduce((n, c) => n + c.bytesSent, 0),
      alreadyThere: t.alreadyThere,
      where: t.where,
      ...(t.newestFull ? { newestFull: t.newestFull } : {}),
      ...(t.newestPoint ? { newestPoint: t.newestPoint } : {}),
      ...(t.pending ? { pending: t.pending } : {}),
      ...(t.mismatches.length ? { mismatches: t.mismatches } : {}),
    })),
  };
  const mismatches = all.flatMap((t) => t.mismatches);
  if (mismatches.length) return { code: EXIT.integrity, details, error: mismatches.join("; ") };
  const pending = all.filter((t) => t.pending);
  if (pending.length) {
    const text = pending.map((t) => `${t.dataset} → ${t.repository}: ${t.pending}`).join("; ");
    io.err(`drctl: offsite pending (everything stays local): ${text}`);
    return { code: EXIT.degraded, details, error: `offsite pending: ${text}` };
  }
  return { code: EXIT.ok, details };
}
