// The two real schedulers: a user's crontab through crontab(1) — for a throwaway system user the
// test creates and deletes, never root's — and the real cron daemon (`cron -f`), run in a private
// mount namespace where /etc/cron.d, /etc/crontab and the crontab spool are the test's own, so
// the machine's jobs neither run nor change.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { readJournal } from "../../src/state/journal.js";
import { cronCommand, drctl } from "../helpers/cli.js";
import { shLikeCron } from "../helpers/cron-shell.js";
import { killAtSpreadMoments } from "../helpers/kill-sweep.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { distCli, tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-cron-");
const user = `drctlt${randomBytes(3).toString("hex")}`;
let db: Sandbox;

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const crontabOf = (u: string) => {
  try {
    return execFileSync("crontab", ["-l", "-u", u], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch {
    return "";
  }
};

beforeAll(async () => {
  // the jobs run as the throwaway user: it must reach the spec and the state dir
  chmodSync(dir, 0o755);
  execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]);
  db = await startSandbox({ baseDir: dir, binlog: true });
  const c = await db.connectRoot();
  await c.query(
    "CREATE DATABASE university; CREATE TABLE university.grades (id INT PRIMARY KEY, grade CHAR(2)); INSERT " +
      "INTO university.grades VALUES (1, 'A')",
  );
  await c.end();
});

afterAll(async () => {
  try {
    execFileSync("crontab", ["-r", "-u", user], { stdio: "ignore" });
  } catch {
    /* the user had no crontab (tests filtered out) */
  }
  execFileSync("userdel", [user], { stdio: "ignore" });
  await db?.stop();
});

/**
 * A project whose jobs run from the test user's crontab. The jobs (and apply's verification) read
 * the credentials as that user, so it gets its own copy (0600, its own).
 */
function userProject(project: string) {
  mkdirSync(join(dir, project), { recursive: true });
  chmodSync(join(dir, project), 0o755);
  const credentials = join(dir, project, "db1.cnf");
  copyFileSync(db.clientOptionFile, credentials);
  execFileSync("chown", [user, credentials]);
  return writeSpecFile({
    project,
    root: join(dir, project),
    sandbox: { port: db.port, clientOptionFile: credentials },
    scheduler: `{ type: cron, user: ${user}, timezone: UTC }`,
  });
}

