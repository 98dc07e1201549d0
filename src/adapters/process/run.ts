// Runs a tool to completion and hands back what it said — argv only, never a shell. Built on
// node's own child_process: drctl's cron jobs start often (binlog archiving every minute) and
// loading execa cost ~200 ms per start on these machines, more than the rest of drctl's start-up.

import { spawn } from "node:child_process";
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
}

export interface ToolOptions {
  /** Added to (not replacing) this process's environment. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run as this account (root only): its uid, gid and HOME. */
  as?: { uid: number; gid: number; home: string };
}

export function runTool(command: string, args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...(opts.as ? { HOME: opts.as.home } : {}), ...opts.env },
      ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
    });
    registerChild(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const all: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => {
      out.push(d);
      all.push(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      err.push(d);
      all.push(d);
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs) : undefined;
    const text = (b: Buffer[]) => Buffer.concat(b).toString("utf8");
    let startError: Error | undefined;
    child.once("error", (e) => (startError = e));
    child.once("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        exitCode: startError ? null : code,
        signal,
        stdout: text(out),
        stderr: text(err),
        all: text(all),
        ...(startError ? { error: startError } : {}),
      });
    });
  });
}

/** "exited 2", "was killed by SIGKILL", "could not start: spawn x ENOENT". */
export function describeExit(r: ToolResult): string {
  if (r.error) return `could not start: ${r.error.message}`;
  if (r.signal) return `was killed by ${r.signal}`;
  return `exited ${r.exitCode}`;
}
