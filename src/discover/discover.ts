// Discovers the CURRENT state for a spec: every server in parallel, the cron block, the repositories,
// and (from the journal) which datasets a drill has verified.

import { backupServer } from "../core/backup-source.js";
import type { ObservedState, ObservedVerification } from "../core/observed.js";
import { cronTargetOf, stateDirOf } from "../core/desired.js";
import { lastVerifiedDrill } from "../drill/records.js";
import { readJournal } from "../state/journal.js";
import type { DrSpec } from "../spec/types.generated.js";
import { discoverCron } from "./cron.js";
import { discoverDropIn } from "./drop-in.js";
import { discoverRepository } from "./repositories.js";
import { discoverServer } from "./server.js";

export async function discoverState(spec: DrSpec): Promise<ObservedState> {
  const dbsByServer = new Map<string, Set<string>>();
  for (const ds of Object.values(spec.datasets)) {
    for (const s of new Set([ds.server, backupServer(ds)])) {
      const set = dbsByServer.get(s) ?? new Set();
      for (const d of ds.databases) set.add(d);
      dbsByServer.set(s, set);
    }
  }
  const [servers, cron, repos] = await Promise.all([
    Promise.all(
      Object.entries(spec.servers).map(async ([name, s]) => {
        const [server, dropIn] = await Promise.all([
          discoverServer(name, s, [...(dbsByServer.get(name) ?? [])]),
          s.configDropIn ? discoverDropIn(s.configDropIn) : undefined,
        ]);
        return dropIn ? { ...server, dropIn } : server;
      }),
    ),
    discoverCron(cronTargetOf(spec), spec.project),
    Promise.all(Object.entries(spec.repositories).map(([name, r]) => discoverRepository(name, r, spec.project))),
  ]);
  return {
    formatVersion: 1,
    servers: Object.fromEntries(servers.map((s) => [s.name, s])),
    cron,
    repositories: Object.fromEntries(repos.map((r) => [r.name, r])),
    verifications: await discoverVerifications(spec),
  };
}

/** From the journal: per dataset, the newest drill whose data verified, and the method it restored. */
async function discoverVerifications(spec: DrSpec): Promise<Record<string, ObservedVerification>> {
  const journal = await readJournal(stateDirOf(spec)).catch(() => []);
  const out: Record<string, ObservedVerification> = {};
  for (const [ds, d] of lastVerifiedDrill(journal))
    if (d.method) out[ds] = { method: d.method, at: d.startedAt, drill: d.drill, ...(d.set ? { set: d.set } : {}) };
  return out;
}
