// The evidence an auditor reads, derived from the journal alone (pure): per dataset its backups,
// drills (measured vs target RTO/RPO), failures and archive gaps; every apply with its diff.
// `evidence verify` derives it again from the bundle's journal copy and compares, so a report
// edited after the fact is caught even when its file digests were recomputed.

import type { DrSpec } from "../spec/types.generated.js";
import type { JournalRecord } from "../state/journal.js";
import type { DrillRecord } from "../drill/drill.js";
import type {
  ApplyEvidence,
  CopyEvidence,
  DatasetEvidence,
  DrillEvidence,
  JobEvidence,
  Verdict,
} from "./evidence.generated.js";
import { must } from "../errors.js";
import { copyHistory } from "../copy/records.js";

type Data = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" ? v : undefined);

function job(r: JournalRecord): JobEvidence {
  const d = r.data;
  const details = (d.details ?? {}) as Data;
  const out: JobEvidence = {
    seq: r.seq,
    at: r.ts,
    command: String(d.command),
    result: String(d.result),
    exitCode: Number(d.exitCode),
  };
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
    ...(d.from ? { from: d.from } : {}),
    point: d.point.to === "latest" ? "latest" : `${d.point.to} (${d.point.how})`,
    ...(d.rto
      ? { rto: { measuredSeconds: d.rto.measuredSeconds, targetSeconds: d.rto.targetSeconds, met: d.rto.met } }
      : {}),
    ...(d.rpo
      ? { rpo: { measuredSeconds: d.rpo.measuredSeconds, targetSeconds: d.rpo.targetSeconds, met: d.rpo.met } }
      : {}),
    checks: d.checks.length,
    failures: d.failures,
  };
}

/** Commands a person runs and may be refused (exit 3) for asking something unsafe: a refusal is not a failure. */
const OPERATOR_COMMANDS = new Set(["restore", "verify"]);

/**
 * Did this job record fail (as the evidence counts it)? A busy lock (4) never ran; an operator's refused
 * request is no failure.
 */
function failedJob(r: JournalRecord): boolean {
  const code = Number(r.data.exitCode);
  if (code === 0 || code === 4) return false;
  return !(code === 3 && OPERATOR_COMMANDS.has(String(r.data.command)));
}

/**
 * Is a job record about this dataset? Its own jobs, its drills' runs (named by drill), verify runs that named its sets.
 */
function concerns(r: JournalRecord, name: string, server: string, drillNames: Set<string>): boolean {
  const d = r.data;
  if (d.subject === name) return true;
  if (
    (d.command === "drill run" && drillNames.has(String(d.subject))) ||
    (d.command === "drill verify" && d.subject === name)
  )
    return true;
  if (d.command === "verify") {
    const failed = ((d.details as Data | undefined)?.failed ?? []) as { dataset?: string; server?: string }[];
    // an archived binlog concerns the datasets of its server; an older record that names neither, every dataset
    return failed.some(
      (f) => f.dataset === name || (f.dataset === undefined && (f.server === undefined || f.server === server)),
    );
  }
  return false;
}

export function datasetEvidence(spec: DrSpec, records: JournalRecord[]): DatasetEvidence[] {
  return Object.entries(spec.datasets).map(([name, ds]) => {
    const drillNames = new Set(Object.entries(spec.drills ?? {}).flatMap(([n, d]) => (d.dataset === name ? [n] : [])));
    const jobs = records.filter((r) => r.kind === "job" && concerns(r, name, ds.server, drillNames));
    const archiveJobs = records.filter(
      (r) => r.kind === "job" && r.data.command === "binlog archive" && r.data.subject === ds.server,
    );
    const drills = records.filter((r) => r.kind === "drill" && r.data.dataset === name).map(drill);
    const lastOk = drills.filter((d) => d.result === "ok").at(-1);
    const lastDrill = drills.at(-1);
    const gaps = archiveJobs.flatMap((r) =>
      (((r.data.details as Data | undefined)?.gaps ?? []) as { detail: string }[]).map((g) => `${r.ts}: ${g.detail}`),
    );
    const backups = jobs.filter((r) => r.data.command === "backup").map(job);
    const copies = (ds.copies ?? []).map((repo) => copyHistory(records, name, repo));
    const copyJobs = records.filter(
      (r) =>
        r.kind === "job" &&
        r.data.command === "copy" &&
        ((r.data.details as { targets?: { dataset?: string }[] } | undefined)?.targets ?? []).some(
          (t) => t.dataset === name,
        ),
    );
    const failures = [...jobs, ...archiveJobs, ...copyJobs.filter((r) => !jobs.includes(r))]
      .filter(failedJob)
      .sort((a, b) => a.seq - b.seq)
      .map(job);
    return {
      name,
      tier: ds.tier,
      server: ds.server,
      method: ds.full.method,
      verdict: datasetVerdict({ backups, drills, gaps, lastArchive: archiveJobs.at(-1), copies }),
      backups,
      drills,
      ...(lastOk ? { lastSuccessfulDrill: lastOk } : {}),
      ...(lastDrill ? { lastDrill } : {}),
      failures,
      gaps,
      ...(copies.length ? { copies } : {}),
    };
  });
}

