// `drctl copy` of a ~1 GB set against Debian's `rclone copy` of the same set directory to the same
// targets, alternated in one run (BENCH_RUNS pairs per target, default 5; the figure is the median
// of the paired ratios): an SFTP directory on an OpenSSH server and a bucket on s3rver, both on
// loopback. drctl does more: every object is read back (or checksummed by the server) and compared
// with the manifest's sha256 before the manifest goes up. Target: ratio ≤ 1.2 and drctl's peak
// RSS ≤ 200 MB for each target (the set never sits in its memory).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, median, runDrctlWithPeakRss, timeAsync as time, writeBenchSpec, writeResult } from "./lib.mjs";
import { startS3rver, startSshd } from "./servers.mjs";

const { startSandbox } = await import("../dist/adapters/sandbox/mariadb-sandbox.js");
// every child runs asynchronously: s3rver answers from this process's event loop
const run = promisify(execFile);

const TARGET_BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "drctl-bench-copy-"));
const db = await startSandbox({ baseDir: join(dir, "db"), serverOptions: ["innodb-buffer-pool-size=512M"] });
const sshd = await startSshd(join(dir, "sshd"));
const s3 = await startS3rver(join(dir, "s3"));
try {
  const c = await db.connectRoot();
  await c.query("CREATE DATABASE bench");
  await c.query("CREATE TABLE bench.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v BLOB) ENGINE=InnoDB");
  // random bytes: what zstd cannot shrink, so the set is as large as the data
  for (let done = 0; done < TARGET_BYTES; done += 50_000 * 1024)
    await c.query("INSERT INTO bench.t (v) SELECT RANDOM_BYTES(1024) FROM bench.seq_1_to_50000");
  await c.end();

  const vault = join(dir, "vault");
  const q = JSON.stringify;
  const spec = writeBenchSpec(dir, db, {
    tiers: "{ bronze: { rpo: 2d, rto: 8h } }",
    repositories: `  vault:
    type: sftp
    host: 127.0.0.1
    port: ${sshd.port}
    user: root
    path: ${q(vault)}
    identityFile: ${q(sshd.identityFile)}
    knownHosts: ${q(sshd.knownHosts)}
  bucket:
    type: s3
    bucket: ${s3.bucket}
    prefix: drctl
    endpoint: ${q(s3.endpoint)}
    forcePathStyle: true
    credentials: ${q(s3.credentials)}
`,
    datasets: `  bench:
    server: db1
    databases: [bench]
    tier: bronze
    repository: local
    full: { method: mariadb-backup, schedule: "0 3 * * *" }
    copies: [vault, bucket]
`,
  });
  // s3rver answers from this process: the apply runs asynchronously (not applyBenchSpec's execFileSync)
  // apply creates the repositories (markers at both targets) and takes the one set it proves restorable
  await run(process.execPath, [cli, "apply", "-f", spec, "--auto-approve"]);
  const setsDir = join(dir, "repo", "sets", "bench");
  const [id] = readdirSync(setsDir);
  const setDir = join(setsDir, id);
  const bytes = readdirSync(setDir).reduce((n, f) => n + statSync(join(setDir, f)).size, 0);

  const rcloneConf = join(dir, "rclone.conf");
  writeFileSync(
    rcloneConf,
    `[vault]
type = sftp
host = 127.0.0.1
port = ${sshd.port}
user = root
key_file = ${sshd.identityFile}
known_hosts_file = ${sshd.knownHosts}

[bucket]
type = s3
provider = Other
endpoint = ${s3.endpoint}
access_key_id = S3RVER
secret_access_key = S3RVER
force_path_style = true
`,
    { mode: 0o600 },
  );
  // plain http on loopback: a CA bundle the environment names (AWS_CA_BUNDLE) only breaks rclone's S3 client
  const { AWS_CA_BUNDLE: _ca, ...rcloneEnv } = process.env;
  const rclone = (...args) => run("rclone", ["--config", rcloneConf, ...args], { env: rcloneEnv });
  const targets = {
    vault: {
      rclone: (i) => rclone("copy", setDir, `vault:${vault}/rclone-${i}`),
      clean: async () => {
        for (const e of readdirSync(vault))
          if (e !== ".drctl-repository.json") rmSync(join(vault, e), { recursive: true });
      },
    },
    bucket: {
      rclone: (i) => rclone("copy", setDir, `bucket:${s3.bucket}/rclone-${i}`),
      clean: async () => {
        await rclone("purge", `bucket:${s3.bucket}/drctl/sets`);
        await rclone("delete", `bucket:${s3.bucket}`, "--include", "/rclone-*/**");
      },
    },
  };

  /** drctl copy to one target, with its peak RSS (VmHWM) polled from /proc while it runs. */
  const drctlCopy = async (to) => {
    const r = await runDrctlWithPeakRss(["copy", "-f", spec, "bench", "--to", to]);
    if (r.code !== 0 || !/ [01] set\(s\) copied/.test(r.out))
      throw new Error(`drctl copy --to ${to}: exit ${r.code}: ${r.out}`);
    return r.hwm;
  };

  const results = {};
  for (const [name, t] of Object.entries(targets)) {
    const ratios = [];
    const ours = [];
    const tool = [];
    const rss = [];
    await t.rclone("warm"); // the page cache and the server warmed once before measuring
    for (let i = 0; i < runs; i++) {
      const b = await time(() => t.rclone(i));
      const d = await time(() => drctlCopy(name));
      await t.clean();
      tool.push(b.ms);
      ours.push(d.ms);
      rss.push(d.r);
      ratios.push(d.ms / b.ms);
    }
    // what a run costs whatever it sends: start-up, connecting, listing, the marker, the journal
    await drctlCopy(name);
    const noop = (await time(() => drctlCopy(name))).ms;
    await t.clean();
    const ratio = +median(ratios).toFixed(2);
    results[name] = {
      drctl_ms_median: Math.round(median(ours)),
      rclone_ms_median: Math.round(median(tool)),
      ratio_median_of_pairs: ratio,
      drctl_mb_per_s: +(bytes / 1e6 / (median(ours) / 1000)).toFixed(1),
      rclone_mb_per_s: +(bytes / 1e6 / (median(tool) / 1000)).toFixed(1),
      drctl_ms_when_nothing_to_send: Math.round(noop),
      drctl_peak_rss_mb_max: +(Math.max(...rss) / 1024 ** 2).toFixed(1),
      pass: ratio <= 1.2 && Math.max(...rss) <= 200 * 1024 ** 2,
    };
  }
  writeResult("copy-vs-rclone", {
    benchmark: "copy-vs-rclone",
    set_bytes: bytes,
    runs,
    ...results,
    target: "ratio <= 1.2 and drctl peak RSS <= 200 MB, for each target",
    pass: Object.values(results).every((r) => r.pass),
  });
} finally {
  await s3.stop();
  await sshd.stop();
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
