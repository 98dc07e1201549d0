// Writes that are either wholly there or not at all (DESIGN §8 rule 8): temp file from mkdtemp
// beside the destination, fsync, rename over the destination, fsync the directory.

import { constants } from "node:fs";
import { mkdtemp, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  mode?: number; // default 0o644
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const tmpDir = await mkdtemp(join(dir, `.${basename(path)}.drctl-tmp-`));
  const tmp = join(tmpDir, basename(path));
  try {
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.chmod(opts.mode ?? 0o644); // the umask must not widen or narrow what was asked
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await fsyncDir(dir);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** Make a rename or a new file in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
