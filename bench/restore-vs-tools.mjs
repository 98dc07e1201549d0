// `drctl restore` against the bare tools on the same sets (~1 GB, BENCH_BYTES), alternated in the
// same run (BENCH_RUNS pairs, default 5; the figure is the median of the paired ratios, min–max
// beside it), each side timed from nothing to a running server holding the data (start-up included),
// then checked equal to the source (CHECKSUM TABLE) and torn down outside the timing:
//   mysqldump set       ÷  a fresh server, `zstd -dc dump.sql.zst | mariadb`, stopped
//   mariadb-backup set  ÷  `zstd -dc backup.xbstream.zst | mbstream -x`, `mariadb-backup --prepare`,
//                          a server started on the prepared directory (--move-back), stopped
// drctl also checks every stored byte against the manifest and applies the DEFINER accounts. Bounds
// (issue 17 §2, §3): logical ≤ 0.77 (its parallel load ≥ 1.3× faster than the bare client), physical ≤ 1.15.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyBenchSpec,
  BENCH_DATASETS,
  benchChecksums,
  benchChecksumsVia,
  cli,
  fillBench,
  median,
  runDrctlWithPeakRss,
  writeResult,
} from "./lib.mjs";

const { startSandbox } = await import("../dist/adapters/sandbox/mariadb-sandbox.js");

const TARGET_BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "drctl-bench-restore-"));
const sandboxes = join(dir, "sandboxes");
// the source only: both restores start servers with the sandbox's own defaults, as drctl's restore does
const db = await startSandbox({
  baseDir: dir,
  binlog: true,
  serverOptions: ["innodb-buffer-pool-size=1G", "innodb-log-file-size=512M"],
});
const sh = (args) => args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
try {
  const c = await db.connectRoot();
  const bytes = await fillBench(c, TARGET_BYTES);
  const source = await benchChecksums(c);
  await c.end();
  const repo = join(dir, "repo");
  const spec = applyBenchSpec(dir, db, BENCH_DATASETS);
  // apply's verification took one backup of each: the newest set is what both sides restore
  const setOf = (dataset) => {
    const ids = readdirSync(join(repo, "sets", dataset)).sort();
    return join(repo, "sets", dataset, ids.at(-1));
  };
  const fileIn = (set, prefix) =>
    join(
      set,
      readdirSync(set).find((f) => f.startsWith(prefix)),
    );

  const equal = async (sandbox, what) => {
    const r = await sandbox.connectRoot();
    try {
      const sums = await benchChecksums(r);
      if (sums !== source) throw new Error(`${what}: restored data differs from the source (${sums} vs ${source})`);
    } finally {
      await r.end();
    }
  };

  const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
  /** Timed up to a running server with the data; then checked and stopped, untimed. */
  const bareLogical = async () => {
    const t0 = process.hrtime.bigint();
    const s = await startSandbox({ baseDir: sandboxes, harmless: true });
    try {
      execFileSync("bash", [
        "-o",
        "pipefail",
        "-c",
        `zstd -dc ${sh([fileIn(setOf("logical"), "dump.sql")])} | mariadb --defaults-file=${sh([s.clientOptionFile])}`,
      ]);
      const took = ms(t0);
      await equal(s, "bare logical");
      return { ms: took };
    } finally {
      await s.stop();
    }
  };
  const barePhysical = async () => {
    const t0 = process.hrtime.bigint();
    const work = mkdtempSync(join(dir, "prep-"));
    try {
      execFileSync("bash", [
        "-o",
        "pipefail",
        "-c",
        `zstd -dc ${sh([fileIn(setOf("physical"), "backup.xbstream")])} | mbstream -x -C ${sh([work])} && ` +
          `mariadb-backup --no-defaults --prepare --target-dir=${sh([work])} 2>/dev/null`,
      ]);
      const s = await startSandbox({
        baseDir: sandboxes,
        harmless: true,
        populate: async (datadir) => {
          execFileSync(
            "mariadb-backup",
            ["--no-defaults", "--move-back", `--target-dir=${work}`, `--datadir=${datadir}`],
            { stdio: "ignore" },
          );
        },
      });
      const took = ms(t0);
      try {
        await equal(s, "bare physical");
      } finally {
        await s.stop();
      }
      return { ms: took };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
  const env = { ...process.env, DRCTL_SANDBOX_HOME: sandboxes, TMPDIR: sandboxes };
  /** drctl restore --keep: timed up to its running sandbox; then checked and brought down, untimed. */
  const drctlRestore = async (dataset) => {
    const t0 = process.hrtime.bigint();
    const r = await runDrctlWithPeakRss(["restore", "-f", spec, dataset, "--to", "latest", "--keep"], env);
    const took = ms(t0);
    if (r.code !== 0) throw new Error(`drctl restore ${dataset} exited ${r.code}: ${r.out}`);
    const cnf = /mariadb --defaults-file=(\S+)/.exec(r.out)?.[1];
    const sums = benchChecksumsVia(cnf);
    execFileSync(process.execPath, [cli, "sandbox", "down", "--all"], { env, stdio: "ignore" });
    if (sums !== source)
      throw new Error(`drctl ${dataset}: restored data differs from the source (${sums} vs ${source})`);
    return { ms: took, hwm: r.hwm };
  };

  const results = {};
  const only = process.env.BENCH_ONLY; // "logical" or "physical"
  for (const [name, bare, dataset, bound] of [
    // the parallel load (issue 17 §3): at least 1.3x FASTER than the bare client, i.e. a ratio <= 1 / 1.3
    ["logical", bareLogical, "logical", 0.77],
    ["physical", barePhysical, "physical", 1.15],
  ].filter(([n]) => !only || n === only)) {
    const ours = [];
    const tool = [];
    const rss = [];
    await bare(); // warm the page cache once before measuring
    // each side starts with nothing of the other's left to write back: the previous run's gigabyte of
    // dirty pages otherwise lands in whichever run comes next (spreads of 1.06-1.65 were seen without it)
    const settle = () => execFileSync("sync");
    for (let i = 0; i < runs; i++) {
      settle();
      tool.push((await bare()).ms);
      settle();
      const d = await drctlRestore(dataset);
      ours.push(d.ms);
      rss.push(d.hwm);
    }
    const paired = ours.map((o, i) => o / tool[i]);
    const ratio = median(paired);
    results[name] = {
      drctl_ms_median: Math.round(median(ours)),
      bare_ms_median: Math.round(median(tool)),
      ratio: +ratio.toFixed(3),
      ratio_min: +Math.min(...paired).toFixed(3),
      ratio_max: +Math.max(...paired).toFixed(3),
      paired_ratios: paired.map((x) => +x.toFixed(3)),
      drctl_peak_rss_mb_max: +(Math.max(...rss) / 1024 ** 2).toFixed(1),
      bound,
      restored_equal_to_source: true,
      pass: ratio <= bound,
    };
  }
  writeResult("restore-vs-tools", {
    benchmark: "restore-vs-tools",
    dataset_bytes: bytes,
    runs,
    ...results,
    target:
      "logical <= 0.77 x (>= 1.3x faster than a fresh server fed by zstd -dc | mariadb), physical <= 1.15 x " +
      "(extract, prepare, start)",
    pass: Object.values(results).every((r) => r.pass),
  });
} finally {
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
