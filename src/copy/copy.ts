// `drctl copy`: every complete set of a dataset, and the archived binlogs of its server, sent to each
// of the dataset's `copies` repositories (DESIGN §4, issue 15), oldest first. Per set: each payload
// object is uploaded (write-once), its sha256 read back from the target and compared with the
// manifest, and only then the manifest goes up — a set without its manifest does not exist, so an
// interrupted copy is never counted, and the next run resumes it: objects already there with the
// manifest's digest are kept, not sent again. Stored bytes leave as they are stored: an encrypted
// set leaves the host as ciphertext only. A target that cannot be reached leaves everything local
// and is reported as pending (exit 6); a target object that differs from the manifest is never
// overwritten (exit 5).

import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { DrError, messageOf, must } from "../errors.js";
import { failoverGroup, stateDirOf } from "../core/desired.js";
import { selectRetention } from "../core/retention.js";
import { verifiedSets } from "../drill/records.js";
import { policyOf } from "../prune/policy.js";
import { type JournalRecord, readJournal } from "../state/journal.js";
import { binlogSetsDir, type CatalogEntry, listSets, repositoryPathOf, setsDir } from "../repository/set-store.js";
import { pointTime } from "../core/recovery.js";
import { readMarker } from "../discover/repositories.js";
import { filesystemStore } from "../repository/filesystem.js";
import { openStore } from "../repository/open.js";
import { MANIFEST } from "../repository/store.js";
import type { ObjectStore } from "../repository/store.js";
import type { DrSpec, Repository } from "../spec/types.generated.js";

interface CopiedSet {
  id: string;
  kind: string;
  /** Bytes sent now (objects already at the target with the right digest are not sent again). */
  bytesSent: number;
  objectsSent: number;
  objectsPresent: number;
}

export interface TargetOutcome {
  repository: string;
  where: string;
  /** Sets completed by this run. */
  copied: CopiedSet[];
  /** Sets that were already complete at the target. */
  alreadyThere: number;
  /** Why the target could not be brought up to date (unreachable, a failure mid-way): everything stays local. */
  pending?: string;
  /** Objects at the target that are not what the manifest says: named, never overwritten. */
  mismatches: string[];
  /**
   * What the target holds after this run, of what was local: its newest full set, and the newest
   * point in time its sets and archived binlogs reach (the off-site exposure is measured from it).
   */
  newestFull?: string;
  newestPoint?: string;
}

/** The time a set brings data back to: its consistent point, or a binlog set's last event. */
const reachOf = (m: CatalogEntry["manifest"]) => (m.kind === "binlog" ? m.binlog?.lastEventAt : pointTime(m));

/** What a copy sends: the dataset's sets, and its server's archived binlogs when it archives them. */
async function setsToCopy(
  spec: DrSpec,
  dataset: string,
): Promise<{ source: ObjectStore; sets: { entry: CatalogEntry; prefix: string }[] }> {
  const ds = spec.datasets[dataset];
  if (!ds) throw new DrError("invalid", `no dataset ${dataset} in the spec`);
  const root = repositoryPathOf(spec.repositories[ds.repository] ?? { type: "?" }, ds.repository);
  const out: { entry: CatalogEntry; prefix: string }[] = [];
  for (const entry of (await listSets(setsDir(root, dataset))).sets)
    if (entry.manifest.project === spec.project) out.push({ entry, prefix: `sets/${dataset}/${entry.manifest.id}/` });
  // the archives of every member of the failover group (each promoted server keeps its own)
  if (ds.binlog?.archive)
    for (const member of failoverGroup(ds))
      for (const entry of (await listSets(binlogSetsDir(root, member))).sets)
        if (entry.manifest.kind === "binlog") out.push({ entry, prefix: `binlogs/${member}/${entry.manifest.id}/` });
  // set ids begin with their UTC time: oldest first, fulls and binlogs in the order they were made
  // the local repository is read through its store, under the same keys the copy gets
  return {
    source: filesystemStore(root),
    sets: out.sort((a, b) => (a.entry.manifest.id < b.entry.manifest.id ? -1 : 1)),
  };
}

async function remoteSha256(store: ObjectStore, key: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of await store.get(key)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Runs `work` on every item, at most `limit` at once; the first failure stops new work and is thrown. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      await work(item).catch((e: unknown) => {
        failed ??= e;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/** The object's bytes, counted as the store takes them (pulled, never flowing ahead of it), for the progress line. */
function counted(source: Readable, onBytes: (n: number) => void): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of source) {
        onBytes((chunk as Buffer).length);
        yield chunk as Buffer;
      }
    })(),
    { objectMode: false },
  );
}

