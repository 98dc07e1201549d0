// Locks that a dead process can never leave held and that are never stolen from a live one
// (DESIGN §8 rule 7). The lock is a kernel flock held by util-linux flock(1) running `cat` on a
// pipe from this process: when this process exits or is killed, the pipe closes, cat ends and the
// kernel drops the lock. Cron lines take the very same lock with flock(1) directly. node's own spawn,
// not execa: the pipe *is* the lock, and its handles must be unref'd so a held lock never keeps drctl
// alive — execa reads and buffers the child's pipes itself.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { DrError, interruptedError } from "../errors.js";
import { interruptedBy, registerChild } from "../adapters/process/interrupt.js";
import { writeFileAtomic } from "../adapters/fs/atomic-write.js";

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface Lock {
  path: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for a busy lock, in ms (0 = fail at once). */
  waitMs?: number;
  /** What this process is doing, shown to whoever waits. */
  command?: string;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
  /** What the lock protects, for messages ("apply for project university"). */
  purpose?: string;
  /**
   * A shared lock: held by many at once (restores reading sets), never together with an exclusive one
   * (prune deleting them).
   */
  shared?: boolean;
}

const CONFLICT = 75;

function holderFile(lockPath: string): string {
  return `${lockPath}.holder`;
}

export function readHolder(lockPath: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(holderFile(lockPath), "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}

export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return "another process (no holder details recorded)";
  return `pid ${h.pid} on ${h.host} (${h.command}), since ${h.since}`;
}

type Attempt = { ok: true; child: ChildProcessWithoutNullStreams } | { ok: false };

/** One flock(1) run: at once (`waitMs` 0) or blocking in the kernel for up to `waitMs`. */
function tryOnce(path: string, waitMs: number, shared = false): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const mode = [
      ...(shared ? ["--shared"] : []),
      ...(waitMs > 0 ? ["--wait", (waitMs / 1000).toFixed(3)] : ["--nonblock"]),
    ];
    const child = spawn("flock", [...mode, "--conflict-exit-code", String(CONFLICT), path, "cat"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    // a wait can be interrupted (SIGTERM while queued behind another backup); a held lock's child is not
    // registered: it must outlive the run's own cleanup
    const forget = waitMs > 0 ? registerChild(child) : () => {};
    child.stdin.on("error", () => {
      /* flock exited (lock busy) before reading our byte: the exit handler reports it */
    });
    let stderr = "";
    let settled = false;
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.once("data", () => {
      // cat echoed our byte: flock took the lock and ran it
      settled = true;
      forget();
      resolve({ ok: true, child });
    });
    child.once("error", (e) => {
      if (!settled)
        reject(
          new DrError("failed", `cannot run flock(1) for lock ${path}: ${e.message}`, { hint: "install util-linux" }),
        );
    });
    child.once("exit", (code) => {
      if (settled) return;
      settled = true;
      const signal = interruptedBy();
      if (code === CONFLICT) resolve({ ok: false });
      else if (signal) reject(interruptedError(signal, `waiting for lock ${path}`));
      else reject(new DrError("failed", `flock(1) failed on ${path} (exit ${code}): ${stderr.trim()}`));
    });
    child.stdin.write("x");
  });
}

export async function acquireLock(path: string, opts: LockOptions = {}): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (let first = true; ; first = false) {
    const attempt = await tryOnce(path, first ? 0 : Math.max(1, deadline - Date.now()), opts.shared === true);
    if (attempt.ok) {
      const child = attempt.child;
      const holder: LockHolder = {
        pid: process.pid,
        host: hostname(),
        command: opts.command ?? process.argv.slice(1).join(" "),
        since: new Date().toISOString(),
      };
      // a shared holder leaves the note alone: it names the exclusive holder a waiter is told about
      if (!opts.shared) await writeFileAtomic(holderFile(path), `${JSON.stringify(holder)}\n`, { mode: 0o644 });
      // the lock must not keep this process alive; when it exits the pipe closes and the lock goes
      child.unref();
      child.stdout.removeAllListeners("data");
      (child.stdout as unknown as { unref?: () => void }).unref?.();
      (child.stderr as unknown as { unref?: () => void }).unref?.();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          // remove our holder note while still holding, so we never delete the next holder's
          if (!opts.shared) await rm(holderFile(path), { force: true });
          await new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            // waiting for flock to go must keep this process alive (the handles were unref'd)
            child.ref();
            (child.stdin as unknown as { ref?: () => void }).ref?.();
            child.once("exit", () => resolve());
            child.stdin.end();
          });
        },
      };
    }
    const holder = readHolder(path);
    if (!first || Date.now() >= deadline) {
      throw new DrError("locked", `${opts.purpose ?? path} is locked by ${describeHolder(holder)}`, {
        hint: "wait for that run to finish; a lock is released automatically when its process ends",
        meta: { lock: path, holder },
      });
    }
    opts.onWait?.(holder);
  }
}

export async function withLock<T>(path: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(path, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/**
 * The lock that keeps a dataset's sets from vanishing: prune and drills hold it whole, readers of
 * the sets (copy, restore) share it.
 */
export const setsLockPath = (stateDir: string, dataset: string) =>
  join(stateDir, "locks", `dataset.${dataset}.drill.lock`);

/** A reader's share of setsLockPath, waiting up to `waitMs` for a prune or drill to finish. */
export function shareDatasetSets(
  stateDir: string,
  dataset: string,
  opts: { waitMs: number; command: string; onWait: () => void },
): Promise<Lock> {
  return acquireLock(setsLockPath(stateDir, dataset), {
    shared: true,
    waitMs: opts.waitMs,
    command: opts.command,
    purpose: `the sets of dataset ${dataset} (prune or a drill is using them)`,
    onWait: opts.onWait,
  });
}
