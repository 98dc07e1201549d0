// The point-in-time replay of `drctl restore` against the bare `mysqlbinlog … | mariadb` over the same
// range (issue 17 §2: bound ≤ 1.10), alternated (BENCH_RUNS pairs, default 5; the median of the paired
// ratios, min–max beside it). A dump set of `bench` (BENCH_BYTES, default 256 MB) is taken, then
// writes make about BENCH_REPLAY_BYTES (default 256 MB) of ROW binlog after its point, archived by
// `drctl binlog archive`. Each pair restores the set into a fresh server and replays to the end:
//   bare   the dump loaded (untimed), then timed: `mysqlbinlog --start-position=P FILES | mariadb`
//          on the source's own binlog files (no fetching, no decompressing: the strictest baseline)
//   drctl  `drctl restore pitr --to latest --keep` with DRCTL_TRACE: the time from "set loaded" to
//          "binlogs replayed" (the replay: archived files decoded, filtered to the dataset, applied)
// Both end equal to the source (CHECKSUM TABLE), checked outside the timing.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyBenchSpec,
  benchChecksums,
  benchChecksumsVia,
  cli,
  fillBench,
  median,
  runDrctlWithPeakRss,
  writeResult,
} from "./lib.mjs";

const { startSandbox } = await import("../dist/adapters/sandbox/mariadb-sandbox.js");

