// `drctl verify`: are the stored bytes still the ones the manifest describes? Sizes and sha256 of
// every file, and with --deep each file decrypted and decompressed to nowhere — without restoring.
// (Whether the data restores is a drill's question, DESIGN §8 rule 2.)

import { filesystemStore } from "../repository/filesystem.js";
import { type StoredSetVerification, verifyStoredSet } from "../repository/store-sets.js";
import type { CatalogSet } from "./catalog.js";

export interface SetVerification extends Omit<StoredSetVerification, "where"> {
  /** The set's directory, or where a copy's set is ("sftp://…/sets/wiki/<id>/"). */
  dir: string;
}

/**
 * The dataset's full sets checked newest first until one is intact: the damaged ones above it, with
 * what is wrong (the runbook must not call a corrupt set "the newest full").
 */
export async function damagedNewestFulls(catalog: CatalogSet[], dataset: string): Promise<Map<string, string>> {
  const damaged = new Map<string, string>();
  const fulls = catalog.filter((s) => s.manifest.dataset === dataset && s.manifest.kind === "full").reverse();
  for (const s of fulls) {
    const r = await verifySet(s, { deep: false });
    if (r.ok) break;
    damaged.set(r.id, r.problems.map((p) => `${p.file}: ${p.problem}`).join("; "));
  }
  return damaged;
}

/** A set of the local catalog, checked through the store of its own directory (repository/store-sets.ts). */
export async function verifySet(
  set: CatalogSet,
  opts: { deep: boolean; identityFile?: string },
): Promise<SetVerification> {
  const { where, ...r } = await verifyStoredSet(filesystemStore(set.dir), { prefix: "", manifest: set.manifest }, opts);
  return { ...r, dir: where };
}
