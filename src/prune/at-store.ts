// Retention in one repository, through its store (local directory, SFTP or S3 alike): the pure
// selection (core/retention.ts) over the sets the store holds, then the deletes — the manifest first
// (the set leaves the catalog at once), then its objects. The dry run is the same code and stops
// before the first delete. Callers take the locks and apply their own rules first (prune.ts for the
// dataset's repository, prune-copy.ts for a copy).

import type { BackupManifest } from "../core/manifest.generated.js";
import { failoverGroup } from "../core/desired.js";
import { keepSharedBinlogs, type RetentionDecision, type RetentionPolicy, selectRetention } from "../core/retention.js";
import { storedBytes } from "../backup/catalog.js";
import { DrError, messageOf } from "../errors.js";
import { MANIFEST, type ObjectStore } from "../repository/store.js";
import { readStoreCatalog } from "../repository/store-sets.js";
import type { Dataset, DrSpec } from "../spec/types.generated.js";

export interface StorePruneOutcome {
  decisions: RetentionDecision[];
  deleted: string[];
  /** Sets an Object Lock keeps (not an error): id and when the lock ends. */
  locked: { id: string; until: string }[];
  /** Objects of a deleted set that could not be removed after its manifest went (named; harmless debris). */
  leftovers: string[];
  bytesFreed: number;
}

export interface StorePruneRules {
  spec: DrSpec;
  dataset: string;
  /** "dataset wiki" or "dataset wiki at vault", for a refusal. */
  label: string;
  policy: RetentionPolicy;
  /** The other datasets whose sets here still need the server's archived binlogs, and their policies. */
  sharing: (name: string, other: Dataset) => RetentionPolicy | undefined | false;
  verified: ReadonlySet<string>;
  now: Date;
  dryRun: boolean;
  /** A last word before anything goes (the local prune keeps what a copy does not hold yet). */
  review?: (decisions: RetentionDecision[]) => Promise<RetentionDecision[]>;
}

export async function pruneAtStore(store: ObjectStore, rules: StorePruneRules): Promise<StorePruneOutcome> {
  const { spec, dataset } = rules;
  const server = spec.datasets[dataset]?.server ?? "";
  const catalog = await readStoreCatalog(store, spec.project, { binlogs: true });
  const setsOf = (name: string) =>
    catalog.sets.filter((s) => s.prefix.startsWith(`sets/${name}/`) && s.manifest.kind !== "binlog");
  const own = setsOf(dataset);
  // the archives of the whole failover group: one chain, joined by GTID
  const group = failoverGroup(spec.datasets[dataset] ?? { server });
  const binlogs = catalog.sets.filter(
    (s) => group.some((m) => s.prefix.startsWith(`binlogs/${m}/`)) && s.manifest.kind === "binlog",
  );
  const manifests = (sets: typeof own): BackupManifest[] => sets.map((s) => s.manifest);
  const result = selectRetention(manifests(own), manifests(binlogs), rules.policy, rules.now, rules.verified);
  if (result.refused) throw new DrError("invalid", `${rules.label}: ${result.refused}`);
  const others = Object.entries(spec.datasets).flatMap(([name, o]) => {
    if (name === dataset || o.server !== server || !o.binlog?.archive) return [];
    const policy = rules.sharing(name, o);
    return policy === false ? [] : [{ name, sets: manifests(setsOf(name)), policy }];
  });
  let decisions = keepSharedBinlogs(result.decisions, manifests(binlogs), others, rules.now, rules.verified);
  if (rules.review) decisions = await rules.review(decisions);

  const out: StorePruneOutcome = { decisions, deleted: [], locked: [], leftovers: [], bytesFreed: 0 };
  const prefixOf = new Map([...own, ...binlogs].map((s) => [s.manifest.id, s.prefix]));
  for (const d of decisions) {
    if (d.keep) continue;
    const prefix = prefixOf.get(d.set.id) ?? "";
    if (rules.dryRun) {
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
    // the manifest's files, then whatever else is under the set's own prefix (nothing, normally)
    const named = new Set(d.set.files.map((f) => `${prefix}${f.name}`));
    const rest = await store.list(prefix).catch(() => []);
    for (const key of [...named, ...rest.map((o) => o.key).filter((k) => !named.has(k))])
      await store.delete(key).catch((e: unknown) => {
        out.leftovers.push(`${store.where}/${key}: ${messageOf(e)}`);
      });
    out.deleted.push(d.set.id);
    out.bytesFreed += storedBytes(d.set);
  }
  return out;
}
