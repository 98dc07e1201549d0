// Benchmark: `drctl validate` on a generated spec with 500 datasets (issue: under 1 s).
// Reports the median wall time of the built CLI, and beside it the bare `node` start-up on this
// machine in the same run (the floor any Node CLI pays), as a ratio. Not a test: these machines are noisy.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist/cli.js");
const DATASETS = Number(process.env.DATASETS ?? 500);
const RUNS = Number(process.env.RUNS ?? 7);

function spec() {
  const lines = ["version: 1", "project: bench", "tiers:", "  gold: { rpo: 5m, rto: 1h }", "  bronze: { rpo: 24h, rto: 8h }", "servers:"];
  const servers = Math.ceil(DATASETS / 4);
  for (let s = 0; s < servers; s++) {
    lines.push(`  db${s}:`, `    host: 10.0.${Math.floor(s / 250)}.${(s % 250) + 1}`, "    port: 3306", `    credentials: /etc/drctl/db${s}.cnf`);
  }
  lines.push("repositories:", "  local: { type: filesystem, path: /var/backups/bench }", "  vault: { type: filesystem, path: /mnt/vault/bench }", "datasets:");
  for (let d = 0; d < DATASETS; d++) {
    const physical = d % 2 === 0;
    lines.push(
      `  ds${d}:`,
      `    server: db${d % servers}`,
      `    databases: [app_${d}, "données_${d}", "tbl with space ${d}"]`,
      `    tier: ${physical ? "gold" : "bronze"}`,
      `    full: { method: ${physical ? "mariadb-backup" : "mysqldump"}, schedule: "${d % 60} ${d % 24} * * *" }`,
      ...(physical ? [`    incremental: { method: mariadb-backup, schedule: "0 */6 * * *" }`, "    binlog: { archive: true, interval: 1m }"] : []),
      "    compression: zstd",
      "    repository: local",
      "    copies: [vault]",
      "    retention:",
      "      full: { daily: 7, weekly: 4, monthly: 12 }",
      ...(physical ? ["      binlogs: 14d"] : []),
    );
  }
  lines.push("drills:");
  for (let d = 0; d < DATASETS; d += 5) lines.push(`  drill${d}:`, `    dataset: ds${d}`, `    schedule: "30 5 * * ${d % 7}"`, "    verify: [rowCounts]");
  return lines.join("\n") + "\n";
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(cmd, args) {
  const t0 = process.hrtime.bigint();
  try {
    execFileSync(cmd, args, { stdio: "pipe" });
  } catch (e) {
    // warnings about missing credentials files are fine; an invalid spec is not
    if (e.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${e.status}: ${e.stderr}`);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const dir = mkdtempSync(join(tmpdir(), "drctl-bench-"));
try {
  const file = join(dir, "large.yaml");
  writeFileSync(file, spec());
  const drctl = [];
  const bare = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(time(process.execPath, ["-e", ""]));
    drctl.push(time(process.execPath, [cli, "validate", file]));
  }
  const result = {
    benchmark: "validate-large-spec",
    datasets: DATASETS,
    runs: RUNS,
    drctl_ms_median: Math.round(median(drctl)),
    drctl_ms_min: Math.round(Math.min(...drctl)),
    node_startup_ms_median: Math.round(median(bare)),
    ratio_to_node_startup: +(median(drctl) / median(bare)).toFixed(2),
    target: "drctl_ms_median < 1000",
    pass: median(drctl) < 1000,
  };
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/validate-large-spec.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
