// Which processes mention a path on their command line (to prove nothing was left running).
import { readdirSync, readFileSync } from "node:fs";

export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (cmd.includes(text) && state !== "Z") pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}
