// Drills at size (issue 17 §4): `bench` filled to BENCH_BYTES (default 1.3 GiB) and backed up by
// mariadb-backup and mysqldump (apply's verification takes the sets), then
//   physical  `drctl drill run` end to end (verify digests, decompress, extract, prepare, start,
//             check, count, tear down), BENCH_RUNS times (default 5): median wall time, bound < 15 s
//   logical   the drill's checks at the set's point (tables, objects, views, row counts; CHECK TABLE
//             is for physical images) against a bare `SELECT COUNT(*)` of every table on a server
//             restored the same way (`drctl restore --keep`), alternated: bound ≤ 1.5×
// Every drill must pass (its row counts equal the reference figures).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyBenchSpec, cli, fillBench, median, writeResult } from "./lib.mjs";

const { startSandbox } = await import("../dist/adapters/sandbox/mariadb-sandbox.js");

const BYTES = Number(process.env.BENCH_BYTES ?? 1.3 * 1024 ** 3);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "drctl-bench-drill-"));
const sandboxes = join(dir, "sandboxes");
mkdirSync(sandboxes);
const env = { ...process.env, DRCTL_SANDBOX_HOME: sandboxes, TMPDIR: sandboxes };
const db = await startSandbox({
  baseDir: dir,
  binlog: true,
  serverOptions: ["innodb-buffer-pool-size=1G", "innodb-log-file-size=512M", "binlog-format=ROW"],
});
/** drctl's wall time and everything it wrote (its phases and trace go to stderr). */
const drctl = (args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`drctl ${args.join(" ")} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out: `${r.stdout}${r.stderr}` };
};
try {
  const c = await db.connectRoot();
  const bytes = await fillBench(c, BYTES);
  await c.end();
  const dataset = (name, method) => `  ${name}:
    server: db1
    databases: [bench]
    tier: bronze
    repository: local
    full: { method: ${method}, schedule: "0 3 * * *" }
`;
  const spec = applyBenchSpec(dir, db, {
    tiers: "{ bronze: { rpo: 2d, rto: 8h } }",
    datasets: `${dataset("physical", "mariadb-backup")}${dataset("logical", "mysqldump")}drills:
  phys: { dataset: physical, schedule: "0 6 * * *", restoreTo: latest, verify: [rowCounts] }
  logi: { dataset: logical, schedule: "0 7 * * *", restoreTo: latest, verify: [rowCounts] }
`,
  });
  const phase = (out, name) => Number(new RegExp(`${name} ([\\d.]+) s`).exec(out)?.[1]);

  const physical = [];
  const phases = [];
  for (let i = 0; i < runs; i++) {
    // the previous drill's gigabytes of dirty pages are written back before, not during, the next
    execFileSync("sync");
    const r = drctl(["drill", "run", "-f", spec, "phys"]);
    physical.push(r.ms);
    phases.push(/phases: (.*)$/m.exec(r.out)?.[1] ?? "");
  }

  // the bare count, on a server restored the same way (its second count: warm, as the drill's is)
  const kept = drctl(["restore", "-f", spec, "logical", "--to", "latest", "--keep"]);
  const cnf = /mariadb --defaults-file=(\S+)/.exec(kept.out)?.[1];
  const count = () => {
    const t0 = process.hrtime.bigint();
    execFileSync("mariadb", [
      `--defaults-file=${cnf}`,
      "-N",
      "-e",
      "SELECT COUNT(*) FROM bench.t1; SELECT COUNT(*) FROM bench.t2; SELECT COUNT(*) FROM bench.t3; " +
        "SELECT COUNT(*) FROM bench.t4",
    ]);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  count();
  const logical = [];
  const bare = [];
  for (let i = 0; i < runs; i++) {
    bare.push(count());
    const r = drctl(["drill", "run", "-f", spec, "logi"]);
    logical.push(phase(r.out, "checks at the set's point") * 1000);
  }
  execFileSync(process.execPath, [cli, "sandbox", "down", "--all"], { env, stdio: "ignore" });
  const paired = logical.map((l, i) => l / bare[i]);
  writeResult("drill-at-size", {
    benchmark: "drill-at-size",
    dataset_bytes: bytes,
    physical: {
      runs,
      drill_ms_median: Math.round(median(physical)),
      drill_ms_min: Math.round(Math.min(...physical)),
      drill_ms_max: Math.round(Math.max(...physical)),
      phases_of_median_run: phases[physical.indexOf(median(physical))],
      bound_ms: 15000,
      pass: median(physical) < 15000,
    },
    logical_verification: {
      runs: logical.length,
      checks_ms_median: Math.round(median(logical)),
      bare_count_ms_median: Math.round(median(bare)),
      ratio: +median(paired).toFixed(3),
      paired_ratios: paired.map((p) => +p.toFixed(3)),
      bound: 1.5,
      pass: median(paired) <= 1.5,
    },
    target: "a physical drill < 15 s end to end; a logical drill's checks at the set's point <= 1.5 x bare COUNT(*)",
    pass: median(physical) < 15000 && median(paired) <= 1.5,
  });
} finally {
  execFileSync(process.execPath, [cli, "sandbox", "down", "--all"], { env, stdio: "ignore" });
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
