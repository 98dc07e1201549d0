// Exit codes are API (DESIGN.md §7): documented in docs/exit-codes.md and asserted by the e2e tests.

import { constants } from "node:os";
import type { FailureKind } from "../errors.js";

export const EXIT = {
  ok: 0,
  failed: 1,
  changes: 2,
  invalid: 3,
  locked: 4,
  integrity: 5,
  degraded: 6,
  targetMissed: 7,
} as const;

/**
 * `signal` only matters for "interrupted": 128 + its number, as a shell reports a signalled command (SIGINT 130,
 * SIGTERM 143).
 */
export function exitCodeFor(kind: FailureKind, signal?: unknown): number {
  switch (kind) {
    case "interrupted":
      return 128 + (constants.signals[(typeof signal === "string" ? signal : "SIGTERM") as NodeJS.Signals] ?? 15);
    case "failed":
      return EXIT.failed;
    case "invalid":
      return EXIT.invalid;
    case "locked":
      return EXIT.locked;
    case "integrity":
      return EXIT.integrity;
    case "degraded":
      return EXIT.degraded;
    case "target-missed":
      return EXIT.targetMissed;
  }
}
