// What `drctl status` reads from the world: each dataset's sets, its server's archive progress and
// newest archived event, and the journal's drill records — handed to the pure core (core/status.ts).

import { checkRepository } from "../backup/backup.js";
import { listSets, setsDir } from "../backup/set-store.js";
import { archiveCoverage } from "../binlog/archive.js";
import { inPointOrder, pointTime } from "../core/recovery.js";
import { planFromCatalog, readRecoveryCatalog } from "../restore/recovery-catalog.js";
import { datasetStatus, statusReport, type DatasetFacts, type StatusReport } from "../core/status.js";
import { stateDirOf } from "../core/desired.js";
import { drillRecords } from "../drill/records.js";
import type { DrSpec } from "../spec/types.generated.js";
import { readJournal } from "../state/journal.js";

export async function datasetFacts(spec: DrSpec, name: string, drills: ReturnType<typeof drillRecords>): Promise<DatasetFacts> {
  const ds = spec.datasets[name]!;
  const repoPath = await checkRepository(spec, ds.repository);
  const sets = inPointOrder((await listSets(setsDir(repoPath, name))).sets.map((s) => s.manifest));
  const fulls = sets.filter((m) => m.kind === "full");
  const newestFull = fulls.at(-1);
  const newestSet = sets.at(-1);
  const facts: DatasetFacts = {
    ...(newestFull ? { newestFull: { id: newestFull.id, at: pointTime(newestFull) } } : {}),
    ...(newestSet ? { newestSet: { id: newestSet.id, at: pointTime(newestSet) } } : {}),
    drills: drills.filter((d) => d.dataset === name).map((d) => ({ drill: d.drill, startedAt: d.startedAt, result: d.result, ...(d.rto ? { rto: d.rto } : {}), ...(d.rpo ? { rpo: d.rpo } : {}) })),
  };
  if (ds.binlog?.archive === true) {
    const c = await archiveCoverage(repoPath, ds.server, newestFull?.server.serverId);
    if (c.archivedUntil) facts.archivedUntil = c.archivedUntil;
    if (c.newestEvent) facts.newestArchivedEvent = c.newestEvent;
  }
  if (newestFull) {
    const plan = planFromCatalog(await readRecoveryCatalog(repoPath, name, ds), "latest");
    facts.recovery = plan.ok ? { reaches: plan.reaches } : { ...(plan.newestReachable ? { reaches: plan.newestReachable } : {}), ...(plan.missing ? { missing: plan.missing } : {}) };
  }
  return facts;
}

export async function gatherStatus(spec: DrSpec, now: Date, only?: string): Promise<StatusReport> {
  const drills = drillRecords(await readJournal(stateDirOf(spec)).catch(() => []));
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  const names = only ? [only] : Object.keys(spec.datasets);
  const out = [];
  for (const name of names) out.push(datasetStatus(spec, name, await datasetFacts(spec, name, drills), now, tz));
  return statusReport(out, now);
}
