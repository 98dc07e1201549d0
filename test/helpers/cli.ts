// Runs the built drctl as a user would, and returns what it said and its exit code.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cronUnescape } from "../../src/core/cron-line.js";
import { distCli, repoRoot } from "./temp.js";

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function drctl(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [distCli, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The cron line's command as cron hands it to /bin/sh (after 5 time fields, and a user in cron.d files). */
export function cronCommand(line: string, withUser: boolean): string {
  const field = line
    .split(" ")
    .slice(withUser ? 6 : 5)
    .join(" ");
  const { command, stdin } = cronUnescape(field);
  if (stdin !== undefined) throw new Error(`an unescaped % cuts this line: ${line}`);
  return command;
}
