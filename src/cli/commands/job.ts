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
import { appendJournal } from "../../state/journal.js";
import { writeMetricsFile } from "../../status/metrics-file.js";
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
  const { spec } = await loadSpec(job.specFile);
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
      await publishMetrics(spec, io);
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
    await publishMetrics(spec, io);
    throw e;
  }
  // a signal that came after the last step that could be stopped: the work is done, and says so
  stopWatching();
  await appendJobRecord(spec, job, started, result.code, result.error, result.details);
  await publishMetrics(spec, io);
  return result.code;
}

/**
 * The metrics file, after the job's record: a failure to write it is said on stderr and leaves the
 * job's exit code alone (the file's timestamp metric going stale is what monitoring alerts on).
 */
async function publishMetrics(spec: DrSpec, io: Io): Promise<void> {
  try {
    await writeMetricsFile(spec);
  } catch (e) {
    io.err(`drctl: warning: metrics not written to ${spec.metrics?.textfile}: ${messageOf(e)}`);
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
