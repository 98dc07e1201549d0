// drctl copy against real targets: a filesystem repository and an OpenSSH server on loopback
// (SFTP). What a copy must hold to: the target holds exactly the local bytes, a set counts there only
// once its manifest is up (last), a second run sends nothing, an interrupted set is completed with
// only what is missing, a target that is down or not the server knownHosts names leaves everything
// local (exit 6), and an object that differs at the target is named and never overwritten (exit 5).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { readJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec, s3RepositoryYaml, sftpRepositoryYaml } from "../helpers/spec-files.js";
import { type S3Server, startS3rver } from "../helpers/s3rver.js";
import { type Sshd, startSshd } from "../helpers/sshd.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-copy-");
const repo = join(dir, "repo");
const state = join(dir, "state");
const spec = join(dir, "drctl.yaml");
const vault = join(dir, "vault"); // the SFTP server's directory
const offsite = join(dir, "offsite"); // a second target: a filesystem repository
let db: Sandbox;
let sshd: Sshd;
let s3: S3Server;

/** Every file under `root` (relative path → sha256), hidden ones too, but the repository marker apply writes. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (relative(root, p) !== ".drctl-repository.json")
        out[relative(root, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** What a copy of dataset uni covers, in a tree: its sets and its server's archived binlogs. */
const uniOf = (t: Record<string, string>) =>
  Object.fromEntries(Object.entries(t).filter(([k]) => /^(sets\/uni|binlogs\/db1)\/[^/]+\/[^/]+$/.test(k)));
/** The local repository's part a copy of uni must reproduce (no progress file, no markers). */
const copyable = () => uniOf(tree(repo));

const lastCopyJob = async () =>
  (await readJournal(state)).filter((j) => j.kind === "job" && j.data.command === "copy").at(-1);

beforeAll(async () => {
  db = await startSandbox({ baseDir: join(dir, "db"), binlog: true });
  sshd = await startSshd(join(dir, "sshd"));
  s3 = await startS3rver(join(dir, "s3"));
  const q = JSON.stringify;
  writeFileSync(
    spec,
    datasetsSpec({
      project: "copy",
      state,
      repo,
      server: { port: db.port, credentials: db.clientOptionFile },
      cronFile: join(dir, "cron"),
      tier: "{ rpo: 2d, rto: 4h }",
      extraRepositories:
        sftpRepositoryYaml("vault", sshd, vault) +
        `  offsite: { type: filesystem, path: ${q(offsite)} }\n` +
        s3RepositoryYaml("bucket", s3, "site-a"),
      datasets: {
        uni: { databases: ["uni"], method: "mysqldump", binlog: true, copies: ["vault", "offsite"] },
        shop: { databases: ["shop"], method: "mysqldump", copies: ["vault"], retention: "{ full: { daily: 1 } }" },
        crm: { databases: ["crm"], method: "mysqldump", copies: ["bucket"] },
      },
      drills: '  lost-site: { dataset: uni, from: offsite, schedule: "0 5 * * 0", restoreTo: latest }',
    }),
  );
  const c = await db.connectRoot();
  await c.query(
    "CREATE DATABASE uni; CREATE TABLE uni.t (id INT PRIMARY KEY, v TEXT); INSERT INTO uni.t VALUES (1, 'a')",
  );
  await c.query("CREATE DATABASE shop; CREATE TABLE shop.o (id INT PRIMARY KEY)");
  await c.query(
    "CREATE DATABASE crm; CREATE TABLE crm.c (id INT PRIMARY KEY, n TEXT); INSERT INTO crm.c VALUES (1, 'x')",
  );
  await c.end();
  // apply creates the repositories (the local one, the offsite directory, drctl's marker in the SFTP
  // directory and under the bucket's prefix) and proves a first restore
  const applied = await drctl(["apply", "-f", spec, "--auto-approve"]);
  if (applied.code !== 0 && applied.code !== 6) throw new Error(`apply: ${applied.stderr}\n${applied.stdout}`);
  for (const args of [
    ["backup", "uni"],
    ["binlog", "archive", "db1"],
  ]) {
    const r = await drctl([...args.slice(0, -1), "-f", spec, ...args.slice(-1)]);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  }
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  await sshd?.stop();
  await db?.stop();
});

