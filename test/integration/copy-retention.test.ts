// Offsite copies over time: a copy with its own retention (only what it keeps is sent, prune there
// by its policy, the local prune not waiting for what the copy never wants), a target killed
// mid-upload (nothing counted, the next run sends only what was missing, the killed writer's
// temporary swept once stale), `bandwidth:` holding a copy down, and S3 Object Lock (uploads carry
// the retention; a prune the lock refuses is reported, not an error) against a front that enforces
// the lock the way S3 does (s3rver has none).
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec, s3RepositoryYaml, sftpRepositoryYaml } from "../helpers/spec-files.js";
import { type LockFront, startLockFront } from "../helpers/s3-lock-front.js";
import { type S3Server, startS3rver } from "../helpers/s3rver.js";
import { type Sshd, startSshd } from "../helpers/sshd.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-copy-retention-");
const repo = join(dir, "repo");
const state = join(dir, "state");
const spec = join(dir, "drctl.yaml");
const shelf = join(dir, "shelf");
const slow = join(dir, "slow");
let db: Sandbox;
let sshd: Sshd;
let s3: S3Server;
let front: LockFront;

// in the order they were taken: two backups in the same second have ids that sort by their random suffix
const startedAt = (root: string, ds: string, id: string): string =>
  (JSON.parse(readFileSync(join(root, "sets", ds, id, "manifest.json"), "utf8")) as { startedAt: string }).startedAt;
const setsAt = (root: string, ds: string) =>
  existsSync(join(root, "sets", ds))
    ? readdirSync(join(root, "sets", ds))
        .filter((id) => existsSync(join(root, "sets", ds, id, "manifest.json")))
        .sort((a, b) => startedAt(root, ds, a).localeCompare(startedAt(root, ds, b)) || a.localeCompare(b))
    : [];