/** One set to one target; throws on a failure that stops the target (the caller retries, then reports it pending). */
async function copySet(
  store: ObjectStore,
  source: ObjectStore,
  entry: CatalogEntry,
  prefix: string,
  mismatches: string[],
  opts: { parallelism: number; onBytes: (n: number) => void },
): Promise<CopiedSet | "present" | "mismatch"> {
  const m = entry.manifest;
  if (await store.stat(`${prefix}${MANIFEST}`)) return "present";
  const copied: CopiedSet = { id: m.id, kind: m.kind, bytesSent: 0, objectsSent: 0, objectsPresent: 0 };
  let mismatch = false;
  await inParallel(m.files, opts.parallelism, async (f) => {
    const key = `${prefix}${f.name}`;
    const there = await store.stat(key);
    if (there) {
      // a put is all or nothing, so an object under the name is a finished one: ours from an
      // interrupted run (keep it) or something else (never overwritten, named)
      if (there.bytes === f.bytes && (await remoteSha256(store, key)) === f.sha256) {
        copied.objectsPresent++;
        return;
      }
      mismatches.push(
        `${store.where}/${key}: ${there.bytes} bytes there, not the manifest's ${f.bytes} B / sha256 (its set has ` +
          "no manifest there, so it does not exist yet: remove that object there to send it again)",
      );
      mismatch = true;
      return;
    }
    const sent = await store.put(key, counted(await source.get(key), opts.onBytes));
    if (sent.sha256 !== f.sha256 || sent.bytes !== f.bytes)
      throw new DrError(
        "integrity",
        `set ${m.id}: ${f.name} sent as ${sent.bytes} B with sha256 ${sent.sha256}` +
          `${sent.checkedByServer ? ` (${sent.checkedByServer})` : ""}, not the manifest's ${f.bytes} B / ` +
          `${f.sha256}: the local file changed, or the bytes did on the way; the set is not copied off site`,
        { hint: "run drctl verify; the uploaded object stays, without a manifest the set does not exist there" },
      );
    // the store's own proof (S3's MD5 ETag) or, without one, the bytes read back
    if (!sent.checkedByServer) {
      const back = await remoteSha256(store, key);
      if (back !== f.sha256)
        throw new DrError("integrity", `${store.where}/${key}: read back with sha256 ${back}, sent ${f.sha256}`);
    }
    copied.objectsSent++;
    copied.bytesSent += sent.bytes;
  });
  if (mismatch) return "mismatch";
  // the manifest last, and checked like any object: from now on the set exists at the target
  const sent = await store.put(`${prefix}${MANIFEST}`, await source.get(`${prefix}${MANIFEST}`));
  if (!sent.checkedByServer && (await remoteSha256(store, `${prefix}${MANIFEST}`)) !== sent.sha256)
    throw new DrError("integrity", `${store.where}/${prefix}${MANIFEST}: read back differs from what was sent`);
  return copied;
}

/** Attempts per target and run; between them the store is reopened after 1 s, then 4 s. */
const ATTEMPTS = 3;
/** A `.put-*` or unfinished upload this old is a killed writer's, not a running one's. */
const STALE_MS = 6 * 3600_000;

export async function copyDataset(
  spec: DrSpec,
  dataset: string,
  opts: { to?: string; say?: (line: string) => void; onBytes?: (label: string, bytes: number) => void } = {},
): Promise<TargetOutcome[]> {
  const ds = spec.datasets[dataset];
  if (!ds) throw new DrError("invalid", `no dataset ${dataset} in the spec`);
  const copies = ds.copies ?? [];
  if (opts.to !== undefined && !copies.includes(opts.to))
    throw new DrError(
      "invalid",
      `--to ${opts.to}: not one of dataset ${dataset}'s copies (${copies.join(", ") || "none"})`,
    );
  const targets = opts.to !== undefined ? [opts.to] : copies;
  if (!targets.length)
    throw new DrError("invalid", `dataset ${dataset} has no copies: nothing to copy`, {
      hint: "name offsite repositories under the dataset's copies:",
    });
  const { source, sets } = await setsToCopy(spec, dataset);
  const journal = await readJournal(stateDirOf(spec)).catch(() => []);
  const outcomes: TargetOutcome[] = [];
  for (const name of targets) {
    const repo = spec.repositories[name];
    if (!repo)
      throw new DrError("invalid", `dataset ${dataset} copies to ${name}, which is not a repository of the spec`);
    const outcome: TargetOutcome = { repository: name, where: name, copied: [], alreadyThere: 0, mismatches: [] };
    outcomes.push(outcome);
    // a copy with its own retention (vault: monthly 12) gets only what that retention keeps: what it
    // would prune is not sent, so copy and prune do not undo each other every night
    const wanted = wantedAt(spec, name, sets, journal);
    let sent = 0;
    const onBytes = (n: number) => {
      sent += n;
      opts.onBytes?.(`${dataset} → ${name}`, sent);
    };
    for (let attempt = 1; ; attempt++) {
      const error = await copyToTarget(spec, name, repo, wanted, outcome, {
        source,
        parallelism: repo.type === "filesystem" ? 4 : (repo.parallelism ?? 4),
        onBytes,
        ...(opts.say ? { say: opts.say } : {}),
      });
      if (error === undefined) break;
      if (attempt >= ATTEMPTS || error.final) {
        outcome.pending = error.message;
        opts.say?.(`${name}: offsite pending: ${outcome.pending}`);
        break;
      }
      const wait = 1000 * 4 ** (attempt - 1);
      opts.say?.(`${name}: ${error.message}; trying again in ${wait / 1000}s (attempt ${attempt + 1} of ${ATTEMPTS})`);
      await sleep(wait);
    }
  }
  return outcomes;
}

