// Benchmark: `drctl validate` on a generated spec with 500 datasets (issue 17 §5: under 0.5 s).
// Reports the median wall time of the built CLI, and beside it the bare `node` start-up on this
// machine in the same run (the floor any Node CLI pays), as a ratio. Not a test: these machines are noisy.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure } from "./lib.mjs";

const DATASETS = Number(process.env.DATASETS ?? 500);
const RUNS = Number(process.env.RUNS ?? 7);

function spec() {
  const lines = [
    "version: 1",
    "project: bench",
    "tiers:",
    "  gold: { rpo: 5m, rto: 1h }",
    "  bronze: { rpo: 24h, rto: 8h }",
    "servers:",
  ];
  const servers = Math.ceil(DATASETS / 4);
  for (let s = 0; s < servers; s++) {
    lines.push(
      `  db${s}:`,
      `    host: 10.0.${Math.floor(s / 250)}.${(s % 250) + 1}`,
      "    port: 3306",
      `    credentials: /etc/drctl/db${s}.cnf`,
    );
  }
  lines.push(
    "repositories:",
    "  local: { type: filesystem, path: /var/backups/bench }",
    "  vault: { type: filesystem, path: /mnt/vault/bench }",
    "datasets:",
  );
  for (let d = 0; d < DATASETS; d++) {
    const physical = d % 2 === 0;
    lines.push(
      `  ds${d}:`,
      `    server: db${d % servers}`,
      `    databases: [app_${d}, "données_${d}", "tbl with space ${d}"]`,
      `    tier: ${physical ? "gold" : "bronze"}`,
      `    full: { method: ${physical ? "mariadb-backup" : "mysqldump"}, schedule: "${d % 60} ${d % 24} * * *" }`,
      ...(physical
        ? [
            `    incremental: { method: mariadb-backup, schedule: "0 */6 * * *" }`,
            "    binlog: { archive: true, interval: 1m }",
          ]
        : []),
      "    compression: zstd",
      "    repository: local",
      "    copies: [vault]",
      "    retention:",
      "      full: { daily: 7, weekly: 4, monthly: 12 }",
      ...(physical ? ["      binlogs: 14d"] : []),
    );
  }
  lines.push("drills:");
  for (let d = 0; d < DATASETS; d += 5)
    lines.push(`  drill${d}:`, `    dataset: ds${d}`, `    schedule: "30 5 * * ${d % 7}"`, "    verify: [rowCounts]");
  return `${lines.join("\n")}\n`;
}

const dir = mkdtempSync(join(tmpdir(), "drctl-bench-"));
try {
  const file = join(dir, "large.yaml");
  writeFileSync(file, spec());
  // exit 0: valid (warnings about credentials files that do not exist here are expected)
  measure("validate-large-spec", { datasets: DATASETS }, ["validate", file], {
    runs: RUNS,
    targetMs: 500, // issue 17 §5
    okCodes: [0],
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
