// drctl apply against a real MariaDB, real files and the real crontab(1): the world after apply,
// idempotence (plan says "No changes", also after a restart with the drop-in), saved plans that
// went stale, the apply lock, failures midway, and cron lines run the way cron runs them.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { acquireLock } from "../../src/state/lock.js";
import { readJournal, verifyJournal } from "../../src/state/journal.js";
import { cronCommand, drctl } from "../helpers/cli.js";
import { shLikeCron } from "../helpers/cron-shell.js";
import { killAtSpreadMoments } from "../helpers/kill-sweep.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { distCli, tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-apply-");
const dropIn = join(dir, "main", "90-drctl.cnf");
let db: Sandbox;

async function variables(names: string[]): Promise<Record<string, string>> {
  const c = await db.connectRoot();
  const [rows] = await c.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)", [names]);
  await c.end();
  return Object.fromEntries(
    (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]),
  );
}

beforeAll(async () => {
  mkdirSync(join(dir, "main"), { recursive: true });
  writeFileSync(dropIn, ""); // an empty file the DBA made for drctl: the server includes it
  db = await startSandbox({
    baseDir: dir,
    extraOptionFiles: [dropIn],
    serverOptions: ["binlog-format=MIXED", "sync-binlog=0", "binlog-expire-logs-seconds=3600"],
  });
  const c = await db.connectRoot();
  await c.query(
    "CREATE DATABASE university; CREATE TABLE university.grades (id INT PRIMARY KEY, grade CHAR(2)); INSERT " +
      "INTO university.grades VALUES (1, 'A')",
  );
  await c.end();
});

afterAll(async () => {
  await db?.stop();
});

