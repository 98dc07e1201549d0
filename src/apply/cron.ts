// Writes the managed block into the scheduler's target: a cron.d-style file (temp + fsync +
// rename), or a user's crontab through the real `crontab` command — fed a complete file, never a
// pipe, so a drctl killed mid-way cannot install half a crontab.

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runTool } from "../adapters/process/run.js";
import { renderBlock, replaceBlock, splitCrontab } from "../core/cron-line.js";
import type { DesiredSchedule } from "../core/desired.js";
import { writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { readCronText } from "../discover/cron.js";
import { DrError } from "../errors.js";

export interface CronWrite {
  target: string;
  changed: boolean;
}

/**
 * Replace the project's block with the desired jobs. `expectedBlock` is the block the plan was
 * made against: if someone changed it since, stop rather than overwrite their edit.
 */
export async function writeCronBlock(
  target: string,
  project: string,
  schedules: DesiredSchedule[],
  expectedBlock: string[] | null,
): Promise<CronWrite> {
  const current = await readCronText(target);
  const { block } = splitCrontab(current, project);
  if (JSON.stringify(block) !== JSON.stringify(expectedBlock)) {
    throw new DrError("failed", `${target} changed since the plan was made (drctl's block differs)`, {
      hint: "re-run drctl plan and apply",
    });
  }
  const inner = schedules.length ? renderBlock(schedules.map((s) => ({ address: s.address, line: s.line }))) : [];
  const next = replaceBlock(current, project, inner);
  if (next === current) return { target, changed: false };
  if (target.startsWith("crontab:")) await installCrontab(target.slice("crontab:".length), next);
  else await writeCronFile(target, next);
  return { target, changed: true };
}

async function writeCronFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  // cron ignores cron.d files that group or others may write; keep an existing file's mode otherwise
  const mode = existsSync(path) ? (await stat(path)).mode & 0o755 : 0o644;
  await writeFileAtomic(path, text, { mode });
}

async function installCrontab(user: string, text: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "drctl-crontab-"));
  try {
    const file = join(dir, "crontab");
    await writeFile(file, text, { mode: 0o600 });
    const r = await runTool("crontab", ["-u", user, file], { env: { LC_ALL: "C" } });
    if (r.exitCode !== 0)
      throw new DrError(
        "failed",
        `crontab -u ${user} refused the new crontab: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`,
      );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
