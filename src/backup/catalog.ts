// The catalog: every published set (manifest present) in the spec's filesystem repositories —
// dataset sets and archived binlogs — read from the repositories themselves, through their stores,
// so what is listed is what a restore would find.

import type { DrSpec } from "../spec/types.generated.js";
import type { BackupManifest } from "../core/manifest.generated.js";
import { binlogSetsDir, listSets, setsDir } from "../repository/set-store.js";
import { filesystemStore } from "../repository/filesystem.js";

export interface CatalogSet {
  repository: string;
  dir: string;
  manifest: BackupManifest;
}

export interface Catalog {
  sets: CatalogSet[];
  /** Damaged or unreadable manifests: shown, never skipped silently. */
  problems: string[];
  /**
   * Directories that are neither a set nor an attempt in progress (a set whose manifest was deleted?):
   * shown, never deleted.
   */
  strays: string[];
}

function filesystemRepos(spec: DrSpec): [string, string][] {
  return Object.entries(spec.repositories).flatMap(([name, r]) =>
    r.type === "filesystem" ? [[name, r.path] as [string, string]] : [],
  );
}

/** Dataset sets (and, with `binlogs`, archived binlogs) oldest first per dataset/server. */
export async function readCatalog(spec: DrSpec, opts: { dataset?: string; binlogs?: boolean } = {}): Promise<Catalog> {
  const sets: CatalogSet[] = [];
  const problems: string[] = [];
  const strays: string[] = [];
  for (const [repoName, path] of filesystemRepos(spec)) {
    const store = filesystemStore(path);
    const below = async (top: string) =>
      (await store.children(top)).flatMap((n) => (n.endsWith("/") ? [n.slice(0, -1)] : []));
    const parents: string[] = [];
    if (opts.dataset) parents.push(setsDir(path, opts.dataset));
    else for (const ds of await below("sets/")) parents.push(setsDir(path, ds));
    if (opts.binlogs) for (const srv of await below("binlogs/")) parents.push(binlogSetsDir(path, srv));
    for (const parent of parents) {
      const r = await listSets(parent);
      problems.push(...r.problems);
      strays.push(...r.strays);
      for (const s of r.sets)
        if (s.manifest.project === spec.project) sets.push({ repository: repoName, dir: s.dir, manifest: s.manifest });
    }
  }
  return { sets, problems, strays };
}

export function storedBytes(m: BackupManifest): number {
  return m.files.reduce((n, f) => n + f.bytes, 0);
}
