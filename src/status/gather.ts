// What `drctl status` reads from the world: each dataset's recovery catalog (its sets, its server's
// archived binlogs and the last clean archive run, read as restore reads them) and the journal's
// drill records — handed to the pure core (core/status.ts).

import { systemZone } from "../adapters/fs/zoneinfo.js";
import { readZonesFrom } from "../core/schedule-gaps.js";
import { checkRepository } from "../repository/local.js";
import { pointTime } from "../core/recovery.js";
import { planFromCatalog, readRecoveryCatalog } from "../restore/recovery-catalog.js";
import { datasetStatus, statusReport, type DatasetFacts, type StatusReport } from "../core/status.js";
import { stateDirOf } from "../core/desired.js";
import { drillRecords } from "../drill/records.js";
import type { DrSpec } from "../spec/types.generated.js";
import { type JournalRecord, readJournal } from "../state/journal.js";
import { copyHistory } from "../copy/records.js";
import { must } from "../errors.js";

async function datasetFacts(
  spec: DrSpec,
  name: string,
  drills: ReturnType<typeof drillRecords>,
  journal: JournalRecord[],
): Promise<DatasetFacts> {
  const ds = must(spec.datasets[name]);
  const repoPath = await checkRepository(spec, ds.repository);
  // the catalog in the order restores see it (binlog position, timeline), not the clocks'
  const catalog = await readRecoveryCatalog(repoPath, name, ds);
  const newestImage = catalog.images.at(-1);
  const newestFull = newestImage?.full;
  const newestSet = newestImage ? (newestImage.incrementals.at(-1) ?? newestImage.full) : undefined;
  const bytes = (entries: { manifest: { files: { bytes: number }[] } }[]) =>
    entries.reduce((n, e) => n + e.manifest.files.reduce((m, f) => m + f.bytes, 0), 0);
  const facts: DatasetFacts = {
    storedBytes: { sets: bytes(catalog.sets), binlogs: bytes(catalog.binlogs) },
    ...(newestFull
      ? {
          newestFull: {
            id: newestFull.id,
            at: pointTime(newestFull),
            ...(newestFull.server.name !== ds.server ? { takenOn: newestFull.server.name } : {}),
            ...(newestFull.replication ? { replicaLagSeconds: newestFull.replication.lagSeconds } : {}),
          },
        }
      : {}),
    ...(newestSet ? { newestSet: { id: newestSet.id, at: pointTime(newestSet) } } : {}),
    drills: drills
      .filter((d) => d.dataset === name)
      .map((d) => ({
        drill: d.drill,
        startedAt: d.startedAt,
        result: d.result,
        ...(d.rto ? { rto: d.rto } : {}),
        ...(d.rpo ? { rpo: d.rpo } : {}),
      })),
  };
  if (ds.copies?.length) facts.offsite = ds.copies.map((repo) => copyHistory(journal, name, repo));
  if (ds.binlog?.archive === true) {
    // read once, in the catalog: the last clean archive run (of the server the sets came from) and the
    // newest archived event
    if (catalog.options.coveredUntil) facts.archivedUntil = catalog.options.coveredUntil;
    const newestEvent = catalog.binlogs
      .map((s) => s.manifest.binlog?.lastEventAt ?? "")
      .sort()
      .at(-1);
    if (newestEvent) facts.newestArchivedEvent = newestEvent;
  }
  if (newestFull) {
    const plan = planFromCatalog(catalog, "latest");
    facts.recovery = plan.ok
      ? { reaches: plan.reaches }
      : {
          ...(plan.newestReachable ? { reaches: plan.newestReachable } : {}),
          ...(plan.missing ? { missing: plan.missing } : {}),
        };
  }
  return facts;
}

/** `journal`: the caller's reading of it, when it needs the journal too (read once, not twice). */
export async function gatherStatus(
  spec: DrSpec,
  now: Date,
  only?: string,
  journal?: JournalRecord[],
): Promise<StatusReport> {
  journal ??= await readJournal(stateDirOf(spec)).catch(() => []);
  const drills = drillRecords(journal);
  // as plan: cron's zone, its rules from the system's zoneinfo before ICU
  readZonesFrom(systemZone);
  const tz = spec.scheduler?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  const names = only ? [only] : Object.keys(spec.datasets);
  const out = [];
  for (const name of names)
    out.push(datasetStatus(spec, name, await datasetFacts(spec, name, drills, journal), now, tz));
  const report = statusReport(out, now);
  // a notification target whose newest delivery failed: nobody hears from drctl there
  const newest = new Map<string, JournalRecord>();
  for (const r of journal) if (r.kind === "notify") newest.set(String(r.data.target), r);
  const failed = [...newest.values()]
    .filter((r) => r.data.ok === false)
    .map((r) => ({ target: String(r.data.target), at: r.ts, error: String(r.data.error ?? "") }));
  return failed.length ? { ...report, notifications: failed } : report;
}
