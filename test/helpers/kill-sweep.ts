// kill -9 a command at moments spread over its typical run time, again and again, and collect
// what a file (or crontab) holds after each kill: an atomic write shows only the old or the new.
import { spawn } from "node:child_process";
import { expect } from "vitest";

export interface KillSweep {
  argv: string[];
  /** How long one full run took in this test run (the machine may be loaded). */
  typicalMs: number;
  reset(): void;
  read(): string;
  old: string;
  fresh: string;
  minRuns?: number;
  maxRuns?: number;
}

export async function killAtSpreadMoments(k: KillSweep): Promise<Set<string>> {
  const seen = new Set<string>();
  const minRuns = k.minRuns ?? 12;
  let scale = 1;
  for (let i = 0; i < (k.maxRuns ?? 40) && (i < minRuns || !(seen.has(k.old) && seen.has(k.fresh))); i++) {
    k.reset();
    const child = spawn(k.argv[0]!, k.argv.slice(1), { stdio: "ignore" });
    const exited = new Promise((r) => child.once("exit", r)); // it may finish before the kill
    // golden-ratio steps cover 0..140% of a run evenly, whatever the count. typicalMs is measured
    // once, and the machine's load changes under a parallel suite: past minRuns, a sweep that has
    // seen only one side stretches (only the old text: the write comes later now) or shrinks (only
    // the new one) its window, rather than spending its timeout on kills that test nothing new
    if (i >= minRuns && !seen.has(k.fresh)) scale *= 1.5;
    if (i >= minRuns && !seen.has(k.old)) scale /= 1.5;
    const at = k.typicalMs * scale * (1.4 * ((i * 0.618034) % 1));
    await new Promise((r) => setTimeout(r, at));
    child.kill("SIGKILL");
    await exited;
    await new Promise((r) => setTimeout(r, 50)); // a crontab(1) it already started finishes on its own
    const text = k.read();
    if (process.env.DEBUG_SWEEP)
      console.error(
        `kill at ${Math.round(at)}ms of ${k.typicalMs}: ${text === k.old ? "old" : text === k.fresh ? "new" : "OTHER"}`,
      );
    expect([k.old, k.fresh]).toContain(text);
    seen.add(text);
  }
  return seen;
}