describe("drctl apply", () => {
  const before =
    "SHELL=/bin/sh\n# someone else's job, with a % and odd spacing:\n*/5 *  * * * root  date +\\%s >/dev/null\n";
  const after = "# and a line after drctl's block, without a final newline";

  it(
    "configures binlogs live and in the drop-in, creates the repository and the cron block, keeps foreign " +
      "lines byte for byte; a second apply and plan find nothing to do",
    async () => {
      const s = writeSpecFile({ project: "main", root: join(dir, "main"), sandbox: db });
      expect(s.dropIn).toBe(dropIn);
      mkdirSync(join(dir, "main", "cron.d"));
      // an older block with a job the spec no longer has sits between foreign lines
      writeFileSync(
        s.cronFile,
        `${before}# BEGIN drctl main\n# drctl:schedule.dataset.old.full\n0 1 * * * root /bin/true\n# END drctl ` +
          `main\n${after}`,
      );

      const plan = await drctl(["plan", "-f", s.file, "--detailed-exitcode"]);
      expect(plan.code).toBe(2);
      expect(plan.stdout).toContain("- schedule.dataset.old.full  (destroy, destructive)");

      const r = await drctl(["apply", "-f", s.file, "--auto-approve"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        "server.db1.binlog: SET GLOBAL binlog_format = ROW; SET GLOBAL sync_binlog = 1; SET GLOBAL " +
          "binlog_expire_logs_seconds = 604800; wrote " +
          dropIn,
      );
      expect(r.stdout).toMatch(
        new RegExp(
          "^verification\\.university: backup \\d{8}T\\d{6}Z-full-[0-9a-f]{6}: full mysqldump " +
            "of university, .*; drill verification\\.university passed: \\S+ restored and " +
            "verified; RTO [\\d.]+s \\(target 1h\\), RPO [\\d.]+s \\(target 2d\\)$",
          "m",
        ),
      );
      expect(r.stdout).toMatch(/Apply complete! Resources: 5 added, 1 changed, 1 destroyed\./);
      expect(r.stdout).toContain(
        "Restart required: db1 (log_bin) takes effect when the server restarts; drctl never restarts a server.",
      );

      // live variables, and the drop-in keeps them (log_bin only there: it needs a restart)
      expect(await variables(["binlog_format", "sync_binlog", "binlog_expire_logs_seconds", "log_bin"])).toEqual({
        binlog_format: "ROW",
        sync_binlog: "1",
        binlog_expire_logs_seconds: "604800",
        log_bin: "OFF",
      });
      const cnf = readFileSync(dropIn, "utf8");
      expect(cnf).toMatch(/^# Managed by drctl/);
      expect(cnf).toContain(
        "[mariadbd]\nlog-bin = mysql-bin\nbinlog-format = ROW\nsync-binlog = 1\nbinlog-expire-logs-seconds = 604800\n",
      );

      // repository: 0700 with drctl's marker
      expect(statSync(s.repo).mode & 0o777).toBe(0o700);
      expect(JSON.parse(readFileSync(join(s.repo, ".drctl-repository.json"), "utf8"))).toMatchObject({
        project: "main",
        repository: "local",
      });

      // the cron file: foreign bytes untouched before and after, the block replaced in place
      const cron = readFileSync(s.cronFile, "utf8");
      expect(cron.startsWith(`${before}# BEGIN drctl main\n`)).toBe(true);
      expect(cron.endsWith(`# END drctl main\n${after}`)).toBe(true);
      expect(cron).not.toContain("schedule.dataset.old.full");
      for (const job of ["full", "binlog", "prune"])
        expect(cron).toContain(`# drctl:schedule.dataset.university.${job}\n`);
      expect(statSync(s.cronFile).mode & 0o777).toBe(0o644);
      expect(cron).not.toContain(readFileSync(db.clientOptionFile, "utf8").match(/password=(.*)/)![1]!);

      // journaled, chain intact
      const records = await readJournal(s.stateDir);
      // the verification's own runs (the first backup, the drill) are journaled between apply's records
      expect(records.map((x) => (x.kind === "job" ? `job ${String(x.data.command)}` : x.kind))).toEqual([
        "apply.start",
        ...Array(6).fill("apply.resource"),
        "job backup",
        "drill",
        "job drill verify",
        "apply.resource",
        "apply.end",
      ]);
      expect(
        records
          .filter((x) => x.kind === "apply.resource")
          .map((x) => [x.data.address, x.data.result])
          .sort(),
      ).toEqual(
        [
          ["repository.local", "applied"],
          ["schedule.dataset.old.full", "applied"],
          ["schedule.dataset.university.binlog", "applied"],
          ["schedule.dataset.university.full", "applied"],
          ["schedule.dataset.university.prune", "applied"],
          ["server.db1.binlog", "applied"],
          ["verification.university", "applied"],
        ].sort(),
      );
      expect(records.find((x) => x.kind === "drill")!.data).toMatchObject({
        drill: "verification.university",
        dataset: "university",
        method: "mysqldump",
        verified: true,
      });
      expect(records.at(-1)!.data).toMatchObject({
        result: "ok",
        restartRequired: [{ server: "db1", variables: ["log_bin"] }],
      });
      expect((await verifyJournal(s.stateDir)).ok).toBe(true);

      // idempotent: plan has nothing to change (the restart is pending, and said so); apply does nothing
      const again = await drctl(["plan", "-f", s.file, "--detailed-exitcode"]);
      expect(again.code, again.stdout).toBe(0);
      expect(again.stdout).toMatch(/^No changes\. The live state matches the spec\./m);
      expect(again.stdout).toContain(
        `warning server.db1.binlog: restart db1 for the drop-in to take effect (drctl never restarts a ` +
          `server): log_bin is ON in ${dropIn} but OFF live`,
      );
      const cronStat = statSync(s.cronFile);
      const second = await drctl(["apply", "-f", s.file, "--auto-approve"]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain("Nothing to apply.");
      expect(statSync(s.cronFile).ino).toBe(cronStat.ino);
      expect((await readJournal(s.stateDir)).length).toBe(records.length);

      // the server restarted with the drop-in: binary logging is on, and still nothing to change
      await db.restart();
      expect(await variables(["log_bin", "log_bin_basename", "binlog_format", "sync_binlog"])).toMatchObject({
        log_bin: "ON",
        binlog_format: "ROW",
        sync_binlog: "1",
      });
      const afterRestart = await drctl(["plan", "-f", s.file, "--detailed-exitcode"]);
      expect(afterRestart.code, afterRestart.stdout).toBe(0);
      expect(afterRestart.stdout).toMatch(/^No changes\./m);
      expect(afterRestart.stdout).not.toContain("restart db1");
    },
  );

  it("refuses without --auto-approve off a terminal, and writes nothing", async () => {
    const s = writeSpecFile({ project: "noapprove", root: join(dir, "noapprove"), sandbox: db });
    const r = await drctl(["apply", "-f", s.file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("refusing to apply without --auto-approve");
    expect(existsSync(s.cronFile) || existsSync(s.repo) || existsSync(s.stateDir)).toBe(false);
  });

  it(
    "a saved plan applies as reviewed; after the spec or the live state changed it is refused (exit 3) and " +
      "nothing is written",
    async () => {
      const s = writeSpecFile({ project: "saved", root: join(dir, "saved"), sandbox: db });
      const planFile = join(dir, "saved", "plan.json");
      expect((await drctl(["plan", "-f", s.file, "-out", planFile])).code).toBe(0);

      // the spec changed
      const original = readFileSync(s.file, "utf8");
      writeFileSync(s.file, original.replace('schedule: "0 2 * * *"', 'schedule: "0 3 * * *"'));
      const r = await drctl(["apply", planFile]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`drctl: error: stale plan: the spec ${s.file} changed since the plan was made`);
      expect(existsSync(s.cronFile) || existsSync(s.repo)).toBe(false);
      writeFileSync(s.file, original);

      // the live state changed (a repository appeared by hand)
      mkdirSync(s.repo);
      const r2 = await drctl(["apply", planFile]);
      expect(r2.code).toBe(3);
      expect(r2.stderr).toContain(
        "stale plan: the live state (servers, cron block, repositories, verified drills) changed",
      );
      // and says what would now be done differently (issue 13)
      expect(r2.stderr).toMatch(/\n {2}- repository\.local: /);
      expect(existsSync(s.cronFile)).toBe(false);
      rmSync(s.repo, { recursive: true });

      // unchanged: applied without a prompt, as reviewed
      const ok = await drctl(["apply", planFile]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(readFileSync(s.cronFile, "utf8")).toContain("# drctl:schedule.dataset.university.full");

      // not a plan at all
      const bad = await drctl(["apply", s.file]);
      expect(bad.code).toBe(3);
      expect(bad.stderr).toContain(`is not a plan saved by \`drctl plan -out\``);
      expect(bad.stderr).toContain(`hint: to apply a spec, use: drctl apply -f ${s.file}`);
    },
  );

  it(
    "one apply at a time: a busy lock is exit 4 naming the holder; --lock-timeout waits; concurrent applies of " +
      "two specs leave one whole block",
    async () => {
      const s = writeSpecFile({ project: "locked", root: join(dir, "locked"), sandbox: db });
      mkdirSync(join(s.stateDir, "locks"), { recursive: true });
      const lock = await acquireLock(join(s.stateDir, "locks", "apply.lock"), { command: "a test holding the lock" });
      const busy = await drctl(["apply", "-f", s.file, "--auto-approve"]);
      expect(busy.code).toBe(4);
      expect(busy.stderr).toMatch(
        new RegExp(`apply for project locked is locked by pid ${process.pid} .*a test holding the lock`),
      );
      expect(existsSync(s.cronFile)).toBe(false);
      // the lock goes once the second apply says it waits (a fixed delay raced a loaded machine's start-up)
      const waiter = spawn(process.execPath, [
        distCli,
        "apply",
        "-f",
        s.file,
        "--auto-approve",
        "--lock-timeout",
        "30s",
      ]);
      let stderr = "";
      waiter.stdout.resume();
      waiter.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes("waiting up to 30s for the apply lock held by pid")) void lock.release();
      });
      const code = await new Promise((r) => waiter.once("exit", r));
      await lock.release();
      expect(code, stderr).toBe(0);
      expect(stderr).toContain("waiting up to 30s for the apply lock held by pid");

      // two versions of the spec applied at once: the lock orders them; the file is one or the other
      const other = join(dir, "locked", "other.yaml");
      writeFileSync(other, readFileSync(s.file, "utf8").replace('schedule: "0 2 * * *"', 'schedule: "30 5 * * *"'));
      const [a, b] = await Promise.all([
        drctl(["apply", "-f", s.file, "--auto-approve", "--lock-timeout", "60s"]),
        drctl(["apply", "-f", other, "--auto-approve", "--lock-timeout", "60s"]),
      ]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const text = readFileSync(s.cronFile, "utf8");
      expect(text.match(/# BEGIN drctl locked/g)).toHaveLength(1);
      expect(text.match(/# END drctl locked/g)).toHaveLength(1);
      expect(
        / 0 2 \* \* \* /.test(text) !== / 30 5 \* \* \* /.test(text) ||
          text.includes("\n0 2 * * * ") !== text.includes("\n30 5 * * * "),
      ).toBe(true);
    },
  );

  it("kill -9 while apply writes the cron file leaves the old block or the new one, never a torn one", {
    timeout: 150_000,
  }, async () => {
    const s = writeSpecFile({ project: "killed", root: join(dir, "killed"), sandbox: db });
    mkdirSync(join(dir, "killed", "cron.d"));
    const old =
      `${before}# BEGIN drctl killed\n# drctl:schedule.dataset.old.full\n0 1 * * * root /bin/true\n# END drctl ` +
      `killed\n${after}`;
    // the text a finished apply writes (the block is deterministic), and how long a run takes here
    writeFileSync(s.cronFile, old);
    const t0 = Date.now();
    const done = await drctl(["apply", "-f", s.file, "--auto-approve"]);
    const typicalMs = Date.now() - t0;
    expect(done.code, done.stderr).toBe(0);
    const fresh = readFileSync(s.cronFile, "utf8");
    expect(fresh).not.toBe(old);
    const seen = await killAtSpreadMoments({
      argv: [process.execPath, distCli, "apply", "-f", s.file, "--auto-approve"],
      typicalMs,
      reset: () => writeFileSync(s.cronFile, old),
      read: () => readFileSync(s.cronFile, "utf8"),
      old,
      fresh,
    });
    expect(seen).toEqual(new Set([old, fresh]));
    // no temp debris beside the file
    expect(readFileSyncDir(join(dir, "killed", "cron.d"))).toEqual(["drctl-killed"]);
  });

  it("a failure midway names the resource, keeps what was done, and the next apply finishes", async () => {
    const root = join(dir, "midway");
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "blocker"), "a file where a directory must go");
    const s = writeSpecFile({
      project: "midway",
      root,
      sandbox: db,
      extraRepositories: `  second: { type: filesystem, path: ${join(root, "blocker", "repo")} }`,
      dataset: "    copies: [second]",
    });
    const r = await drctl(["apply", "-f", s.file, "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/drctl: error: apply stopped at repository\.second: .*ENOTDIR/);
    expect(r.stderr).toContain("hint: 2 resource(s) applied before it stay applied");
    expect(existsSync(join(s.repo, ".drctl-repository.json"))).toBe(true);
    expect(existsSync(s.cronFile)).toBe(false);
    const failed = (await readJournal(s.stateDir)).filter(
      (x) => x.kind === "apply.resource" && x.data.result === "failed",
    );
    expect(failed.map((x) => x.data.address)).toEqual(["repository.second"]);

    rmSync(join(root, "blocker"));
    const again = await drctl(["apply", "-f", s.file, "--auto-approve"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\./);
    expect(again.stdout).not.toContain("repository.local:");
    expect(readFileSync(s.cronFile, "utf8")).toContain("# drctl:schedule.dataset.university.copy");
  });

  it(
    "every installed line runs under `env -i PATH=/usr/bin:/bin /bin/sh -c`, journals its run, and never " +
      "overlaps itself",
    async () => {
      // every path in the line lives under a directory named to break naive quoting
      const root = join(dir, 'lines we\'ird $(touch PWNED) `id` 100% a\\b \\% "q"');
      const s = writeSpecFile({ project: "lines", root, sandbox: db });
      expect((await drctl(["apply", "-f", s.file, "--auto-approve"])).code).toBe(0);
      const applied = (await readJournal(s.stateDir)).length;
      const block = readFileSync(s.cronFile, "utf8")
        .split("\n")
        .filter((l) => /^[0-9*]/.test(l));
      expect(block).toHaveLength(3);
      const codes: number[] = [];
      for (const line of block) {
        const res = await shLikeCron(cronCommand(line, true));
        expect(res.stdout + res.stderr).toBe(""); // everything goes to the job's log
        codes.push(res.code);
      }
      const jobs = (await readJournal(s.stateDir)).slice(applied).filter((x) => x.kind === "job");
      // binlog archiving, the backup and retention really run from under that path (the first test
      // turned log_bin on)
      expect(jobs.map((j) => [j.data.command, j.data.subject, j.data.exitCode, j.data.result])).toEqual([
        ["binlog archive", "db1", 0, "ok"],
        ["backup", "university", 0, "ok"],
        ["prune", "university", 0, "ok"],
      ]);
      expect(codes).toEqual([0, 0, 0]);
      expect(readFileSync(join(s.stateDir, "logs", "schedule.dataset.university.binlog.log"), "utf8")).toMatch(
        /local: (archived|nothing new to archive)/,
      );
      expect(readFileSync(join(s.stateDir, "logs", "schedule.dataset.university.full.log"), "utf8")).toMatch(
        /backup \d{8}T\d{6}Z-full-[0-9a-f]{6}: full mysqldump of university, 1 tables/,
      );
      expect(readFileSync(join(s.stateDir, "logs", "schedule.dataset.university.prune.log"), "utf8")).toContain(
        "prune university: 0 set(s) deleted, 2 kept",
      ); // apply's first set and this one

      // a run still going when the next is due: the next one skips (flock -n, exit 75), unjournaled
      const fullLine = block.find((l) => l.includes(" backup "))!;
      const held = await acquireLock(join(s.stateDir, "locks", "schedule.dataset.university.full.lock"));
      const skipped = await shLikeCron(cronCommand(fullLine, true));
      await held.release();
      expect(skipped.code).toBe(75);
      expect(readdirSync(process.cwd()).includes("PWNED") || readdirSync(root).includes("PWNED")).toBe(false);
      expect((await readJournal(s.stateDir)).slice(applied).filter((x) => x.kind === "job")).toHaveLength(3);
    },
  );
});

function readFileSyncDir(path: string): string[] {
  return readdirSync(path).sort();
}
