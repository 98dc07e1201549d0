// The commands cron runs (backup, binlog archive, copy, prune, drill run) share one frame: load
// the spec, do the work, and append a `job` record to the project's journal whatever happened —
// success, failure, or a command this version of drctl does not carry yet — so a schedule that
// silently does nothing cannot exist.

import { hostname } from "node:os";
import { stateDirOf } from "../../core/desired.js";
import { installInterruptHandlers, interruptedBy, onInterrupt } from "../../adapters/process/interrupt.js";
import { DrError, interruptedError, messageOf } from "../../errors.js";
import { loadSpec } from "../../spec/check.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { appendJournal, readJournal } from "../../state/journal.js";
import { writeMetricsFile } from "../../status/metrics-file.js";
import { gatherStatus } from "../../status/gather.js";
import type { StatusReport } from "../../core/status.js";
import { jobName } from "../../render/prometheus.js";
import { notifyAfterJob } from "../../notify/notify.js";
import { tracer } from "../../trace.js";
import { exitCodeFor, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

export interface JobRun {
  specFile: string;
  /** e.g. "backup", "binlog archive". */
  command: string;
  /** The dataset, server or drill it works on. */
  subject: string;
  /** The words after `drctl`, for the record (they never hold a secret: see DESIGN §8 rule 5). */
  argv: string[];
}

/** What a job's work hands back: its exit code and what the journal should say about it (set ids, sizes, gaps). */
export interface JobResult {
  code: number;
  details?: Record<string, unknown>;
  error?: string;
}

/** How long a job may take to clean up after SIGINT/SIGTERM before it exits regardless. */
const INTERRUPT_GRACE_MS = 30_000;

export async function runJob(
  job: JobRun,
  io: Io,
  work: (spec: DrSpec) => Promise<number | JobResult>,
): Promise<number> {
  // DRCTL_TRACE: where a job's time goes around its work (the spec, the journal, the metrics, the exit)
  const trace = tracer((l) => io.err(`${l} (${Math.round(process.uptime() * 1000)} ms after the process)`));
  const { spec } = await loadSpec(job.specFile);
  trace("job: spec loaded");
  const started = new Date();
  // a signal stops the work's children; the work unwinds through its own cleanup and lands below
  installInterruptHandlers();
  const stopWatching = onInterrupt(() => watchdog(io));
  let result: JobResult;
  try {
    const r = await work(spec);
    result = typeof r === "number" ? { code: r } : r;
  } catch (e) {
    stopWatching();
    const signal = interruptedBy();
    if (signal) {
      const err =
        e instanceof DrError && e.kind === "interrupted"
          ? e
          : interruptedError(signal, `running ${job.command} ${job.subject}`);
      await appendJobRecord(spec, job, started, exitCodeFor("interrupted", signal), err.message, {
        signal,
        ...(e === err ? {} : { cause: messageOf(e) }),
      });
      await afterJob(spec, io, job, exitCodeFor("interrupted", signal), err.message);
      throw err;
    }
    // a bug is journaled too: a scheduled run that crashed must not look like one that never ran
    if (e instanceof DrError)
      await appendJobRecord(
        spec,
        job,
        started,
        exitCodeFor(e.kind, e.meta.signal),
        e.message,
        e.meta.details as Record<string, unknown> | undefined,
      );
    else await appendJobRecord(spec, job, started, EXIT.failed, `internal error: ${messageOf(e)}`);
    const code = e instanceof DrError ? exitCodeFor(e.kind, e.meta.signal) : EXIT.failed;
    await afterJob(spec, io, job, code, messageOf(e));
    throw e;
  }
  // a signal that came after the last step that could be stopped: the work is done, and says so
  stopWatching();
  trace("job: work done");
  await appendJobRecord(spec, job, started, result.code, result.error, result.details);
  trace("job: journaled");
  await afterJob(spec, io, job, result.code, result.error);
  if (spec.metrics || spec.notify) trace("job: metrics and notifications done");
  return result.code;
}

/**
 * After the job's record: the metrics file and the notifications, from one status report. Neither may
 * change the job's exit code: a problem is said on stderr (and a failed delivery is journaled; a stale
 * metrics file is what monitoring alerts on).
 */
async function afterJob(spec: DrSpec, io: Io, job: JobRun, exitCode: number, error?: string): Promise<void> {
  if (!spec.metrics && !spec.notify?.length) return;
  const now = new Date();
  // read once for the status, the metrics' job results and nothing else
  const journal = await readJournal(stateDirOf(spec)).catch(() => []);
  let report: StatusReport | undefined;
  try {
    report = await gatherStatus(spec, now, undefined, journal);
  } catch (e) {
    // the job's own failure is still news: it goes out without the datasets' status
    io.err(`drctl: warning: no status for metrics and notifications: ${messageOf(e)}`);
  }
  if (report && spec.metrics) {
    try {
      await writeMetricsFile(spec, report, journal);
    } catch (e) {
      io.err(`drctl: warning: metrics not written to ${spec.metrics.textfile}: ${messageOf(e)}`);
    }
  }
  if (!spec.notify?.length) return;
  report ??= { now: now.toISOString(), state: "OK", datasets: [] };
  try {
    const outcome = { job: jobName({ command: job.command, argv: job.argv }), subject: job.subject, exitCode };
    const sent = await notifyAfterJob(spec, report, { ...outcome, ...(error ? { error } : {}) });
    for (const d of sent.filter((x) => !x.ok))
      io.err(`drctl: warning: notification to ${d.target} failed after ${d.attempts} attempts: ${d.error}`);
  } catch (e) {
    io.err(`drctl: warning: notifications not sent: ${messageOf(e)}`);
  }
}

function watchdog(io: Io): void {
  setTimeout(() => {
    io.err(
      `drctl: interrupted, and cleaning up took over ${INTERRUPT_GRACE_MS / 1000} s: exiting now (its locks ` +
        `go with the process)`,
    );
    process.exit(exitCodeFor("interrupted", interruptedBy()));
  }, INTERRUPT_GRACE_MS).unref();
}

/** How a job's exit code reads in the journal: refusals (3) and a busy lock (4) are not failed runs — nothing ran. */
function jobResult(
  exitCode: number,
): "ok" | "degraded" | "failed" | "refused" | "locked" | "interrupted" | "target-missed" | "integrity" {
  switch (exitCode) {
    case EXIT.ok:
      return "ok";
    case EXIT.degraded:
      return "degraded";
    case EXIT.invalid:
      return "refused";
    case EXIT.locked:
      return "locked";
    case EXIT.integrity:
      return "integrity";
    case EXIT.targetMissed:
      return "target-missed";
    default:
      return exitCode > 128 ? "interrupted" : "failed";
  }
}

async function appendJobRecord(
  spec: DrSpec,
  job: JobRun,
  started: Date,
  exitCode: number,
  error?: string,
  details?: Record<string, unknown>,
) {
  await appendJournal(stateDirOf(spec), "job", {
    command: job.command,
    subject: job.subject,
    argv: job.argv,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    exitCode,
    result: jobResult(exitCode),
    host: hostname(),
    ...(error ? { error } : {}),
    ...(details ? { details } : {}),
  }).catch((e) => {
    // the work is done (or failed) either way; an unrecordable run must still be loud
    throw new DrError("failed", `could not journal ${job.command} ${job.subject}: ${messageOf(e)}`);
  });
}
