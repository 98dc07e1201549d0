// Can this directory take a write, and how much? Storage faults must read as what they are — a
// full disk, a read-only mount — never as a tool's broken pipe or a bug (issue 13, defect 16).

import { constants } from "node:fs";
import { mkdtemp, open, rm, statfs } from "node:fs/promises";
import { join } from "node:path";

const WHY: Record<string, string> = {
  EROFS: "the filesystem is mounted read-only",
  ENOSPC: "no space left on the filesystem",
  EDQUOT: "the disk quota is exhausted",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
};

/** A storage errno in words ("the filesystem is mounted read-only"), or undefined for anything else. */
export function storageCause(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code ? WHY[code] : undefined;
}

/** Writes, fsyncs and removes a small probe file under `dir`; undefined when that works, else why not. */
export async function writeProbe(dir: string): Promise<string | undefined> {
  let probe: string | undefined;
  try {
    probe = await mkdtemp(join(dir, ".drctl-probe-"));
    const fh = await open(join(probe, "probe"), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await fh.writeFile("drctl write probe\n");
      await fh.sync();
    } finally {
      await fh.close();
    }
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `${storageCause(e) ?? (e as Error).message}${code ? ` (${code})` : ""}`;
  } finally {
    if (probe) await rm(probe, { recursive: true, force: true }).catch(() => {});
  }
}

/** Bytes an unprivileged writer can still put under `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}
