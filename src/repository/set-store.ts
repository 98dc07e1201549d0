// Backup sets in a filesystem repository (DESIGN §4, §8 rules 1 and 8):
//   <repo>/sets/<dataset>/<set id>/      payload files + manifest.json (written last)
//   <repo>/binlogs/<server>/<set id>/    one archived binlog per set
//   <repo>/staging/<tmp>/                0700 scratch for tools that write files (mydumper, mysqlbinlog)
// A set directory is born under a dot-name with its in-progress marker inside and renamed to its id,
// so every attempt of drctl's carries `.in-progress.json` (host, pid) until its manifest is written.
// Only such an attempt whose writer is known to be gone is debris, removed by the next run. A
// directory with neither manifest nor marker (a set whose manifest was deleted, something put
// there by hand) is not drctl's to delete: it is reported as a stray by backups/verify (exit 6).

import { randomBytes } from "node:crypto";
import { readFileSync, type Stats } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { DrError } from "../errors.js";
import type { BackupManifest } from "../core/manifest.generated.js";
import { filesystemStore } from "./filesystem.js";
import { MANIFEST } from "./store.js";
import { readSetsAt, type StoreCatalog } from "./store-sets.js";

const IN_PROGRESS = ".in-progress.json";
/** The binlog archive keeps its progress beside its sets (binlog/archive.ts). */
const PROGRESS_FILE = "progress.json";
/** Debris another host left is removed only when this old (its writer may still be running there). */
const FOREIGN_DEBRIS_AGE_MS = 7 * 86400_000;

