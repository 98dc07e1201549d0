// Files root writes into a directory that belongs to another account (the cron jobs' state dir)
// must become that account's, or its jobs could not append to them.

import { chown, stat } from "node:fs/promises";

export async function matchDirOwner(path: string, dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const d = await stat(dir);
  if (d.uid === 0) return;
  await chown(path, d.uid, d.gid);
}
