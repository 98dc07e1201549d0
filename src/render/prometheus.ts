// Prometheus text format (exposition format 0.0.4) of what `drctl status --json` says and of the
// journal's job results: the file node_exporter's textfile collector serves after every job, and
// `drctl status --prometheus`. Pure: a status report and journal records in, text out. The names
// and labels are API (docs/metrics.md); values are the status report's, never computed again here.

import type { StatusReport, StatusState } from "../core/status.js";
import type { JournalRecord } from "../state/journal.js";

const STATES: StatusState[] = ["OK", "AT RISK", "BREACHED"];
const DRILL_RESULTS = ["ok", "target-missed", "failed"] as const;

interface Family {
  name: string;
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

/** One job's newest runs as the journal tells them. */
export interface JobFacts {
  job: string;
  subject: string;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastDurationSeconds: number;
  lastExitCode: number;
}

/**
 * The job a journal record stands for: the command, a backup's kind ("backup_full"), underscores for
 * spaces ("binlog_archive", "drill_run").
 */
export function jobName(data: Record<string, unknown>): string {
  const command = String(data.command ?? "unknown");
  const argv = Array.isArray(data.argv) ? data.argv.map(String) : [];
  const k = argv.indexOf("--kind");
  const name = command === "backup" ? `backup ${(k >= 0 ? argv[k + 1] : undefined) ?? "full"}` : command;
  return name.replaceAll(" ", "_").replaceAll("-", "_");
}

/**
 * Each job's last success (it did its work: exit 0, or 6 — done, something needs attention), last failure
 * (it failed, was refused, was interrupted, or missed its target; a run that found the lock held did
 * nothing and is neither), and its newest run's duration and exit code.
 */
export function jobFacts(journal: JournalRecord[]): JobFacts[] {
  const byJob = new Map<string, JobFacts>();
  for (const r of journal) {
    if (r.kind !== "job") continue;
    const d = r.data;
    const started = Date.parse(String(d.startedAt ?? r.ts));
    const durationMs = Number(d.durationMs ?? 0);
    const finished = (started + durationMs) / 1000;
    const exitCode = Number(d.exitCode ?? 1);
    const job = jobName(d);
    const subject = String(d.subject ?? "");
    const key = JSON.stringify([job, subject]);
    const f: JobFacts = byJob.get(key) ?? { job, subject, lastDurationSeconds: 0, lastExitCode: 0 };
    f.lastDurationSeconds = durationMs / 1000;
    f.lastExitCode = exitCode;
    if (exitCode === 0 || exitCode === 6) f.lastSuccessAt = finished;
    else if (exitCode !== 4) f.lastFailureAt = finished;
    byJob.set(key, f);
  }
  return [...byJob.values()];
}

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
function labelValue(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function number(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

const seconds = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) / 1000 : undefined);

export function renderPrometheus(project: string, report: StatusReport, jobs: JobFacts[]): string {
  const families: Family[] = [];
  const family = (name: string, help: string): Family["samples"] => {
    const f: Family = { name: `drctl_${name}`, help, samples: [] };
    families.push(f);
    return f.samples;
  };
  const p = { project };

  const state = family("state", "The project's overall status: 1 for the state it is in (OK, AT RISK, BREACHED).");
  for (const s of STATES) state.push({ labels: { ...p, state: s }, value: report.state === s ? 1 : 0 });

  const dsState = family("dataset_state", "Each dataset's status: 1 for the state it is in (OK, AT RISK, BREACHED).");
  const exposure = family(
    "dataset_rpo_exposure_seconds",
    "How much data a restore would not bring back if the server died now (+Inf: nothing to restore).",
  );
  const rpoTarget = family("dataset_rpo_target_seconds", "The tier's RPO.");
  const rtoTarget = family("dataset_rto_target_seconds", "The tier's RTO.");
  const until = family(
    "dataset_recoverable_until_timestamp_seconds",
    "Up to when a restore brings the dataset back (Unix time).",
  );
  const newestFull = family("dataset_newest_full_timestamp_seconds", "The newest full set's consistent point.");
  const stored = family("dataset_stored_bytes", "Bytes in the dataset's repository: its sets, its server's binlogs.");
  const drillAt = family("drill_last_run_timestamp_seconds", "When each drill last started.");
  const overdue = family("drill_overdue", "1 when a drill's schedule ran it after its last run and no run came.");
  const drillResult = family(
    "dataset_last_drill_result",
    "The dataset's newest drill: 1 for its result (ok, target-missed, failed).",
  );
  const drillRto = family("dataset_last_drill_rto_seconds", "The RTO the dataset's newest drill measured.");
  const drillRpo = family("dataset_last_drill_rpo_seconds", "The RPO the dataset's newest drill measured.");
  const lag = family(
    "binlog_archive_lag_seconds",
    "Now minus the newest point the binlog archive reaches (datasets that archive binlogs).",
  );
  const gap = family("binlog_archive_gap", "1 when a binlog is missing from the archive before the newest point.");
  const copyAge = family(
    "offsite_copy_age_seconds",
    "Now minus the newest point an offsite copy holds: what losing the site loses (+Inf: no copy yet).",
  );
  const pending = family("offsite_copy_pending", "1 when the newest copy run left something unsent.");

  for (const d of report.datasets) {
    const l = { ...p, dataset: d.dataset, tier: d.tier };
    for (const s of STATES) dsState.push({ labels: { ...l, state: s }, value: d.state === s ? 1 : 0 });
    exposure.push({ labels: l, value: d.exposureSeconds ?? Infinity });
    rpoTarget.push({ labels: l, value: d.rpoTargetSeconds });
    rtoTarget.push({ labels: l, value: d.rtoTargetSeconds });
    const ds = { ...p, dataset: d.dataset };
    const reach = seconds(d.recoverableUntil);
    if (reach !== undefined) until.push({ labels: ds, value: reach });
    const full = seconds(d.newestFull?.at);
    if (full !== undefined) newestFull.push({ labels: ds, value: full });
    if (d.storedBytes) {
      stored.push({ labels: { ...ds, what: "sets" }, value: d.storedBytes.sets });
      stored.push({ labels: { ...ds, what: "binlogs" }, value: d.storedBytes.binlogs });
    }
    for (const r of d.drills ?? []) {
      const dl = { ...ds, drill: r.drill };
      const at = seconds(r.lastStartedAt);
      if (at !== undefined) drillAt.push({ labels: dl, value: at });
      overdue.push({ labels: dl, value: r.overdueSince ? 1 : 0 });
    }
    if (d.lastDrill) {
      const dl = { ...ds, drill: d.lastDrill.drill };
      for (const r of DRILL_RESULTS)
        drillResult.push({ labels: { ...dl, result: r }, value: d.lastDrill.result === r ? 1 : 0 });
      if (d.lastDrill.rto) drillRto.push({ labels: dl, value: d.lastDrill.rto.measuredSeconds });
      if (d.lastDrill.rpo) drillRpo.push({ labels: dl, value: d.lastDrill.rpo.measuredSeconds });
    }
    if (d.binlog) {
      lag.push({ labels: ds, value: d.binlog.lagSeconds ?? Infinity });
      gap.push({ labels: ds, value: d.binlog.missing ? 1 : 0 });
    }
    for (const c of d.offsite ?? []) {
      const cl = { ...ds, repository: c.repository };
      copyAge.push({ labels: cl, value: c.exposureSeconds ?? Infinity });
      pending.push({ labels: cl, value: c.lastRun?.pending ? 1 : 0 });
    }
  }

  const success = family("job_last_success_timestamp_seconds", "When each job last finished its work (exit 0 or 6).");
  const failure = family(
    "job_last_failure_timestamp_seconds",
    "When each job last failed, was refused or interrupted, or missed its target.",
  );
  const duration = family("job_last_duration_seconds", "How long each job's newest run took.");
  const exit = family("job_last_exit_code", "Each job's newest exit code (drctl's exit codes, README).");
  for (const j of [...jobs].sort((a, b) => a.job.localeCompare(b.job) || a.subject.localeCompare(b.subject))) {
    const l = { ...p, job: j.job, subject: j.subject };
    if (j.lastSuccessAt !== undefined) success.push({ labels: l, value: j.lastSuccessAt });
    if (j.lastFailureAt !== undefined) failure.push({ labels: l, value: j.lastFailureAt });
    duration.push({ labels: l, value: j.lastDurationSeconds });
    exit.push({ labels: l, value: j.lastExitCode });
  }
  family("metrics_generated_timestamp_seconds", "When drctl wrote these metrics (a stale file means no job ran).").push(
    {
      labels: p,
      value: Date.parse(report.now) / 1000,
    },
  );

  const out: string[] = [];
  for (const f of families) {
    if (!f.samples.length) continue;
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${labelValue(v)}"`)
        .join(",");
      out.push(`${f.name}{${labels}} ${number(s.value)}`);
    }
  }
  return `${out.join("\n")}\n`;
}
