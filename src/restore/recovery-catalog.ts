// One reading of "what can a restore of this dataset reach?" for every command that asks it —
// restore, drills and status (issue 13, defect 7: status said OK after a binlog gap that restore
// refused). The dataset's sets, its server's archived binlogs and the archive's last clean run,
// grouped into recovery images by the pure core.

import type { CatalogEntry } from "../repository/set-store.js";
import { binlogSetsDir, listSets, setsDir } from "../repository/set-store.js";
import { readProgress } from "../binlog/archive.js";
import {
  planRecovery,
  recoveryImages,
  type OpenBinlog,
  type RecoveryImage,
  type RecoveryPlan,
} from "../core/recovery.js";
import type { Dataset } from "../spec/types.generated.js";
import { failoverGroup } from "../core/desired.js";

export interface RecoveryCatalog {
  sets: CatalogEntry[];
  binlogs: CatalogEntry[];
  images: RecoveryImage[];
  /** What planRecovery needs besides the images. */
  options: { binlogs: boolean; coveredUntil?: string; coveredTimeline?: number; coveredServerId?: string };
  /** Where each set (dataset or binlog) lies. */
  dirOf: Map<string, string>;
  open?: OpenBinlog;
}

export async function readRecoveryCatalog(repoPath: string, dataset: string, ds: Dataset): Promise<RecoveryCatalog> {
  const sets = (await listSets(setsDir(repoPath, dataset))).sets;
  // every member of the failover group keeps its own archive; the core joins them by GTID
  const group = failoverGroup(ds);
  const binlogs = (await Promise.all(group.map(async (m) => (await listSets(binlogSetsDir(repoPath, m))).sets))).flat();
  const archiving = ds.binlog?.archive === true;
  // the last archive run of the group (whichever member it archived) counts when it left nothing behind;
  // planRecovery takes it only for a chain that ends in that server's files
  const progresses = archiving ? await Promise.all(group.map((m) => readProgress(binlogSetsDir(repoPath, m)))) : [];
  const progress = progresses
    .filter((p) => p !== undefined)
    .sort((a, b) => a.checkedAt.localeCompare(b.checkedAt))
    .at(-1);
  const clean = progress?.complete ? progress : undefined;
  const open: OpenBinlog | undefined = clean
    ? { serverId: clean.serverId, file: clean.serverAt.file, gtid: clean.serverAt.gtid, timeline: clean.timeline ?? 0 }
    : undefined;
  const images = recoveryImages(
    sets.map((s) => s.manifest),
    binlogs.map((s) => s.manifest),
    open,
  );
  return {
    sets,
    binlogs,
    images,
    options: {
      binlogs: archiving,
      ...(clean
        ? { coveredUntil: clean.checkedAt, coveredTimeline: clean.timeline ?? 0, coveredServerId: clean.serverId }
        : {}),
    },
    dirOf: new Map([...sets, ...binlogs].map((s) => [s.manifest.id, s.dir])),
    ...(open ? { open } : {}),
  };
}

/** planRecovery on the catalog; `without`: sets found damaged, left out (images are regrouped without them). */
export function planFromCatalog(
  cat: RecoveryCatalog,
  target: string | "latest",
  without: ReadonlySet<string> = new Set(),
): RecoveryPlan {
  if (!without.size) return planRecovery(cat.images, target, cat.options);
  // an incremental without its parent is no use either: drop the damaged sets' descendants too
  const dropped = new Set(without);
  const sets = cat.sets.map((s) => s.manifest).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (const m of sets) if (m.parent && dropped.has(m.parent)) dropped.add(m.id);
  const images = recoveryImages(
    sets.filter((m) => !dropped.has(m.id)),
    cat.binlogs.map((s) => s.manifest).filter((m) => !dropped.has(m.id)),
    cat.open,
  );
  return planRecovery(images, target, cat.options);
}
