// Loading a stored set into a server, per method: the building blocks `drctl restore` and drills
// are made of. Every stored file goes back through age → zstd as it was written; nothing is ever
// prepared in place in the repository (DESIGN §8 rule 2): physical sets are extracted into a
// scratch directory first.

import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { setObjectPath } from "../repository/set-store.js";
import { describeExit, runTool } from "../adapters/process/run.js";
import { decodeStages, runPipeline, type Stage } from "../adapters/pipeline/stream.js";
import type { RowDataPacket } from "mysql2/promise";
import { connectServer } from "../adapters/mysql/connect.js";
import { DrError, must } from "../errors.js";
import type { AccountRecipe } from "../backup/server-facts.js";
import type { BackupManifest, SetFile } from "../core/manifest.generated.js";
import { DumpShapeError } from "./dump-split.js";
import { quoteIdent } from "../adapters/mysql/sql.js";
import { loadClientArgs, loadDumpInParallel } from "./parallel-load.js";

export interface StoredSet {
  dir: string;
  manifest: BackupManifest;
}

export interface DecodeKeys {
  /** age identity file, for encrypted sets. */
  identityFile?: string;
  /** Progress of the long reads (the stored dump or xbstream going into the target): file name, bytes read. */
  onRead?: (label: string, bytes: number) => void;
}

const reading = (f: SetFile, keys: DecodeKeys) =>
  keys.onRead ? { onRead: (n: number) => must(keys.onRead)(`restoring ${f.name} (${f.bytes} bytes stored)`, n) } : {};

function decodeFor(set: StoredSet, f: SetFile, keys: DecodeKeys): Stage[] {
  const encrypted = set.manifest.encryption.type === "age";
  if (encrypted && !keys.identityFile)
    throw new DrError(
      "invalid",
      `set ${set.manifest.id} is encrypted: its restore needs the age identity (spec encryption.identityFile)`,
    );
  return decodeStages(setObjectPath(set.dir, f.name), {
    compressed: set.manifest.compression === "zstd",
    ...(encrypted ? { ageIdentityFile: must(keys.identityFile) } : {}),
  });
}

const discard = async () => {};

/** Runs a SQL file of the set through the mariadb client of the target. */
async function runSqlFile(
  set: StoredSet,
  f: SetFile,
  clientOptionFile: string,
  keys: DecodeKeys,
  binlog = true,
): Promise<void> {
  const args = loadClientArgs(clientOptionFile, binlog);
  await runPipeline(
    [...decodeFor(set, f, keys), { name: "mariadb", command: "mariadb", args }],
    discard,
    reading(f, keys),
  );
}

async function decodeToMemory(set: StoredSet, f: SetFile, keys: DecodeKeys): Promise<Buffer> {
  const parts: Buffer[] = [];
  await runPipeline(decodeFor(set, f, keys), async (chunk) => {
    parts.push(chunk);
  });
  return Buffer.concat(parts);
}

/**
 * The DEFINER accounts the set's objects name: each created (with its grants) only when the target
 * lacks it — an account that exists there keeps exactly the grants it has. Returns the ones created.
 */
async function loadDefinerAccounts(
  set: StoredSet,
  target: { clientOptionFile: string },
  keys: DecodeKeys = {},
): Promise<string[]> {
  const f = set.manifest.files.find((x) => x.role === "accounts");
  if (!f) return [];
  const { accounts } = JSON.parse((await decodeToMemory(set, f, keys)).toString("utf8")) as {
    accounts: AccountRecipe[];
  };
  const conn = await connectServer({ credentials: target.clientOptionFile });
  const created: string[] = [];
  try {
    for (const a of accounts) {
      const [rows] = await conn.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = ?",
        [a.user, a.host],
      );
      if (Number(rows[0]?.n) > 0) continue;
      for (const stmt of a.statements) await conn.query(stmt);
      created.push(`${a.user}@${a.host}`);
    }
  } finally {
    await conn.end();
  }
  return created;
}

/**
 * mysqldump/mariadb-dump sets: the DEFINER accounts first, then the dump. `binlog: false`: the load
 * stays out of the target's binlog (a drill's sandbox logs only what the replay applies).
 * `loaders` > 1 (a throwaway server only): the dump's rows load over that many connections, with the
 * server's redo log flushed once a second instead of at every commit while they do (a crash would
 * lose the sandbox, which is discarded or verified anyway); a dump whose shape the parallel path does
 * not know is loaded again in one piece (`say` tells why).
 */
export async function loadLogicalSet(
  set: StoredSet,
  target: { clientOptionFile: string },
  keys: DecodeKeys = {},
  opts: { binlog?: boolean; loaders?: number; say?: (line: string) => void } = {},
): Promise<void> {
  await loadDefinerAccounts(set, target, keys);
  const dump = set.manifest.files.find((f) => f.role === "dump");
  if (!dump) throw new DrError("failed", `set ${set.manifest.id} has no dump file in its manifest`);
  const binlog = opts.binlog !== false;
  if ((opts.loaders ?? 1) > 1) {
    const conn = await connectServer({ credentials: target.clientOptionFile });
    try {
      const [rows] = await conn.query<RowDataPacket[]>("SELECT @@GLOBAL.innodb_flush_log_at_trx_commit AS f");
      await conn.query("SET GLOBAL innodb_flush_log_at_trx_commit = 0");
      try {
        const read = reading(dump, keys);
        await loadDumpInParallel({
          decode: decodeFor(set, dump, keys),
          clientOptionFile: target.clientOptionFile,
          binlog,
          loaders: must(opts.loaders),
          ...(read.onRead ? { onRead: read.onRead } : {}),
        });
        return;
      } catch (e) {
        if (!(e instanceof DumpShapeError)) throw e;
        opts.say?.(`the dump cannot be split for a parallel load (${e.message}): loading it in one piece`);
        for (const db of set.manifest.databases ?? []) await conn.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
      } finally {
        await conn.query("SET GLOBAL innodb_flush_log_at_trx_commit = ?", [Number(rows[0]?.f ?? 1)]);
      }
    } finally {
      await conn.end().catch(() => {});
    }
  }
  await runSqlFile(set, dump, target.clientOptionFile, keys, binlog);
}

