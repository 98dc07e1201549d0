// drctl restore <dataset> --to <time|latest> [--keep]: into a throwaway sandbox; says what came back.

import { hasZone, parseInstant } from "../../core/instant.js";
import { DrError, must } from "../../errors.js";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { formatBytes } from "../../core/units.js";
import { type Fetched, fetchFromCopy, specReadingFrom } from "../../repository/fetch.js";
import { parseWaitMs } from "../../core/duration.js";
import { stateDirOf } from "../../core/desired.js";
import { shareDatasetSets } from "../../state/lock.js";
import type { RestoreOutcome } from "../../restore/restore.js";
import { parseTableCopies, type TableCopy } from "../../restore/copy-tables.js";
import { restore } from "../../restore/restore.js";
import { checkReseed, type ReseededReplica, reseedReplicas } from "../../restore/reseed.js";
import { replicasOf } from "../../core/topology.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { JobResult } from "./job.js";
import { progressReporter } from "../progress.js";
import { freeSandboxName, registerSandbox, sandboxHome } from "./sandbox.js";

export interface RestoreFlags {
  to: string;
  keep: boolean;
  before?: string;
  skip?: string;
  force?: boolean;
  target?: string;
  tables?: string[];
  rename?: string[];
  yes?: boolean;
  /** After the restore onto a source: rebuild its replicas from it (issue 16 §5). */
  reseedReplicas?: boolean;
  lockTimeout?: string;
  /** Restore from this copy of the dataset (the site of the primary repository is gone). */
  from?: string;
}

/** What the restore reached, in UTC: never "latest" when --before stopped it earlier. */
function describeTarget(to: string, r: RestoreOutcome): string {
  if (r.replay?.stoppedBefore)
    return (
      `just before ${r.replay.stoppedBefore}` +
      (r.replay.lastAt ? ` (last applied transaction written ${r.replay.lastAt})` : "")
    );
  if (to === "latest")
    return `latest (${r.replay?.lastAt ? `last transaction written ${r.replay.lastAt}` : "the set's own point"})`;
  const at = must(parseInstant(to)).toISOString();
  return hasZone(to) ? at : `${at} (--to had no zone: read as UTC)`;
}

