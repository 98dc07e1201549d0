// Shared by the benchmarks: time a command, and report drctl's median beside the bare `node`
// start-up measured in the same run (these machines are noisy; a ratio travels better than ms).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const cli = join(root, "dist/cli.js");

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall ms of `node ...args`; exit codes in `okCodes` count as a normal run. */
export function timeNode(args, okCodes = [0]) {
  const t0 = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, { stdio: "pipe", maxBuffer: 1 << 28 });
  } catch (e) {
    if (!okCodes.includes(e.status)) throw new Error(`node ${args.join(" ")} exited ${e.status}: ${e.stderr}`);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs drctl and bare node alternately `runs` times, writes bench/results/<name>.json, prints it. */
export function measure(name, params, drctlArgs, { runs, targetMs, okCodes }) {
  const drctl = [];
  const bare = [];
  for (let i = 0; i < runs; i++) {
    bare.push(timeNode(["-e", ""]));
    drctl.push(timeNode([cli, ...drctlArgs], okCodes));
  }
  const result = {
    benchmark: name,
    ...params,
    runs,
    drctl_ms_median: Math.round(median(drctl)),
    drctl_ms_min: Math.round(Math.min(...drctl)),
    node_startup_ms_median: Math.round(median(bare)),
    ratio_to_node_startup: +(median(drctl) / median(bare)).toFixed(2),
    target: `drctl_ms_median < ${targetMs}`,
    pass: median(drctl) < targetMs,
  };
  return writeResult(name, result);
}

/** Writes bench/results/<name>.json and prints it. */
export function writeResult(name, result) {
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, `bench/results/${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  return result;
}

/**
 * Writes a spec for project "bench" on one sandbox (server db1, repository local, a cron.d file, all
 * under `dir`) with the given tiers, datasets and further repositories (YAML text); returns its path.
 */
export function writeBenchSpec(dir, db, { tiers, datasets, repositories = "" }) {
  const spec = join(dir, "drctl.yaml");
  const q = JSON.stringify;
  writeFileSync(
    spec,
    `version: 1
project: bench
state: ${q(join(dir, "state"))}
tiers: ${tiers}
servers:
  db1: { host: 127.0.0.1, port: ${db.port}, credentials: ${q(db.clientOptionFile)} }
repositories:
  local: { type: filesystem, path: ${q(join(dir, "repo"))} }
${repositories}datasets:
${datasets}scheduler: { type: cron, file: ${q(join(dir, "cron"))}, timezone: UTC }
`,
  );
  return spec;
}

/** writeBenchSpec, then `drctl apply` of it; returns the spec's path. */
export function applyBenchSpec(dir, db, opts) {
  const spec = writeBenchSpec(dir, db, opts);
  execFileSync(process.execPath, [cli, "apply", "-f", spec, "--auto-approve"], { stdio: "pipe" });
  return spec;
}

/**
 * Runs drctl with `args` and resolves with its exit code, what it wrote (stdout and stderr together)
 * and its peak RSS (VmHWM) polled from /proc every 20 ms while it runs.
 */
export function runDrctlWithPeakRss(args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    let hwm = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) hwm = Math.max(hwm, Number(m[1]) * 1024);
      } catch {
        /* exited */
      }
    }, 20);
    child.once("exit", (code) => {
      clearInterval(poll);
      resolve({ code, out, hwm });
    });
  });
}

/** Wall ms of an async `fn`, and what it returned. */
export async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

/**
 * Database `bench`: four tables of ~1 KB rows with varied text (dump-like, compressible about as
 * real data is), `bytes` in all; resolves with their data + index bytes.
 */
export async function fillBench(c, bytes) {
  await c.query("CREATE DATABASE bench");
  const perTable = Math.ceil(bytes / 4 / 1100);
  for (let t = 1; t <= 4; t++) {
    await c.query(
      `CREATE TABLE bench.t${t} (id BIGINT AUTO_INCREMENT PRIMARY KEY, n INT, d DATETIME, s VARCHAR(1024)) ` +
        `ENGINE=InnoDB`,
    );
    await c.query(`INSERT INTO bench.t${t} (n, d, s) VALUES (1, NOW(), REPEAT(MD5(RAND()), 30))`);
    while (true) {
      const [[{ n }]] = await c.query(`SELECT COUNT(*) AS n FROM bench.t${t}`);
      if (Number(n) >= perTable) break;
      await c.query(
        `INSERT INTO bench.t${t} (n, d, s) SELECT FLOOR(RAND() * 1e9), NOW() - INTERVAL FLOOR(RAND() * 1e6) ` +
          `SECOND, CONCAT(MD5(RAND()), REPEAT(MD5(RAND()), 29)) FROM bench.t${t} LIMIT ` +
          `${Math.max(1, perTable - Number(n))}`,
      );
    }
  }
  await c.query("ANALYZE TABLE bench.t1, bench.t2, bench.t3, bench.t4");
  const [[{ total }]] = await c.query(
    "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS total FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench'",
  );
  return Number(total);
}

/** CHECKSUM TABLE of bench.t1..t4 through the mariadb client of an option file, as benchChecksums says it. */
export function benchChecksumsVia(optionFile) {
  return execFileSync(
    "mariadb",
    [`--defaults-file=${optionFile}`, "-N", "-e", "CHECKSUM TABLE bench.t1, bench.t2, bench.t3, bench.t4"],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n")
    .map((l) => l.split("\t").join("="))
    .join(",");
}

/** CHECKSUM TABLE of bench.t1..t4, as one comparable string. */
export async function benchChecksums(c) {
  const [rows] = await c.query("CHECKSUM TABLE bench.t1, bench.t2, bench.t3, bench.t4");
  return rows.map((r) => `${r.Table}=${r.Checksum}`).join(",");
}

/**
 * The `bench` database as two datasets of db1 — mysqldump and mariadb-backup — with daily fulls and
 * no binlog archiving (a 1d RPO could not be met): what the backup and restore benchmarks apply.
 */
export const BENCH_DATASETS = {
  tiers: "{ bronze: { rpo: 2d, rto: 8h } }",
  datasets: `  logical:
    server: db1
    databases: [bench]
    tier: bronze
    repository: local
    full: { method: mysqldump, schedule: "0 2 * * *" }
  physical:
    server: db1
    databases: [bench]
    tier: bronze
    repository: local
    full: { method: mariadb-backup, schedule: "0 3 * * *" }
`,
};
