// The fault suite's frame (docs/reliability.md): a project on a shared sandbox server, set up
// without apply (the repository's marker written as apply writes it) so each case starts in a
// second; lying tools as PATH shims; and the "nothing lost" assertion every case ends with —
// every earlier good set still verifies and the catalog lists exactly the complete sets.
import { execFileSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, openSync, readSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { REPOSITORY_MARKER } from "../../src/discover/repositories.js";
import { drctl, type CliResult } from "../helpers/cli.js";
import { datasetsSpec, type DatasetDef } from "../helpers/spec-files.js";

export interface FaultProject {
  name: string;
  root: string;
  file: string;
  repo: string;
  state: string;
  run(args: string[], env?: Record<string, string>): Promise<CliResult>;
}

export function faultProject(
  dir: string,
  name: string,
  server: { port: number; credentials: string },
  datasets: Record<string, DatasetDef>,
  extra: { encryption?: string; drills?: string; tier?: string } = {},
): FaultProject {
  const root = join(dir, name);
  const repo = join(root, "repo");
  const state = join(root, "state");
  mkdirSync(repo, { recursive: true, mode: 0o700 });
  writeFileSync(join(repo, REPOSITORY_MARKER), `${JSON.stringify({ project: name, repository: "local" })}\n`, {
    mode: 0o600,
  });
  const file = join(root, "drctl.yaml");
  writeFileSync(
    file,
    datasetsSpec({ project: name, state, repo, server, datasets, cronFile: join(root, "cron"), ...extra }),
  );
  const sandboxes = join(root, "sandboxes");
  return {
    name,
    root,
    file,
    repo,
    state,
    run: (args, env = {}) =>
      drctl(
        [
          args[0]!,
          ...(args[0] === "binlog" || args[0] === "drill" || args[0] === "evidence"
            ? [args[1]!, "-f", file, ...args.slice(2)]
            : ["-f", file, ...args.slice(1)]),
        ],
        { env: { DRCTL_SANDBOX_HOME: sandboxes, ...env } },
      ),
  };
}

/** A directory holding one executable `name`, to put first on PATH: a tool that lies. */
export function shim(dir: string, name: string, script: string): string {
  const d = join(dir, `shim-${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(d, name), 0o755);
  return d;
}

export const withPath = (shimDir: string) => ({ PATH: `${shimDir}:${process.env.PATH}` });

export async function setIds(p: FaultProject): Promise<string[]> {
  const r = await p.run(["backups", "--json"]);
  expect([0, 6]).toContain(r.code);
  return (JSON.parse(r.stdout) as { sets: { id: string }[] }).sets.map((s) => s.id);
}

/** Nothing lost: the catalog lists exactly `ids` (the complete sets), and each still verifies. */
export async function expectNothingLost(p: FaultProject, ids: string[]): Promise<void> {
  expect((await setIds(p)).sort()).toEqual([...ids].sort());
  if (!ids.length) return;
  const v = await p.run(["verify", ...ids]);
  expect(v.stdout).toContain(`${ids.length} set(s) checked: ${ids.length} ok, 0 failed`);
}

/** The newest job record's data in the project's journal. */
export async function lastJob(p: FaultProject): Promise<Record<string, unknown>> {
  const { readJournal } = await import("../../src/state/journal.js");
  const jobs = (await readJournal(p.state)).filter((r) => r.kind === "job");
  return jobs.at(-1)!.data;
}

/**
 * The one binlog-on sandbox server of a test file: started before its tests, `setup` run as root
 * (one statement each, in order), stopped after them. `sql` runs one statement as root.
 */
export function serverForFile(
  dir: string,
  setup: string[],
): { readonly db: Sandbox; reach(): { port: number; credentials: string }; sql(q: string): Promise<unknown> } {
  let db: Sandbox | undefined;
  beforeAll(async () => {
    db = await startSandbox({ baseDir: dir, binlog: true });
    const c = await db.connectRoot();
    try {
      for (const q of setup) await c.query(q);
    } finally {
      await c.end();
    }
  }, 300_000);
  afterAll(async () => {
    await db?.stop();
  });
  return {
    get db() {
      if (!db) throw new Error("the file's server is not up (used outside a test?)");
      return db;
    },
    reach() {
      return { port: this.db.port, credentials: this.db.clientOptionFile };
    },
    async sql(q) {
      const c = await this.db.connectRoot();
      try {
        return (await c.query(q))[0];
      } finally {
        await c.end();
      }
    },
  };
}

/** Flips one byte of a stored file in place (the manifest keeps the old digest). */
export function flipByte(file: string, at = 40): void {
  const fd = openSync(file, "r+");
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

/**
 * One query's answer from the sandbox a `restore --keep` left running (named in its output), then that
 * sandbox is taken down.
 */
export async function queryKeptSandbox(p: FaultProject, restoreStdout: string, query: string): Promise<string> {
  const optionFile = /mariadb --defaults-file=(\S+)/.exec(restoreStdout)?.[1];
  if (!optionFile) throw new Error(`the restore's output names no kept sandbox:\n${restoreStdout}`);
  try {
    return execFileSync("mariadb", [`--defaults-file=${optionFile}`, "-N", "-e", query])
      .toString()
      .trim();
  } finally {
    await drctl(["sandbox", "down", "--all"], { env: { DRCTL_SANDBOX_HOME: join(p.root, "sandboxes") } });
  }
}