export async function restoreWork(spec: DrSpec, dataset: string, opts: RestoreFlags, io: Io): Promise<JobResult> {
  const name = opts.keep ? freeSandboxName(`restore-${dataset}`) : `restore-${dataset}`;
  let into: { server: string; tables?: TableCopy[] } | undefined;
  let replicas: string[] = [];
  if (opts.reseedReplicas) {
    if (opts.target === undefined || opts.target === "sandbox" || opts.tables?.length)
      throw new DrError("invalid", "--reseed-replicas goes with --target SOURCE and a whole dataset (no --tables)");
    replicas = replicasOf(spec, opts.target);
    // before anything is written: every replica reachable and replicating by GTID
    await checkReseed(spec, opts.target, replicas);
  }
  if (opts.target !== undefined && opts.target !== "sandbox") {
    const tables = opts.tables?.length ? parseTableCopies(opts.tables, opts.rename ?? []) : undefined;
    into = { server: opts.target, ...(tables ? { tables } : {}) };
    const dsDef = spec.datasets[dataset];
    const what =
      (tables
        ? `creating ${tables.map((t) => `${t.database}.${t.as}`).join(", ")}`
        : `REPLACING the tables of ${(dsDef?.databases ?? []).join(", ")} with the restored ones`) +
      (replicas.length
        ? `, then REBUILDING ${(dsDef?.databases ?? []).join(", ")} on its replica(s) ${replicas.join(", ")} ` +
          "from it and restarting their replication"
        : "");
    if (!opts.yes) {
      if (!io.interactive || !io.ask)
        throw new DrError(
          "invalid",
          `writing to the live server ${opts.target} needs confirmation: add --yes (it would be ${what})`,
        );
      const answer = await io.ask(
        `Restore into the live server ${opts.target}, ${what}? Only 'yes' will be accepted: `,
      );
      if (answer.trim() !== "yes") throw new DrError("invalid", "restore cancelled: nothing was written");
    }
  } else if (opts.rename?.length && !opts.tables?.length) {
    throw new DrError("invalid", "--rename names tables given with --tables");
  }
  const only = !into && opts.tables?.length ? parseTableCopies(opts.tables, opts.rename ?? []) : undefined;
  // the sets must not vanish under the restore: prune (which deletes them) holds this lock exclusively,
  // restores share it with each other (a drill holds it exclusively and restores through restore())
  const waitMs = parseWaitMs(opts.lockTimeout ?? "1h");
  if (waitMs === undefined)
    throw new DrError("invalid", `--lock-timeout ${opts.lockTimeout}: expected a duration such as 0s, 30s, 5m or 1h`);
  const lock = await shareDatasetSets(stateDirOf(spec), dataset, {
    waitMs,
    command: `drctl restore ${dataset}`,
    onWait: () => io.err(`waiting for a prune or drill of ${dataset} to finish`),
  });
  const progress = progressReporter(io, { verb: "read" });
  let r: RestoreOutcome;
  let fetched: Fetched | undefined;
  try {
    if (opts.from !== undefined) {
      fetched = await fetchFromCopy(spec, dataset, opts.from, join(stateDirOf(spec), "fetch"), (l) => io.err(l));
      io.err(
        `fetched ${fetched.sets} set(s), ${formatBytes(fetched.bytes)}, from ${fetched.where}; every object checked` +
          (fetched.damaged.length ? `, ${fetched.damaged.length} damaged (named above)` : ""),
      );
    }
    r = await restore({
      spec: fetched ? specReadingFrom(spec, dataset, fetched) : spec,
      dataset,
      to: opts.to,
      onProgress: (label, bytes) => progress.update(label, bytes),
      ...(into ? { into } : {}),
      ...(only ? { only } : {}),
      ...(opts.before !== undefined ? { before: opts.before } : {}),
      ...(opts.skip !== undefined ? { skip: opts.skip } : {}),
      force: opts.force === true,
      ...(replicas.length ? { reseedReplicas: true } : {}),
      ...(opts.keep ? { keepIn: sandboxHome() } : {}),
      say: (l) => {
        progress.done();
        io.err(l);
      },
    });
  } finally {
    progress.done();
    if (fetched) await rm(fetched.path, { recursive: true, force: true });
    await lock.release();
  }
  let reseeded: ReseededReplica[] | undefined;
  if (replicas.length && into) {
    const dsDef = must(spec.datasets[dataset]);
    reseeded = await reseedReplicas({
      spec,
      target: into.server,
      replicas,
      databases: dsDef.databases.filter((d) => !(dsDef.exclude ?? []).includes(d)),
      scratch: join(stateDirOf(spec), "reseed"),
      say: (l) => io.err(l),
    });
  }
  io.out(
    `restored ${dataset} to ${describeTarget(opts.to, r)} from ${r.sets.join(" + ")}` +
      (opts.from !== undefined ? ` (the copy in ${opts.from})` : ""),
  );
  if (r.replay) {
    io.out(
      `  replayed: ${r.replay.transactions} transaction(s) from ${r.replay.from}` +
        (r.replay.to ? ` to ${r.replay.to}` : ""),
    );
    if (r.replay.databases)
      io.out(
        `  applied:  the events of ${r.replay.databases.join(", ")} (mysqlbinlog --database, one pass each); ` +
          `the server's other databases were skipped`,
      );
    io.out(`  binlogs:  ${r.replay.files.join(", ")}`);
    if (r.replay.skipped) {
      io.out(`  skipped:  ${r.replay.skipped} — the whole transaction; everything before and after it replayed`);
      const all = r.replay.skippedStatements ?? [];
      if (all.length > 1)
        for (const [i, st] of all.entries()) io.out(`    statement ${i + 1} of ${all.length} left out: ${st}`);
    }
    for (const c of r.replay.conflicts ?? []) io.out(`  WARNING (--force): later change to a row it touched: ${c}`);
    if (r.replay.stoppedBefore)
      io.out(`  stopped before: ${r.replay.stoppedBefore} — not applied, nor anything after it`);
  } else io.out("  replayed: nothing (the set itself is the point)");
  if (r.copied?.databases)
    io.out(`  restored onto ${r.copied.server}: ${r.copied.databases.join(", ")} (as of the restored point)`);
  if (r.copied?.tables)
    for (const t of r.copied.tables)
      io.out(`  copied:   ${t.database}.${t.table} → ${r.copied.server} as ${t.database}.${t.as}`);
  for (const rep of reseeded ?? [])
    io.out(
      `  reseeded: ${rep.server} from ${into?.server} at GTID ${rep.gtid}; replication runs, ` +
        `${rep.tablesCompared} table(s) equal (CHECKSUM TABLE)`,
    );
  if (only) io.out(`  sandbox holds only: ${only.map((t) => `${t.database}.${t.as}`).join(", ")}`);
  if (r.sandbox) {
    await registerSandbox(name, r.sandbox);
    io.out(`  sandbox:  mariadb --defaults-file=${r.sandbox.clientOptionFile}`);
    io.out(`  stop with: drctl sandbox down --name ${name}`);
  } else io.out("  the sandbox was torn down (--keep leaves it running)");
  return {
    code: EXIT.ok,
    details: {
      to: opts.to,
      sets: r.sets,
      ...(r.replay ? { replay: r.replay } : {}),
      ...(r.copied ? { copied: r.copied } : {}),
      ...(reseeded ? { reseeded } : {}),
      kept: r.sandbox !== undefined,
    },
  };
}
