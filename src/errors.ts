// Errors and diagnostics shared by every stage. A DrError is something the user must act on;
// anything else that escapes is a bug and is reported as one by the CLI.

/** Why a command failed; src/cli/exit-codes.ts maps each kind to DESIGN.md §7's exit code. */
export type FailureKind =
  | "failed" // the operation failed: nothing new is trusted
  | "invalid" // bad spec, flags, or a refused unsafe request
  | "locked" // another drctl run holds the lock
  | "integrity" // checksum, decrypt, verify or journal chain failed
  | "degraded" // done, but something needs attention
  | "target-missed" // status BREACHED or a drill that missed its tier
  | "interrupted"; // SIGINT/SIGTERM stopped the run (cleaned up, journaled): exit 128 + the signal's number

export class DrError extends Error {
  readonly kind: FailureKind;
  readonly hint: string | undefined;
  readonly meta: Record<string, unknown>;
  constructor(
    kind: FailureKind,
    message: string,
    opts: { hint?: string; meta?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "DrError";
    this.kind = kind;
    this.hint = opts.hint;
    this.meta = opts.meta ?? {};
  }
}

export interface SourcePosition {
  line: number; // 1-based
  col: number; // 1-based
}

export interface Diagnostic {
  severity: "error" | "warning";
  /** Spec path such as datasets.university.full.schedule, or (root). */
  path: string;
  summary: string;
  hint?: string;
  position?: SourcePosition;
}

/** The error a run stops with when a signal interrupted it (meta.signal: which). */
export function interruptedError(signal: NodeJS.Signals, doing: string): DrError {
  return new DrError("interrupted", `interrupted by ${signal} while ${doing}: stopped, nothing of this run was kept`, {
    hint: "the run's partial files were removed and its locks released; run it again when ready",
    meta: { signal },
  });
}

/** Strips everything but the message from an unknown throwable, for error lines. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * file:line:col: path: summary; hint — how a spec diagnostic is printed (kept here, light: the CLI's error path loads
 * nothing else for it).
 */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const pos = d.position ? `${d.position.line}:${d.position.col}` : "1:1";
  const sev = d.severity === "warning" ? "warning: " : "";
  return `${file}:${pos}: ${d.path}: ${sev}${d.summary}${d.hint ? `; ${d.hint}` : ""}`;
}

/**
 * A value drctl's own logic guarantees is there (a regex group that matched, an index inside the
 * length just checked): checked rather than asserted, so a broken guarantee stops the run as a bug
 * at the place it broke instead of an `undefined` flowing into a manifest, a command or a verdict.
 */
export function must<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error("a value drctl's own logic guarantees is missing");
  return value;
}
