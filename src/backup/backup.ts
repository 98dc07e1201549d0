// `drctl backup <dataset>`: one backup set, trusted only when everything held (DESIGN §8 rule 1):
// every pipeline stage exited 0, the tool's own success marker was seen, the set holds every table
// the server's catalog lists for the dataset, and the manifest was written last. Anything less
// removes the attempt and fails loudly; a killed run leaves debris the next run removes.

import { tracer } from "../trace.js";
import { backupReplica, lagGate } from "../core/backup-source.js";
import { replicaLag } from "./lag-gate.js";
import { datasetOf } from "../spec/lookup.js";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { runTool } from "../adapters/process/run.js";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { addressOf, connectServer } from "../adapters/mysql/connect.js";
import { fileProducer, streamToFile, type Stage } from "../adapters/pipeline/stream.js";
import { stateDirOf } from "../core/desired.js";
import { formatDuration, parseDuration } from "../core/duration.js";
import { checkRepository } from "../repository/local.js";
import { DrError, interruptedError, messageOf, must } from "../errors.js";
import { freeBytes, writeProbe } from "../adapters/fs/space.js";
import { formatBytes } from "../core/units.js";
import { throwIfInterrupted } from "../adapters/process/interrupt.js";
import type { DrSpec, Server } from "../spec/types.generated.js";
import { acquireLock } from "../state/lock.js";
import type { BackupManifest, BinlogPoint, ReferenceFigures, SetFile, TableName } from "../core/manifest.generated.js";
import { mydumperNamesDatabase } from "../core/findings.js";
import { dumpCommand, mydumperUnsafe, physicalCommand, type Flavor } from "./methods.js";
import { encodingProblem, setEncoding } from "./encoding.js";
import {
  dumpPayload,
  mydumperPayload,
  physicalPayload,
  type PayloadContext,
  type PhysicalContext,
  type ServerFacts,
} from "./payloads.js";
import { printedTable, rowDelta } from "./row-delta.js";
import {
  catalogTables,
  rebuildFacts,
  referenceFigures,
  scopeOf,
  type CatalogTables,
  type DatasetScope,
} from "./server-facts.js";
import {
  beginSet,
  cleanDebris,
  listSets,
  newSetId,
  publishSet,
  setObjectPath,
  setsDir,
  stagingDir,
} from "../repository/set-store.js";
import { isPhysical } from "../core/methods.js";

export type BackupKind = "full" | "incremental";

export interface BackupRequest {
  spec: DrSpec;
  dataset: string;
  kind: BackupKind;
  /** How long to wait for another backup of the same dataset (default 1h: an incremental waits for the full). */
  lockWaitMs?: number;
  /** Stored bytes so far, for progress. */
  onProgress?: (label: string, bytes: number) => void;
  /** Plain lines about what is happening (cron logs them). */
  say?: (line: string) => void;
}

export interface BackupOutcome {
  manifest: BackupManifest;
  dir: string;
  debrisRemoved: string[];
}

/**
 * Before a job writes: the repository takes a write (a read-only mount or lost permissions named
 * as such), and holds at least `needBytes` free (the last comparable set's size) — a backup that
 * cannot fit fails at once, naming the disk, instead of as a tool's broken pipe an hour later.
 */
export async function preflightRepository(path: string, name: string, needBytes: number, what: string): Promise<void> {
  const why = await writeProbe(path);
  if (why)
    throw new DrError("failed", `repository ${name} (${path}) cannot be written: ${why}`, {
      hint: "fix the mount or permissions; nothing was started",
    });
  const free = await freeBytes(path);
  if (needBytes > 0 && free < needBytes) {
    throw new DrError(
      "failed",
      `repository ${name} (${path}) has ${formatBytes(free)} free; ${what} took ${formatBytes(needBytes)}: ` +
        `not starting a backup that cannot fit`,
      {
        hint: "free space there (drctl prune, or a bigger disk); nothing was started",
      },
    );
  }
}

async function toolVersion(cmd: string): Promise<string> {
  const r = await runTool(cmd, ["--version"], { timeoutMs: 10_000 });
  return (
    (r.stdout || r.stderr)
      .split("\n")
      .find((l) => l.trim())
      ?.trim() ?? "unknown"
  );
}

async function rowsOf(conn: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [r] = await conn.query<RowDataPacket[]>(sql, params);
  return r;
}