/** mydumper sets: files decoded back under their own names into a 0700 scratch dir, then myloader. */
export async function loadMydumperSet(
  set: StoredSet,
  target: { clientOptionFile: string },
  scratchParent: string,
  keys: DecodeKeys = {},
  threads = 2,
): Promise<void> {
  await mkdir(scratchParent, { recursive: true, mode: 0o700 });
  const scratch = await mkdtemp(join(scratchParent, "myloader-"));
  try {
    const dumpDir = join(scratch, "dump");
    await mkdir(dumpDir, { mode: 0o700 });
    for (const f of set.manifest.files.filter((x) => x.role === "mydumper")) {
      if (!f.source || f.source.includes("/"))
        throw new DrError("failed", `set ${set.manifest.id}: file ${f.name} has no usable source name`);
      await decodeToFile(set, f, join(dumpDir, f.source), keys);
    }
    await loadDefinerAccounts(set, target, keys);
    const r = await runTool(
      "myloader",
      [
        `--defaults-file=${target.clientOptionFile}`,
        "--directory",
        dumpDir,
        "--threads",
        String(threads),
        "--verbose",
        "1",
      ],
      { env: { LC_ALL: "C.UTF-8" } },
    );
    if (r.exitCode !== 0)
      throw new DrError(
        "failed",
        `stage myloader ${describeExit(r)}: ${r.all.trim().split("\n").slice(-6).join("\n")}`,
      );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function decodeToFile(set: StoredSet, f: SetFile, path: string, keys: DecodeKeys): Promise<void> {
  const fh = await open(path, "wx", 0o600);
  try {
    await runPipeline(decodeFor(set, f, keys), async (chunk) => {
      await fh.write(chunk);
    });
  } finally {
    await fh.close();
  }
}

/** Extracts a physical set's xbstream into `dir` (created, 0700). */
async function extractPhysicalSet(set: StoredSet, dir: string, keys: DecodeKeys = {}): Promise<void> {
  const f = set.manifest.files.find((x) => x.role === "xbstream");
  if (!f) throw new DrError("failed", `set ${set.manifest.id} has no xbstream file in its manifest`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await runPipeline(
    [...decodeFor(set, f, keys), { name: "mbstream", command: "mbstream", args: ["-x", "-C", dir] }],
    discard,
    reading(f, keys),
  );
}

async function backupTool(args: string[], what: string): Promise<void> {
  const r = await runTool("mariadb-backup", ["--no-defaults", ...args]);
  if (r.exitCode !== 0 || !/completed OK!/.test(r.all)) {
    throw new DrError(
      "failed",
      `mariadb-backup ${what} ${describeExit(r)}: ${r.all.trim().split("\n").slice(-6).join("\n")}`,
    );
  }
}

/**
 * Full + incrementals (in order, each the parent of the next) → a prepared image in `work/full`,
 * then moved into `datadir`. The chain is checked: a restore never applies a set on the wrong parent.
 */
export async function restorePhysicalChain(
  chain: StoredSet[],
  work: string,
  datadir: string,
  keys: DecodeKeys = {},
  trace: (what: string) => void = () => {},
): Promise<void> {
  const [full, ...incs] = chain;
  if (full?.manifest.kind !== "full") throw new DrError("failed", "a physical restore starts from a full set");
  incs.forEach((s, i) => {
    const parent = must(chain[i]).manifest.id;
    if (s.manifest.parent !== parent)
      throw new DrError(
        "failed",
        `set ${s.manifest.id} is not the child of ${parent} (its parent is ${s.manifest.parent ?? "none"})`,
      );
  });
  const fullDir = join(work, "full");
  await extractPhysicalSet(full, fullDir, keys);
  trace(`${full.manifest.id} extracted`);
  await backupTool(["--prepare", `--target-dir=${fullDir}`], `--prepare of ${full.manifest.id}`);
  trace(`${full.manifest.id} prepared`);
  for (const [i, inc] of incs.entries()) {
    const incDir = join(work, `inc-${i + 1}`);
    await extractPhysicalSet(inc, incDir, keys);
    await backupTool(
      ["--prepare", `--target-dir=${fullDir}`, `--incremental-dir=${incDir}`],
      `--prepare of ${inc.manifest.id}`,
    );
    await rm(incDir, { recursive: true, force: true });
    trace(`${inc.manifest.id} applied`);
  }
  // the prepared image is this restore's own scratch: moved into the sandbox's datadir (a rename on
  // the same filesystem) rather than copied — a GB less to write before the server starts (issue 17 §2)
  await backupTool(["--move-back", `--target-dir=${fullDir}`, `--datadir=${datadir}`], "--move-back");
  trace("image moved into the datadir");
}
