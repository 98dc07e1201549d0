// The sets a store holds (an offsite copy: `drctl backups|verify --repository NAME`), read through
// the store interface: a set exists where its manifest is; objects under a set's prefix without one
// are an interrupted copy (the next `drctl copy` completes it), listed, never counted as a set.

import { createHash } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeFile } from "../adapters/pipeline/stream.js";
import { encodingProblem } from "../backup/encoding.js";
import type { BackupManifest } from "../core/manifest.generated.js";
import { DrError, messageOf, must } from "../errors.js";
import { MANIFEST, type ObjectStore } from "./store.js";

export interface StoredSet {
  /** "sets/wiki/<id>/" or "binlogs/db1/<id>/". */
  prefix: string;
  manifest: BackupManifest;
}

export interface StoreCatalog {
  sets: StoredSet[];
  /** Manifests that cannot be read or are not drctl's for their place. */
  problems: string[];
  /** Set prefixes ("sets/wiki/<id>/") with objects but no manifest: copies that did not finish, sets being written. */
  incomplete: string[];
  /** Objects where only set prefixes belong ("sets/wiki/notes.txt"): not drctl's, never read. */
  loose: string[];
}

/**
 * The sets directly under `parent` ("sets/wiki/", "binlogs/db1/"), one level at a time: each set's
 * manifest is read, never the objects of every set. `project` undefined: every drctl manifest.
 */
export async function readSetsAt(
  store: ObjectStore,
  parent: string,
  project: string | undefined,
  out: StoreCatalog,
): Promise<void> {
  for (const name of await store.children(parent)) {
    if (!name.endsWith("/")) {
      out.loose.push(`${parent}${name}`);
      continue;
    }
    const prefix = `${parent}${name}`;
    const place = `${store.where}/${prefix.slice(0, -1)}`;
    if (!(await store.stat(`${prefix}${MANIFEST}`))) {
      if ((await store.children(prefix)).length) out.incomplete.push(prefix);
      continue;
    }
    let text: string;
    try {
      const parts: Buffer[] = [];
      for await (const c of await store.get(`${prefix}${MANIFEST}`)) parts.push(c as Buffer);
      text = Buffer.concat(parts).toString("utf8");
    } catch (e) {
      out.problems.push(`${place}: cannot read ${MANIFEST}: ${messageOf(e)}`);
      continue;
    }
    try {
      const manifest = JSON.parse(text) as BackupManifest;
      if (manifest.formatVersion !== 1 || name.slice(0, -1) !== manifest.id)
        throw new Error("not a drctl manifest for this place");
      if (project === undefined || manifest.project === project) out.sets.push({ prefix, manifest });
    } catch (e) {
      out.problems.push(`${place}: ${MANIFEST} is damaged: ${messageOf(e)}`);
    }
  }
}

/** The sets under `sets/` (one dataset's, with `dataset`) and, with `binlogs`, under `binlogs/`. */
export async function readStoreCatalog(
  store: ObjectStore,
  project: string,
  opts: { dataset?: string; binlogs?: boolean } = {},
): Promise<StoreCatalog> {
  const out: StoreCatalog = { sets: [], problems: [], incomplete: [], loose: [] };
  const parents: string[] = [];
  const under = async (top: string) => {
    for (const name of await store.children(top))
      if (name.endsWith("/")) parents.push(`${top}${name}`);
      else out.loose.push(`${top}${name}`);
  };
  if (opts.dataset) parents.push(`sets/${opts.dataset}/`);
  else await under("sets/");
  if (opts.binlogs) await under("binlogs/");
  for (const parent of parents) await readSetsAt(store, parent, project, out);
  // oldest first, as the local catalog lists them
  out.sets.sort((a, b) => (a.manifest.id < b.manifest.id ? -1 : 1));
  return out;
}

export interface StoredSetVerification {
  id: string;
  where: string;
  ok: boolean;
  files: number;
  bytes: number;
  problems: { file: string; problem: string }[];
}

/**
 * Sizes and sha256 of every object of a stored set read back from the store; with `deep`, each is
 * also decrypted and decompressed to nowhere — in place where the store is on this host, else
 * fetched into a private temp dir first. The one verifier of every repository, local or a copy.
 */
export async function verifyStoredSet(
  store: ObjectStore,
  set: StoredSet,
  opts: { deep: boolean; identityFile?: string },
): Promise<StoredSetVerification> {
  const m = set.manifest;
  const encrypted = m.encryption.type === "age";
  if (opts.deep && encrypted && !opts.identityFile)
    throw new DrError(
      "invalid",
      `set ${m.id} is encrypted: --deep needs the age identity (spec encryption.identityFile)`,
    );
  const problems: { file: string; problem: string }[] = [];
  let bytes = 0;
  const scratch = opts.deep && !store.localPath ? await mkdtemp(join(tmpdir(), "drctl-verify-")) : undefined;
  try {
    for (const f of m.files) {
      const key = `${set.prefix}${f.name}`;
      try {
        const st = await store.stat(key);
        if (!st) {
          problems.push({ file: f.name, problem: "missing" });
          continue;
        }
        if (st.bytes !== f.bytes) {
          problems.push({ file: f.name, problem: `size ${st.bytes} bytes, manifest says ${f.bytes}` });
          continue;
        }
        const h = createHash("sha256");
        let head = Buffer.alloc(0);
        const local = scratch ? join(scratch, "object") : undefined;
        const out = local ? await open(local, "w", 0o600) : undefined;
        try {
          for await (const chunk of await store.get(key)) {
            const c = chunk as Buffer;
            h.update(c);
            if (head.length < 64) head = Buffer.concat([head, c.subarray(0, 64 - head.length)]);
            if (out) await out.write(c);
          }
        } finally {
          await out?.close();
        }
        bytes += f.bytes;
        const sha = h.digest("hex");
        if (sha !== f.sha256) {
          problems.push({
            file: f.name,
            problem: `sha256 ${sha.slice(0, 16)}… differs from the manifest's ${f.sha256.slice(0, 16)}…`,
          });
          continue;
        }
        const wrong = encodingProblem(head, m);
        if (wrong) {
          problems.push({ file: f.name, problem: wrong });
          continue;
        }
        const decode = opts.deep ? (store.localPath?.(key) ?? local) : undefined;
        if (decode)
          await decodeFile(decode, {
            compressed: m.compression === "zstd",
            ...(encrypted ? { ageIdentityFile: must(opts.identityFile) } : {}),
          }).catch((e) => {
            const what = e instanceof DrError && e.meta.stage === "age" ? "cannot decrypt" : "cannot decompress";
            problems.push({ file: f.name, problem: `${what}: ${messageOf(e)}` });
          });
      } catch (e) {
        const missing = (e as NodeJS.ErrnoException).code === "ENOENT"; // gone between stat and read
        problems.push({ file: f.name, problem: missing ? "missing" : messageOf(e) });
      } finally {
        if (scratch) await rm(join(scratch, "object"), { force: true });
      }
    }
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
  return {
    id: m.id,
    where: set.prefix ? `${store.where}/${set.prefix}` : store.where,
    ok: problems.length === 0,
    files: m.files.length,
    bytes,
    problems,
  };
}