async function serverFacts(conn: Connection, databases: string[]): Promise<ServerFacts> {
  const v = Object.fromEntries(
    (
      await rowsOf(
        conn,
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'version_comment', 'server_id', 'log_bin', " +
          "'log_bin_basename', 'binlog_format')",
      )
    ).map((r) => [String(r.Variable_name), String(r.Value)]),
  );
  const flavor: Flavor = /mariadb/i.test((v.version ?? "") + (v.version_comment ?? "")) ? "mariadb" : "mysql";
  const [b] = await rowsOf(
    conn,
    "SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)",
    [databases],
  );
  return {
    flavor,
    version: v.version ?? "",
    serverId: v.server_id ?? "",
    ...(v.log_bin_basename ? { binlogBasename: must(v.log_bin_basename.split("/").pop()) } : {}),
    binlog: v.log_bin === "ON",
    ...(v.binlog_format ? { binlogFormat: v.binlog_format } : {}),
    datadirBytes: Number(b?.n ?? 0),
  };
}

const key = (t: TableName) => JSON.stringify([t.database, t.table]);
const show = (t: TableName) => `${t.database}.${t.table}`;

/** Tables the server has for the dataset that the set does not hold (DESIGN §8 rule 1: no silent gaps). */
export function missingTables(catalog: CatalogTables, inSet: TableName[]): TableName[] {
  const have = new Set(inSet.map(key));
  return [...catalog.base, ...(catalog.hidden ?? [])].filter((t) => !have.has(key(t)));
}

/** The newest physical set of this server in the dataset's catalog: what an incremental builds on. */
async function physicalParent(parentDir: string, serverId: string): Promise<BackupManifest | undefined> {
  const { sets } = await listSets(parentDir);
  return sets
    .map((s) => s.manifest)
    .filter((m) => isPhysical(m.method) && m.lsn && m.server.serverId === serverId)
    .at(-1);
}

/**
 * Reference figures counted in a snapshot before the set's point, carried to it by the row events
 * between (row-delta.ts): the same figures a count at the set's point would give.
 */
async function carryToPoint(
  server: Server,
  ref: ReferenceFigures,
  point: BinlogPoint,
): Promise<{ ok: true; figures: ReferenceFigures } | { ok: false; why: string }> {
  const d = await rowDelta(server, ref.at, point);
  if (!d.ok) return d;
  const tables = ref.tables.map((t) => ({
    ...t,
    rows: t.rows + (d.delta.get(printedTable(t.database, t.table)) ?? 0),
  }));
  const negative = tables.find((t) => t.rows < 0);
  if (negative) return { ok: false, why: `${negative.database}.${negative.table} would have ${negative.rows} rows` };
  return {
    ok: true,
    figures: {
      at: {
        ...(point.file ? { file: point.file } : {}),
        ...(point.position !== undefined ? { position: point.position } : {}),
        ...(point.gtid ? { gtid: point.gtid } : {}),
        source:
          `counted in a snapshot at ${ref.at.file}:${ref.at.position} while the copy ran, carried to the set's ` +
          "point by the binlog's row events",
      },
      tables,
    },
  };
}

/** The reference figures, on their own connection and snapshot. */
async function referenceSnapshot(server: Server, tables: TableName[], opts: { checksums: boolean; flavor: Flavor }) {
  const c = await connectServer(server);
  try {
    return await referenceFigures(c, tables, opts);
  } finally {
    await c.end().catch(() => {});
  }
}

/** DESIGN §8 rule 1: a set that lacks a table the server has for the dataset is not a backup. */
function checkComplete(catalog: CatalogTables, inSet: TableName[], dataset: string): void {
  const missing = missingTables(catalog, inSet);
  if (!missing.length) return;
  throw new DrError(
    "failed",
    `the set lacks ${missing.length} table(s) the server has for dataset ${dataset}: ${missing.map(show).join(", ")}`,
    {
      hint: catalog.hidden?.some((h) => missing.some((m) => key(m) === key(h)))
        ? "the backup account cannot see some of them: grant it SELECT on the dataset's databases"
        : "check the option file for ignore-table/tables settings, and that no table was dropped during the backup",
      meta: { missing },
    },
  );
}

/**
 * Everything the backup reads from the server before it starts: identity, the dataset's tables, what a rebuild needs.
 */