/** The sets a target should hold: all of them, or what its own `retention` keeps. */
function wantedAt(
  spec: DrSpec,
  repository: string,
  sets: { entry: CatalogEntry; prefix: string }[],
  journal: JournalRecord[],
): { entry: CatalogEntry; prefix: string }[] {
  const own = spec.repositories[repository]?.retention;
  if (!own) return sets;
  const policy = must(policyOf(own));
  const manifests = sets.map((s) => s.entry.manifest);
  const r = selectRetention(
    manifests.filter((m) => m.kind !== "binlog"),
    manifests.filter((m) => m.kind === "binlog"),
    policy,
    new Date(),
    verifiedSets(journal),
  );
  if (r.refused) return sets;
  const keep = new Set(r.decisions.filter((d) => d.keep).map((d) => d.set.id));
  return sets.filter((s) => keep.has(s.entry.manifest.id));
}

/**
 * One pass over one target. Returns the error that stopped it (undefined when it got through):
 * `final` when trying again cannot help (not this project's repository).
 */
async function copyToTarget(
  spec: DrSpec,
  name: string,
  repo: Repository,
  sets: { entry: CatalogEntry; prefix: string }[],
  outcome: TargetOutcome,
  opts: { source: ObjectStore; parallelism: number; onBytes: (n: number) => void; say?: (line: string) => void },
): Promise<{ message: string; final?: boolean } | undefined> {
  let store: ObjectStore;
  try {
    store = await openStore(name, repo);
  } catch (e) {
    return { message: messageOf(e) };
  }
  outcome.where = store.where;
  try {
    // only into a repository apply made (or adopted empty) for this project: never mix into another's
    const marker = await readMarker(store);
    if (marker?.project !== spec.project)
      return {
        final: true,
        message: !marker
          ? `${store.where} has no drctl repository marker: \`drctl apply\` creates it (an empty place is adopted)`
          : `${store.where} is not this project's repository: ` +
            (marker.unreadable
              ? `its marker is unreadable (${marker.unreadable})`
              : `its marker names "${marker.project}"`),
      };
    for (const { entry, prefix } of sets) {
      let r: Awaited<ReturnType<typeof copySet>>;
      try {
        r = await copySet(store, opts.source, entry, prefix, outcome.mismatches, opts);
      } catch (e) {
        // a set whose bytes are not what its manifest says is not sent on; the others still are
        if (!(e instanceof DrError && e.kind === "integrity")) throw e;
        outcome.mismatches.push(e.message);
        continue;
      }
      if (r === "mismatch") continue;
      if (r === "present") outcome.alreadyThere++;
      else {
        outcome.copied.push(r);
        opts.say?.(`${name}: copied ${r.id} (${r.objectsSent} object(s) sent, ${r.objectsPresent} already there)`);
      }
      const m = entry.manifest;
      if (m.kind === "full") outcome.newestFull = m.id;
      const reach = reachOf(m);
      // binlogs bring nothing back without a full before them
      if (reach && outcome.newestFull && (!outcome.newestPoint || reach > outcome.newestPoint))
        outcome.newestPoint = reach;
    }
    // what a writer killed mid-put left, once surely nobody's live upload: in the sets this run
    // completed (a killed run's set is completed by the next one)
    const written = sets.filter(({ entry }) => outcome.copied.some((c) => c.id === entry.manifest.id));
    const swept = written.length
      ? await store
          .sweep(
            STALE_MS,
            written.map((s) => s.prefix),
          )
          .catch(() => 0)
      : 0;
    if (swept) opts.say?.(`${name}: removed ${swept} unfinished upload(s) older than ${STALE_MS / 3600_000}h`);
    return undefined;
  } catch (e) {
    return { message: messageOf(e) };
  } finally {
    await store.close().catch(() => {});
  }
}
