// What every repository kind offers drctl (DESIGN §4, issue 15): objects under keys, written once.
// A key is a relative POSIX path ("sets/wiki/20261125T182601Z-full-3f9a1c/dump.sql.zst"). An object
// is visible only once complete, an existing key is never overwritten (a copy on a WORM bucket must
// stay valid), and only prune deletes. Backends: filesystem.ts, sftp.ts; openStore() picks one.

import type { Readable } from "node:stream";
import { DrError } from "../errors.js";

/** The object that makes a set exist, written last (DESIGN §8 rule 1). */
export const MANIFEST = "manifest.json";

export interface StoredObject {
  key: string;
  bytes: number;
}

export interface PutResult {
  bytes: number;
  /** Of the bytes sent, hex. */
  sha256: string;
  /**
   * How the store itself proved it holds exactly the bytes sent, when it could (S3: its ETag is the
   * MD5 of what it stored, equal to the MD5 of what was sent); absent, only reading back proves it.
   */
  checkedByServer?: string;
}

export interface ObjectStore {
  /** Where it is, for messages: "/var/backups/drctl", "sftp://backup@vault:22/srv/drctl". */
  readonly where: string;
  /** Every complete object whose key starts with `prefix`, sorted by key ("" lists everything). */
  list(prefix: string): Promise<StoredObject[]>;
  /**
   * One level under `prefix` ("" or ending in "/"): the names of the objects there and of the deeper
   * prefixes (ending in "/"), sorted — a catalog reads its sets' manifests without walking every
   * object of every set.
   */
  children(prefix: string): Promise<string[]>;
  stat(key: string): Promise<StoredObject | undefined>;
  /**
   * Write-once: an existing key is refused, and a put that fails leaves nothing under the key.
   * `unlocked`: without the repository's Object Lock retention (plan's write probe, removed at once).
   */
  put(key: string, body: Readable | Buffer, opts?: { unlocked?: boolean }): Promise<PutResult>;
  get(key: string): Promise<Readable>;
  /**
   * Removing what is not there is no error (a prune that was interrupted runs again). An object an
   * S3 Object Lock still holds is refused with a DrError whose meta.lockedUntil says until when.
   */
  delete(key: string): Promise<void>;
  /**
   * Removes what a writer killed mid-put left behind (`.put-*` temporaries, unfinished multipart
   * uploads) once older than `olderThanMs`, so that a put still running elsewhere is left alone:
   * in the directories of `prefixes` ("sets/wiki/<id>/"), or everywhere. Returns how many.
   */
  sweep(olderThanMs: number, prefixes?: string[]): Promise<number>;
  /**
   * Where an object lies on this host, when it does (a filesystem store): tools then read it in
   * place — streaming a gigabyte through this process instead costs ~2 s here.
   */
  localPath?(key: string): string;
  close(): Promise<void>;
}

/** Keys drctl writes are relative paths of plain segments; anything else is a bug or an attack. */
export function checkKey(key: string): string {
  const segments = key.split("/");
  if (
    key === "" ||
    key.startsWith("/") ||
    segments.some((s) => s === "" || s === "." || s === ".." || s.startsWith(".put-")) ||
    key.includes("\0")
  )
    throw new DrError("invalid", `not a repository key drctl writes: ${JSON.stringify(key)}`);
  return key;
}

/** The error a put of an existing key gets, the same from every backend. */
export function existsError(where: string, key: string): DrError {
  return new DrError("failed", `${where}: ${key} already exists; drctl never overwrites a stored object`, {
    meta: { key },
  });
}

/** Objects in key order (byte order, as S3 lists them), whatever order a backend walked them in. */
export function byKey(objects: StoredObject[]): StoredObject[] {
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Where a walk for a listing prefix starts: the deepest directory it names ("sets/wi" → "sets"). */
export function prefixDirectory(prefix: string): string {
  return prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
}

/** The one-level listing every backend returns: names sorted in byte order, deeper prefixes ending in "/". */
export function sortedNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A prefix a one-level listing takes: "" or ending in "/", made of keys' segments. */
export function checkPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  if (!prefix.endsWith("/")) throw new DrError("invalid", `not a repository prefix: ${JSON.stringify(prefix)}`);
  checkKey(prefix.slice(0, -1));
  return prefix;
}
