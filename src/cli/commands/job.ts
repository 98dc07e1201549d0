// The commands cron runs (backup, binlog archive, copy, prune, drill run) share one frame: load
// the spec, do the work, and append a `job` record to the project's journal whatever happened —
// success, failure, or a command this version of drctl does not carry yet — so a schedule that
// silently does nothing cannot exist.

import { hostname } from "node:os";
import { stateDirOf } from "../../core/desired.js";
import { DrError, messageOf } from "../../errors.js";
import { loadSpec } from "../../spec/check.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { appendJournal } from "../../state/journal.js";
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

export async function runJob(job: JobRun, io: Io, work: (spec: DrSpec) => Promise<number | JobResult>): Promise<number> {
  const { spec } = await loadSpec(job.specFile);
  const started = new Date();
  let result: JobResult;
  try {
    const r = await work(spec);
    result = typeof r === "number" ? { code: r } : r;
  } catch (e) {
    // a bug is journaled too: a scheduled run that crashed must not look like one that never ran
    if (e instanceof DrError) await appendJobRecord(spec, job, started, exitCodeFor(e.kind), e.message, e.meta.details as Record<string, unknown> | undefined);
    else await appendJobRecord(spec, job, started, EXIT.failed, `internal error: ${messageOf(e)}`);
    throw e;
  }
  await appendJobRecord(spec, job, started, result.code, result.error, result.details);
  return result.code;
}

async function appendJobRecord(spec: DrSpec, job: JobRun, started: Date, exitCode: number, error?: string, details?: Record<string, unknown>) {
  await appendJournal(stateDirOf(spec), "job", {
    command: job.command,
    subject: job.subject,
    argv: job.argv,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    exitCode,
    result: exitCode === EXIT.ok ? "ok" : exitCode === EXIT.degraded ? "degraded" : "failed",
    host: hostname(),
    ...(error ? { error } : {}),
    ...(details ? { details } : {}),
  }).catch((e) => {
    // the work is done (or failed) either way; an unrecordable run must still be loud
    throw new DrError("failed", `could not journal ${job.command} ${job.subject}: ${messageOf(e)}`);
  });
}

/** What a scheduled command does until the release that carries it: fail loudly, journaled. */
export function notInThisVersion(command: string): () => Promise<number> {
  return async () => {
    throw new DrError("failed", `\`drctl ${command}\` is not part of this drctl version yet; the job ran and did nothing`, {
      hint: "see the status table in drctl's README; the schedule is installed so it starts working on upgrade",
    });
  };
}
