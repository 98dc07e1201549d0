// Builders for core tests: a spec and an observed state in a few lines each.
import type { ObservedServer, ObservedState } from "../../src/core/observed.js";
import type { Dataset, DrSpec } from "../../src/spec/types.generated.js";

export function specWith(
  dataset: Partial<Dataset> = {},
  tier = { rpo: "5m", rto: "30m" },
  extra: Partial<DrSpec> = {},
): DrSpec {
  return {
    version: 1,
    project: "shop",
    tiers: { gold: tier },
    servers: {
      db1: {
        host: "127.0.0.1",
        port: 3306,
        credentials: "/etc/drctl/db1.cnf",
        configDropIn: "/etc/mysql/90-drctl.cnf",
      },
    },
    repositories: { local: { type: "filesystem", path: "/var/backups/shop" } },
    datasets: {
      shop: {
        server: "db1",
        databases: ["shop"],
        tier: "gold",
        full: { method: "mysqldump", schedule: "0 2 * * *" },
        repository: "local",
        ...dataset,
      },
    },
    scheduler: { type: "cron", file: "/etc/cron.d/drctl-shop", timezone: "UTC" },
    ...extra,
  };
}

export function server(over: Partial<ObservedServer> & { vars?: Record<string, string> } = {}): ObservedServer {
  const { vars, ...rest } = over;
  return {
    name: "db1",
    reachable: true,
    flavor: "mariadb",
    version: "10.11.19-MariaDB",
    variables: {
      log_bin: "ON",
      binlog_format: "ROW",
      sync_binlog: "1",
      server_id: "1",
      binlog_expire_logs_seconds: "0",
      expire_logs_days: "0",
      ...vars,
    },
    status: { Uptime: "86400", Binlog_bytes_written: "0" },
    binaryLogs: [],
    replica: null,
    privileges: ["ALL PRIVILEGES"],
    databaseBytes: { shop: 1_000_000_000 },
    hostileTableNames: [],
    ...rest,
  };
}

export function observedWith(
  servers: Record<string, ObservedServer>,
  cronBlock: string[] | null = null,
): ObservedState {
  return {
    formatVersion: 1,
    servers,
    cron: { target: "/etc/cron.d/drctl-shop", readable: true, block: cronBlock },
    repositories: {
      local: { name: "local", type: "filesystem", checked: true, exists: true, owned: true, mode: 0o700 },
    },
  };
}
