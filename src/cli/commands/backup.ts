// drctl backup | backups | verify: take a set, list the catalog, check stored bytes against manifests.

import { runBackup, type BackupKind } from "../../backup/backup.js";
import { type Catalog, readCatalog, storedBytes, type CatalogSet } from "../../backup/catalog.js";
import { checkIdentity } from "../../backup/identity.js";
import { verifySet, type SetVerification } from "../../backup/verify.js";
import { parseWaitMs } from "../../core/duration.js";
import { DrError } from "../../errors.js";
import { formatBytes } from "../../core/units.js";
import { formatColumns } from "../../render/columns.js";
import { loadSpec } from "../../spec/check.js";
import { stateDirOf } from "../../core/desired.js";
import { verifiedSets } from "../../drill/records.js";
import { readJournal } from "../../state/journal.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { progressReporter } from "../progress.js";
import type { JobResult } from "./job.js";

export async function backupWork(
  spec: DrSpec,
  opts: { dataset: string; kind: BackupKind; lockTimeout?: string },
  io: Io,
): Promise<JobResult> {
  const progress = progressReporter(io);
  const waitMs = opts.lockTimeout === undefined ? undefined : parseWaitMs(opts.lockTimeout);
  if (opts.lockTimeout !== undefined && waitMs === undefined)
    throw new DrError("invalid", `--lock-timeout ${opts.lockTimeout}: expected a duration such as 0s, 30s, 5m or 1h`);
  try {
    const r = await runBackup({
      spec,
      dataset: opts.dataset,
      kind: opts.kind,
      ...(waitMs !== undefined ? { lockWaitMs: waitMs } : {}),
      onProgress: (label, bytes) => progress.update(label, bytes),
      say: (line) => {
        progress.done();
        io.err(line);
      },
    });
    progress.done();
    const m = r.manifest;
    const bytes = storedBytes(m);
    const secs = (Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000;
    io.out(
      `backup ${m.id}: ${m.kind} ${m.method} of ${m.dataset}, ${m.tables?.length ?? 0} tables, ` +
        `${formatBytes(bytes)} stored in ${secs.toFixed(1)} s`,
    );
    io.out(`  consistent point: ${describePoint(m.consistentPoint)}`);
    if (m.parent) io.out(`  parent: ${m.parent}`);
    io.out(`  set: ${r.dir}`);
    if (m.replication)
      io.out(
        `  taken on ${m.server.name}, a replica of ${m.replication.replicaOf}: lag ` +
          `${m.replication.lagSeconds === null ? "unknown" : `${m.replication.lagSeconds}s`}` +
          `${m.replication.detail ? ` (${m.replication.detail})` : ""}`,
      );
    for (const n of m.notes ?? []) io.out(`  note: ${n}`);
    return {
      code: EXIT.ok,
      details: {
        set: m.id,
        kind: m.kind,
        method: m.method,
        bytes,
        files: m.files.length,
        consistentPoint: m.consistentPoint,
        ...(m.parent ? { parent: m.parent } : {}),
        server: m.server.name,
        ...(m.replication ? { replication: m.replication } : {}),
        ...(m.notes?.length ? { notes: m.notes } : {}),
        debrisRemoved: r.debrisRemoved.length,
      },
    };
  } finally {
    progress.done();
  }
}

function describePoint(p: { file?: string; position?: number; gtid?: string }): string {
  const parts = [];
  if (p.file) parts.push(`${p.file}:${p.position ?? "?"}`);
  if (p.gtid !== undefined) parts.push(`GTID ${p.gtid || "(empty)"}`);
  return parts.length ? parts.join(", ") : "unknown (binary logging off)";
}

export interface BackupsFlags {
  file: string;
  dataset?: string;
  json: boolean;
  /** List this repository (an offsite copy) instead of the local catalog. */
  repository?: string;
}

/** The store of a repository the spec names, for `--repository`; its caller closes it. */
async function storeOf(spec: DrSpec, name: string) {
  const repo = spec.repositories[name];
  if (!repo) throw new DrError("invalid", `--repository ${name}: the spec has no repository ${JSON.stringify(name)}`);
  const { openStore } = await import("../../repository/open.js");
  return await openStore(name, repo);
}

/** The sets one repository holds, read through its store, in the local catalog's shape. */
async function repositoryCatalog(
  spec: DrSpec,
  name: string,
  opts: { dataset?: string; binlogs?: boolean },
): Promise<Catalog> {
  const store = await storeOf(spec, name);
  try {
    const { readStoreCatalog } = await import("../../repository/store-sets.js");
    const c = await readStoreCatalog(store, spec.project, opts);
    return {
      sets: c.sets.map((s) => ({ repository: name, dir: `${store.where}/${s.prefix}`, manifest: s.manifest })),
      problems: c.problems,
      strays: [
        ...c.incomplete.map(
          (p) => `${store.where}/${p}: objects but no manifest (an interrupted copy; the next drctl copy completes it)`,
        ),
        ...c.loose.map((k) => `${store.where}/${k}: an object where only sets belong (not drctl's; left alone)`),
      ],
    };
  } finally {
    await store.close();
  }
}

export async function backupsCommand(flags: BackupsFlags, io: Io): Promise<number> {
  const { spec } = await loadSpec(flags.file);
  if (flags.dataset && !spec.datasets[flags.dataset])
    throw new DrError("invalid", `the spec has no dataset ${JSON.stringify(flags.dataset)}`);
  const scope = flags.dataset ? { dataset: flags.dataset } : {};
  const cat = flags.repository
    ? await repositoryCatalog(spec, flags.repository, scope)
    : await readCatalog(spec, scope);
  for (const p of cat.problems) io.err(`drctl: warning: ${p}`);
  for (const p of cat.strays) io.err(`drctl: warning: stray: ${p}`);
  const attention = cat.problems.length || cat.strays.length ? EXIT.degraded : EXIT.ok;
  // "verified" is a drill's word (DESIGN §8 rule 2): the sets of an image a drill restored and checked
  const verified = verifiedSets(await readJournal(stateDirOf(spec)).catch(() => []));
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          sets: cat.sets.map((s) => ({ ...entryJson(s), verified: verified.has(s.manifest.id) })),
          problems: cat.problems,
          strays: cat.strays,
        },
        null,
        2,
      ),
    );
    return attention;
  }
  if (!cat.sets.length) {
    io.out(flags.dataset ? `no backup sets of ${flags.dataset} yet` : "no backup sets yet");
    return attention;
  }
  const rows = cat.sets.map((s) => {
    const m = s.manifest;
    return [
      m.dataset ?? "",
      m.id,
      m.kind,
      m.method,
      fromOf(m),
      m.startedAt.replace(/\.\d+Z$/, "Z"),
      `${((Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000).toFixed(1)} s`,
      formatBytes(storedBytes(m)),
      describePoint(m.consistentPoint),
      verified.has(m.id) ? "yes" : "",
      m.parent ?? "",
    ];
  });
  const head = [
    "DATASET",
    "SET",
    "KIND",
    "METHOD",
    "FROM",
    "STARTED",
    "TOOK",
    "SIZE",
    "CONSISTENT POINT",
    "VERIFIED",
    "PARENT",
  ];
  for (const line of formatColumns(head, rows)) io.out(line);
  return attention;
}

