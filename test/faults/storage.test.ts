// Storage faults (docs/reliability.md, "Storage"): a repository that fills up mid-backup, one too
// full to start, a read-only mount, a missing tool — each named as what it is, never as a tool's
// broken pipe or a bug; plan reports an unwritable repository. Real tmpfs mounts (root), real server.
import { mkdirSync, readdirSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { tempDir } from "../helpers/temp.js";
import { expectNothingLost, faultProject, shim, withPath, type FaultProject } from "./harness.js";

const dir = tempDir("drctl-faults-storage-");
let db: Sandbox;
const mounts: string[] = [];

/** A tmpfs of `size` mounted at a fresh dir (unmounted after the file). */
function tmpfs(name: string, size: string): string {
  const at = join(dir, `mnt-${name}`);
  mkdirSync(at, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", at]);
  mounts.push(at);
  return at;
}

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir, binlog: true });
  const c = await db.connectRoot();
  // ~8 MB that zstd cannot shrink
  await c.query("CREATE DATABASE bulk; CREATE TABLE bulk.noise (id INT AUTO_INCREMENT PRIMARY KEY, b VARBINARY(1024))");
  for (let i = 0; i < 8; i++)
    await c.query(`INSERT INTO bulk.noise (b) SELECT RANDOM_BYTES(1000) FROM bulk.seq_1_to_1000`);
  await c.end();
}, 300_000);

afterAll(async () => {
  await db?.stop();
  for (const m of mounts.reverse()) execFileSync("umount", ["-l", m]);
});

/** A project whose repository lives on `repoParent` (a mount). */
function onMount(name: string, repoParent: string): FaultProject {
  const p = faultProject(
    dir,
    name,
    { port: db.port, credentials: db.clientOptionFile },
    { ds: { databases: ["bulk"], method: "mysqldump" } },
  );
  // move the repository onto the mount: the spec names the path, the marker goes with it
  const repo = join(repoParent, "repo");
  mkdirSync(repo, { mode: 0o700 });
  execFileSync("cp", ["-a", join(p.repo, ".drctl-repository.json"), repo]);
  const spec = join(p.root, "drctl.yaml");
  writeFileSync(spec, execFileSync("sed", [`s#${JSON.stringify(p.repo)}#${JSON.stringify(repo)}#`, spec]));
  return { ...p, repo };
}

describe("storage faults", () => {
  it("disk-full-mid-backup: the repository fills up while the dump streams → exit 1 naming the full disk (not " +
    "the dump's broken pipe, not a bug), nothing published, no debris", async () => {
    const p = onMount("full", tmpfs("full", "3m"));
    const r = await p.run(["backup", "ds"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No space left on device|no space left on the filesystem/);
    expect(r.stderr).not.toMatch(/internal error|stage mariadb-dump/);
    expect(readdirSync(join(p.repo, "sets", "ds"))).toEqual([]);
    expect(readdirSync(join(p.repo, "staging"))).toEqual([]);
  }, 120_000);

  it("disk-too-full-to-start: less free space than the last set took → refused before anything runs, the " +
    "earlier set intact", async () => {
    const mount = tmpfs("tight", "14m");
    const p = onMount("tight", mount);
    const first = await p.run(["backup", "ds"]);
    expect(first.code, first.stderr).toBe(0);
    const good = /^backup (\S+):/m.exec(first.stdout)![1]!;
    execFileSync("dd", ["if=/dev/zero", `of=${join(mount, "ballast")}`, "bs=1M", "count=5"], { stdio: "ignore" });
    const r = await p.run(["backup", "ds"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `repository local \\(.*\\) has .* free; the last full set of ds \\(${good}\\) took .*: not starting ` +
          `a backup that cannot fit`,
      ),
    );
    await expectNothingLost(p, [good]);
  }, 120_000);

  it("read-only-repository: backup exit 1 naming the read-only mount, plan reports the repository unwritable; " +
    "remounted, nothing lost", async () => {
    const mount = tmpfs("ro", "32m");
    const p = onMount("ro", mount);
    const first = await p.run(["backup", "ds"]);
    expect(first.code, first.stderr).toBe(0);
    const good = /^backup (\S+):/m.exec(first.stdout)![1]!;
    execFileSync("mount", ["-o", "remount,ro", mount]);
    try {
      const r = await p.run(["backup", "ds"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("cannot be written: the filesystem is mounted read-only (EROFS)");
      expect(r.stderr).not.toContain("internal error");
      const plan = await p.run(["plan", "--no-tui"]);
      expect(plan.stdout).toMatch(/repository\.local: drctl cannot write there: the filesystem is mounted read-only/);
      const ar = await p.run(["backups"]);
      expect(ar.code).toBe(0); // reading still works
    } finally {
      execFileSync("mount", ["-o", "remount,rw", mount]);
    }
    await expectNothingLost(p, [good]);
  }, 120_000);

  it("age-missing: encryption on and no age on PATH → exit 1 naming age as not installed (not the dump), " +
    "nothing published", async () => {
    const bin = join(dir, "bin-without-age");
    mkdirSync(bin);
    for (const f of readdirSync("/usr/bin"))
      if (f !== "age" && f !== "age-keygen") symlinkSync(join("/usr/bin", f), join(bin, f));
    const recipient = execFileSync("age-keygen", ["-y"], {
      input: "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n",
    })
      .toString()
      .trim();
    const p = faultProject(
      dir,
      "no-age",
      { port: db.port, credentials: db.clientOptionFile },
      { ds: { databases: ["bulk"], method: "mysqldump" } },
      { encryption: `encryption:\n  recipients: [${recipient}]` },
    );
    const r = await p.run(["backup", "ds"], { PATH: `${bin}:/usr/sbin:/sbin` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stage age cannot start: age is not installed (not found on PATH)");
    expect(r.stderr).not.toContain("stage mariadb-dump");
    expect(existsSync(join(p.repo, "sets", "ds")) ? readdirSync(join(p.repo, "sets", "ds")) : []).toEqual([]);
  }, 120_000);

  it("restore-progress: a restore off a terminal says how far it has read (a log line each " +
    "DRCTL_PROGRESS_EVERY)", async () => {
    const p = faultProject(
      dir,
      "progress",
      { port: db.port, credentials: db.clientOptionFile },
      { ds: { databases: ["bulk"], method: "mysqldump" } },
    );
    expect((await p.run(["backup", "ds"])).code).toBe(0);
    // a client that takes its time before reading: the load lasts long enough to be watched
    const slow = shim(dir, "mariadb", 'sleep 1.5; exec /usr/bin/mariadb "$@"');
    const r = await p.run(["restore", "ds", "--to", "latest"], { DRCTL_PROGRESS_EVERY: "0s", ...withPath(slow) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^restoring dump\.sql\.zst \(\d+ bytes stored\): [\d.]+ [KMG]?i?B read, .*\/s, /m);
  }, 120_000);
});