describe("drctl copy", () => {
  it("sends every set and archived binlog to each target, byte for byte, manifests included; journaled", async () => {
    const r = await drctl(["copy", "-f", spec, "uni"]);
    expect(r.stderr).not.toMatch(/pending|error/);
    expect(r.code).toBe(0);
    const local = copyable();
    expect(Object.keys(local).filter((k) => k.endsWith("/manifest.json")).length).toBeGreaterThanOrEqual(2);
    expect(tree(vault)).toEqual(local); // nothing else either: no temporary names left, no other dataset
    expect(tree(offsite)).toEqual(local);
    expect(r.stdout).toMatch(
      /^uni → vault \(sftp:\/\/root@127\.0\.0\.1:\d+\S+\): \d+ set\(s\) copied \(.+ sent\), 0 already there$/m,
    );
    const job = await lastCopyJob();
    expect([job?.data.exitCode, job?.data.result]).toEqual([0, "ok"]);
  }, 60_000);

  it("a second run sends nothing", async () => {
    const before = Object.fromEntries(Object.keys(tree(vault)).map((k) => [k, statSync(join(vault, k)).mtimeMs]));
    const r = await drctl(["copy", "-f", spec, "uni", "--to", "vault"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 0 set\(s\) copied \(0 B sent\), \d+ already there$/m);
    const after = Object.fromEntries(Object.keys(tree(vault)).map((k) => [k, statSync(join(vault, k)).mtimeMs]));
    expect(after).toEqual(before);
  });

  it("plan: the SFTP and S3 repositories apply made are reached, drctl's and writable: no change", async () => {
    const p = await drctl(["plan", "-f", spec, "--json"]);
    const resources = (JSON.parse(p.stdout) as { resources: { address: string; action: string }[] }).resources;
    const action = (a: string) => resources.find((r) => r.address === a)?.action;
    expect([action("repository.vault"), action("repository.bucket")]).toEqual(["no-op", "no-op"]);
    // the write probe leaves nothing behind
    expect(readdirSync(vault).filter((f) => f.startsWith(".drctl"))).toEqual([".drctl-repository.json"]);
  }, 60_000);

  it("a place not this project's: plan refuses to adopt it, copy leaves everything local (exit 6)", async () => {
    const marker = join(vault, ".drctl-repository.json");
    const saved = readFileSync(marker);
    try {
      writeFileSync(marker, JSON.stringify({ project: "someone-else" }));
      const p = await drctl(["plan", "-f", spec, "--json"]);
      const vaultPlan = (
        JSON.parse(p.stdout) as { resources: { address: string; action: string; reason?: string }[] }
      ).resources.find((r) => r.address === "repository.vault");
      expect(vaultPlan?.action).toBe("unknown");
      expect(vaultPlan?.reason).toMatch(/refusing to adopt sftp:.*: its marker names project "someone-else"/);
      const before = tree(vault);
      const c = await drctl(["copy", "-f", spec, "uni", "--to", "vault"]);
      expect(c.code).toBe(6);
      expect(c.stdout).toMatch(/offsite pending: sftp:\/\/\S+ is not this project's repository: .*"someone-else"/);
      rmSync(marker);
      const c2 = await drctl(["copy", "-f", spec, "uni", "--to", "vault"]);
      expect(c2.code).toBe(6);
      expect(c2.stdout).toMatch(/has no drctl repository marker: `drctl apply` creates it/);
      expect(tree(vault)).toEqual(Object.fromEntries(Object.entries(before).filter(([k]) => !k.startsWith(".drctl"))));
    } finally {
      writeFileSync(marker, saved);
    }
  }, 60_000);

  it("status: each copy, where it reaches and its age against the RPO; past the RPO it is AT RISK", async () => {
    expect((await drctl(["copy", "-f", spec, "uni"])).code).toBe(0);
    const s = await drctl(["status", "-f", spec, "uni", "--json"]);
    type Offsite = { repository: string; newestPoint?: string; lastCompleted?: string; exposureSeconds?: number };
    const d = (JSON.parse(s.stdout) as { datasets: { reasons: string[]; offsite: Offsite[] }[] }).datasets[0];
    expect(d?.offsite.map((c) => c.repository)).toEqual(["vault", "offsite"]);
    for (const c of d?.offsite ?? []) {
      expect(c.lastCompleted).toBeTruthy();
      expect(c.exposureSeconds).toBeLessThan(600);
    }
    expect(d?.reasons.join("\n")).not.toMatch(/copy at/);
    const text = await drctl(["status", "-f", spec, "uni", "--no-tui"]);
    expect(text.stdout).toMatch(/^DATASET +OFFSITE COPY +REACHES +AGE\/RPO +LAST COMPLETED +LAST VERIFIED$/m);
    expect(text.stdout).toMatch(/^uni +vault +\d{4}-\d\d-\d\dT\S+Z +\S+\/2d +\d{4}-\S+Z +/m);
    // three days on, with no copy run since: the copies are older than the 2d RPO
    const point = Date.parse(d?.offsite[0]?.newestPoint ?? "");
    const later = await drctl([
      "status",
      "-f",
      spec,
      "uni",
      "--json",
      "--now",
      new Date(point + 3 * 86400e3).toISOString(),
    ]);
    const reasons = (JSON.parse(later.stdout) as { datasets: { reasons: string[] }[] }).datasets[0]?.reasons ?? [];
    expect(reasons).toContainEqual(
      expect.stringMatching(/^the newest copy at vault reaches \S+: 3d old, over the RPO 2d/),
    );
    expect(reasons).toContainEqual(expect.stringMatching(/^the newest copy at offsite reaches /));
  }, 60_000);

  it("backups and verify --repository read the copy itself: every set listed and checked, --deep decoded", async () => {
    const list = await drctl(["backups", "-f", spec, "uni", "--repository", "vault", "--json"]);
    expect(list.code).toBe(0);
    const listed = (JSON.parse(list.stdout) as { sets: { id: string; dir: string }[] }).sets;
    const local = readdirSync(join(repo, "sets", "uni")).sort();
    expect(listed.map((x) => x.id)).toEqual(local);
    expect(listed[0]?.dir).toMatch(/^sftp:\/\/root@127\.0\.0\.1:\d+\/.*\/sets\/uni\//);
    const v = await drctl(["verify", "-f", spec, "--repository", "vault", "--deep"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+ set\(s\) checked \(deep\): \d+ ok, 0 failed$/m);
    expect(v.stdout).not.toMatch(/FAILED/);
  }, 60_000);

  it("a set whose copy stopped before its manifest is completed, sending only what is missing", async () => {
    // what a copy killed between the payload and the manifest leaves: the payload, no manifest
    const set = readdirSync(join(vault, "sets", "uni"))[0] ?? "";
    rmSync(join(vault, "sets", "uni", set, "manifest.json"));
    const r = await drctl(["copy", "-f", spec, "uni", "--to", "vault"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`vault: copied ${set} \\(0 object\\(s\\) sent, \\d+ already there\\)`));
    expect(uniOf(tree(vault))).toEqual(copyable());
  });

  it("a target that is down: exit 6, offsite pending, everything stays local; the next run catches up", async () => {
    const c = await db.connectRoot();
    await c.query("INSERT INTO uni.t VALUES (2, 'b')");
    await c.end();
    expect((await drctl(["binlog", "archive", "-f", spec, "db1"])).code).toBe(0);
    await sshd.stop();
    try {
      const r = await drctl(["copy", "-f", spec, "uni"]);
      expect(r.code).toBe(6);
      expect(r.stdout).toMatch(
        /^uni → vault \(vault\): offsite pending: sftp:\/\/\S+: cannot connect: .*ECONNREFUSED/m,
      );
      expect(r.stderr).toMatch(/drctl: offsite pending \(everything stays local\): uni → vault: /);
      expect(uniOf(tree(offsite))).toEqual(copyable()); // the other target was brought up to date meanwhile
      const job = await lastCopyJob();
      expect([job?.data.exitCode, job?.data.result]).toEqual([6, "degraded"]);
    } finally {
      await sshd.restart();
    }
    expect((await drctl(["copy", "-f", spec, "uni"])).code).toBe(0);
    expect(uniOf(tree(vault))).toEqual(copyable());
  }, 60_000);

  it("a server whose host key changed is refused, fingerprint named; nothing is sent", async () => {
    const c = await db.connectRoot();
    await c.query("INSERT INTO uni.t VALUES (3, 'c')");
    await c.end();
    expect((await drctl(["binlog", "archive", "-f", spec, "db1"])).code).toBe(0);
    const known = readFileSync(sshd.knownHosts, "utf8");
    const before = tree(vault);
    await sshd.restart({ newHostKey: true });
    try {
      const r = await drctl(["copy", "-f", spec, "uni", "--to", "vault"]);
      expect(r.code).toBe(6);
      expect(r.stdout).toMatch(
        /the server's host key SHA256:\S+ \(ssh-ed25519\) is not the one .* records \(SHA256:\S+\)/,
      );
      expect(tree(vault)).toEqual(before);
    } finally {
      // trust the new key again (as an admin would after checking it), for the cases below
      const pub = readFileSync(join(dir, "sshd", "ssh_host_ed25519_key.pub"), "utf8")
        .trim()
        .split(" ");
      writeFileSync(sshd.knownHosts, known.replace(/ssh-ed25519 \S+/, `${pub[0]} ${pub[1]}`));
    }
  }, 60_000);

  it("an object at the target that is not what the manifest says: exit 5 naming it, never overwritten", async () => {
    const set = readdirSync(join(vault, "sets", "uni"))[0] ?? "";
    const setDir = join(vault, "sets", "uni", set);
    rmSync(join(setDir, "manifest.json"));
    const payload = readdirSync(setDir).find((f) => f.startsWith("dump")) ?? "";
    const bytes = readFileSync(join(setDir, payload));
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    writeFileSync(join(setDir, payload), bytes);
    const r = await drctl(["copy", "-f", spec, "uni", "--to", "vault"]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toContain(`NOT COPIED: sftp://`);
    expect(r.stdout).toContain(`sets/uni/${set}/${payload}`);
    expect(readFileSync(join(setDir, payload))).toEqual(bytes); // left as found
    expect(existsSync(join(setDir, "manifest.json"))).toBe(false); // the set does not exist there
    const job = await lastCopyJob();
    expect([job?.data.exitCode, job?.data.result]).toEqual([5, "integrity"]);
  }, 60_000);

  it("refusals: a dataset without copies, --to a repository that is not one of its copies", async () => {
    const r = await drctl(["copy", "-f", spec, "uni", "--to", "local"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("--to local: not one of dataset uni's copies (vault, offsite)");
  });

  it("prune keeps a set a copy does not hold yet, or cannot be asked about; deletes it once it is there", async () => {
    const backup = async () => expect((await drctl(["backup", "-f", spec, "shop"])).code).toBe(0);
    const sets = () => readdirSync(join(repo, "sets", "shop")).sort();
    await backup();
    await backup(); // daily: 1 keeps today's newest full (and the verified one); the others would go
    const dry = await drctl(["prune", "-f", spec, "shop", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).not.toMatch(/^ {2}delete/m);
    const pending = [...dry.stdout.matchAll(/^ {2}keep +(\S+) .*not yet copied to vault$/gm)].map((m) => m[1]);
    expect(pending.length).toBeGreaterThanOrEqual(1);

    const sent = await drctl(["copy", "-f", spec, "shop"]);
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    await backup();
    const count = sets().length;
    await sshd.stop();
    try {
      const blind = await drctl(["prune", "-f", spec, "shop"]);
      // the copy itself is pruned by the dataset's retention too: not now, and said (exit 6)
      expect(blind.code).toBe(6);
      expect(blind.stderr).toMatch(/^drctl: prune shop at vault: not pruned now: .*ECONNREFUSED/m);
      expect(blind.stdout).not.toMatch(/^ {2}delete/m);
      expect(blind.stdout).toMatch(/keep +\S+ .*cannot check copy vault: .*ECONNREFUSED/);
      expect(sets()).toHaveLength(count); // nothing deleted
    } finally {
      await sshd.restart();
    }
    const r = await drctl(["prune", "-f", spec, "shop"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^prune shop at vault \(sftp:\/\/.*\): \d+ set\(s\) deleted, /m);
    // what the copy holds now goes
    for (const id of pending) expect(r.stdout).toMatch(new RegExp(`^ {2}delete +${id} `, "m"));
    for (const id of pending) expect(sets()).not.toContain(id);
  }, 120_000);

  it("a local file changed since its manifest: not copied (exit 5), named with what was sent", async () => {
    const backup = async () => expect((await drctl(["backup", "-f", spec, "shop"])).code).toBe(0);
    await backup();
    await backup();
    // the newer set goes second, after one that copies cleanly
    const id =
      readdirSync(join(repo, "sets", "shop"))
        .sort()
        .at(-1) ?? "?";
    const file = readdirSync(join(repo, "sets", "shop", id)).find((f) => f.startsWith("dump")) ?? "?";
    const path = join(repo, "sets", "shop", id, file);
    const original = readFileSync(path);
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1] = (flipped[flipped.length >> 1] ?? 0) ^ 0x20;
    writeFileSync(path, flipped);
    try {
      const r = await drctl(["copy", "-f", spec, "shop", "--to", "vault"]);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stdout).toMatch(
        new RegExp(
          // a dump this small is read back rather than hashed on the server (no "(sha256 computed …)")
          `NOT COPIED: set ${id}: ${file} sent as \\d+ B with sha256 [0-9a-f]{64}, not the manifest's`,
        ),
      );
      expect(existsSync(join(vault, "sets", "shop", id, "manifest.json"))).toBe(false);
      // the next run will not overwrite what is there: it names it, and what to do
      const again = await drctl(["copy", "-f", spec, "shop", "--to", "vault"]);
      expect(again.code).toBe(5);
      expect(again.stdout).toMatch(/bytes there, not the manifest's .*: remove that object there to send it again/);
    } finally {
      writeFileSync(path, original);
    }
    rmSync(join(vault, "sets", "shop", id, file));
    expect((await drctl(["copy", "-f", spec, "shop", "--to", "vault"])).code).toBe(0);
  }, 60_000);

  it("one byte flipped in the copy: verify --repository exits 5 naming the set and the file", async () => {
    const sets = readdirSync(join(vault, "sets", "uni")).filter((d) =>
      existsSync(join(vault, "sets", "uni", d, "manifest.json")),
    );
    const set = sets.at(-1) ?? "";
    const payload = readdirSync(join(vault, "sets", "uni", set)).find((f) => f.startsWith("dump")) ?? "";
    const path = join(vault, "sets", "uni", set, payload);
    const bytes = readFileSync(path);
    bytes[20] = (bytes[20] ?? 0) ^ 0x01;
    writeFileSync(path, bytes);
    const v = await drctl(["verify", "-f", spec, "--repository", "vault"]);
    expect(v.code).toBe(5);
    expect(v.stdout).toMatch(
      new RegExp(`^FAILED  ${set}  ${payload.replace(".", "\\.")}: sha256 \\S+ differs from the manifest's`, "m"),
    );
    // the local repository is untouched and still verifies
    expect((await drctl(["verify", "-f", spec, set])).code).toBe(0);
  }, 60_000);

  it("no key material in the journal, the output or the cron block", async () => {
    const key = readFileSync(sshd.identityFile, "utf8").split("\n").slice(1, 3).join("");
    const journal = readFileSync(join(state, "journal.jsonl"), "utf8");
    expect(journal).not.toContain(key.slice(0, 40));
    const apply = await drctl(["plan", "-f", spec, "--no-tui"]);
    expect(apply.stdout).not.toContain(key.slice(0, 40));
  });
});

describe("drctl copy to an S3 bucket (s3rver on loopback)", () => {
  const objects = async () => {
    const { openStore } = await import("../../src/repository/open.js");
    const store = await openStore("bucket", {
      type: "s3",
      bucket: s3.bucket,
      prefix: "site-a",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    try {
      return await store.list("");
    } finally {
      await store.close();
    }
  };

  it("copies, lists and verifies (--deep) through the S3 API; a second run sends nothing", async () => {
    expect((await drctl(["backup", "-f", spec, "crm"])).code).toBe(0);
    const r = await drctl(["copy", "-f", spec, "crm"]);
    expect(r.code, r.stderr).toBe(0);
    // the SDK's notice about its future Node versions is no news for a cron mail
    expect(r.stderr).not.toContain("NodeVersionSupportWarning");
    expect(r.stdout).toMatch(
      /^crm → bucket \(s3:\/\/drctl-test\/site-a \(http:\/\/127\.0\.0\.1:\d+\)\): [1-9]\d* set\(s\) copied/m,
    );
    const local = readdirSync(join(repo, "sets", "crm")).sort();
    const list = await drctl(["backups", "-f", spec, "crm", "--repository", "bucket", "--json"]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { sets: { id: string }[] }).sets.map((x) => x.id)).toEqual(local);
    const v = await drctl(["verify", "-f", spec, "--repository", "bucket", "--deep"]);
    expect(v.code, v.stdout).toBe(0);
    // the objects are the local files, byte for byte
    for (const id of local)
      for (const f of readdirSync(join(repo, "sets", "crm", id))) {
        const keys = (await objects()).map((o) => o.key);
        expect(keys).toContain(`sets/crm/${id}/${f}`);
      }
    const before = await objects();
    const again = await drctl(["copy", "-f", spec, "crm"]);
    expect(again.stdout).toMatch(/: 0 set\(s\) copied \(0 B sent\), \d+ already there$/m);
    expect(await objects()).toEqual(before);
  }, 60_000);

  it("the store down: exit 6, offsite pending; back up: the next run completes it", async () => {
    expect((await drctl(["backup", "-f", spec, "crm"])).code).toBe(0);
    await s3.stop();
    try {
      const r = await drctl(["copy", "-f", spec, "crm"]);
      expect(r.code).toBe(6);
      expect(r.stdout).toMatch(/^crm → bucket .*: offsite pending: s3:\/\/\S+ .*ECONNREFUSED/m);
      // plan says so too, before the night's copy finds out
      const p = await drctl(["plan", "-f", spec, "--no-tui"]);
      expect(p.stdout + p.stderr).toMatch(
        /repository\.bucket: cannot be (reached|read): .*ECONNREFUSED.*\(copies stay pending\)/,
      );
    } finally {
      await s3.start();
    }
    expect((await drctl(["copy", "-f", spec, "crm"])).code).toBe(0);
    expect((await drctl(["verify", "-f", spec, "--repository", "bucket"])).code).toBe(0);
  }, 60_000);

  it("the key and secret (S3RVER here) appear nowhere drctl writes: journal, cron block, logs", async () => {
    const written = [join(state, "journal.jsonl"), join(dir, "cron")];
    for (const f of written) expect(readFileSync(f, "utf8")).not.toContain("S3RVER");
    const logs = join(state, "logs");
    if (existsSync(logs))
      for (const f of readdirSync(logs)) expect(readFileSync(join(logs, f), "utf8")).not.toContain("S3RVER");
  });
});

describe("the site is lost: restore from a copy", () => {
  const rows = async (table: string) => {
    const c = await db.connectRoot();
    try {
      const [r] = await c.query(`SELECT id FROM uni.\`${table}\` ORDER BY id`);
      return (r as { id: number }[]).map((x) => x.id);
    } finally {
      await c.end();
    }
  };

  it("the local repository deleted: restore --from brings the data back to the last archived row", async () => {
    // the filesystem copy brought up to date while the site still stood, then the site goes
    expect((await drctl(["copy", "-f", spec, "uni", "--to", "offsite"])).code).toBe(0);
    const want = await rows("t");
    rmSync(repo, { recursive: true, force: true });
    const r = await drctl([
      ..."restore -f".split(" "),
      spec,
      "uni",
      "--from",
      "offsite",
      "--to",
      "latest",
      "--target",
      "db1",
      "--tables",
      "uni.t",
      "--rename",
      "t=t_from_offsite",
      "--yes",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/fetched \d+ set\(s\), .*, from .*offsite; every object checked/);
    expect(r.stdout).toMatch(/^restored uni to .* \(the copy in offsite\)$/m);
    expect(await rows("t_from_offsite")).toEqual(want);
    expect(existsSync(join(state, "fetch")) ? readdirSync(join(state, "fetch")) : []).toEqual([]); // cleaned up
  }, 120_000);

  it("from a copy whose only full is damaged: the object named, exit 5, nothing restored", async () => {
    // vault's one complete full of uni had a byte flipped above (its other set never got its manifest)
    const r = await drctl(["restore", "-f", spec, "uni", "--from", "vault", "--to", "latest"]);
    expect(r.stderr).toMatch(/damaged in the copy: sftp:\/\/\S+\/sets\/uni\/\S+\/dump\S*: .* the manifest says/);
    expect(r.stderr).toMatch(/every object checked, 1 damaged \(named above\)/);
    expect(r.stderr).toMatch(/cannot restore uni to latest: no full backup set to start from; left out as damaged: /);
    expect(r.code).toBe(5);
    expect(existsSync(join(state, "fetch")) ? readdirSync(join(state, "fetch")) : []).toEqual([]);
  }, 120_000);

  it("a drill of the lost site (from: offsite) restores from the copy, verifies, and its record says so", async () => {
    expect(existsSync(repo)).toBe(false); // still gone
    const r = await drctl(["drill", "run", "-f", spec, "lost-site"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^drill lost-site passed: \S+ restored from the copy in offsite and verified; RTO /m);
    const record = (await readJournal(state)).filter((j) => j.kind === "drill").at(-1);
    expect([record?.data.drill, record?.data.from, record?.data.result]).toEqual(["lost-site", "offsite", "ok"]);
    // the auditor's view: which copy the drill used, where each copy is, when last completed and verified
    const bundle = join(dir, "evidence-lost-site");
    const e = await drctl(["evidence", "export", "-f", spec, "--since", "1d", "--out", bundle]);
    expect(e.code, e.stderr).not.toBe(1);
    type Ev = {
      datasets: {
        name: string;
        drills: { drill: string; from?: string }[];
        copies?: { repository: string; where?: string; lastCompleted?: string; lastVerified?: { ok: boolean } }[];
      }[];
    };
    const uni = (JSON.parse(readFileSync(join(bundle, "evidence.json"), "utf8")) as Ev).datasets.find(
      (x) => x.name === "uni",
    );
    expect(uni?.drills.at(-1)).toMatchObject({ drill: "lost-site", from: "offsite" });
    const vaultCopy = uni?.copies?.find((c) => c.repository === "vault");
    expect(vaultCopy?.where).toMatch(/^sftp:\/\/root@127\.0\.0\.1:\d+\//);
    expect(vaultCopy?.lastCompleted).toBeTruthy();
    expect(vaultCopy?.lastVerified?.ok).toBe(false); // the byte flipped above: the last whole verify failed
    const report = readFileSync(join(bundle, "report.md"), "utf8");
    expect(report).toContain("Offsite copies (what survives the loss of the site)");
    // where each copy is, never how to get in: no key material, no S3 secret in any file of the bundle
    const key = readFileSync(sshd.identityFile, "utf8").split("\n").slice(1, 3).join("");
    for (const f of Object.keys(tree(bundle))) {
      const text = readFileSync(join(bundle, f), "utf8");
      expect(text, f).not.toContain(key.slice(0, 40));
      expect(text, f).not.toContain("S3RVER");
    }
    expect(report).toMatch(/from the copy in offsite/);
  }, 120_000);

  it("--from a repository that is not one of the dataset's is refused", async () => {
    const r = await drctl(["restore", "-f", spec, "uni", "--from", "bucket", "--to", "latest"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("--from bucket: not a repository of dataset uni (local, vault, offsite)");
  });
});
