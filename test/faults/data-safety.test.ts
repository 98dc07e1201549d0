// Faults that must never cost a good backup (docs/reliability.md, "Data safety"): a deleted
// manifest, a lying age or zstd, a reader that goes away, a signal mid-backup, a busy lock —
// each injected for real against a real MariaDB, each ending with "nothing lost".
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readJournal } from "../../src/state/journal.js";
import { distCli, tempDir } from "../helpers/temp.js";
import {
  expectNothingLost,
  faultProject,
  lastJob,
  serverForFile,
  setIds,
  shim,
  withPath,
  type FaultProject,
} from "./harness.js";

const dir = tempDir("drctl-faults-data-");
const server = serverForFile(dir, [
  "CREATE DATABASE shop",
  "CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(500))",
  "INSERT INTO shop.orders (pad) VALUES (REPEAT('x', 400))",
  ...Array.from({ length: 8 }, () => "INSERT INTO shop.orders (pad) SELECT REPEAT(MD5(RAND()), 12) FROM shop.orders"),
]);

const project = (name: string, extra: Parameters<typeof faultProject>[4] = {}) =>
  faultProject(
    dir,
    name,
    server.reach(),
    { ds: { databases: ["shop"], method: "mysqldump", retention: "{ full: { daily: 7 }, binlogs: 2d }" } },
    extra,
  );

async function backup(p: FaultProject): Promise<string> {
  const r = await p.run(["backup", "ds"]);
  expect(r.code, r.stderr).toBe(0);
  return /^backup (\S+):/m.exec(r.stdout)![1]!;
}

const setDirs = (p: FaultProject) =>
  existsSync(join(p.repo, "sets", "ds")) ? readdirSync(join(p.repo, "sets", "ds")) : [];