describe("a user's crontab through crontab(1)", () => {
  it(
    "apply installs the block beside the user's own lines, gives the user the state dir and the repository, " +
      "and the lines run as that user",
    async () => {
      const s = userProject("usercron");
      const own = 'MAILTO=""\n# the user\'s own job\n5 4 * * * /bin/echo "50% done" >/dev/null\n';
      const ownFile = join(dir, "own.crontab");
      writeFileSync(ownFile, own);
      execFileSync("crontab", ["-u", user, ownFile]);

      const r = await drctl(["apply", "-f", s.file, "--auto-approve"]);
      expect(r.code, r.stderr).toBe(0);
      const appliedRecords = (await readJournal(s.stateDir)).length;
      const installed = crontabOf(user);
      expect(installed.startsWith(`${own}# BEGIN drctl usercron\n`)).toBe(true);
      expect(installed.trimEnd().endsWith("# END drctl usercron")).toBe(true);
      // a user's crontab has no user field: the line starts with the command after 5 fields
      const lines = installed.split("\n").filter((l) => /^[0-9*]/.test(l) && l.includes("drctl"));
      expect(lines).toHaveLength(3); // full backup, binlog archive, prune
      for (const l of lines) expect(l.split(" ")[5]).toBe("/usr/bin/flock");

      const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }));
      for (const p of [
        s.stateDir,
        join(s.stateDir, "locks"),
        join(s.stateDir, "logs"),
        s.repo,
        join(s.stateDir, "journal.jsonl"),
      ])
        expect(statSync(p).uid, p).toBe(uid);

      const codes: Record<string, number> = {};
      for (const l of lines) {
        const res = await shLikeCron(cronCommand(l, false), user);
        codes[/ (backup|binlog archive|prune) /.exec(l)![1]!] = res.code;
      }
      // backup, binlog archiving and retention really ran as the user
      expect(codes).toEqual({ backup: 0, "binlog archive": 0, prune: 0 });
      const jobs = (await readJournal(s.stateDir)).slice(appliedRecords).filter((x) => x.kind === "job");
      expect(jobs.map((j) => [j.data.command, j.data.exitCode]).sort()).toEqual([
        ["backup", 0],
        ["binlog archive", 0],
        ["prune", 0],
      ]);
      // what the user's jobs wrote belongs to the user — apply's verification ran as the user too
      const sets = readdirSync(join(s.repo, "sets", "university"));
      expect(sets).toHaveLength(2);
      for (const set of sets) expect(statSync(join(s.repo, "sets", "university", set, "manifest.json")).uid).toBe(uid);

      const plan = await drctl(["plan", "-f", s.file, "--detailed-exitcode"]);
      expect(plan.code, plan.stdout).toBe(0);
    },
  );

  it("kill -9 while apply installs the crontab leaves the old crontab or the new one", {
    timeout: 150_000,
  }, async () => {
    const s = userProject("userkill");
    const oldFile = join(dir, "old.crontab");
    writeFileSync(oldFile, "# before\n17 * * * * /bin/true\n");
    execFileSync("crontab", ["-u", user, oldFile]);
    const old = crontabOf(user);
    // the first apply also proves the dataset (verification); the runs the sweep kills only write the crontab
    expect((await drctl(["apply", "-f", s.file, "--auto-approve"])).code).toBe(0);
    execFileSync("crontab", ["-u", user, oldFile]);
    const t0 = Date.now();
    expect((await drctl(["apply", "-f", s.file, "--auto-approve"])).code).toBe(0);
    const typicalMs = Date.now() - t0;
    const fresh = crontabOf(user);
    const seen = await killAtSpreadMoments({
      argv: [process.execPath, distCli, "apply", "-f", s.file, "--auto-approve"],
      typicalMs,
      reset: () => execFileSync("crontab", ["-u", user, oldFile]),
      read: () => crontabOf(user),
      old,
      fresh,
    });
    expect(seen).toEqual(new Set([old, fresh]));
  });
});

describe("the real cron daemon", () => {
  let cron: ChildProcess | undefined;
  afterAll(() => {
    cron?.kill("SIGKILL");
  });

  it("fires an installed drctl job, which journals its run", { timeout: 150_000 }, async () => {
    // the real daemon's own % and backslash handling, on paths made to trip it
    const root = join(dir, "crond we'ird 100% a\\b \\% $(x)");
    const s = writeSpecFile({ project: "crond", root, sandbox: db });
    expect((await drctl(["apply", "-f", s.file, "--auto-approve"])).code).toBe(0);
    const fake = join(root, "fake-etc");
    mkdirSync(join(fake, "spool"), { recursive: true });
    writeFileSync(join(fake, "crontab"), "");
    // cron only reads cron.d files owned by root and not writable by group or others
    expect(statSync(s.cronFile).mode & 0o022).toBe(0);
    const script = [
      "set -e",
      `mount --bind ${sh(join(root, "cron.d"))} /etc/cron.d`,
      `mount --bind ${sh(join(fake, "crontab"))} /etc/crontab`,
      `mount --bind ${sh(join(fake, "spool"))} /var/spool/cron/crontabs`,
      "mount -t tmpfs tmpfs /run",
      "exec cron -f",
    ].join("\n");
    cron = spawn("unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let cronSaid = "";
    cron.stderr!.on("data", (d) => (cronSaid += d));
    // the binlog archive job runs every minute: cron starts it at the next minute boundary
    const deadline = Date.now() + 140_000;
    let job: Awaited<ReturnType<typeof readJournal>>[number] | undefined;
    while (Date.now() < deadline) {
      job = (await readJournal(s.stateDir).catch(() => [])).find(
        (x) => x.kind === "job" && x.data.command === "binlog archive",
      );
      if (job) break;
      expect(cron.exitCode, `cron exited: ${cronSaid}`).toBeNull();
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(job, `no job record; cron said: ${cronSaid}`).toBeDefined();
    expect(job!.data).toMatchObject({ subject: "db1", exitCode: 0, result: "ok" });
    expect(readFileSync(join(s.stateDir, "logs", "schedule.dataset.university.binlog.log"), "utf8")).toMatch(
      /local: (archived mariadb-bin\.\d+|nothing new to archive)/,
    );
  });
});
