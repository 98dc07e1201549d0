// drctl restore <dataset> --to <time|latest> [--keep]: into a throwaway sandbox; says what came back.

import { restore } from "../../restore/restore.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { JobResult } from "./job.js";
import { registerSandbox, sandboxHome } from "./sandbox.js";

export async function restoreWork(spec: DrSpec, dataset: string, opts: { to: string; keep: boolean; before?: string; skip?: string; force?: boolean }, io: Io): Promise<JobResult> {
  const name = `restore-${dataset}`;
  const r = await restore({ spec, dataset, to: opts.to, ...(opts.before !== undefined ? { before: opts.before } : {}), ...(opts.skip !== undefined ? { skip: opts.skip, force: opts.force === true } : {}), ...(opts.keep ? { keepIn: sandboxHome() } : {}), say: (l) => io.err(l) });
  io.out(`restored ${dataset} to ${opts.to} from ${r.sets.join(" + ")}`);
  if (r.replay) {
    io.out(`  replayed: ${r.replay.transactions} transaction(s) from ${r.replay.from}${r.replay.to ? ` to ${r.replay.to}` : ""}`);
    if (r.replay.databases) io.out(`  applied:  the events of ${r.replay.databases.join(", ")} (mysqlbinlog --database, one pass each); the server's other databases were skipped`);
    io.out(`  binlogs:  ${r.replay.files.join(", ")}`);
    if (r.replay.skipped) io.out(`  skipped:  ${r.replay.skipped} — the whole transaction; everything before and after it replayed`);
    for (const c of r.replay.conflicts ?? []) io.out(`  WARNING (--force): later change to a row it touched: ${c}`);
    if (r.replay.stoppedBefore) io.out(`  stopped before: ${r.replay.stoppedBefore} — not applied, nor anything after it`);
  } else io.out("  replayed: nothing (the set itself is the point)");
  if (r.sandbox) {
    await registerSandbox(name, r.sandbox);
    io.out(`  sandbox:  mariadb --defaults-file=${r.sandbox.clientOptionFile}`);
    io.out(`  stop with: drctl sandbox down --name ${name}`);
  } else io.out("  the sandbox was torn down (--keep leaves it running)");
  return { code: EXIT.ok, details: { to: opts.to, sets: r.sets, ...(r.replay ? { replay: r.replay } : {}), kept: r.sandbox !== undefined } };
}
