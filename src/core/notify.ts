// What a notification says, and when (issue 18 §2). Pure: the state as last notified, the status now and
// the job that just ran in; per target the events to send and the state to keep out. A message goes on
// a change — a job failed or succeeded again, a dataset turned AT RISK or BREACHED or OK again, a binlog
// went missing — and again after the target's reminder interval while it stays bad: never a storm of
// the same news every minute.

import type { NotifyTarget } from "../spec/types.generated.js";
import { must } from "../errors.js";
import { formatDuration, parseDuration } from "./duration.js";
import type { StatusReport, StatusState } from "./status.js";

type EventKind = "failure" | "gap" | "at-risk" | "breached" | "recovered";

export interface NotifyEvent {
  kind: EventKind;
  /** A dataset, or a job and what it ran for ("backup_full shop"). */
  subject: string;
  text: string;
  /** Sent again because it is still so after the reminder interval. */
  reminder?: boolean;
}

interface Tracked<V> {
  value: V;
  since: string;
  /** Per target (its index in the spec), when it was last told about this. */
  notified?: Record<string, string>;
}

export interface NotifyState {
  datasets: Record<string, Tracked<StatusState>>;
  jobs: Record<string, Tracked<"ok" | "failed">>;
  gaps: Record<string, Tracked<boolean>>;
}

export const emptyNotifyState = (): NotifyState => ({ datasets: {}, jobs: {}, gaps: {} });

/** The job that just ran, as the journal recorded it. */
export interface JobOutcome {
  /** jobName(): backup_full, binlog_archive, drill_run, … */
  job: string;
  subject: string;
  exitCode: number;
  error?: string;
}

const DEFAULT_REMINDER = "24h";

/** Exit codes where the job did its work: 0, and 6 (done, something needs attention). 4: it never ran. */
const succeeded = (code: number) => code === 0 || code === 6;

export interface Evaluation {
  /** Per target index, what to send (empty: nothing). */
  events: NotifyEvent[][];
  next: NotifyState;
}

export function evaluateNotify(
  prev: NotifyState,
  report: StatusReport,
  job: JobOutcome | undefined,
  targets: NotifyTarget[],
  now: Date,
): Evaluation {
  const next: NotifyState = structuredClone(prev);
  const events: NotifyEvent[][] = targets.map(() => []);
  const iso = now.toISOString();

  /**
   * One tracked thing: `bad` says whether its new value needs telling, `kind` which event. Sent to each
   * target that listens to `kind` when the value changed (or it is new and bad), or when it stayed bad
   * past that target's reminder interval.
   */
  const track = <V>(
    table: Record<string, Tracked<V>>,
    key: string,
    value: V,
    change: { kind: EventKind; bad: boolean; text: string } | undefined,
  ) => {
    const before = table[key];
    const changed = before === undefined ? change?.bad === true : before.value !== value;
    const entry: Tracked<V> = changed || !before ? { value, since: iso, notified: {} } : { ...before };
    entry.notified ??= {};
    for (const [i, t] of targets.entries()) {
      if (!change || !(t.on ?? ALL).includes(change.kind)) continue;
      // "back to OK" closes what a target was told: one that never heard of the trouble hears nothing
      if (change.kind === "recovered" && before?.notified?.[String(i)] === undefined) continue;
      const last = entry.notified[String(i)];
      const reminderSeconds = parseDuration(t.reminder ?? DEFAULT_REMINDER) ?? 86400;
      const due = last !== undefined && change.bad && (now.getTime() - Date.parse(last)) / 1000 >= reminderSeconds;
      if (!changed && !due) continue;
      const text = due && !changed ? `${change.text} (still so after ${formatDuration(reminderSeconds)})` : change.text;
      must(events[i]).push({ kind: change.kind, subject: key, text, ...(due && !changed ? { reminder: true } : {}) });
      entry.notified[String(i)] = iso;
    }
    table[key] = entry;
  };

  if (job && job.exitCode !== 4) {
    const key = `${job.job} ${job.subject}`;
    const failed = !succeeded(job.exitCode);
    const before = prev.jobs[key]?.value;
    track(
      next.jobs,
      key,
      failed ? "failed" : "ok",
      failed
        ? {
            kind: "failure",
            bad: true,
            text: `${key} FAILED (exit ${job.exitCode})${job.error ? `: ${firstLine(job.error)}` : ""}`,
          }
        : before === "failed"
          ? { kind: "recovered", bad: false, text: `${key} succeeded again` }
          : undefined,
    );
  }

  for (const d of report.datasets) {
    const before = prev.datasets[d.dataset]?.value;
    const why = d.reasons.length ? `: ${d.reasons.join("; ")}` : "";
    track(
      next.datasets,
      d.dataset,
      d.state,
      d.state === "BREACHED"
        ? { kind: "breached", bad: true, text: `${d.dataset} is BREACHED (tier ${d.tier})${why}` }
        : d.state === "AT RISK"
          ? { kind: "at-risk", bad: true, text: `${d.dataset} is AT RISK (tier ${d.tier})${why}` }
          : before !== undefined && before !== "OK"
            ? { kind: "recovered", bad: false, text: `${d.dataset} is OK again (was ${before})` }
            : undefined,
    );
    const gap = d.binlog?.missing;
    track(
      next.gaps,
      d.dataset,
      gap !== undefined,
      gap !== undefined
        ? { kind: "gap", bad: true, text: `a binlog is missing from the archive of ${d.dataset}: ${gap}` }
        : undefined,
    );
  }
  return { events, next };
}

const ALL: EventKind[] = ["failure", "gap", "at-risk", "breached", "recovered"];

function firstLine(s: string): string {
  return s.split("\n")[0] ?? "";
}

/** The subject line of a message: the project and its events in a few words. */
export function messageSubject(project: string, events: NotifyEvent[]): string {
  const bad = events.filter((e) => e.kind !== "recovered");
  const head = bad[0] ?? events[0];
  const more = events.length > 1 ? ` (+${events.length - 1} more)` : "";
  return `[drctl ${project}] ${head ? head.text.split(":")[0] : "no events"}${more}`;
}

/** The message body: one line per event, then where and when. */
export function messageText(project: string, host: string, events: NotifyEvent[], now: Date): string {
  const lines = events.map((e) => `- ${e.kind.toUpperCase()}: ${e.text}`);
  return [...lines, "", `project ${project}, from ${host}, at ${now.toISOString()}`, "drctl status for details"].join(
    "\n",
  );
}
