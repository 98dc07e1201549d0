// `drctl prune DATASET --repository COPY`: retention at an offsite copy, by the copy's own `retention`
// (or the dataset's), with the rules of the local prune: the same pure selection and dry run, never
// after a failed backup, nor after a copy run to it that did not complete (the copy may lack the
// newest sets), binlogs another dataset of the server still needs there stay. Only in a repository
// whose marker names this project, only sets whose manifests do, and nothing while a copy or a drill
// of the dataset runs. The selection and deletes are at-store.ts's; a delete an S3 Object Lock
// refuses is expected: the set stays, reported with the date its lock ends.

import { join } from "node:path";
import { stateDirOf } from "../core/desired.js";
import { copyHistory } from "../copy/records.js";
import { readMarker } from "../discover/repositories.js";
import { verifiedSets } from "../drill/records.js";
import { DrError } from "../errors.js";
import { openStore } from "../repository/open.js";
import { datasetOf } from "../spec/lookup.js";
import type { DrSpec } from "../spec/types.generated.js";
import { readJournal } from "../state/journal.js";
import { acquireLock, type Lock, setsLockPath } from "../state/lock.js";
import { pruneAtStore, type StorePruneOutcome } from "./at-store.js";
import { retentionAt } from "./policy.js";
import { refuseAfterFailedBackup } from "./prune.js";

export interface CopyPruneOutcome extends StorePruneOutcome {
  dataset: string;
  repository: string;
  where: string;
  dryRun: boolean;
}

export async function pruneCopy(
  spec: DrSpec,
  dataset: string,
  repository: string,
  opts: { dryRun: boolean; now?: Date },
): Promise<CopyPruneOutcome> {
  const ds = datasetOf(spec, dataset);
  const repo = spec.repositories[repository];
  if (!repo || !ds.copies?.includes(repository))
    throw new DrError(
      "invalid",
      `--repository ${repository}: not one of dataset ${dataset}'s copies (${ds.copies?.join(", ") || "none"})`,
    );
  const policy = retentionAt(spec, ds, repository);
  if (!policy)
    throw new DrError(
      "invalid",
      `neither repository ${repository} nor dataset ${dataset} has a retention policy: prune keeps everything`,
      { hint: "add retention: { full: { monthly: 12 } } to the repository (or the dataset)" },
    );
  const stateDir = stateDirOf(spec);
  const journal = await readJournal(stateDir).catch(() => []);
  refuseAfterFailedBackup(journal, dataset);
  const last = copyHistory(journal, dataset, repository).lastRun;
  if (last && (last.pending || last.mismatches))
    throw new DrError(
      "failed",
      `the last copy of ${dataset} to ${repository} (${last.at}) did not complete` +
        `${last.pending ? `: ${last.pending}` : ""}: retention there waits for a complete copy`,
      { hint: `run drctl copy ${dataset} --to ${repository}; prune runs again after it completes` },
    );
  const verified = verifiedSets(journal);
  const now = opts.now ?? new Date();

  const locks: Lock[] = [];
  try {
    for (const [lock, purpose] of [
      [join(stateDir, "locks", `dataset.${dataset}.copy.lock`), `copies of dataset ${dataset}`],
      [setsLockPath(stateDir, dataset), `drills of dataset ${dataset}`],
    ] as const)
      locks.push(await acquireLock(lock, { waitMs: 0, command: `drctl prune ${dataset}`, purpose }));
    const store = await openStore(repository, repo);
    try {
      const marker = await readMarker(store);
      if (marker?.project !== spec.project)
        throw new DrError(
          "failed",
          `${store.where}: not this project's repository ` +
            `(${marker ? `its marker names "${marker.project}"` : "no drctl marker"}): nothing is deleted there`,
        );
      const r = await pruneAtStore(store, {
        spec,
        dataset,
        label: `dataset ${dataset} at ${repository}`,
        policy,
        sharing: (_name, other) => !!other.copies?.includes(repository) && retentionAt(spec, other, repository),
        verified,
        now,
        dryRun: opts.dryRun,
      });
      return { dataset, repository, where: store.where, dryRun: opts.dryRun, ...r };
    } finally {
      await store.close().catch(() => {});
    }
  } finally {
    for (const l of locks.reverse()) await l.release();
  }
}
