// verification.<dataset> (DESIGN §3): a dataset is not applied until one restore of it was proven —
// a first full backup, then a drill restore of it into a sandbox, verified. Both run as drctl's own
// commands under the account the cron jobs use (so what they write is that account's, and a spec or
// credentials file that account cannot read fails here, not at 2 a.m.), and are journaled as jobs.

import { describeExit, runTool } from "../adapters/process/run.js";
import { DrError } from "../errors.js";
import type { Account } from "./accounts.js";

export interface VerificationRun {
  dataset: string;
  specFile: string;
  /** node and the drctl CLI script. */
  node: string;
  drctl: string;
  account: Account;
}

const lastLine = (s: string) => s.trim().split("\n").at(-1) ?? "";
const tail = (s: string) => s.trim().split("\n").slice(-8).join("\n");

export async function applyVerification(v: VerificationRun): Promise<string[]> {
  const as =
    process.getuid?.() === 0 && v.account.uid !== 0
      ? { uid: v.account.uid, gid: v.account.gid, home: v.account.home }
      : undefined;
  const drctl = (args: string[]) => runTool(v.node, [v.drctl, ...args], as ? { as } : {});
  const backup = await drctl(["backup", "-f", v.specFile, v.dataset, "--kind", "full"]);
  if (backup.exitCode !== 0)
    throw new DrError("failed", `the first backup of ${v.dataset} ${describeExit(backup)}:\n${tail(backup.all)}`);
  const done = [lastLine(backup.stdout.split("\n").find((l) => l.startsWith("backup ")) ?? backup.stdout)];
  const drill = await drctl(["drill", "verify", "-f", v.specFile, v.dataset]);
  // 7: the data verified but the tier was missed — the dataset is proven restorable; status and plan say the rest
  if (drill.exitCode !== 0 && drill.exitCode !== 7) {
    throw new DrError(
      drill.exitCode === 5 ? "integrity" : "failed",
      `the verification restore of ${v.dataset} ${describeExit(drill)}:\n${tail(drill.all)}`,
    );
  }
  done.push(lastLine(drill.stdout));
  return done;
}