describe("debris is only ever drctl's own interrupted attempt", () => {
  it("manifest-deleted set survives the next backup: reported as a stray (backups/verify exit " +
    "6), never deleted", async () => {
    const p = project("manifest-deleted");
    const first = await backup(p);
    const second = await backup(p);
    const victim = join(p.repo, "sets", "ds", first);
    rmSync(join(victim, "manifest.json"));
    // older than any age rule: it is still not drctl's to delete
    utimesSync(victim, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const third = await p.run(["backup", "ds"]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain(`left alone: ${victim}`);
    expect(existsSync(join(victim, "dump.sql.zst"))).toBe(true);
    const list = await p.run(["backups"]);
    expect(list.code).toBe(6);
    expect(list.stderr).toContain(`stray: ${victim}: no manifest.json and no in-progress marker`);
    const v = await p.run(["verify"]);
    expect(v.code).toBe(6);
    expect(v.stdout).toMatch(/1 stray directory/);
    const ids = (await setIds(p)).filter((id) => id !== first);
    expect(ids).toContain(second);
    expect(ids).toHaveLength(2);
  }, 120_000);

  it("attempt-dead-writer: an attempt whose marker names a dead pid, and a set dir that died before its marker " +
    "(.begin-*), are removed; a live writer's is kept", async () => {
    const p = project("dead-writer");
    const good = await backup(p);
    const parent = join(p.repo, "sets", "ds");
    const dead = join(parent, "20200101T000000Z-full-dead00");
    mkdirSync(dead);
    writeFileSync(
      join(dead, ".in-progress.json"),
      JSON.stringify({ pid: 2 ** 22 + 4321, host: (await import("node:os")).hostname(), startedAt: "", command: "x" }),
    );
    writeFileSync(join(dead, "dump.sql.zst"), "partial");
    const born = join(parent, ".begin-abc123");
    mkdirSync(born);
    utimesSync(born, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    const alive = join(parent, "20200101T000000Z-full-alive0");
    mkdirSync(alive);
    writeFileSync(
      join(alive, ".in-progress.json"),
      JSON.stringify({ pid: process.pid, host: (await import("node:os")).hostname(), startedAt: "", command: "x" }),
    );
    const r = await p.run(["backup", "ds"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removed an interrupted attempt: ${dead}`);
    expect(r.stderr).toContain(`removed an interrupted attempt: ${born}`);
    expect(existsSync(alive)).toBe(true);
    expect(r.stderr).toContain(`left alone: ${alive} (still being written by pid ${process.pid}`);
    rmSync(alive, { recursive: true });
    await expectNothingLost(p, [good, /^backup (\S+):/m.exec(r.stdout)![1]!]);
  }, 120_000);
});

describe("every stage's output is what it claims before a set is published", () => {
  const AGE_KEY = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
  let recipient = "";
  beforeAll(async () => {
    const { execFileSync } = await import("node:child_process");
    recipient = execFileSync("age-keygen", ["-y"], { input: `${AGE_KEY}\n` })
      .toString()
      .trim();
    writeFileSync(join(dir, "age.key"), `${AGE_KEY}\n`, { mode: 0o600 });
  });
  const encryption = () =>
    `encryption:\n  recipients: [${recipient}]\n  identityFile: ${JSON.stringify(join(dir, "age.key"))}`;

  it("age-plaintext: an age that exits 0 but passes plaintext through → exit 1 naming it, " +
    "nothing published", async () => {
    const p = project("age-liar", { encryption: encryption() });
    const good = await backup(p);
    const liar = shim(dir, "age", `case "$1" in --version) exec /usr/bin/age --version;; esac\nexec cat`);
    const r = await p.run(["backup", "ds"], withPath(liar));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not age-encrypted: the file does not start with age's header");
    expect(r.stderr).not.toContain("internal error");
    expect(setDirs(p)).toEqual([good]);
    expect(await lastJob(p)).toMatchObject({ exitCode: 1, result: "failed" });
    await expectNothingLost(p, [good]);
  }, 120_000);

  it("zstd-passthrough: a zstd that exits 0 but writes its input unchanged → exit 1, nothing published", async () => {
    const p = project("zstd-liar");
    const good = await backup(p);
    const liar = shim(
      dir,
      "zstd",
      `case "$1" in --version) exec /usr/bin/zstd --version;; esac\nfor a; do case "$a" in -*) ;; *) cat ` +
        `"$a";; esac; done\n[ -t 0 ] || cat`,
    );
    const r = await p.run(["backup", "ds"], withPath(liar));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not zstd-compressed");
    expect(setDirs(p)).toEqual([good]);
    await expectNothingLost(p, [good]);
  }, 120_000);

  it("dump-cut-short-exit-0: a mariadb-dump whose output is cut short but that exits 0 → exit 1 (no end " +
    "marker), nothing published", async () => {
    const p = project("dump-cut");
    const good = await backup(p);
    const cut = shim(
      dir,
      "mariadb-dump",
      `case "$1" in --version) exec /usr/bin/mariadb-dump --version;; esac\n/usr/bin/mariadb-dump "$@" | ` +
        `head -c 20000\nexit 0`,
    );
    const r = await p.run(["backup", "ds"], withPath(cut));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'mariadb-dump exited 0 but never said it finished (no "-- Disconnecting from …" at the end of its log)',
    );
    expect(setDirs(p)).toEqual([good]);
    await expectNothingLost(p, [good]);
  }, 120_000);

  it("verify-plaintext-age: a stored *.age file that is plaintext with a re-hashed manifest → plain verify exit " +
    "5", async () => {
    const p = project("age-stored-plain", { encryption: encryption() });
    const id = await backup(p);
    const setDir = join(p.repo, "sets", "ds", id);
    const m = JSON.parse(readFileSync(join(setDir, "manifest.json"), "utf8"));
    const f = m.files.find((x: { name: string }) => x.name === "dump.sql.zst.age");
    const plain = Buffer.from("-- MariaDB dump, not encrypted\n");
    writeFileSync(join(setDir, f.name), plain);
    f.bytes = plain.length;
    f.sha256 = (await import("node:crypto")).createHash("sha256").update(plain).digest("hex");
    writeFileSync(join(setDir, "manifest.json"), JSON.stringify(m));
    const v = await p.run(["verify"]);
    expect(v.code).toBe(5);
    expect(v.stdout).toContain(`FAILED  ${id}  dump.sql.zst.age: not age-encrypted`);
  }, 120_000);
});

/** Runs drctl through bash so its output goes where the case says; returns drctl's own exit status. */
function viaShell(p: FaultProject, args: string, redirect: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const sh = spawn(
      "bash",
      [
        "-c",
        `node ${JSON.stringify(distCli)} ${args} -f ${JSON.stringify(p.file)} ${redirect}; echo ` +
          `"drctl-exit=\${PIPESTATUS[0]}" >&3`,
      ],
      { stdio: ["ignore", "pipe", "pipe", "pipe"] },
    );
    let out = "";
    sh.stdio[3]!.on("data", (d: Buffer) => (out += d.toString()));
    sh.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    sh.on("close", () => resolve({ code: Number(/drctl-exit=(\d+)/.exec(out)?.[1] ?? -1), out }));
  });
}

describe("a reader that goes away changes nothing", () => {
  it("closed-stdout: `backup | true` — set published, exit 0, journaled ok; `prune --dry-run | true` and a " +
    "closed stderr too, no stack trace", async () => {
    const p = project("epipe");
    const before = await backup(p);
    const r = await viaShell(p, "backup ds", "| true");
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/EPIPE|at .*\.js:\d+/);
    const ids = await setIds(p);
    expect(ids).toHaveLength(2);
    expect(await lastJob(p)).toMatchObject({ command: "backup", exitCode: 0, result: "ok" });
    const both = await viaShell(p, "backup ds", "2>&1 | true");
    expect(both.code, both.out).toBe(0);
    expect(await setIds(p)).toHaveLength(3);
    const pr = await viaShell(p, "prune ds --dry-run", "| true");
    expect(pr.code, pr.out).toBe(0);
    expect(pr.out).not.toMatch(/EPIPE|internal error|at .*\.js:\d+/);
    await expectNothingLost(p, [...(await setIds(p))]);
    expect(ids).toContain(before);
  }, 120_000);
});

describe("a signal mid-backup stops it cleanly", () => {
  it(
    "sigterm-mid-backup: exit 143 with a message, journaled as interrupted, no debris, lock released",
    () => signalMidBackup("SIGTERM", 143),
    120_000,
  );
  it(
    "sigint-mid-backup: exit 130 with a message, journaled as interrupted, no debris, lock released",
    () => signalMidBackup("SIGINT", 130),
    120_000,
  );
});

async function signalMidBackup(signal: "SIGTERM" | "SIGINT", code: number): Promise<void> {
  const p = project(`signal-${signal.toLowerCase()}`);
  const good = await backup(p);
  // a zstd that announces itself and then blocks: the signal lands while the pipeline runs
  const mark = join(p.root, "zstd-started");
  const slow = shim(
    dir,
    "zstd",
    `case "$1" in --version) exec /usr/bin/zstd --version;; esac\ntouch ${JSON.stringify(mark)}\nexec sleep 120`,
  );
  const child = spawn(process.execPath, [distCli, "backup", "-f", p.file, "ds"], {
    env: { ...process.env, ...withPath(slow) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("close", (c) => r(c)));
  for (let i = 0; i < 600 && !existsSync(mark); i++) await new Promise((r) => setTimeout(r, 50));
  expect(existsSync(mark)).toBe(true);
  child.kill(signal);
  const exit = await exited;
  expect(exit, stderr).toBe(code);
  expect(stderr).toContain(`interrupted by ${signal} while running backup ds: stopped, nothing of this run was kept`);
  expect(stderr).not.toContain("internal error");
  expect(setDirs(p)).toEqual([good]); // the attempt was removed by the run itself
  expect(readdirSync(join(p.repo, "staging"))).toEqual([]);
  expect(await lastJob(p)).toMatchObject({ command: "backup", exitCode: code, result: "interrupted" });
  // the lock went with it: the next backup runs at once
  const next = await p.run(["backup", "ds", "--lock-timeout", "0s"]);
  expect(next.code, next.stderr).toBe(0);
  await expectNothingLost(p, [good, /^backup (\S+):/m.exec(next.stdout)![1]!]);
}

describe("a busy lock is no failed backup", () => {
  it("lock-busy-prune: a backup that found the lock busy (exit 4) does not block prune", async () => {
    const p = project("busy");
    const good = await backup(p);
    const { acquireLock } = await import("../../src/state/lock.js");
    const lock = await acquireLock(join(p.state, "locks", "dataset.ds.backup.lock"));
    try {
      const r = await p.run(["backup", "ds", "--lock-timeout", "0s"]);
      expect(r.code).toBe(4);
    } finally {
      await lock.release();
    }
    expect(await lastJob(p)).toMatchObject({ exitCode: 4, result: "locked" });
    const pr = await p.run(["prune", "ds", "--dry-run"]);
    expect(pr.code, pr.stderr).toBe(0);
    await expectNothingLost(p, [good]);
    expect((await readJournal(p.state)).length).toBeGreaterThan(0);
  }, 120_000);
});

describe("damaged stored sets are named, never hidden", () => {
  it("payload-zero-missing-manifest-corrupt: a zero-byte payload, a missing payload (verify 5 naming each) and " +
    "a corrupt manifest (backups 6, verify 5); the other sets still verify", async () => {
    const p = project("damaged");
    const [zero, gone, broken, good] = [await backup(p), await backup(p), await backup(p), await backup(p)];
    const sets = join(p.repo, "sets", "ds");
    writeFileSync(join(sets, zero, "dump.sql.zst"), "");
    rmSync(join(sets, gone, "dump.sql.zst"));
    writeFileSync(join(sets, broken, "manifest.json"), '{"formatVersion": 1, "id": "');
    const list = await p.run(["backups"]);
    expect(list.code).toBe(6);
    expect(list.stderr).toContain(`${join(sets, broken)}: manifest.json is damaged`);
    const v = await p.run(["verify"]);
    expect(v.code).toBe(5);
    expect(v.stdout).toContain(`FAILED  ${zero}  dump.sql.zst: size 0 bytes, manifest says`);
    expect(v.stdout).toContain(`FAILED  ${gone}  dump.sql.zst: missing`);
    expect(v.stdout).toContain("1 unreadable manifest(s)");
    const ok = await p.run(["verify", good]);
    expect(ok.code, ok.stdout).toBe(0);
  }, 120_000);

  it("ten-failed-nights: ten failing backups in a row → each exit 1 and journaled, prune refuses, the verified " +
    "set is still there and verifies; the next good backup lets prune run, keeping the verified image", async () => {
    const p = project("ten-nights");
    const good = await backup(p);
    const verified = await p.run(["drill", "verify", "ds"]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const broken = shim(
      dir,
      "mariadb-dump",
      `case "$1" in --version) exec /usr/bin/mariadb-dump --version;; esac\necho "mariadb-dump: Got error: ` +
        `2013: Lost connection to server during query" >&2\nexit 2`,
    );
    for (let night = 0; night < 10; night++) {
      const r = await p.run(["backup", "ds"], withPath(broken));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("stage mariadb-dump exited 2: mariadb-dump: Got error: 2013");
    }
    const jobs = (await readJournal(p.state))
      .filter((r) => r.kind === "job" && r.data.command === "backup")
      .map((r) => r.data.result);
    expect(jobs.slice(-10)).toEqual(Array(10).fill("failed"));
    const pr = await p.run(["prune", "ds"]);
    expect(pr.code).toBe(1);
    expect(pr.stderr).toContain("retention does not run after a failed backup");
    await expectNothingLost(p, [good]);
    const list = await p.run(["backups", "--json"]);
    expect((JSON.parse(list.stdout) as { sets: { id: string; verified: boolean }[] }).sets).toEqual([
      expect.objectContaining({ id: good, verified: true }),
    ]);
    const next = await backup(p);
    const after = await p.run(["prune", "ds"]);
    expect(after.code, after.stderr).toBe(0);
    await expectNothingLost(p, [good, next]);
  }, 180_000);
});
