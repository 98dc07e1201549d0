// Backup sets in a filesystem repository (DESIGN §4, §8 rules 1 and 8):
//   <repo>/sets/<dataset>/<set id>/      payload files + manifest.json (written last)
//   <repo>/binlogs/<server>/<set id>/    one archived binlog per set
//   <repo>/staging/<tmp>/                0700 scratch for tools that write files (mydumper, mysqlbinlog)
// A set directory without manifest.json is an interrupted attempt: never listed; removed by the
// next run once its writer (recorded in .in-progress.json: host, pid) is known to be gone.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { DrError, messageOf } from "../errors.js";
import type { BackupManifest } from "./manifest.generated.js";

export const MANIFEST = "manifest.json";
export const IN_PROGRESS = ".in-progress.json";
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
  const t = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${t}-${kind}-${randomBytes(3).toString("hex")}`;
}

function marker(command: string): InProgress {
  return { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
}

/** Is this attempt's writer gone for sure? Same host: its pid is not alive. Other hosts: only by age. */
export function writerGone(m: InProgress | undefined, mtimeMs: number, now = Date.now()): boolean {
  if (!m || m.host !== hostname()) return now - mtimeMs > FOREIGN_DEBRIS_AGE_MS || (!m && now - mtimeMs > 60_000);
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

/** Creates the set directory (0700) with its in-progress marker. */
export async function beginSet(parent: string, id: string, command: string): Promise<string> {
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const dir = join(parent, id);
  await mkdir(dir, { mode: 0o700 });
  await writeFileAtomic(join(dir, IN_PROGRESS), JSON.stringify(marker(command)) + "\n", { mode: 0o600 });
  await fsyncDir(parent);
  return dir;
}

/** Publishes a set: manifest written last (temp + fsync + rename), then the marker goes. */
export async function publishSet(dir: string, manifest: BackupManifest): Promise<void> {
  await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600 });
  await rm(join(dir, IN_PROGRESS), { force: true });
  await fsyncDir(dir);
}

/** A 0700 scratch directory inside the repository (same filesystem as the sets), with a marker. */
export async function stagingDir(repo: string, command: string): Promise<string> {
  const base = join(repo, "staging");
  await mkdir(base, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(base, "run-"));
  await writeFileAtomic(join(dir, IN_PROGRESS), JSON.stringify(marker(command)) + "\n", { mode: 0o600 });
  return dir;
}

export interface DebrisReport {
  removed: string[];
  kept: { path: string; why: string }[];
}

/** Removes interrupted attempts (no manifest) whose writer is gone, and stale staging dirs, under `parents`. */
export async function cleanDebris(parents: string[]): Promise<DebrisReport> {
  const report: DebrisReport = { removed: [], kept: [] };
  for (const parent of parents) {
    let names: string[];
    try {
      names = await readdir(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = join(parent, name);
      let st;
      try {
        st = await stat(dir);
      } catch {
        continue;
      }
      if (!st.isDirectory()) continue;
      const files = await readdir(dir).catch(() => [] as string[]);
      if (files.includes(MANIFEST)) continue;
      const m = await readMarker(dir);
      if (!writerGone(m, st.mtimeMs)) {
        report.kept.push({ path: dir, why: m ? `still being written by pid ${m.pid} on ${m.host}` : "too recent to be an abandoned attempt" });
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

/** Published sets under `parent`, oldest first. Unreadable manifests are errors, never skipped silently. */
export async function listSets(parent: string): Promise<{ sets: CatalogEntry[]; problems: string[] }> {
  const sets: CatalogEntry[] = [];
  const problems: string[] = [];
  let names: string[];
  try {
    names = (await readdir(parent)).sort();
  } catch {
    return { sets, problems };
  }
  for (const name of names) {
    const dir = join(parent, name);
    let text: string;
    try {
      text = await readFile(join(dir, MANIFEST), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") continue;
      problems.push(`${dir}: cannot read ${MANIFEST}: ${messageOf(e)}`);
      continue;
    }
    try {
      const manifest = JSON.parse(text) as BackupManifest;
      if (manifest.formatVersion !== 1 || manifest.id !== name) throw new Error("not a drctl manifest for this directory");
      sets.push({ dir, manifest });
    } catch (e) {
      problems.push(`${dir}: ${MANIFEST} is damaged: ${messageOf(e)}`);
    }
  }
  return { sets, problems };
}

export function repositoryPathOf(repo: { type: string; path?: string }, name: string): string {
  if (repo.type !== "filesystem" || !repo.path) {
    throw new DrError("invalid", `repository ${name} is ${repo.type}: backups are written to filesystem repositories; ${repo.type} repositories receive copies (\`drctl copy\`)`);
  }
  return repo.path;
}
