// `drctl prune <dataset> [--dry-run]`: carries out the pure retention selection (core/retention.ts)
// — the dry run is the same code, it only stops before deleting. Never after a failed backup, never
// while a backup of the dataset or the server's binlog archiver holds its lock; binlogs that another
// dataset on the same server still needs stay, and so does a set one of the dataset's offsite copies
// does not hold yet (or cannot be asked about). Drills take the dataset's drill lock, which prune
// holds too. The selection and the deletes are at-store.ts's, the same as at a copy: through the
// repository's store, manifest first (the set leaves the catalog at once), then its files.

import { join } from "node:path";
import { checkRepository } from "../repository/local.js";
import { filesystemStore } from "../repository/filesystem.js";
import { datasetOf } from "../spec/lookup.js";
import { MANIFEST } from "../repository/store.js";
import { failoverGroup, stateDirOf } from "../core/desired.js";
import { selectRetention, type RetentionDecision } from "../core/retention.js";
import { pruneAtStore, type StorePruneOutcome } from "./at-store.js";
import { policyOf } from "./policy.js";
import { DrError, messageOf, must } from "../errors.js";
import type { DrSpec } from "../spec/types.generated.js";
import { type JournalRecord, readJournal } from "../state/journal.js";
import { verifiedSets } from "../drill/records.js";
import { acquireLock, type Lock, setsLockPath } from "../state/lock.js";

export interface PruneOutcome extends StorePruneOutcome {
  dataset: string;
  dryRun: boolean;
}

/** DESIGN §8 rule 3, for the local repository and every copy alike. */
export function refuseAfterFailedBackup(journal: JournalRecord[], dataset: string): void {
  // a refused request (exit 3) or a backup that found the lock busy (exit 4) never ran: it is no failed backup
  const lastBackup = journal
    .filter(
      (r) =>
        r.kind === "job" &&
        r.data.command === "backup" &&
        r.data.subject === dataset &&
        r.data.exitCode !== 3 &&
        r.data.exitCode !== 4,
    )
    .at(-1);
  if (lastBackup && lastBackup.data.exitCode !== 0)
    throw new DrError(
      "failed",
      `the last backup of ${dataset} failed (${lastBackup.ts}, exit ${String(lastBackup.data.exitCode)}): ` +
        `retention does not run after a failed backup`,
      { hint: "fix the backup and let it succeed once; prune runs again after that" },
    );
}

export async function prune(
  spec: DrSpec,
  dataset: string,
  opts: { dryRun: boolean; now?: Date },
): Promise<PruneOutcome> {
  const ds = datasetOf(spec, dataset);
  const policy = policyOf(ds.retention);
  if (!policy)
    throw new DrError("invalid", `dataset ${dataset} has no retention policy: prune keeps everything`, {
      hint: "add retention: { full: { daily: 7 }, binlogs: 14d }",
    });
  const repoPath = await checkRepository(spec, ds.repository);
  const stateDir = stateDirOf(spec);

  // DESIGN §8 rule 3: retention never runs after a failed backup (the sets it would drop may be the last good ones)
  const journal = await readJournal(stateDir).catch(() => []);
  refuseAfterFailedBackup(journal, dataset);
  const verified = verifiedSets(journal);

  const locks: Lock[] = [];
  try {
    // nothing is deleted while a backup of the dataset or the server's binlog archiver is running
    locks.push(
      await acquireLock(join(stateDir, "locks", `dataset.${dataset}.backup.lock`), {
        waitMs: 0,
        command: `drctl prune ${dataset}`,
        purpose: `backups of dataset ${dataset}`,
      }),
    );
    for (const member of failoverGroup(ds))
      locks.push(
        await acquireLock(join(stateDir, "locks", `binlog.${member}.lock`), {
          waitMs: 0,
          command: `drctl prune ${dataset}`,
          purpose: `binlog archiving of server ${member}`,
        }),
      );
    // drills of the dataset take this lock while they restore (a set must not vanish under them)
    locks.push(
      await acquireLock(setsLockPath(stateDir, dataset), {
        waitMs: 0,
        command: `drctl prune ${dataset}`,
        purpose: `drills of dataset ${dataset}`,
      }),
    );
    const now = opts.now ?? new Date();
    const r = await pruneAtStore(filesystemStore(repoPath), {
      spec,
      dataset,
      label: `dataset ${dataset}`,
      policy,
      // the server's archived binlogs are shared by every dataset on it in this repository
      sharing: (_name, other) => other.repository === ds.repository && policyOf(other.retention),
      verified,
      now,
      dryRun: opts.dryRun,
      review: (decisions) => keepUncopied(spec, dataset, decisions, { now, verified }),
    });
    return { dataset, dryRun: opts.dryRun, ...r };
  } finally {
    for (const l of locks.reverse()) await l.release();
  }
}

/**
 * A set that one of the dataset's copies does not hold yet stays (issue 15: local retention never
 * deletes the only copy), and so does every set when a copy cannot be asked (unreachable: unproven).
 */
async function keepUncopied(
  spec: DrSpec,
  dataset: string,
  decisions: RetentionDecision[],
  ctx: { now: Date; verified: ReadonlySet<string> },
): Promise<RetentionDecision[]> {
  const ds = datasetOf(spec, dataset);
  const drop = decisions.filter((d) => !d.keep);
  if (!ds.copies?.length || !drop.length) return decisions;
  // a copy with its own retention never receives what that retention drops (copy sends it only
  // what it keeps): such a set is not waited for
  const manifests = decisions.map((d) => d.set);
  const keptThere = (name: string): ReadonlySet<string> | undefined => {
    const own = spec.repositories[name]?.retention;
    if (!own) return undefined;
    const r = selectRetention(
      manifests.filter((m) => m.kind !== "binlog"),
      manifests.filter((m) => m.kind === "binlog"),
      must(policyOf(own)),
      ctx.now,
      ctx.verified,
    );
    return r.refused ? undefined : new Set(r.decisions.filter((d) => d.keep).map((d) => d.set.id));
  };
  const missing = new Map<string, string[]>(); // set id → why it stays
  const note = (id: string, why: string) => missing.set(id, [...(missing.get(id) ?? []), why]);
  const { openStore } = await import("../repository/open.js");
  for (const name of ds.copies) {
    const repo = spec.repositories[name];
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      if (!repo) throw new Error("not a repository of the spec");
      store = await openStore(name, repo);
      const wanted = keptThere(name);
      for (const d of drop) {
        if (wanted && !wanted.has(d.set.id)) continue;
        const prefix = d.set.kind === "binlog" ? `binlogs/${d.set.server.name}` : `sets/${dataset}`;
        if (!(await store.stat(`${prefix}/${d.set.id}/${MANIFEST}`))) note(d.set.id, `not yet copied to ${name}`);
      }
    } catch (e) {
      for (const d of drop) note(d.set.id, `cannot check copy ${name}: ${messageOf(e)}`);
    } finally {
      await store?.close();
    }
  }
  return decisions.map((d) =>
    !d.keep && missing.has(d.set.id) ? { ...d, keep: true, why: missing.get(d.set.id) ?? [] } : d,
  );
}
