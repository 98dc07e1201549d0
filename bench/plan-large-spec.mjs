// Benchmark: `drctl plan` for a generated 500-server / 1,000-dataset spec, discovery answered from
// a recorded observed-state file (issue 17 §5: under 1 s). Reports the median wall time beside the bare
// `node` start-up measured in the same run, as a ratio. Not a test: these machines are noisy.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure } from "./lib.mjs";

const SERVERS = Number(process.env.SERVERS ?? 500);
const DATASETS = Number(process.env.DATASETS ?? 1000);
const RUNS = Number(process.env.RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "drctl-bench-plan-"));

function spec() {
  const l = [
    "version: 1",
    "project: bench",
    `state: ${dir}/state`,
    "tiers:",
    "  gold: { rpo: 5m, rto: 1h }",
    "  bronze: { rpo: 2d, rto: 8h }",
    "servers:",
  ];
  for (let s = 0; s < SERVERS; s++)
    l.push(
      `  db${s}: { host: 10.1.${Math.floor(s / 250)}.${(s % 250) + 1}, port: 3306, credentials: ${dir}/db.cnf, ` +
        `configDropIn: /etc/mysql/90-drctl.cnf }`,
    );
  l.push(
    "repositories:",
    `  local: { type: filesystem, path: ${dir}/repo }`,
    `  vault: { type: filesystem, path: ${dir}/vault }`,
    "datasets:",
  );
  for (let d = 0; d < DATASETS; d++) {
    const gold = d % 2 === 0;
    l.push(
      `  ds${d}:`,
      `    server: db${d % SERVERS}`,
      `    databases: [app_${d}, "données ${d}"]`,
      `    tier: ${gold ? "gold" : "bronze"}`,
      gold
        ? `    full: { method: mariadb-backup, schedule: "${d % 60} 2 * * *" }`
        : `    full: { method: mysqldump, schedule: "${d % 60} ${d % 24} * * *" }`,
      ...(gold
        ? [
            '    incremental: { method: mariadb-backup, schedule: "0 */6 * * *" }',
            "    binlog: { archive: true, interval: 1m }",
          ]
        : []),
      "    repository: local",
      "    copies: [vault]",
      `    retention: { full: { daily: 7, weekly: 4 }${gold ? ", binlogs: 14d" : ""} }`,
    );
  }
  l.push("drills:");
  for (let d = 0; d < DATASETS; d += 10) l.push(`  drill${d}: { dataset: ds${d}, schedule: "30 5 * * ${d % 7}" }`);
  l.push(`scheduler: { type: cron, file: ${dir}/cron.d-bench, timezone: Europe/Berlin }`);
  return `${l.join("\n")}\n`;
}

function observed() {
  const servers = {};
  for (let s = 0; s < SERVERS; s++) {
    const dbs = {};
    for (let d = s; d < DATASETS; d += SERVERS) {
      dbs[`app_${d}`] = 50_000_000 + d;
      dbs[`données ${d}`] = 1_000_000;
    }
    servers[`db${s}`] = {
      name: `db${s}`,
      reachable: true,
      flavor: "mariadb",
      version: "10.11.19-MariaDB",
      variables: {
        log_bin: s % 3 ? "ON" : "OFF",
        binlog_format: "ROW",
        sync_binlog: "1",
        server_id: String(s + 1),
        binlog_expire_logs_seconds: "864000",
        expire_logs_days: "0",
      },
      status: { Uptime: "86400", Binlog_bytes_written: "1000000000" },
      binaryLogs: [],
      replica: null,
      privileges: ["ALL PRIVILEGES"],
      databaseBytes: dbs,
      hostileTableNames: [],
    };
  }
  return {
    formatVersion: 1,
    servers,
    cron: { target: `${dir}/cron.d-bench`, readable: true, block: null },
    repositories: {
      local: { name: "local", type: "filesystem", checked: true, exists: true, owned: true, mode: 0o700 },
      vault: { name: "vault", type: "filesystem", checked: false, reason: "recorded", exists: false, owned: false },
    },
  };
}

try {
  writeFileSync(join(dir, "db.cnf"), "[client]\nuser=bench\n", { mode: 0o600 });
  writeFileSync(join(dir, "spec.yaml"), spec());
  writeFileSync(join(dir, "observed.json"), JSON.stringify(observed()));
  measure(
    "plan-large-spec",
    { servers: SERVERS, datasets: DATASETS },
    ["plan", "-f", join(dir, "spec.yaml"), "--observed", join(dir, "observed.json"), "--json"],
    {
      runs: RUNS,
      targetMs: 1000, // issue 17 §5
      okCodes: [0, 1, 2],
    },
  );
} finally {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  else console.error(dir);
}