/** The server a set was taken on, and a replica's lag then ("db2 (replica, lag 3s)"). */
function fromOf(m: CatalogSet["manifest"]): string {
  if (!m.replication) return m.server.name;
  const lag = m.replication.lagSeconds === null ? "lag unknown" : `lag ${m.replication.lagSeconds}s`;
  return `${m.server.name} (replica, ${lag})`;
}

function entryJson(s: CatalogSet) {
  const m = s.manifest;
  return {
    dataset: m.dataset,
    id: m.id,
    kind: m.kind,
    method: m.method,
    server: m.server.name,
    ...(m.replication ? { replication: m.replication } : {}),
    repository: s.repository,
    dir: s.dir,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    bytes: storedBytes(m),
    files: m.files.length,
    consistentPoint: m.consistentPoint,
    ...(m.parent ? { parent: m.parent } : {}),
    encryption: m.encryption.type,
  };
}

/**
 * Which dataset (or, for an archived binlog, which server) a set belongs to: the evidence files a
 * failed verify under it.
 */
function datasetOfSet(sets: CatalogSet[], id: string): { dataset?: string; server?: string } {
  const m = sets.find((s) => s.manifest.id === id)?.manifest;
  if (!m) return {};
  return m.kind === "binlog" ? { server: m.server.name } : m.dataset ? { dataset: m.dataset } : {};
}

