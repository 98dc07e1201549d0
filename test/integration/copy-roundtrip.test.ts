// Copies that survive the loss of the site, round trip: a logical (mysqldump) and a physical
// (mariadb-backup) dataset with archived binlogs, copied to an OpenSSH server (SFTP) and to an
// S3-protocol server, listed and verified there; then the local repository is deleted and each
// dataset is restored from each copy to a point between two transactions (binlogs replayed from
// the copy): CHECKSUM TABLE of the restored tables equals the source's at that point. No object at a
// target is ever rewritten, and no credential is ever on a process's command line.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec, s3RepositoryYaml, sftpRepositoryYaml } from "../helpers/spec-files.js";
import { type S3Server, startS3rver } from "../helpers/s3rver.js";
import { type Sshd, startSshd } from "../helpers/sshd.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-copy-roundtrip-");
const env = { DRCTL_SANDBOX_HOME: join(dir, "sandboxes") };
const repo = join(dir, "repo");
const vault = join(dir, "vault");
const spec = join(dir, "drctl.yaml");
let db: Sandbox;
let sshd: Sshd;
let s3: S3Server;
let pointInTime = "";
let atPoint: Record<string, string> = {};
let atEnd: Record<string, string> = {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TABLES = { logic: ["uni.t", "uni.u"], phys: ["lab.t"] } as const;

async function sql(s: string): Promise<unknown[]> {
  const c = await db.connectRoot();
  try {
    const [rows] = await c.query(s);
    return rows as unknown[];
  } finally {
    await c.end();
  }
}

const checksums = async (tables: readonly string[], query: (q: string) => Promise<string>) =>
  Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await query(`CHECKSUM TABLE ${t} EXTENDED`)])));
const liveChecksum = async (q: string) => String(((await sql(q)) as { Checksum: unknown }[])[0]?.Checksum);

