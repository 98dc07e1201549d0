// Which account the cron jobs run as, and giving it what they write: the state dir (journal,
// locks, logs) and the repositories. Only root can hand files to another account; anyone else
// already is that account.

import { chown } from "node:fs/promises";
import { userInfo } from "node:os";
import { runTool } from "../adapters/process/run.js";
import { DrError, must } from "../errors.js";

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export async function lookupAccount(name: string): Promise<Account> {
  const r = await runTool("getent", ["passwd", name]);
  const fields = r.stdout.split(":");
  if (r.exitCode !== 0 || fields.length < 7)
    throw new DrError("invalid", `no such user: ${name}`, {
      hint: "scheduler.user names the account the cron jobs run as; create it first",
    });
  return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: must(fields[5]) };
}

export function currentAccount(): Account {
  const u = userInfo();
  return { name: u.username, uid: u.uid, gid: u.gid, home: u.homedir };
}

/** Make `path` the job account's when this process runs as root and the account is another. */
export async function handTo(path: string, account: Account): Promise<void> {
  if (process.getuid?.() !== 0 || account.uid === 0) return;
  await chown(path, account.uid, account.gid);
}
