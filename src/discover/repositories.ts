// Looks at each repository: does it exist, is it drctl's (its marker names this project), can drctl
// write there, mode. SFTP and S3 repositories are looked at through their store: reached (host key
// checked, credentials accepted), the marker read, a probe object written and removed.

import { randomUUID } from "node:crypto";
import type { Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeProbe } from "../adapters/fs/space.js";
import type { ObservedRepository } from "../core/observed.js";
import type { Repository } from "../spec/types.generated.js";
import { parseWaitMs } from "../core/duration.js";
import { messageOf } from "../errors.js";
import { openStore } from "../repository/open.js";
import type { ObjectStore } from "../repository/store.js";

export const REPOSITORY_MARKER = ".drctl-repository.json";

export async function discoverRepository(name: string, repo: Repository, project: string): Promise<ObservedRepository> {
  if (repo.type !== "filesystem") return discoverRemote(name, repo, project);
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

/** What a marker object says: this project's, another's, or unreadable. */
export async function readMarker(store: ObjectStore): Promise<{ project?: string; unreadable?: string } | undefined> {
  if (!(await store.stat(REPOSITORY_MARKER))) return undefined;
  try {
    const chunks: Buffer[] = [];
    for await (const c of await store.get(REPOSITORY_MARKER)) chunks.push(c as Buffer);
    const marker = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { project?: unknown };
    return typeof marker.project === "string" ? { project: marker.project } : { unreadable: "it names no project" };
  } catch (e) {
    return { unreadable: messageOf(e) };
  }
}

/**
 * How long plan waits for one SFTP or S3 repository to answer before calling it unreachable: 60 s,
 * or DRCTL_INSPECT_TIMEOUT (a duration such as 10s).
 */
const inspectTimeoutMs = () =>
  (process.env.DRCTL_INSPECT_TIMEOUT && parseWaitMs(process.env.DRCTL_INSPECT_TIMEOUT)) || 60_000;

async function discoverRemote(
  name: string,
  repo: Exclude<Repository, { type: "filesystem" }>,
  project: string,
): Promise<ObservedRepository> {
  // a store that accepts the connection and then never answers must not hold the plan (or CI) forever:
  // given up on, its connection closed
  let timer: NodeJS.Timeout | undefined;
  const opened: { store?: ObjectStore } = {};
  const timeout = new Promise<ObservedRepository>((resolve) => {
    const ms = inspectTimeoutMs();
    timer = setTimeout(() => {
      void opened.store?.close().catch(() => {});
      const why = `no answer within ${ms / 1000}s`;
      resolve({
        name,
        type: repo.type,
        owned: false,
        checked: false,
        exists: false,
        reason: `cannot be reached: ${why}`,
        unreachable: why,
      });
    }, ms);
  });
  try {
    return await Promise.race([inspectRemote(name, repo, project, opened), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function inspectRemote(
  name: string,
  repo: Exclude<Repository, { type: "filesystem" }>,
  project: string,
  opened: { store?: ObjectStore },
): Promise<ObservedRepository> {
  const base = { name, type: repo.type, owned: false } as const;
  let store: ObjectStore;
  try {
    store = await openStore(name, repo);
    opened.store = store;
  } catch (e) {
    return {
      ...base,
      checked: false,
      exists: false,
      reason: `cannot be reached: ${messageOf(e)}`,
      unreachable: messageOf(e),
    };
  }
  try {
    const marker = await readMarker(store);
    if (marker?.project === project) {
      // the nightly copy must not be the first to find out that the account lost its write permission
      const probe = `.drctl-probe-${randomUUID()}`;
      let unwritable: string | undefined;
      try {
        await store.put(probe, Buffer.from("drctl write probe\n"), { unlocked: true });
        await store.delete(probe);
      } catch (e) {
        unwritable = messageOf(e);
      }
      return { ...base, checked: true, exists: true, owned: true, ...(unwritable ? { unwritable } : {}) };
    }
    if (marker)
      return {
        ...base,
        checked: true,
        exists: true,
        foreign: marker.unreadable
          ? `its ${REPOSITORY_MARKER} is unreadable: ${marker.unreadable}`
          : `its marker names project "${marker.project}"`,
      };
    const objects = await store.list("");
    if (objects.length)
      return {
        ...base,
        checked: true,
        exists: true,
        foreign: `it holds ${objects.length} object(s) that are not drctl's (e.g. ${objects[0]?.key})`,
      };
    return { ...base, checked: true, exists: false };
  } catch (e) {
    return {
      ...base,
      checked: false,
      exists: false,
      reason: `cannot be read: ${messageOf(e)}`,
      unreachable: messageOf(e),
    };
  } finally {
    await store.close().catch(() => {});
  }
}
