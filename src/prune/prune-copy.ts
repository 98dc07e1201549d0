// `drctl prune DATASET --repository COPY`: retention at an offsite copy, by the copy's own `retention`
// (or the dataset's), with the rules of the local prune: the same pure selection and dry run, never
// after a failed backup, nor after a copy run to it that did not complete (the copy may lack the
// newest sets), binlogs another dataset of the server still needs there stay. Only in a repository
// whose marker names this project, only sets whose manifests do, and nothing while a copy or a drill
// of the dataset runs. Deletes the manifest first (the set leaves the copy's catalog at once), then
// its objects; a delete an S3 Object Lock refuses is expected: the set stays, reported with the date
// its lock ends.

import { join } from "node:path";
import { stateDirOf } from "../core/desired.js";
import { keepSharedBinlogs, type RetentionDecision, selectRetention } from "../core/retention.js";
import { storedBytes } from "../backup/catalog.js";
import { MANIFEST } from "../repository/set-store.js";
import { copyHistory } from "../copy/records.js";
import { readMarker } from "../discover/repositories.js";
import { verifiedSets } from "../drill/records.js";
import { DrError, messageOf } from "../errors.js";
import { openStore } from "../repository/open.js";
import { readStoreCatalog } from "../repository/store-sets.js";
import { datasetOf } from "../spec/lookup.js";
import type { DrSpec } from "../spec/types.generated.js";
import { readJournal } from "../state/journal.js";
import { acquireLock, type Lock, setsLockPath } from "../state/lock.js";
import { retentionAt } from "./policy.js";
import { refuseAfterFailedBackup } from "./prune.js";

export interface CopyPruneOutcome {
  dataset: string;
  repository: string;
  where: string;
  dryRun: boolean;
  decisions: RetentionDecision[];
  deleted: string[];
  /** Sets an Object Lock keeps (not an error): id and when the lock ends. */
  locked: { id: string; until: string }[];
  /** Objects of a deleted set that could not be removed after its manifest went (named; harmless debris). */
  leftovers: string[];
  bytesFreed: number;
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
      const catalog = await readStoreCatalog(store, spec.project, { binlogs: true });
      const setsOf = (name: string) =>
        catalog.sets.filter((s) => s.prefix.startsWith(`sets/${name}/`) && s.manifest.kind !== "binlog");
      const own = setsOf(dataset);
      const binlogs = catalog.sets.filter(
        (s) => s.prefix.startsWith(`binlogs/${ds.server}/`) && s.manifest.kind === "binlog",
      );
      const result = selectRetention(
        own.map((s) => s.manifest),
        binlogs.map((s) => s.manifest),
        policy,
        now,
        verified,
      );
      if (result.refused) throw new DrError("invalid", `dataset ${dataset} at ${repository}: ${result.refused}`);
      const others = Object.entries(spec.datasets)
        .filter(
          ([name, o]) =>
            name !== dataset && o.server === ds.server && o.copies?.includes(repository) && o.binlog?.archive,
        )
        .map(([name, o]) => ({
          name,
          sets: setsOf(name).map((s) => s.manifest),
          policy: retentionAt(spec, o, repository),
        }));
      const decisions = keepSharedBinlogs(
        result.decisions,
        binlogs.map((s) => s.manifest),
        others,
        now,
        verified,
      );

      const out: CopyPruneOutcome = {
        dataset,
        repository,
        where: store.where,
        dryRun: opts.dryRun,
        decisions,
        deleted: [],
        locked: [],
        leftovers: [],
        bytesFreed: 0,
      };
      const prefixOf = new Map([...own, ...binlogs].map((s) => [s.manifest.id, s.prefix]));
      for (const d of decisions) {
        if (d.keep) continue;
        const prefix = prefixOf.get(d.set.id) ?? "";
        if (opts.dryRun) {
          out.bytesFreed += storedBytes(d.set);
          continue;
        }
        try {
          await store.delete(`${prefix}${MANIFEST}`);
        } catch (e) {
          const until = e instanceof DrError ? e.meta.lockedUntil : undefined;
          if (typeof until !== "string") throw e;
          out.locked.push({ id: d.set.id, until });
          d.keep = true;
          d.why = [`under Object Lock until ${until}`];
          continue;
        }
        for (const f of d.set.files)
          await store.delete(`${prefix}${f.name}`).catch((e: unknown) => {
            out.leftovers.push(`${store.where}/${prefix}${f.name}: ${messageOf(e)}`);
          });
        out.deleted.push(d.set.id);
        out.bytesFreed += storedBytes(d.set);
      }
      return out;
    } finally {
      await store.close().catch(() => {});
    }
  } finally {
    for (const l of locks.reverse()) await l.release();
  }
}
