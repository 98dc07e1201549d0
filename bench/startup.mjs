// Start-up of the commands people and probes run most, each as a ratio to a bare `node -e 0` started
// alternately with it in the same run (BENCH_RUNS pairs, default 15; the figure is the median of the
// paired ratios — these machines are noisy):
//   drctl --version, drctl --help          target ≤ 1.3× (nothing but the answer should load)
//   drctl validate examples/…              target ≤ 2×   (YAML, the schema checker, the rules)
// and, reported without a target, the cron job that starts most often — `drctl binlog archive` once a
// minute — on a sandbox with one new binlog to fetch each run (it runs mysqlbinlog, so it pays for
// loading the child-process library), in ms and as a ratio to node.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyBenchSpec, cli, median, root, timeNode, writeResult } from "./lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 15);
const example = join(root, "examples/single-server-logical.yaml");

/** Alternates bare node and drctl `runs` times; the median of the paired ratios, and both medians. */
function paired(args, okCodes = [0], before = () => {}) {
  const ours = [];
  const bare = [];
  for (let i = 0; i < runs; i++) {
    bare.push(timeNode(["-e", "0"]));
    before();
    ours.push(timeNode([cli, ...args], okCodes));
  }
  return {
    ratio: +median(ours.map((o, i) => o / bare[i])).toFixed(2),
    drctl_ms_median: Math.round(median(ours)),
    node_ms_median: Math.round(median(bare)),
  };
}

const results = {
  version: { ...paired(["--version"]), target: 1.3 },
  help: { ...paired(["--help"]), target: 1.3 },
  validate: { ...paired(["validate", example]), target: 2 },
};

// the binlog archive cron job, on a real sandbox
const { startSandbox } = await import("../dist/adapters/sandbox/mariadb-sandbox.js");
const dir = mkdtempSync(join(tmpdir(), "drctl-bench-startup-"));
const db = await startSandbox({ baseDir: dir, binlog: true });
try {
  const c = await db.connectRoot();
  await c.query("CREATE DATABASE bench; CREATE TABLE bench.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
  const spec = applyBenchSpec(dir, db, {
    tiers: "{ gold: { rpo: 5m, rto: 4h } }",
    datasets: `  app:
    server: db1
    databases: [bench]
    tier: gold
    repository: local
    full: { method: mysqldump, schedule: "0 2 * * *" }
    binlog: { archive: true, interval: 1m }
`,
  });
  // a transaction before each run: the job rotates and fetches one binlog, as it does on a busy server
  let n = 0;
  const write = () =>
    execFileSync("mariadb", [
      `--defaults-file=${db.clientOptionFile}`,
      "-e",
      `INSERT INTO bench.t (v) VALUES (${++n})`,
    ]);
  results.binlog_archive_job = paired(["binlog", "archive", "db1", "-f", spec], [0], write);
  await c.end();
} finally {
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}

const pass = ["version", "help", "validate"].every((k) => results[k].ratio <= results[k].target);
writeResult("startup", {
  benchmark: "startup",
  runs,
  ...results,
  target: "--version and --help <= 1.3x node -e 0, validate <= 2x (median of paired ratios)",
  pass,
});
