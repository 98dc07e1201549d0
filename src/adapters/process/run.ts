// Runs a tool to completion and hands back what it said — argv only, never a shell. execa does the
// work: a timeout that ends in SIGKILL if SIGTERM is ignored, the child killed when drctl exits,
// stdout/stderr captured and interleaved. It is imported on the first tool run, not at start-up, so
// `validate`, `plan` and a binlog archive run with nothing to fetch never load it. Pipelines whose
// stages hand each other data by kernel pipes are wired by hand (adapters/pipeline/stream.ts).

import { registerChild } from "./interrupt.js";

export interface ToolResult {
  /** null when the tool could not be started or was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  all: string;
  /** Why it could not be started (ENOENT: not installed). */
  error?: Error;
  /** Killed because it ran past `timeoutMs`. */
  timedOut?: boolean;
}

export interface ToolOptions {
  /** Added to (not replacing) this process's environment. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run as this account (root only): its uid, gid and HOME. */
  as?: { uid: number; gid: number; home: string };
}

let execaModule: Promise<typeof import("execa")> | undefined;

export async function runTool(command: string, args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
  execaModule ??= import("execa");
  const { execa } = await execaModule;
  const child = execa(command, args, {
    stdin: "ignore",
    all: true,
    reject: false,
    stripFinalNewline: false,
    // the tools' reports are read whole (mysqlbinlog's decoded rows can be large): no cap, as before
    maxBuffer: Number.MAX_SAFE_INTEGER,
    env: { ...(opts.as ? { HOME: opts.as.home } : {}), ...opts.env },
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
  });
  registerChild(child);
  const r = await child;
  const started = r.exitCode !== undefined || r.signal !== undefined;
  return {
    exitCode: r.exitCode ?? null,
    signal: r.signal ?? null,
    stdout: r.stdout,
    stderr: r.stderr,
    all: r.all ?? "",
    ...(!started && r.cause instanceof Error ? { error: r.cause } : {}),
    ...(r.timedOut ? { timedOut: true } : {}),
  };
}

/** "exited 2", "was killed by SIGKILL", "timed out and was killed", "could not start: spawn x ENOENT". */
export function describeExit(r: ToolResult): string {
  if (r.error) return `could not start: ${r.error.message}`;
  if (r.timedOut) return "timed out and was killed";
  if (r.signal) return `was killed by ${r.signal}`;
  return `exited ${r.exitCode}`;
}
