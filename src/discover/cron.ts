// Reads the managed cron block: from a cron.d-style file, or from a user's crontab through the
// real `crontab -l` command.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { runTool } from "../adapters/process/run.js";
import { splitCrontab } from "../core/cron-line.js";
import type { ObservedCron } from "../core/observed.js";
import { messageOf } from "../errors.js";

export async function readCronText(target: string): Promise<string> {
  if (target.startsWith("crontab:")) {
    const user = target.slice("crontab:".length);
    const r = await runTool("crontab", ["-l", "-u", user], { env: { LC_ALL: "C" } });
    if (r.exitCode === 0) return r.stdout.endsWith("\n") || r.stdout === "" ? r.stdout : `${r.stdout}\n`;
    if (/no crontab for/i.test(r.stderr)) return "";
    throw new Error(`crontab -l -u ${user}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  }
  if (!existsSync(target)) return "";
  return await readFile(target, "utf8");
}

export async function discoverCron(target: string, project: string): Promise<ObservedCron> {
  try {
    const { block } = splitCrontab(await readCronText(target), project);
    return { target, readable: true, block };
  } catch (e) {
    return { target, readable: false, error: messageOf(e), block: null };
  }
}