const STATES = ["OK", "AT RISK", "BREACHED"] as const;

/**
 * A dataset's verdict as the period's journal shows it — the newest result counts, never an older
 * success: the latest drill failed or missed its tier, or no backup succeeded → BREACHED; the
 * latest backup or archive run failed, an archive gap, no drill in the period → AT RISK.
 */
function datasetVerdict(o: {
  backups: JobEvidence[];
  drills: DrillEvidence[];
  gaps: string[];
  lastArchive: JournalRecord | undefined;
  copies: CopyEvidence[];
}): Verdict {
  const reasons: string[] = [];
  let state: Verdict["state"] = "OK";
  const flag = (s: Verdict["state"], why: string) => {
    if (STATES.indexOf(s) > STATES.indexOf(state)) state = s;
    reasons.push(why);
  };
  const lastDrill = o.drills.at(-1);
  if (!o.backups.some((b) => b.exitCode === 0)) flag("BREACHED", "no backup succeeded in the period");
  if (lastDrill?.result === "failed")
    flag("BREACHED", `the latest drill (${lastDrill.drill}, ${lastDrill.at}) FAILED: ${lastDrill.failures.join("; ")}`);
  else if (lastDrill?.result === "target-missed")
    flag("BREACHED", `the latest drill (${lastDrill.drill}, ${lastDrill.at}) verified the data but missed the tier`);
  if (!lastDrill) flag("AT RISK", "no drill in the period: no backup was proven restorable");
  const lastBackup = o.backups.filter((b) => b.exitCode !== 4 && b.exitCode !== 3).at(-1);
  if (lastBackup && lastBackup.exitCode !== 0)
    flag("AT RISK", `the latest backup (${lastBackup.at}) failed with exit ${lastBackup.exitCode}`);
  if (o.lastArchive && o.lastArchive.data.exitCode !== 0 && o.lastArchive.data.exitCode !== 4)
    flag(
      "AT RISK",
      `the latest binlog archive run (${o.lastArchive.ts}) ended with exit ${String(o.lastArchive.data.exitCode)}`,
    );
  if (o.gaps.length) flag("AT RISK", `${o.gaps.length} binlog archive gap(s) in the period`);
  // the site's loss: a copy never completed in the period, or damaged when last verified, does not survive it
  for (const c of o.copies) {
    if (!c.newestFull) flag("AT RISK", `no full set reached the offsite copy ${c.repository} in the period`);
    else if (c.lastRun?.pending)
      flag("AT RISK", `the latest copy run to ${c.repository} (${c.lastRun.at}) is pending: ${c.lastRun.pending}`);
    if (c.lastRun?.mismatches)
      flag("AT RISK", `the latest copy run to ${c.repository} (${c.lastRun.at}) found objects that differ`);
    if (c.lastVerified && !c.lastVerified.ok)
      flag("AT RISK", `the latest verify of the copy ${c.repository} (${c.lastVerified.at}) FAILED`);
  }
  return { state, reasons };
}

/** The project's verdict: the worst of its datasets'. */
export function projectVerdict(datasets: DatasetEvidence[]): Verdict {
  const state = datasets.reduce<Verdict["state"]>(
    (s, d) => (STATES.indexOf(d.verdict.state) > STATES.indexOf(s) ? d.verdict.state : s),
    "OK",
  );
  return {
    state,
    reasons: datasets.filter((d) => d.verdict.state !== "OK").map((d) => `${d.name}: ${d.verdict.state}`),
  };
}

/** apply.start … apply.resource … apply.end, one entry per apply, with each resource's attribute diff. */
export function applyEvidence(records: JournalRecord[]): ApplyEvidence[] {
  const out: ApplyEvidence[] = [];
  let current: ApplyEvidence | undefined;
  for (const r of records) {
    if (r.kind === "apply.start") {
      current = {
        seq: r.seq,
        at: r.ts,
        operator: String(r.data.operator ?? ""),
        specDigest: String(r.data.specDigest ?? ""),
        result: "unfinished",
        changes: [],
      };
      out.push(current);
    } else if (r.kind === "apply.resource" && current) {
      const attrs = (r.data.attributes ?? []) as { name: string; before: string | null; after: string | null }[];
      current.changes.push({
        address: String(r.data.address),
        action: String(r.data.action),
        result: String(r.data.result),
        diff: attrs.map((a) => `${a.name}: ${a.before ?? "(none)"} → ${a.after ?? "(none)"}`),
      });
    } else if (r.kind === "apply.end" && current) {
      current.result = String(r.data.result);
      current = undefined;
    }
  }
  return out;
}

export function tiersOf(
  spec: DrSpec,
  parse: (d: string) => number | undefined,
): Record<string, { rpoSeconds: number; rtoSeconds: number }> {
  return Object.fromEntries(
    Object.entries(spec.tiers).map(([n, t]) => [n, { rpoSeconds: must(parse(t.rpo)), rtoSeconds: must(parse(t.rto)) }]),
  );
}
