// Creates a repository: for a filesystem one the directory (0700, the job account's) and drctl's
// marker; for SFTP and S3 the marker object (the SFTP directory is made on the way, an S3 bucket
// must exist: creating buckets is the store owner's business, with their policies and locks).
// An existing directory or prefix is adopted only when it is empty; anything else is refused.

import { randomUUID } from "node:crypto";
import { chmod, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { readMarker, REPOSITORY_MARKER } from "../discover/repositories.js";
import { openStore } from "../repository/open.js";
import type { Repository } from "../spec/types.generated.js";
import { DrError } from "../errors.js";
import { handTo, type Account } from "./accounts.js";

export async function ensureFilesystemRepository(opts: {
  name: string;
  path: string;
  project: string;
  account: Account;
}): Promise<string[]> {
  const { path } = opts;
  const done: string[] = [];
  let existed = true;
  try {
    const st = await stat(path);
    if (!st.isDirectory()) throw new DrError("failed", `repository.${opts.name}: ${path} is not a directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    existed = false;
  }
  if (!existed) {
    await mkdir(path, { recursive: true, mode: 0o700 });
    done.push(`created ${path}`);
  }
  const entries = await readdir(path);
  if (!entries.includes(REPOSITORY_MARKER)) {
    if (entries.length)
      throw new DrError(
        "failed",
        `repository.${opts.name}: refusing to adopt ${path}: it holds ${entries.length} file(s) that are not drctl's`,
      );
    const marker = {
      project: opts.project,
      repository: opts.name,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(join(path, REPOSITORY_MARKER), `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 });
    await handTo(join(path, REPOSITORY_MARKER), opts.account);
    done.push(`wrote ${REPOSITORY_MARKER}`);
  }
  if (((await stat(path)).mode & 0o7777) !== 0o700) {
    await chmod(path, 0o700);
    done.push("mode 0700");
  }
  await handTo(path, opts.account);
  return done;
}

export async function ensureRemoteRepository(opts: {
  name: string;
  repo: Exclude<Repository, { type: "filesystem" }>;
  project: string;
}): Promise<string[]> {
  const store = await openStore(opts.name, opts.repo);
  try {
    const marker = await readMarker(store);
    if (marker?.project === opts.project) return [];
    if (marker)
      throw new DrError(
        "failed",
        `repository.${opts.name}: refusing to adopt ${store.where}: ` +
          (marker.unreadable
            ? `its marker is unreadable (${marker.unreadable})`
            : `its marker names "${marker.project}"`),
      );
    const objects = await store.list("");
    if (objects.length)
      throw new DrError(
        "failed",
        `repository.${opts.name}: refusing to adopt ${store.where}: it holds ${objects.length} object(s) that are ` +
          `not drctl's`,
      );
    const marker2 = {
      project: opts.project,
      repository: opts.name,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
    };
    await store.put(REPOSITORY_MARKER, Buffer.from(`${JSON.stringify(marker2, null, 2)}\n`));
    return [`wrote ${REPOSITORY_MARKER} at ${store.where}`];
  } finally {
    await store.close().catch(() => {});
  }
}
