// `drctl backup` against the bare tools on the same ~1 GB dataset, alternated in the same run
// (BENCH_RUNS pairs, default 7; the figure is the median of the paired ratios):
//   mysqldump method  ÷  `mariadb-dump <same flags> | zstd -3 -T0 > file`
//   mariadb-backup    ÷  `mariadb-backup --backup --stream=xbstream <same flags> | zstd -3 -T0 > file`
// drctl does more (reference row counts in their own snapshot, SHOW CREATE of the objects, the
// manifest, the completeness check); the target is that all of it costs ≤ 10 %, with drctl's own
// peak RSS ≤ 200 MB (the data never sits in its memory).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyBenchSpec,
  BENCH_DATASETS,
  fillBench,
  median,
  runDrctlWithPeakRss,
  timeAsync as time,
  writeResult,
} from "./lib.mjs";

const { startSandbox } = await import("../dist/adapters/sandbox/mariadb-sandbox.js");
const { dumpArgs, physicalArgs } = await import("../dist/backup/methods.js");

const TARGET_BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const runs = Number(process.env.BENCH_RUNS ?? 7);
const dir = mkdtempSync(join(tmpdir(), "drctl-bench-backup-"));
const db = await startSandbox({
  baseDir: dir,
  binlog: true,
  // ROW binlogs, as apply sets them for any dataset that archives binlogs (a physical backup's
  // reference figures are then counted while the copy runs, issue 17 §1)
  serverOptions: ["innodb-buffer-pool-size=1G", "innodb-log-file-size=512M", "binlog-format=ROW"],
});
try {
  const c = await db.connectRoot();
  const bytes = await fillBench(c, TARGET_BYTES);
  await c.end();

  const repo = join(dir, "repo");
  const spec = applyBenchSpec(dir, db, BENCH_DATASETS);
  const server = { host: "127.0.0.1", port: db.port, credentials: db.clientOptionFile };
  const sh = (args) => args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");

  const bareDump = () => {
    const out = join(dir, "bare.sql.zst");
    execFileSync("bash", [
      "-o",
      "pipefail",
      "-c",
      `mariadb-dump ${sh(dumpArgs(server, "mariadb", ["bench"], { binlog: true }))} 2>/dev/null | zstd -q -c ` +
        `-3 -T0 > ${sh([out])}`,
    ]);
    rmSync(out);
  };
  const bareBackup = () => {
    const lsn = mkdtempSync(join(dir, "lsn-"));
    const out = join(dir, "bare.xb.zst");
    execFileSync("bash", [
      "-o",
      "pipefail",
      "-c",
      `mariadb-backup ${sh(physicalArgs(server, lsn))} 2>/dev/null | zstd -q -c -3 -T0 > ${sh([out])}`,
    ]);
    rmSync(out);
    rmSync(lsn, { recursive: true, force: true });
  };
  /** drctl backup, with its peak RSS (VmHWM) polled from /proc while it runs. */
  const drctlBackup = async (dataset) => {
    const t0 = Date.now();
    const r = await runDrctlWithPeakRss(["backup", "-f", spec, dataset], { ...process.env, DRCTL_TRACE: "1" });
    if (r.code !== 0) throw new Error(`drctl backup ${dataset} exited ${r.code}: ${r.out}`);
    if (process.env.BENCH_TRACE)
      console.error(
        r.out
          .split("\n")
          .filter((l) => l.startsWith("trace"))
          .concat(`total ${Date.now() - t0} ms`)
          .join("\n"),
      );
    // the newest set stays, as a nightly backup always finds the last one (what a physical copy's tool
    // follows, and what the free-space check measures); older ones go, for the disk's sake
    const sets = readdirSync(join(repo, "sets", dataset)).sort();
    for (const old of sets.slice(0, -1)) rmSync(join(repo, "sets", dataset, old), { recursive: true, force: true });
    return r.hwm;
  };

  const results = {};
  const only = process.env.BENCH_ONLY; // "mysqldump" or "mariadb-backup": one method, for a quick look
  for (const [name, bare, dataset] of [
    ["mysqldump", bareDump, "logical"],
    ["mariadb-backup", bareBackup, "physical"],
  ].filter(([n]) => !only || n === only)) {
    const ours = [];
    const tool = [];
    const rss = [];
    await time(bare); // warm the buffer pool and page cache once before measuring
    for (let i = 0; i < runs; i++) {
      tool.push((await time(bare)).ms);
      const d = await time(() => drctlBackup(dataset));
      ours.push(d.ms);
      rss.push(d.r);
    }
    // each drctl run is compared with the bare run just before it (they share the machine's mood
    // of the moment); the median of those paired ratios is the figure, the ratio of medians beside it
    const ratio = median(ours.map((o, i) => o / tool[i]));
    results[name] = {
      drctl_ms_median: Math.round(median(ours)),
      bare_ms_median: Math.round(median(tool)),
      ratio: +ratio.toFixed(3),
      ratio_of_medians: +(median(ours) / median(tool)).toFixed(3),
      paired_ratios: ours.map((o, i) => +(o / tool[i]).toFixed(3)),
      drctl_peak_rss_mb_max: +(Math.max(...rss) / 1024 ** 2).toFixed(1),
      pass: ratio <= 1.1 && Math.max(...rss) <= 200 * 1024 ** 2,
    };
  }
  writeResult("backup-vs-tools", {
    benchmark: "backup-vs-tools",
    dataset_bytes: Number(bytes),
    runs,
    ...results,
    target: "ratio <= 1.10 and drctl peak RSS <= 200 MB, for each method",
    pass: Object.values(results).every((r) => r.pass),
  });
} finally {
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