export interface InProgress {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export function setsDir(repo: string, dataset: string): string {
  return join(repo, "sets", dataset);
}

export function binlogSetsDir(repo: string, server: string): string {
  return join(repo, "binlogs", server);
}

/** 20261125T182601Z-full-3f9a1c: sorts by time, says what it is, unique. */
export function newSetId(kind: string, at: Date = new Date()): string {
  const t = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${t}-${kind}-${randomBytes(3).toString("hex")}`;
}

function marker(command: string): InProgress {
  return { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
}

/** Is this attempt's writer gone for sure? Same host: its pid is not alive. Other hosts: only by age. */
export function writerGone(m: InProgress, mtimeMs: number, now = Date.now()): boolean {
  if (m.host !== hostname()) return now - mtimeMs > FOREIGN_DEBRIS_AGE_MS;
  if (m.pid === process.pid) return false;
  try {
    const st = readFileSync(`/proc/${m.pid}/stat`, "utf8");
    const state = st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
}

async function readMarker(dir: string): Promise<InProgress | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, IN_PROGRESS), "utf8")) as InProgress;
  } catch {
    return undefined;
  }
}

/** A set directory being born: made under this prefix, marker written, then renamed to its id. */
const BIRTH_PREFIX = ".begin-";

/**
 * Where a set's object lies (its payload written or read in place by the tools: streaming a
 * gigabyte through this process would cost ~2 s), as the store of the set's directory says — a
 * name that would climb out of the set is refused there.
 */
export function setObjectPath(setDir: string, name: string): string {
  return filesystemStore(setDir).localPath(name);
}

/** Creates the set directory (0700) with its in-progress marker already inside (never one without). */
export async function beginSet(parent: string, id: string, command: string): Promise<string> {
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const born = await mkdtemp(join(parent, BIRTH_PREFIX));
  await writeFileAtomic(join(born, IN_PROGRESS), `${JSON.stringify(marker(command))}\n`, { mode: 0o600 });
  const dir = join(parent, id);
  await rename(born, dir);
  await fsyncDir(parent);
  return dir;
}

/**
 * Publishes a set: its manifest put last, write-once, through the store of its directory (a
 * temporary, fsync, link: never half-written, never replacing one), then the marker goes.
 */
export async function publishSet(dir: string, manifest: BackupManifest): Promise<void> {
  await filesystemStore(dir).put(MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  await rm(join(dir, IN_PROGRESS), { force: true });
  await fsyncDir(dir);
}

/** A 0700 scratch directory inside the repository (same filesystem as the sets), with a marker. */
export async function stagingDir(repo: string, command: string): Promise<string> {
  const base = join(repo, "staging");
  await mkdir(base, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(base, "run-"));
  await writeFileAtomic(join(dir, IN_PROGRESS), `${JSON.stringify(marker(command))}\n`, { mode: 0o600 });
  return dir;
}

export interface DebrisReport {
  removed: string[];
  kept: { path: string; why: string }[];
}

/** How old a marker-less directory of drctl's own making (a set being born, a staging dir) must be to be debris. */
const UNMARKED_DEBRIS_AGE_MS = 60_000;

/**
 * Removes drctl's own interrupted attempts under `parents`: a directory whose in-progress marker
 * names a writer that is gone, and — where only drctl creates directories (a set's `.begin-*`
 * birth dir, `staging/run-*`) — one that died before its marker was written. Anything else without
 * a manifest is left where it is (listSets reports it as a stray).
 */
export async function cleanDebris(parents: string[], now = Date.now()): Promise<DebrisReport> {
  const report: DebrisReport = { removed: [], kept: [] };
  for (const parent of parents) {
    let names: string[];
    try {
      names = await readdir(parent);
    } catch {
      continue;
    }
    const scratch = basename(parent) === "staging";
    for (const name of names) {
      const dir = join(parent, name);
      let st: Stats;
      try {
        st = await stat(dir);
      } catch {
        continue;
      }
      if (!st.isDirectory()) continue;
      const files = await readdir(dir).catch(() => [] as string[]);
      if (files.includes(MANIFEST)) continue;
      const m = await readMarker(dir);
      const ownName = name.startsWith(BIRTH_PREFIX) || (scratch && name.startsWith("run-"));
      if (!m) {
        if (ownName && now - st.mtimeMs > UNMARKED_DEBRIS_AGE_MS) {
          await rm(dir, { recursive: true, force: true });
          report.removed.push(dir);
        } else
          report.kept.push({
            path: dir,
            why: ownName
              ? "too recent to be an abandoned attempt"
              : "no manifest and no in-progress marker: not an attempt of drctl's, left for a person to look at",
          });
        continue;
      }
      if (!writerGone(m, st.mtimeMs, now)) {
        report.kept.push({ path: dir, why: `still being written by pid ${m.pid} on ${m.host}` });
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      report.removed.push(dir);
    }
  }
  return report;
}

export interface CatalogEntry {
  dir: string;
  manifest: BackupManifest;
}

/**
 * Published sets under `parent` (`<repo>/sets/<dataset>` or `<repo>/binlogs/<server>`), oldest
 * first, read through the repository's filesystem store like any other repository's catalog.
 * Unreadable manifests are problems, never skipped silently; a directory that is neither a set nor
 * an attempt in progress, or a file among the sets, is a stray (reported, never deleted).
 */
export async function listSets(
  parent: string,
): Promise<{ sets: CatalogEntry[]; problems: string[]; strays: string[] }> {
  const root = dirname(dirname(parent));
  const at = `${basename(dirname(parent))}/${basename(parent)}/`;
  const store = filesystemStore(root);
  const found: StoreCatalog = { sets: [], problems: [], incomplete: [], loose: [] };
  await readSetsAt(store, at, undefined, found);
  const strays: string[] = [];
  for (const prefix of found.incomplete) {
    // a set being written carries its marker until its manifest is there
    if (await store.stat(`${prefix}${IN_PROGRESS}`)) continue;
    strays.push(
      `${join(parent, basename(prefix))}: no ${MANIFEST} and no in-progress marker (not a set; drctl leaves it alone)`,
    );
  }
  for (const key of found.loose)
    if (basename(key) !== PROGRESS_FILE)
      strays.push(`${join(parent, basename(key))}: a file where only set directories belong`);
  return {
    sets: found.sets
      .sort((a, b) => (a.manifest.id < b.manifest.id ? -1 : 1))
      .map((s) => ({
        dir: join(parent, s.manifest.id),
        manifest: s.manifest,
      })),
    problems: found.problems,
    strays,
  };
}

export function repositoryPathOf(repo: { type: string; path?: string }, name: string): string {
  if (repo.type !== "filesystem" || !repo.path) {
    throw new DrError(
      "invalid",
      `repository ${name} is ${repo.type}: backups are written to filesystem repositories; ${repo.type} ` +
        `repositories receive copies (\`drctl copy\`)`,
    );
  }
  return repo.path;
}
