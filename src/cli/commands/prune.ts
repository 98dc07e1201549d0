// drctl prune <dataset> [--repository NAME] [--dry-run]: what goes and why each set stays, then
// (without --dry-run) the deletion — in the dataset's repository, then at each of its copies that
// has a retention policy (its own or the dataset's). A copy that cannot be pruned now (unreachable,
// its last copy run incomplete) leaves the others done: exit 6, named.

import { prune } from "../../prune/prune.js";
import { formatBytes } from "../../core/units.js";
import type { StorePruneOutcome } from "../../prune/at-store.js";
import { DrError, messageOf } from "../../errors.js";
import { retentionAt } from "../../prune/policy.js";
import { datasetOf } from "../../spec/lookup.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { JobResult } from "./job.js";

function report(io: Io, title: string, r: StorePruneOutcome & { dryRun: boolean }): void {
  const { decisions, dryRun, bytesFreed } = r;
  const drop = decisions.filter((d) => !d.keep);
  const keep = decisions.filter((d) => d.keep);
  const would = dryRun ? "would be " : "";
  io.out(
    `${title}${dryRun ? " (dry run)" : ""}: ${drop.length} set(s) ${would}deleted, ${keep.length} ` +
      `kept, ${formatBytes(bytesFreed)} ${would}freed`,
  );
  const width = Math.max(0, ...decisions.map((d) => d.set.id.length));
  for (const d of [...drop, ...keep])
    io.out(
      `  ${d.keep ? "keep  " : "delete"}  ${d.set.id.padEnd(width)}  ${d.set.kind.padEnd(11)}  ${d.why.join("; ")}`,
    );
  for (const l of r.locked) io.out(`  (${l.id} stays: its Object Lock holds until ${l.until})`);
  for (const l of r.leftovers) io.err(`drctl: warning: left in the repository (no longer a set): ${l}`);
}

/** What the journal keeps of one repository's prune. */
function outcomeDetails(r: StorePruneOutcome & { dryRun: boolean }): Record<string, unknown> {
  return {
    deleted: r.deleted,
    wouldDelete: r.dryRun ? r.decisions.filter((d) => !d.keep).map((d) => d.set.id) : [],
    kept: r.decisions.filter((d) => d.keep).length,
    bytesFreed: r.bytesFreed,
    ...(r.locked.length ? { locked: r.locked } : {}),
    ...(r.leftovers.length ? { leftovers: r.leftovers } : {}),
  };
}

export async function pruneWork(
  spec: DrSpec,
  dataset: string,
  opts: { dryRun: boolean; now?: Date; repository?: string },
  io: Io,
): Promise<JobResult> {
  const ds = datasetOf(spec, dataset);
  const local = opts.repository === undefined || opts.repository === ds.repository;
  const copies =
    opts.repository === undefined
      ? (ds.copies ?? []).filter((c) => retentionAt(spec, ds, c))
      : opts.repository === ds.repository
        ? []
        : [opts.repository];
  const details: Record<string, unknown> = { dryRun: opts.dryRun };
  // the scheduled run of a dataset with retention only at its copies prunes just those
  if (local && (ds.retention || opts.repository !== undefined || !copies.length)) {
    const r = await prune(spec, dataset, opts);
    report(io, `prune ${dataset}`, r);
    Object.assign(details, outcomeDetails(r));
  }
  const problems: string[] = [];
  const atCopies: Record<string, unknown>[] = [];
  if (copies.length) {
    const { pruneCopy } = await import("../../prune/prune-copy.js");
    for (const name of copies) {
      try {
        const r = await pruneCopy(spec, dataset, name, opts);
        report(io, `prune ${dataset} at ${name} (${r.where})`, r);
        atCopies.push({ repository: name, ...outcomeDetails(r) });
      } catch (e) {
        // asked for by name, a refusal is the answer; in the scheduled run one copy must not stop the others
        if (opts.repository !== undefined || !(e instanceof DrError) || e.kind === "invalid") throw e;
        problems.push(`${name}: ${messageOf(e)}`);
        io.err(`drctl: prune ${dataset} at ${name}: not pruned now: ${messageOf(e)}`);
        atCopies.push({ repository: name, pending: messageOf(e) });
      }
    }
    details.copies = atCopies;
  }
  if (problems.length) return { code: EXIT.degraded, details, error: `copies not pruned: ${problems.join("; ")}` };
  return { code: EXIT.ok, details };
}
