// SIGINT / SIGTERM in the middle of a job (DESIGN §8 rule 1, issue 13): the run must stop cleanly —
// its child processes stopped, its attempt removed by its own `finally` blocks, its locks released,
// the interrupted run journaled — never leave debris and silence. The CLI installs the handlers;
// every child drctl starts is registered here so a signal reaches it even when it came from
// `kill PID` (only drctl) rather than a terminal's Ctrl-C (the whole process group).

import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";

const live = new Set<ChildProcess>();
let received: NodeJS.Signals | undefined;
const listeners = new Set<(signal: NodeJS.Signals) => void>();

/** Tracks a child until it exits (or the returned function is called); an interrupt stops it. */
export function registerChild(child: ChildProcess): () => void {
  if (received) child.kill("SIGTERM");
  live.add(child);
  const forget = () => void live.delete(child);
  child.once("exit", forget);
  child.once("error", forget);
  return forget;
}

/** The signal that interrupted this run, if one did. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return received;
}

/** The conventional exit status of a run a signal stopped: 128 + its number (SIGINT 130, SIGTERM 143). */
function interruptExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 15);
}

/** Throws when a signal arrived: called before a step that cannot be undone (publishing a set). */
export function throwIfInterrupted(make: (signal: NodeJS.Signals) => Error): void {
  if (received) throw make(received);
}

export function onInterrupt(fn: (signal: NodeJS.Signals) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * First signal: remember it, stop every child (their failure unwinds the work through its cleanup).
 * A second signal: the person means it — exit at once (locks are kernel flocks or pid-checked: a dead
 * holder never keeps them).
 */
let installed = false;
export function installInterruptHandlers(onSecond: (code: number) => void = (code) => process.exit(code)): void {
  if (installed) return;
  installed = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (received) return onSecond(interruptExitCode(signal));
      received = signal;
      for (const child of live) child.kill("SIGTERM");
      for (const fn of listeners) fn(signal);
    });
  }
}