export async function verifyWork(
  spec: DrSpec,
  opts: { ids: string[]; deep: boolean; repository?: string },
  io: Io,
): Promise<JobResult> {
  const cat = opts.repository
    ? await repositoryCatalog(spec, opts.repository, { binlogs: true })
    : await readCatalog(spec, { binlogs: true });
  for (const p of cat.problems) io.err(`drctl: ${p}`);
  for (const p of cat.strays) io.err(`drctl: warning: stray: ${p}`);
  let chosen = cat.sets;
  if (opts.ids.length) {
    const unknown = opts.ids.filter((id) => !cat.sets.some((s) => s.manifest.id === id));
    if (unknown.length)
      throw new DrError(
        "invalid",
        `no published set with id ${unknown.join(", ")} in ` +
          (opts.repository ? `repository ${opts.repository}` : "the spec's repositories"),
        { hint: `\`drctl backups${opts.repository ? ` --repository ${opts.repository}` : ""}\` lists them` },
      );
    chosen = cat.sets.filter((s) => opts.ids.includes(s.manifest.id));
  }
  const results: SetVerification[] = [];
  if (opts.deep && spec.encryption?.identityFile)
    await checkIdentity(
      spec.encryption.identityFile,
      chosen.map((s) => s.manifest),
      { matchRecipients: false },
    );
  const identity = spec.encryption?.identityFile ? { identityFile: spec.encryption.identityFile } : {};
  const store = opts.repository ? await storeOf(spec, opts.repository) : undefined;
  try {
    const { verifyStoredSet } = await import("../../repository/store-sets.js");
    for (const s of chosen) {
      const r: SetVerification = store
        ? await verifyStoredSet(
            store,
            { prefix: s.dir.slice(store.where.length + 1), manifest: s.manifest },
            { deep: opts.deep, ...identity },
          ).then((v) => ({ ...v, dir: v.where }))
        : await verifySet(s, { deep: opts.deep, ...identity });
      results.push(r);
      if (r.ok) io.out(`ok      ${r.id}  ${r.files} file(s), ${formatBytes(r.bytes)}${opts.deep ? ", decoded" : ""}`);
      else for (const p of r.problems) io.out(`FAILED  ${r.id}  ${p.file}: ${p.problem}  (${r.dir})`);
    }
  } finally {
    await store?.close();
  }
  const failed = results.filter((r) => !r.ok);
  io.out(
    `${results.length} set(s) checked${opts.deep ? " (deep)" : ""}: ${results.length - failed.length} ok, ` +
      `${failed.length} failed` +
      (cat.problems.length ? `, ${cat.problems.length} unreadable manifest(s)` : "") +
      (cat.strays.length
        ? `, ${cat.strays.length} stray director${cat.strays.length === 1 ? "y" : "ies"} (not sets: look at them)`
        : ""),
  );
  // sets named on the command line are judged alone; the whole catalog also by what cannot be read
  const whole = opts.ids.length === 0;
  const code =
    failed.length || (whole && cat.problems.length)
      ? EXIT.integrity
      : whole && cat.strays.length
        ? EXIT.degraded
        : EXIT.ok;
  return {
    code,
    details: {
      ...(opts.repository ? { repository: opts.repository } : {}),
      whole,
      deep: opts.deep,
      checked: results.length,
      failed: failed.map((f) => ({ set: f.id, ...datasetOfSet(chosen, f.id), problems: f.problems })),
      unreadable: cat.problems,
      ...(cat.strays.length ? { strays: cat.strays } : {}),
    },
    ...(code === EXIT.integrity
      ? { error: `${failed.length} set(s) failed verification` }
      : code === EXIT.degraded
        ? { error: `${cat.strays.length} stray director${cat.strays.length === 1 ? "y" : "ies"} in the repository` }
        : {}),
  };
}