async function readServer(
  server: Server,
  serverName: string,
  scope: DatasetScope,
  method: string,
  dataset: string,
  trace: (what: string) => void,
) {
  let conn: Connection;
  try {
    conn = await connectServer(server);
    trace("connected");
  } catch (e) {
    if (e instanceof DrError) throw e;
    throw new DrError("failed", `cannot connect to server ${serverName} (${addressOf(server)}): ${messageOf(e)}`);
  }
  try {
    const facts = await serverFacts(conn, scope.databases);
    trace("server variables read");
    const catalog = await catalogTables(conn, scope);
    trace("tables listed");
    if (method === "mydumper") {
      if (!mydumperNamesDatabase(scope.databases)) {
        // several (or non-ASCII) databases go through --regex, and mydumper 0.10 then reads every
        // database on the server
        const others = (
          await rowsOf(
            conn,
            "SELECT schema_name AS db FROM information_schema.schemata WHERE LOCATE('`', schema_name) > 0 OR " +
              "LOCATE('''', schema_name) > 0 OR LOCATE('\"', schema_name) > 0",
          )
        )
          .map((r) => String(r.db))
          .filter((d) => !scope.databases.includes(d));
        if (others.length) {
          throw new DrError(
            "invalid",
            `mydumper 0.10 reads every database on ${serverName} when a dataset has several (or a non-ASCII ` +
              `name), and fails on names holding a backtick or a quote: ` +
              `${others.map((d) => JSON.stringify(d)).join(", ")} (not in dataset ${dataset})`,
            {
              hint:
                "use method mysqldump (or mariadb-backup) for this dataset, or split it into one dataset per " +
                "database",
              meta: { databases: others },
            },
          );
        }
      }
      const unsafe = [...catalog.base, ...catalog.views].filter(mydumperUnsafe);
      if (unsafe.length) {
        throw new DrError(
          "invalid",
          `mydumper 0.10 writes broken SQL for names holding a backtick or a quote; dataset ${dataset} has: ` +
            `${unsafe.map(show).join(", ")}`,
          {
            hint: "use method mysqldump (or mariadb-backup) for this dataset, or rename those tables",
            meta: { tables: unsafe },
          },
        );
      }
    }
    const rebuild = await rebuildFacts(conn, scope.databases, facts.flavor);
    return { facts, catalog, rebuild };
  } finally {
    await conn.end().catch(() => {});
  }
}

/** What the manifest should say about limits of this set. */
function factNotes(
  scope: DatasetScope,
  facts: ServerFacts,
  catalog: CatalogTables,
  missingAccounts: string[],
): string[] {
  const notes: string[] = [];
  const absent = scope.databases.filter(
    (d) => !catalog.base.some((t) => t.database === d) && !catalog.views.some((t) => t.database === d),
  );
  if (absent.length) notes.push(`databases with no tables visible to the backup account: ${absent.join(", ")}`);
  if (catalog.hidden === undefined)
    notes.push(
      "completeness checked against the tables the backup account can see (mysql.innodb_table_stats is not readable)",
    );
  if (!facts.binlog)
    notes.push(
      "binary logging is off on the server: the set has no binlog coordinates, so it restores to its own " +
        "point only (no PITR)",
    );
  if (missingAccounts.length)
    notes.push(`DEFINER accounts the backup account cannot read (not in the set): ${missingAccounts.join(", ")}`);
  return notes;
}

/**
 * The server a backup runs on: the dataset's `backupFrom` replica, unless its lag gate says no —
 * over `maxLag` (stopped replication counts as unknown, over it) the backup refuses with the measured
 * lag, or runs on the source with `fallback: source`. What the replica's lag was goes in the manifest.
 */
async function gateOnLag(
  spec: DrSpec,
  dataset: string,
  say: (line: string) => void,
): Promise<{ server: string; replication?: NonNullable<BackupManifest["replication"]>; note?: string }> {
  const ds = datasetOf(spec, dataset);
  const replica = backupReplica(ds);
  const gate = lagGate(ds);
  if (!replica || replica === ds.server) return { server: ds.server };
  if (!gate) return { server: replica };
  const [r, s] = [spec.servers[replica], spec.servers[ds.server]];
  if (!r || !s) return { server: replica }; // the spec's own checks name a missing server
  const lag = await replicaLag(r, replica, s, ds.server).catch((e: unknown) => {
    throw new DrError("failed", `backup of ${dataset}: cannot measure the lag of ${replica}: ${messageOf(e)}`);
  });
  const replication = {
    replicaOf: ds.server,
    lagSeconds: lag.seconds ?? null,
    ...(lag.detail ? { detail: lag.detail } : {}),
  };
  if (lag.seconds !== undefined && lag.seconds <= gate.maxLagSeconds) return { server: replica, replication };
  const measured = lag.seconds === undefined ? `lag unknown: ${lag.detail}` : `lags ${formatDuration(lag.seconds)}`;
  const over = `${replica} ${measured} (maxLag ${formatDuration(gate.maxLagSeconds)})`;
  if (gate.fallback === "fail")
    throw new DrError("failed", `backup of ${dataset} refused: ${over}`, {
      hint: `fix replication on ${replica}, or set backupFrom.fallback: source to take it on ${ds.server} meanwhile`,
      meta: { lagGate: "refused" },
    });
  say(`${over}: taking the backup on the source ${ds.server} instead (backupFrom.fallback: source)`);
  return { server: ds.server, note: `taken on the source ${ds.server}: ${over}` };
}

