// Looks at each repository: does it exist, is it drctl's (its marker names this project), mode.
// Filesystem repositories are inspected here; SFTP and S3 come with the offsite-copy work.

import type { Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeProbe } from "../adapters/fs/space.js";
import type { ObservedRepository } from "../core/observed.js";
import type { Repository } from "../spec/types.generated.js";

export const REPOSITORY_MARKER = ".drctl-repository.json";

export async function discoverRepository(name: string, repo: Repository, project: string): Promise<ObservedRepository> {
  if (repo.type !== "filesystem") {
    return {
      name,
      type: repo.type,
      checked: false,
      reason: `${repo.type} repositories are not inspected yet`,
      exists: false,
      owned: false,
    };
  }
  let st: Stats;
  try {
    st = await stat(repo.path);
  } catch {
    return { name, type: "filesystem", checked: true, exists: false, owned: false };
  }
  if (!st.isDirectory())
    return {
      name,
      type: "filesystem",
      checked: true,
      exists: true,
      owned: false,
      foreign: `${repo.path} is not a directory`,
      mode: st.mode & 0o7777,
    };
  const entries = await readdir(repo.path);
  let owned = false;
  let foreign: string | undefined;
  if (entries.includes(REPOSITORY_MARKER)) {
    try {
      const marker = JSON.parse(await readFile(join(repo.path, REPOSITORY_MARKER), "utf8")) as { project?: string };
      if (marker.project === project) owned = true;
      else foreign = `its marker names project "${marker.project}"`;
    } catch {
      foreign = `its ${REPOSITORY_MARKER} is unreadable`;
    }
  } else if (entries.length > 0) {
    foreign = `it holds ${entries.length} file(s) that are not drctl's`;
  }
  // a repository that cannot take a write is no repository: plan must say so before the night's backup finds out
  const unwritable = owned ? await writeProbe(repo.path) : undefined;
  return {
    name,
    type: "filesystem",
    checked: true,
    exists: true,
    owned,
    ...(foreign ? { foreign } : {}),
    mode: st.mode & 0o7777,
    ...(unwritable ? { unwritable } : {}),
  };
}