const ok = async (args: string[]) => {
  const r = await drctl(args, { env });
  if (r.code !== 0) throw new Error(`${args.join(" ")}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r;
};

/** Every object at both targets, with what would change if it were rewritten. */
async function targetObjects(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out[`sftp:${relative(vault, p)}`] = `${st.ino}/${st.mtimeMs}/${st.size}`;
      }
    }
  };
  walk(vault);
  const client = new S3Client({
    region: "us-east-1",
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  try {
    const r = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: "site-a/" }));
    for (const o of r.Contents ?? []) out[`s3:${o.Key}`] = `${o.ETag}/${o.LastModified?.toISOString()}/${o.Size}`;
  } finally {
    client.destroy();
  }
  return out;
}

/** Runs `work` while reading every process's command line every 20 ms: what any user on the host could see. */
async function watchingCmdlines<T>(work: () => Promise<T>): Promise<{ result: T; seen: Set<string> }> {
  const seen = new Set<string>();
  let running = true;
  const watch = (async () => {
    while (running) {
      for (const p of readdirSync("/proc"))
        if (/^\d+$/.test(p))
          try {
            seen.add(readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " "));
          } catch {
            // gone meanwhile
          }
      await sleep(20);
    }
  })();
  try {
    return { result: await work(), seen };
  } finally {
    running = false;
    await watch;
  }
}

beforeAll(async () => {
  db = await startSandbox({ baseDir: join(dir, "db"), binlog: true });
  sshd = await startSshd(join(dir, "sshd"));
  s3 = await startS3rver(join(dir, "s3"));
  const _q = JSON.stringify;
  writeFileSync(
    spec,
    datasetsSpec({
      project: "roundtrip",
      state: join(dir, "state"),
      repo,
      server: { port: db.port, credentials: db.clientOptionFile },
      cronFile: join(dir, "cron"),
      tier: "{ rpo: 2d, rto: 4h }",
      extraRepositories: sftpRepositoryYaml("vault", sshd, vault) + s3RepositoryYaml("bucket", s3, "site-a"),
      datasets: {
        logic: { databases: ["uni"], method: "mysqldump", binlog: true, copies: ["vault", "bucket"] },
        phys: { databases: ["lab"], method: "mariadb-backup", binlog: true, copies: ["vault", "bucket"] },
      },
    }),
  );
  await sql("CREATE DATABASE uni");
  await sql("CREATE TABLE uni.t (id INT PRIMARY KEY, v TEXT, d DECIMAL(10,2))");
  await sql("CREATE TABLE uni.u (k VARCHAR(20) PRIMARY KEY, n BIGINT) ENGINE=InnoDB");
  await sql("INSERT INTO uni.t SELECT seq, REPEAT(CHAR(65 + seq % 26), seq % 50), seq / 7 FROM uni.seq_1_to_2000");
  await sql("INSERT INTO uni.u VALUES ('Universität', 1), ('quote''s', 2)");
  await sql("CREATE DATABASE lab");
  await sql("CREATE TABLE lab.t (id INT PRIMARY KEY, v BLOB)");
  await sql("INSERT INTO lab.t SELECT seq, RANDOM_BYTES(200) FROM lab.seq_1_to_3000");
  const applied = await drctl(["apply", "-f", spec, "--auto-approve"], { env });
  if (applied.code !== 0) throw new Error(`apply: ${applied.stderr}\n${applied.stdout}`);
  await ok(["backup", "-f", spec, "logic"]);
  await ok(["backup", "-f", spec, "phys"]);
  // after the backups: a change the binlogs carry, the point, then a change after it
  await sql("UPDATE uni.t SET v = 'after the backup' WHERE id % 3 = 0");
  await sql("INSERT INTO uni.u VALUES ('new', 3)");
  await sql("DELETE FROM lab.t WHERE id % 5 = 0");
  await sleep(1200);
  pointInTime = new Date().toISOString();
  atPoint = await checksums([...TABLES.logic, ...TABLES.phys], liveChecksum);
  await sleep(1200);
  await sql("UPDATE uni.t SET v = 'too late'");
  await sql("DELETE FROM lab.t");
  atEnd = await checksums([...TABLES.logic, ...TABLES.phys], liveChecksum);
  await ok(["binlog", "archive", "-f", spec, "db1"]);
}, 240_000);

afterAll(async () => {
  await s3?.stop();
  await sshd?.stop();
  await db?.stop();
});

describe("round trip through SFTP and S3", () => {
  it("copies both datasets and the binlogs to both targets; no credential on any command line", async () => {
    const key = readFileSync(sshd.identityFile, "utf8").split("\n").slice(1, 3).join("");
    const { result, seen } = await watchingCmdlines(async () => {
      const a = await ok(["copy", "-f", spec, "logic"]);
      const b = await ok(["copy", "-f", spec, "phys"]);
      return a.stdout + b.stdout;
    });
    expect(result).toMatch(/^logic → vault .*: [1-9]\d* set\(s\) copied/m);
    expect(result).toMatch(/^phys → bucket .*: [1-9]\d* set\(s\) copied/m);
    const drctlLines = [...seen].filter((c) => c.includes("cli.js"));
    expect(drctlLines.some((c) => / copy -f /.test(c))).toBe(true); // the watch saw the runs
    for (const c of seen) {
      expect(c).not.toContain("S3RVER");
      expect(c).not.toContain(key.slice(0, 40));
    }
  }, 180_000);

  it("each copy lists the local sets and verifies deep; a later copy rewrites nothing that is there", async () => {
    for (const ds of ["logic", "phys"]) {
      const local = JSON.parse((await ok(["backups", "-f", spec, ds, "--json"])).stdout) as { sets: { id: string }[] };
      for (const target of ["vault", "bucket"]) {
        const there = JSON.parse((await ok(["backups", "-f", spec, ds, "--repository", target, "--json"])).stdout) as {
          sets: { id: string }[];
        };
        expect(there.sets.map((s) => s.id)).toEqual(local.sets.map((s) => s.id));
      }
    }
    for (const target of ["vault", "bucket"]) {
      const v = await ok(["verify", "-f", spec, "--repository", target, "--deep"]);
      expect(v.stdout).toMatch(/^\d+ set\(s\) checked \(deep\): \d+ ok, 0 failed$/m);
    }
    const before = await targetObjects();
    expect(Object.keys(before).length).toBeGreaterThan(10);
    await sql("INSERT INTO uni.u VALUES ('later', 4)");
    await ok(["binlog", "archive", "-f", spec, "db1"]);
    await ok(["copy", "-f", spec, "logic"]);
    await ok(["copy", "-f", spec, "phys"]);
    const after = await targetObjects();
    for (const [k, v] of Object.entries(before)) expect([k, after[k]]).toEqual([k, v]);
    expect(Object.keys(after).length).toBeGreaterThan(Object.keys(before).length); // the new binlog went up
  }, 180_000);

  it.each([
    ["logic", "vault"],
    ["logic", "bucket"],
    ["phys", "vault"],
    ["phys", "bucket"],
  ] as const)(
    "the site lost: %s restored from %s to the point in time, CHECKSUM TABLE identical",
    async (ds, from) => {
      rmSync(repo, { recursive: true, force: true });
      const r = await ok(["restore", "-f", spec, ds, "--from", from, "--to", pointInTime, "--keep"]);
      expect(r.stdout).toMatch(new RegExp(`\\(the copy in ${from}\\)`));
      const cnf = /mariadb --defaults-file=(\S+)/.exec(r.stdout)?.[1] ?? "";
      const restored = await checksums(
        TABLES[ds],
        async (q) =>
          execFileSync("mariadb", [`--defaults-file=${cnf}`, "-N", "-e", q], { encoding: "utf8" })
            .trim()
            .split("\t")[1] ?? "",
      );
      expect((await drctl(["sandbox", "down", "--name", `restore-${ds}`], { env })).code).toBe(0);
      expect(restored).toEqual(Object.fromEntries(TABLES[ds].map((t) => [t, atPoint[t]])));
      // the point is not the end: the restore stopped where it was asked to (uni.u took no change after it)
      expect(restored[TABLES[ds][0]]).not.toBe(atEnd[TABLES[ds][0]]);
    },
    180_000,
  );
});