const localSets = (ds: string) => setsAt(repo, ds);
const ok = async (args: string[]) => {
  const r = await drctl(args);
  if (r.code !== 0) throw new Error(`${args.join(" ")}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r;
};

beforeAll(async () => {
  db = await startSandbox({ baseDir: join(dir, "db"), binlog: true });
  sshd = await startSshd(join(dir, "sshd"));
  s3 = await startS3rver(join(dir, "s3"));
  front = await startLockFront(s3.endpoint);
  const q = JSON.stringify;
  writeFileSync(
    spec,
    datasetsSpec({
      project: "copy-retention",
      state,
      repo,
      server: { port: db.port, credentials: db.clientOptionFile },
      cronFile: join(dir, "cron"),
      tier: "{ rpo: 2d, rto: 4h }",
      extraRepositories:
        `  shelf: { type: filesystem, path: ${q(shelf)}, retention: { full: { daily: 1 } } }\n` +
        sftpRepositoryYaml("slow", sshd, slow, "bandwidth: 1MB/s") +
        s3RepositoryYaml(
          "locked",
          { ...s3, endpoint: front.endpoint },
          "ledger",
          "objectLock: { mode: compliance, days: 1 }",
        ),
      datasets: {
        hr: { databases: ["hr"], method: "mysqldump", copies: ["shelf"], retention: "{ full: { daily: 1 } }" },
        big: { databases: ["big"], method: "mysqldump", copies: ["slow"] },
        ledger: { databases: ["ledger"], method: "mysqldump", copies: ["locked"], retention: "{ full: { daily: 1 } }" },
      },
    }),
  );
  const c = await db.connectRoot();
  for (const d of ["hr", "big", "ledger"])
    await c.query(`CREATE DATABASE ${d}; CREATE TABLE ${d}.t (id INT PRIMARY KEY AUTO_INCREMENT, v BLOB)`);
  await c.end();
  const applied = await drctl(["apply", "-f", spec, "--auto-approve"]);
  if (applied.code !== 0) throw new Error(`apply: ${applied.stderr}\n${applied.stdout}`);
}, 180_000);

afterAll(async () => {
  await front?.stop();
  await s3?.stop();
  await sshd?.stop();
  await db?.stop();
});

describe("a copy with its own retention", () => {
  it("gets only what its retention keeps, prune there follows it; the local prune does not wait", async () => {
    await ok(["backup", "-f", spec, "hr"]);
    await ok(["backup", "-f", spec, "hr"]);
    // v: the set apply's first restore verified (the newest verified image stays under every policy)
    const [v, a, b] = localSets("hr");
    await ok(["copy", "-f", spec, "hr"]);
    // shelf keeps the newest full of the day (and the verified one): a is never sent there
    expect(setsAt(shelf, "hr")).toEqual([v, b]);
    // the local prune drops a though shelf never got it: shelf's retention does not want it
    const local = await ok(["prune", "-f", spec, "hr"]);
    expect(local.stdout).toMatch(new RegExp(`^  delete  ${a} `, "m"));
    expect(local.stdout).toMatch(/^prune hr at shelf \(.*\): 0 set\(s\) deleted, 2 kept/m);
    expect(localSets("hr")).toEqual([v, b]);

    await ok(["backup", "-f", spec, "hr"]);
    const c = localSets("hr").at(-1);
    await ok(["copy", "-f", spec, "hr"]);
    expect(setsAt(shelf, "hr")).toEqual([v, b, c]);
    const dry = await ok(["prune", "-f", spec, "hr", "--repository", "shelf", "--dry-run"]);
    expect(dry.stdout).toMatch(/^prune hr at shelf \(.*\) \(dry run\): 1 set\(s\) would be deleted, 2 kept/m);
    expect(dry.stdout).toMatch(new RegExp(`^  delete  ${b} +full +outside every daily/weekly/monthly slot`, "m"));
    expect(setsAt(shelf, "hr")).toEqual([v, b, c]); // a dry run deletes nothing
    const real = await ok(["prune", "-f", spec, "hr", "--repository", "shelf"]);
    expect(real.stdout).toMatch(/^prune hr at shelf \(.*\): 1 set\(s\) deleted, 2 kept/m);
    expect(setsAt(shelf, "hr")).toEqual([v, c]);
    expect(existsSync(join(shelf, "sets", "hr", b ?? "?"))).toBe(false); // its objects went too
    expect(localSets("hr")).toContain(c);
  }, 120_000);

  it("not after a copy run that did not complete, nor in a place that is not this project's", async () => {
    const marker = join(shelf, ".drctl-repository.json");
    const saved = statSync(marker).mode;
    writeFileSync(join(dir, "marker.bak"), "");
    const original = (await import("node:fs")).readFileSync(marker);
    try {
      writeFileSync(marker, JSON.stringify({ project: "someone-else" }));
      const copy = await drctl(["copy", "-f", spec, "hr"]);
      expect(copy.code).toBe(6);
      const r = await drctl(["prune", "-f", spec, "hr", "--repository", "shelf"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/the last copy of hr to shelf \(.*\) did not complete: .*retention there waits/);
    } finally {
      writeFileSync(marker, original, { mode: saved });
    }
    await ok(["copy", "-f", spec, "hr"]);
    expect((await drctl(["prune", "-f", spec, "hr", "--repository", "shelf"])).code).toBe(0);
  }, 60_000);
});

describe("a target killed mid-upload", () => {
  it("counts nothing; the next run sends only what was missing and sweeps the stale temporary", async () => {
    await ok(["backup", "-f", spec, "big"]);
    await ok(["copy", "-f", spec, "big"]);
    const first = setsAt(slow, "big");
    expect(first).toEqual(localSets("big"));
    // ~4 MB that does not compress: ~4 s at the repository's 1MB/s
    const c = await db.connectRoot();
    for (let i = 0; i < 8; i++) await c.query("INSERT INTO big.t (v) SELECT RANDOM_BYTES(1024) FROM big.seq_1_to_500");
    await c.end();
    await ok(["backup", "-f", spec, "big"]);
    const second = localSets("big").at(-1) ?? "?";

    const running = drctl(["copy", "-f", spec, "big"]);
    const partial = join(slow, "sets", "big", second);
    const deadline = Date.now() + 30_000;
    const tmp = () =>
      existsSync(partial)
        ? readdirSync(partial).filter(
            // a small object's temporary may be renamed between the listing and the stat: gone is not big
            (f) =>
              f.startsWith(".put-") && (statSync(join(partial, f), { throwIfNoEntry: false })?.size ?? 0) > 200_000,
          )
        : [];
    while (!tmp().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(tmp()).toHaveLength(1);
    await sshd.kill();
    const killed = await running;
    expect(killed.code, killed.stderr + killed.stdout).toBe(6);
    expect(killed.stderr).toMatch(/slow: .*; trying again in 1s \(attempt 2 of 3\)/);
    expect(killed.stdout).toMatch(/^big → slow \(.*\): offsite pending: /m);
    expect(setsAt(slow, "big")).toEqual(first); // the interrupted set does not exist there
    expect(tmp()).toHaveLength(1);
    // as if the kill were hours ago: the run that completes the set also sweeps what the killed one left
    // (every temporary it left: the big one, and any object it had just begun when the connection died)
    const old = new Date(Date.now() - 7 * 3600_000);
    const leftovers = readdirSync(partial).filter((f) => f.startsWith(".put-"));
    for (const f of leftovers) utimesSync(join(partial, f), old, old);

    await sshd.restart();
    const t0 = Date.now();
    const resumed = await drctl(["copy", "-f", spec, "big"], { env: { DRCTL_PROGRESS_EVERY: "1s" } });
    const seconds = (Date.now() - t0) / 1000;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(`^big → slow \\(.*\\): 1 set\\(s\\) copied \\((.+) sent\\), ${first.length} already there$`, "m"),
    );
    expect(setsAt(slow, "big")).toEqual(localSets("big"));
    expect(resumed.stderr).toMatch(/^big → slow: \S+ (kB|MB|KiB|MiB) sent, /m); // progress while it runs
    // the bandwidth limit holds: every byte went up at most 1MB/s, less a burst (the server hashed it:
    // nothing was read back)
    const bytes = statSync(join(repo, "sets", "big", second)).isDirectory()
      ? readdirSync(join(repo, "sets", "big", second))
          .filter((f) => f !== "manifest.json")
          .reduce((n, f) => n + statSync(join(repo, "sets", "big", second, f)).size, 0)
      : 0;
    expect(bytes).toBeGreaterThan(3_000_000);
    expect(seconds).toBeGreaterThan(bytes / 1e6 - 1);
    expect((await drctl(["verify", "-f", spec, "--repository", "slow"])).code).toBe(0);

    expect(resumed.stderr).toMatch(
      new RegExp(`slow: removed ${leftovers.length} unfinished upload\\(s\\) older than 6h`),
    );
    expect(readdirSync(partial).filter((f) => f.startsWith("."))).toEqual([]);
  }, 180_000);
});

describe("S3 Object Lock", () => {
  it("every upload carries the retention (and the checksum it needs); prune reports the lock, exit 0", async () => {
    await ok(["backup", "-f", spec, "ledger"]);
    await ok(["backup", "-f", spec, "ledger"]);
    front.requests.length = 0;
    await ok(["copy", "-f", spec, "ledger"]);
    const uploads = front.requests.filter(
      (r) => r.method === "PUT" || (r.method === "POST" && r.url.includes("uploads")),
    );
    expect(uploads.length).toBeGreaterThan(0);
    for (const u of uploads) {
      expect(u.headers["x-amz-object-lock-mode"]).toBe("COMPLIANCE");
      const until = Date.parse(String(u.headers["x-amz-object-lock-retain-until-date"]));
      expect(until - Date.now()).toBeGreaterThan(23 * 3600_000);
      expect(
        Object.keys(u.headers).some(
          (h) => h.startsWith("x-amz-checksum-") || h === "content-md5" || h === "x-amz-sdk-checksum-algorithm",
        ),
      ).toBe(true);
    }
    // a third set pushes the oldest out of the 1-day slot; the lock holds it for a day yet
    await ok(["backup", "-f", spec, "ledger"]);
    await ok(["copy", "-f", spec, "ledger"]);
    front.requests.length = 0;
    const r = await drctl(["prune", "-f", spec, "ledger", "--repository", "locked"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}\(\S+ stays: its Object Lock holds until \d{4}-\d\d-\d\dT[\d:.]+Z\)$/m);
    expect(r.stdout).toMatch(/^prune ledger at locked \(.*\): 0 set\(s\) deleted/m);
    expect(front.requests.filter((x) => x.method === "DELETE")).toEqual([]); // not even tried
    const list = await ok(["backups", "-f", spec, "ledger", "--repository", "locked", "--json"]);
    expect((JSON.parse(list.stdout) as { sets: unknown[] }).sets.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

describe("an offsite store that accepts the connection and never answers", () => {
  it("plan gives up on it after DRCTL_INSPECT_TIMEOUT, says so, and ends", async () => {
    const hole = createServer(() => {}); // connections accepted, never a byte back
    await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
    const port = (hole.address() as AddressInfo).port;
    const blackSpec = join(dir, "black-hole.yaml");
    const _q = JSON.stringify;
    writeFileSync(
      blackSpec,
      datasetsSpec({
        project: "black-hole",
        state: join(dir, "state-black-hole"),
        repo: join(dir, "repo-black-hole"),
        server: { port: db.port, credentials: db.clientOptionFile },
        cronFile: join(dir, "cron-black-hole"),
        tier: "{ rpo: 2d, rto: 4h }",
        extraRepositories: s3RepositoryYaml(
          "hole",
          { ...s3, bucket: "nowhere", endpoint: `http://127.0.0.1:${port}` },
          "",
        ),
        datasets: { hr: { databases: ["hr"], method: "mysqldump", copies: ["hole"] } },
      }),
    );
    try {
      const t0 = Date.now();
      const p = await drctl(["plan", "-f", blackSpec, "--no-tui"], { env: { DRCTL_INSPECT_TIMEOUT: "2s" } });
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(p.stdout).toMatch(/repository\.hole: cannot be reached: no answer within 2s/);
    } finally {
      hole.close();
    }
  }, 60_000);
});
