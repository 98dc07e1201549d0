// Progress on long work: on a terminal one line redrawn in place (bytes, rate, elapsed); in a cron
// log a plain line now and then, so a stuck run shows where it stopped.

import { parseWaitMs } from "../core/duration.js";
import { formatBytes, formatElapsed } from "../core/units.js";
import type { Io } from "./io.js";

export interface Progress {
  update(label: string, bytes: number): void;
  /** Clears the redrawn line (terminal) before the final report. */
  done(): void;
}

export function progressReporter(
  io: Io,
  opts: { write?: (s: string) => void; logEveryMs?: number; now?: () => number; verb?: string } = {},
): Progress {
  const now = opts.now ?? Date.now;
  const write = opts.write ?? ((s: string) => process.stderr.write(s));
  const started = now();
  let last = io.interactive ? 0 : started;
  let drawn = false;
  // DRCTL_PROGRESS_EVERY (a duration such as 10s) sets how often a log line is written off a terminal
  const envEvery =
    process.env.DRCTL_PROGRESS_EVERY === undefined ? undefined : parseWaitMs(process.env.DRCTL_PROGRESS_EVERY);
  const every = io.interactive ? 200 : (opts.logEveryMs ?? envEvery ?? 30_000);
  return {
    update(label, bytes) {
      const t = now();
      if (t - last < every) return;
      last = t;
      const secs = Math.max(0.001, (t - started) / 1000);
      const line =
        `${label}: ${formatBytes(bytes)} ${opts.verb ?? "stored"}, ${formatBytes(Math.round(bytes / secs))}/s, ` +
        `${formatElapsed(t - started)}`;
      if (io.interactive) {
        write(`\r\x1b[K${line}`);
        drawn = true;
      } else io.err(line);
    },
    done() {
      if (drawn) write("\r\x1b[K");
      drawn = false;
    },
  };
}
