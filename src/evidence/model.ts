// The evidence an auditor reads, derived from the journal alone (pure): per dataset its backups,
// drills (measured vs target RTO/RPO), failures and archive gaps; every apply with its diff.
// `evidence verify` derives it again from the bundle's journal copy and compares, so a report
// edited after the fact is caught even when its file digests were recomputed.

import type { DrSpec } from "../spec/types.generated.js";
import type { JournalRecord } from "../state/journal.js";
import type { DrillRecord } from "../drill/drill.js";
import type { ApplyEvidence, DatasetEvidence, DrillEvidence, JobEvidence } from "./evidence.generated.js";

type Data = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" ? v : undefined);

function job(r: JournalRecord): JobEvidence {
  const d = r.data;
  const details = (d.details ?? {}) as Data;
  const out: JobEvidence = { seq: r.seq, at: r.ts, command: String(d.command), result: String(d.result), exitCode: Number(d.exitCode) };
  const set = str(details.set);
  if (set) out.set = set;
  const kind = str(details.kind);
  if (kind) out.kind = kind;
  const method = str(details.method);
  if (method) out.method = method;
  const bytes = num(details.bytes);
  if (bytes !== undefined) out.bytes = bytes;
  const error = str(d.error);
  if (error) out.error = error;
  return out;
}

function drill(r: JournalRecord): DrillEvidence {
  const d = r.data as unknown as DrillRecord;
  return {
    seq: r.seq,
    drill: d.drill,
    at: d.startedAt,
    result: d.result,
    verified: d.verified,
    ...(d.sets ? { sets: d.sets } : {}),
    point: d.point.to === "latest" ? "latest" : `${d.point.to} (${d.point.how})`,
    ...(d.rto ? { rto: { measuredSeconds: d.rto.measuredSeconds, targetSeconds: d.rto.targetSeconds, met: d.rto.met } } : {}),
    ...(d.rpo ? { rpo: { measuredSeconds: d.rpo.measuredSeconds, targetSeconds: d.rpo.targetSeconds, met: d.rpo.met } } : {}),
    checks: d.checks.length,
    failures: d.failures,
  };
}

export function datasetEvidence(spec: DrSpec, records: JournalRecord[]): DatasetEvidence[] {
  return Object.entries(spec.datasets).map(([name, ds]) => {
    const jobs = records.filter((r) => r.kind === "job" && r.data.subject === name);
    const archiveJobs = records.filter((r) => r.kind === "job" && r.data.command === "binlog archive" && r.data.subject === ds.server);
    const drills = records.filter((r) => r.kind === "drill" && r.data.dataset === name).map(drill);
    const lastOk = drills.filter((d) => d.result === "ok").at(-1);
    const gaps = archiveJobs.flatMap((r) => (((r.data.details as Data | undefined)?.gaps ?? []) as { detail: string }[]).map((g) => `${r.ts}: ${g.detail}`));
    return {
      name,
      tier: ds.tier,
      server: ds.server,
      method: ds.full.method,
      backups: jobs.filter((r) => r.data.command === "backup").map(job),
      drills,
      ...(lastOk ? { lastSuccessfulDrill: lastOk } : {}),
      failures: [...jobs, ...archiveJobs].filter((r) => r.data.exitCode !== 0).sort((a, b) => a.seq - b.seq).map(job),
      gaps,
    };
  });
}

/** apply.start … apply.resource … apply.end, one entry per apply, with each resource's attribute diff. */
export function applyEvidence(records: JournalRecord[]): ApplyEvidence[] {
  const out: ApplyEvidence[] = [];
  let current: ApplyEvidence | undefined;
  for (const r of records) {
    if (r.kind === "apply.start") {
      current = { seq: r.seq, at: r.ts, operator: String(r.data.operator ?? ""), specDigest: String(r.data.specDigest ?? ""), result: "unfinished", changes: [] };
      out.push(current);
    } else if (r.kind === "apply.resource" && current) {
      const attrs = (r.data.attributes ?? []) as { name: string; before: string | null; after: string | null }[];
      current.changes.push({ address: String(r.data.address), action: String(r.data.action), result: String(r.data.result), diff: attrs.map((a) => `${a.name}: ${a.before ?? "(none)"} → ${a.after ?? "(none)"}`) });
    } else if (r.kind === "apply.end" && current) {
      current.result = String(r.data.result);
      current = undefined;
    }
  }
  return out;
}

export function tiersOf(spec: DrSpec, parse: (d: string) => number | undefined): Record<string, { rpoSeconds: number; rtoSeconds: number }> {
  return Object.fromEntries(Object.entries(spec.tiers).map(([n, t]) => [n, { rpoSeconds: parse(t.rpo)!, rtoSeconds: parse(t.rto)! }]));
}