const BASE_BYTES = Number(process.env.BENCH_BYTES ?? 256 * 1024 ** 2);
const REPLAY_BYTES = Number(process.env.BENCH_REPLAY_BYTES ?? 256 * 1024 ** 2);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "drctl-bench-pitr-"));
const sandboxes = join(dir, "sandboxes");
const db = await startSandbox({
  baseDir: dir,
  binlog: true,
  serverOptions: ["innodb-buffer-pool-size=1G", "innodb-log-file-size=512M", "sync-binlog=0"],
});
const sh = (args) => args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
const env = { ...process.env, DRCTL_SANDBOX_HOME: sandboxes, TMPDIR: sandboxes, DRCTL_TRACE: "1" };
try {
  const c = await db.connectRoot();
  await fillBench(c, BASE_BYTES);
  const spec = applyBenchSpec(dir, db, {
    tiers: "{ silver: { rpo: 1h, rto: 30d } }",
    datasets: `  pitr:
    server: db1
    databases: [bench]
    tier: silver
    repository: local
    full: { method: mysqldump, schedule: "0 2 * * *" }
    binlog: { archive: true, interval: 1m }
`,
  });
  // the newest set (apply's verification took it): the replay starts at its point
  const sets = join(dir, "repo", "sets", "pitr");
  const setDir = join(sets, readdirSync(sets).sort().at(-1));
  const manifest = JSON.parse(readFileSync(join(setDir, "manifest.json"), "utf8"));
  const from = manifest.consistentPoint;
  // writes after the set: UPDATEs of 2,000 rows each (a ROW event carries each row twice), as an
  // application's transactions would come, until the range is big enough
  const binlogBytes = async () => {
    const [rows] = await c.query("SHOW BINARY LOGS");
    const i = rows.findIndex((r) => r.Log_name === from.file);
    return rows.slice(i).reduce((n, r) => n + Number(r.File_size), 0) - from.position;
  };
  const [[{ top }]] = await c.query("SELECT MAX(id) AS top FROM bench.t1");
  for (let round = 0; (await binlogBytes()) < REPLAY_BYTES; round++)
    for (let k = 0; k < 50; k++) {
      const lo = ((round * 50 + k) * 2000) % Number(top);
      await c.query(
        `UPDATE bench.t${1 + (k % 4)} SET n = n + 1, d = d + INTERVAL 1 SECOND WHERE id > ${lo} AND id <= ${lo + 2000}`,
      );
    }
  await c.query("FLUSH BINARY LOGS");
  const replayBytes = await binlogBytes();
  const source = await benchChecksums(c);
  const [logs] = await c.query("SHOW BINARY LOGS");
  await c.end();
  const archived = execFileSync(process.execPath, [cli, "binlog", "archive", "-f", spec, "db1"], { env });
  void archived;
  // the bare side reads the source's own files, copied once
  const raw = join(dir, "raw-binlogs");
  execFileSync("mkdir", ["-p", raw]);
  const names = logs.map((r) => r.Log_name);
  const files = names.slice(names.indexOf(from.file)).map((n) => {
    copyFileSync(join(db.datadir, n), join(raw, n));
    return join(raw, n);
  });
  const dump = join(
    setDir,
    readdirSync(setDir).find((f) => f.startsWith("dump.sql")),
  );

  const equal = (cnf, what) => {
    const sums = benchChecksumsVia(cnf);
    if (sums !== source) throw new Error(`${what}: restored data differs from the source (${sums} vs ${source})`);
  };
  const bare = async () => {
    const s = await startSandbox({ baseDir: sandboxes, harmless: true });
    try {
      const cnf = sh([s.clientOptionFile]);
      execFileSync("bash", ["-o", "pipefail", "-c", `zstd -dc ${sh([dump])} | mariadb --defaults-file=${cnf}`]);
      const t0 = process.hrtime.bigint();
      execFileSync("bash", [
        "-o",
        "pipefail",
        "-c",
        `mysqlbinlog --start-position=${from.position} ${sh(files)} | mariadb --defaults-file=${cnf} ` +
          `2> ${sh([join(dir, "bare.err")])} || { tail -c 600 ${sh([join(dir, "bare.err")])} >&2; exit 1; }`,
      ]);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      equal(s.clientOptionFile, "bare replay");
      return ms;
    } finally {
      await s.stop();
    }
  };
  const ours = async () => {
    const r = await runDrctlWithPeakRss(["restore", "-f", spec, "pitr", "--to", "latest", "--keep"], env);
    if (r.code !== 0) throw new Error(`drctl restore exited ${r.code}: ${r.out}`);
    const at = (what) => Number(new RegExp(`trace \\+(\\d+) ms: ${what}`).exec(r.out)?.[1]);
    const ms = at("binlogs replayed") - at("set loaded");
    if (!Number.isFinite(ms)) throw new Error(`no replay phase in drctl's trace: ${r.out}`);
    equal(/mariadb --defaults-file=(\S+)/.exec(r.out)?.[1], "drctl replay");
    execFileSync(process.execPath, [cli, "sandbox", "down", "--all"], { env, stdio: "ignore" });
    return { ms, hwm: r.hwm };
  };

  await bare(); // warm the page cache once
  const tool = [];
  const drctl = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    tool.push(await bare());
    const d = await ours();
    drctl.push(d.ms);
    rss.push(d.hwm);
  }
  const paired = drctl.map((o, i) => o / tool[i]);
  const ratio = median(paired);
  writeResult("pitr-vs-tools", {
    benchmark: "pitr-vs-tools",
    replay_bytes: replayBytes,
    runs,
    drctl_replay_ms_median: Math.round(median(drctl)),
    bare_replay_ms_median: Math.round(median(tool)),
    ratio: +ratio.toFixed(3),
    ratio_min: +Math.min(...paired).toFixed(3),
    ratio_max: +Math.max(...paired).toFixed(3),
    paired_ratios: paired.map((p) => +p.toFixed(3)),
    drctl_peak_rss_mb_max: +(Math.max(...rss) / 1024 ** 2).toFixed(1),
    bound: 1.1,
    restored_equal_to_source: true,
    target: "the replay <= 1.10 x mysqlbinlog --start-position | mariadb over the same range (raw files)",
    pass: ratio <= 1.1,
  });
} finally {
  execFileSync(process.execPath, [cli, "sandbox", "down", "--all"], { env, stdio: "ignore" });
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
