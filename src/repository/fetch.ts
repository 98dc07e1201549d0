// Restoring when the site is gone (issue 15 §7): a dataset's sets and its server's archived binlogs
// are brought from an offsite copy, store to store, into a private local directory laid out as a
// filesystem repository, every object checked against its manifest (size and sha256) on the way and
// a damaged one named, and restore and drills then read that directory exactly as they read the primary
// repository (their own checks and fallbacks included). Nothing in the copy is changed.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPOSITORY_MARKER } from "../discover/repositories.js";
import { failoverGroup } from "../core/desired.js";
import { DrError, messageOf } from "../errors.js";
import type { DrSpec } from "../spec/types.generated.js";
import { openStore } from "./open.js";
import { filesystemStore } from "./filesystem.js";
import { MANIFEST, type ObjectStore } from "./store.js";
import { readStoreCatalog, type StoredSet } from "./store-sets.js";

export interface Fetched {
  /** The local directory, a filesystem repository of this project; the caller removes it. */
  path: string;
  sets: number;
  bytes: number;
  where: string;
  /** Objects whose bytes are not what their manifest says (fetched as they are). */
  damaged: string[];
}

/** One object from the copy put into the local store: its bytes, and whether they are what the manifest says. */
async function fetchObject(
  store: ObjectStore,
  local: ObjectStore,
  key: string,
  want: { bytes: number; sha256: string },
): Promise<{ bytes: number; problem?: string }> {
  const { bytes, sha256: sha } = await local.put(key, await store.get(key));
  return bytes === want.bytes && sha === want.sha256
    ? { bytes }
    : {
        bytes,
        problem:
          `${store.where}/${key}: ${bytes} B, sha256 ${sha.slice(0, 16)}…; the manifest says ${want.bytes} B, ` +
          `${want.sha256.slice(0, 16)}…`,
      };
}

/** Fetches what a restore of `dataset` may read from repository `from` into a new directory under `parent`. */
export async function fetchFromCopy(
  spec: DrSpec,
  dataset: string,
  from: string,
  parent: string,
  say: (line: string) => void = () => {},
): Promise<Fetched> {
  const ds = spec.datasets[dataset];
  if (!ds) throw new DrError("invalid", `no dataset ${dataset} in the spec`);
  const repo = spec.repositories[from];
  if (!repo) throw new DrError("invalid", `--from ${from}: the spec has no repository ${JSON.stringify(from)}`);
  if (from !== ds.repository && !(ds.copies ?? []).includes(from))
    throw new DrError(
      "invalid",
      `--from ${from}: not a repository of dataset ${dataset} (${[ds.repository, ...(ds.copies ?? [])].join(", ")})`,
    );
  const store = await openStore(from, repo).catch((e) => {
    throw new DrError("failed", `cannot read the copy in ${from}: ${messageOf(e)}`);
  });
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const path = await mkdtemp(join(parent, `fetch-${from}-`));
  try {
    const cat = await readStoreCatalog(store, spec.project, { dataset, binlogs: ds.binlog?.archive === true });
    const sets: StoredSet[] = cat.sets.filter(
      (s) =>
        s.prefix.startsWith(`sets/${dataset}/`) || failoverGroup(ds).some((m) => s.prefix.startsWith(`binlogs/${m}/`)),
    );
    if (!sets.some((s) => s.prefix.startsWith("sets/")))
      throw new DrError("failed", `${store.where} holds no complete set of dataset ${dataset}`, {
        hint: cat.incomplete.length ? "its copies are incomplete: run drctl copy while the primary still exists" : "",
      });
    await writeFile(
      join(path, REPOSITORY_MARKER),
      `${JSON.stringify({ project: spec.project, repository: from, fetchedFrom: store.where }, null, 2)}\n`,
      { mode: 0o600 },
    );
    let bytes = 0;
    const damaged: string[] = [];
    say(`fetching ${sets.length} set(s) of ${dataset} from ${store.where}`);
    const local = filesystemStore(path);
    for (const s of sets) {
      for (const f of s.manifest.files) {
        // a damaged object is fetched as it is: restore checks every file and falls back to an older
        // image that reaches the target (drills refuse), exactly as with the primary repository
        const got = await fetchObject(store, local, `${s.prefix}${f.name}`, f);
        bytes += got.bytes;
        if (got.problem) {
          damaged.push(got.problem);
          say(`damaged in the copy: ${got.problem}`);
        }
      }
      await local.put(`${s.prefix}${MANIFEST}`, Buffer.from(`${JSON.stringify(s.manifest, null, 2)}\n`));
    }
    return { path, sets: sets.length, bytes, where: store.where, damaged };
  } catch (e) {
    await rm(path, { recursive: true, force: true });
    throw e;
  } finally {
    await store.close();
  }
}

/** The spec as a restore from a fetched copy sees it: the dataset's repository is the fetched directory. */
export function specReadingFrom(spec: DrSpec, dataset: string, fetched: Fetched): DrSpec {
  const ds = spec.datasets[dataset];
  if (!ds) return spec;
  return {
    ...spec,
    repositories: { ...spec.repositories, [ds.repository]: { type: "filesystem", path: fetched.path } },
  };
}