/** Stops a copy (a no-op once it has finished) and waits for its processes to be gone. */
async function discardCopy(copy: Promise<unknown>, stop: AbortController): Promise<void> {
  stop.abort();
  await copy.catch(() => {});
}

export async function runBackup(req: BackupRequest): Promise<BackupOutcome> {
  const { spec } = req;
  const say = req.say ?? (() => {});
  const trace = tracer(say);
  trace(`started ${Math.round(process.uptime() * 1000)} ms after the process`);
  const ds = datasetOf(spec, req.dataset);
  let kind = req.kind;
  if (kind === "incremental" && !ds.incremental) {
    throw new DrError("invalid", `dataset ${req.dataset} has no incremental backups in the spec`, {
      hint: "add `incremental: { method: mariadb-backup, schedule: ... }` or run --kind full",
    });
  }
  const method = kind === "incremental" ? must(ds.incremental).method : ds.full.method;
  if (kind === "incremental" && !isPhysical(method)) {
    throw new DrError(
      "invalid",
      `dataset ${req.dataset}: incremental backups need a physical method (mariadb-backup or xtrabackup), ` +
        `not ${method}`,
    );
  }
  const gated = await gateOnLag(spec, req.dataset, say);
  const serverName = gated.server;
  const server = spec.servers[serverName];
  if (!server)
    throw new DrError("invalid", `dataset ${req.dataset} names server ${serverName}, which the spec does not define`);
  const repoPath = await checkRepository(spec, ds.repository);
  const scope = scopeOf(ds);

  const lock = await acquireLock(join(stateDirOf(spec), "locks", `dataset.${req.dataset}.backup.lock`), {
    waitMs: req.lockWaitMs ?? must(parseDuration("1h")) * 1000,
    command: `drctl backup ${req.dataset} --kind ${kind}`,
    purpose: `backups of dataset ${req.dataset}`,
    onWait: () => say(`waiting for another backup of ${req.dataset} to finish`),
  });
  let staging: string | undefined;
  let setDir: string | undefined;
  let published = false;
  // a physical copy started before the server was read, and how to stop it (see below)
  let copy: ReturnType<typeof physicalPayload> | undefined;
  let stopCopy = new AbortController();
  try {
    trace("locked");
    const parentDir = setsDir(repoPath, req.dataset);
    const debris = await cleanDebris([parentDir, join(repoPath, "staging")]);
    for (const d of debris.removed) say(`removed an interrupted attempt: ${d}`);
    for (const k of debris.kept) say(`left alone: ${k.path} (${k.why})`);

    const catalogued = (await listSets(parentDir)).sets.map((s) => s.manifest);
    const previous = catalogued.filter((m) => m.kind === kind).at(-1);
    await preflightRepository(
      repoPath,
      ds.repository,
      previous ? previous.files.reduce((n, f) => n + f.bytes, 0) : 0,
      previous ? `the last ${kind} set of ${req.dataset} (${previous.id})` : "",
    );
    trace("repository checked");

    let started = new Date();
    let id = "";
    let encoding: Awaited<ReturnType<typeof setEncoding>> | undefined;
    const files: SetFile[] = [];
    const openSet = async (k: BackupKind) => {
      started = new Date();
      id = newSetId(k, started);
      setDir = await beginSet(parentDir, id, `drctl backup ${req.dataset} --kind ${k}`);
      staging = await stagingDir(repoPath, `drctl backup ${req.dataset}`);
      encoding = await setEncoding(spec, ds.compression, staging);
    };
    const store = async (name: string, role: SetFile["role"], producer: Stage, source?: string) => {
      const enc = must(encoding);
      const path = setObjectPath(must(setDir), name);
      if (name.includes("/")) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const r = await streamToFile(path, {
        producer,
        ...enc.stream,
        signal: stopCopy.signal,
        onProgress: (b) => req.onProgress?.(name, b),
      });
      const wrong = encodingProblem(r.head, enc.manifest);
      if (wrong)
        throw new DrError(
          "failed",
          `${name}: ${wrong} — every stage exited 0, yet its output is not what the set would claim; nothing ` +
            `is published`,
          {
            hint: ((tool) => `check the ${tool} found first on PATH (\`${tool} --version\`)`)(
              enc.manifest.encryption.type === "age" ? "age" : "zstd",
            ),
          },
        );
      files.push({ name, role, ...(source !== undefined ? { source } : {}), bytes: r.bytes, sha256: r.sha256 });
      return r;
    };
    // the set's consistent point exists once the payload says so; the reference figures key off it
    let pointReached = false;
    let onPoint = () => {};
    const physicalContext = (flavor: Flavor, parent?: BackupManifest): PhysicalContext => ({
      server,
      flavor,
      staging: must(staging),
      ext: must(encoding).ext,
      store,
      onPoint: () => {
        pointReached = true;
        onPoint();
      },
      ...(parent ? { parent } : {}),
    });

    // A full physical copy starts before the server is read (issue 17 §1: connecting and reading the
    // catalog is ~0.15 s of a backup the bare tool starts at once): its tool follows the flavor of this
    // server's last set, which the facts read meanwhile confirm — or that copy is stopped and thrown away.
    const guessed =
      kind === "full" && isPhysical(ds.full.method)
        ? catalogued.filter((m) => m.server.name === serverName).at(-1)?.server.flavor
        : undefined;
    if (guessed) {
      await openSet("full");
      say(`backing up ${req.dataset} from ${serverName} with ${ds.full.method} (full) into ${setDir}`);
      copy = physicalPayload(physicalContext(guessed));
      copy.catch(() => {}); // awaited below; must not be an unhandled rejection meanwhile
      trace("copy started");
    }
    const { facts, catalog, rebuild } = await readServer(server, serverName, scope, method, req.dataset, trace);
    trace("server facts read");
    if (copy !== undefined && facts.flavor !== guessed) {
      say(`${serverName} is ${facts.flavor} now (its last set was ${guessed}): copying again with its own tool`);
      await discardCopy(copy, stopCopy);
      copy = undefined;
      stopCopy = new AbortController();
      await rm(must(setDir), { recursive: true, force: true });
      await rm(must(staging), { recursive: true, force: true });
      setDir = undefined;
      staging = undefined;
    }
    const notes = factNotes(scope, facts, catalog, rebuild.missingAccounts);

    // incrementals start from the newest physical set's to_lsn (kept in its manifest: the parent is never unpacked)
    const parent = kind === "incremental" ? await physicalParent(parentDir, facts.serverId) : undefined;
    if (kind === "incremental" && !parent) {
      say(`no full physical set of ${req.dataset} from this server to build on: taking a full backup instead`);
      notes.push("requested as incremental; promoted to full (no physical parent set)");
      kind = "full";
    }
    const fullMethod = kind === "full" ? ds.full.method : method;

    trace("catalog read");
    if (copy === undefined) await openSet(kind);
    const enc = must(encoding);
    const ext = enc.ext;

    const storeAccounts = async () => {
      const file = join(must(staging), "accounts.json");
      await writeFile(file, `${JSON.stringify({ accounts: rebuild.accounts }, null, 2)}\n`, { mode: 0o600 });
      await store(`accounts.json${ext}`, "accounts", fileProducer(file));
    };

    // the reference figures come from their own snapshot, opened once the set's consistent point
    // exists (a dump's snapshot is open, a physical copy has finished): their binlog position is
    // then at or after the set's, and a drill replays from one to the other before comparing
    const wantChecksums = Object.values(spec.drills ?? {}).some(
      (d) => d.dataset === req.dataset && (d.verify ?? []).some((v) => v === "checksums"),
    );
    // A physical copy on a MariaDB logging ROW binlogs counts them while it copies instead (issue 17
    // §1): the snapshot opened now is carried to the set's point by the row events between (row-delta.ts)
    const early =
      !pointReached &&
      isPhysical(fullMethod) &&
      facts.flavor === "mariadb" &&
      facts.binlog &&
      // MIXED logs most DML as rows too (a statement-logged one makes the figures be counted again);
      // STATEMENT logs none: counting early would only be wasted
      facts.binlogFormat !== "STATEMENT" &&
      !wantChecksums;
    const reference = new Promise<Awaited<ReturnType<typeof referenceSnapshot>>>((resolve, reject) => {
      onPoint = () => {
        onPoint = () => {};
        referenceSnapshot(server, catalog.base, { checksums: wantChecksums, flavor: facts.flavor }).then(
          resolve,
          reject,
        );
      };
    });
    reference.catch(() => {}); // awaited below; must not be an unhandled rejection meanwhile
    if (early) onPoint();

    const tools: Record<string, string> = {};
    // the tools' versions go in the manifest; asked while the payload streams, not before it
    const toolNames = [
      fullMethod === "mydumper"
        ? "mydumper"
        : isPhysical(fullMethod)
          ? physicalCommand(facts.flavor)
          : dumpCommand(facts.flavor),
      ...(enc.stream.compress ? ["zstd"] : []),
      ...(spec.encryption ? ["age"] : []),
    ];
    const versions = Promise.all(toolNames.map(async (t) => [t, await toolVersion(t)] as const)).then((pairs) =>
      Object.fromEntries(pairs),
    );
    if (copy === undefined)
      say(`backing up ${req.dataset} from ${serverName} with ${fullMethod} (${kind}) into ${setDir}`);
    const ctx: PayloadContext = {
      server,
      facts,
      catalog,
      scope,
      staging: must(staging),
      repoPath,
      ext,
      store,
      storeAccounts,
      onPoint: () => onPoint(),
      ...(parent ? { parent } : {}),
    };
    const { point, inSet, lsn, sourcePoint } =
      copy !== undefined
        ? { ...(await copy), inSet: catalog.base }
        : fullMethod === "mysqldump" || fullMethod === "mariadb-dump"
          ? await dumpPayload(ctx)
          : fullMethod === "mydumper"
            ? await mydumperPayload(ctx)
            : { ...(await physicalPayload(physicalContext(facts.flavor, parent))), inSet: catalog.base };
    Object.assign(tools, await versions);

    trace("payload stored");
    checkComplete(catalog, inSet, req.dataset);
    onPoint(); // a payload that never reported its point (none today): the figures come after it
    let ref = await reference;
    if (early) {
      const carried = await carryToPoint(server, ref, point);
      if (carried.ok) ref = carried.figures;
      else {
        // not exact: counted again now, after the copy, as for every other method
        trace(`reference figures counted again after the copy: ${carried.why}`);
        ref = await referenceSnapshot(server, catalog.base, { checksums: false, flavor: facts.flavor });
      }
    }
    trace("reference figures ready");
    const finished = new Date();
    const manifest: BackupManifest = {
      formatVersion: 1,
      id,
      project: spec.project,
      dataset: req.dataset,
      kind,
      method: fullMethod,
      server: {
        name: serverName,
        version: facts.version,
        flavor: facts.flavor,
        serverId: facts.serverId,
        ...(facts.binlogBasename ? { binlogBasename: facts.binlogBasename } : {}),
      },
      host: hostname(),
      databases: scope.databases,
      tables: inSet,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      ...(parent && kind === "incremental" ? { parent: parent.id } : {}),
      ...(lsn ? { lsn } : {}),
      consistentPoint: point,
      ...(sourcePoint ? { sourcePoint } : {}),
      files,
      ...enc.manifest,
      tools,
      rebuild: rebuild.facts,
      reference: ref,
      ...(gated.replication ? { replication: gated.replication } : {}),
      ...(notes.length || gated.note ? { notes: [...notes, ...(gated.note ? [gated.note] : [])] } : {}),
    };
    // the last step that can still be undone: a signal that came during the figures stops it here
    throwIfInterrupted((signal) => interruptedError(signal, `backing up ${req.dataset}`));
    const dir = must(setDir);
    await publishSet(dir, manifest);
    trace("published");
    published = true;
    return { manifest, dir, debrisRemoved: debris.removed };
  } finally {
    // a copy still running (the server could not be read) ends before its files are removed
    if (copy !== undefined) await discardCopy(copy, stopCopy);
    if (staging) await rm(staging, { recursive: true, force: true }).catch(() => {});
    if (setDir && !published) await rm(setDir, { recursive: true, force: true }).catch(() => {});
    await lock.release();
  }
}
