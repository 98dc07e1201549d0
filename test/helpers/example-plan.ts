// A plan for one of examples/*.yaml against a fixed observed state, runtime and clock: the input of
// the renderer tests (text golden files and the TUI).
import { backupReplica } from "../../src/core/backup-source.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildDesiredState } from "../../src/core/desired.js";
import type { ObservedServer, ObservedState } from "../../src/core/observed.js";
import type { Plan } from "../../src/core/plan.generated.js";
import { buildPlan } from "../../src/core/plan.js";
import { checkSpecText } from "../../src/spec/check.js";
import type { DrSpec } from "../../src/spec/types.generated.js";
import { repoRoot } from "./temp.js";

const exampleRuntime = {
  node: "/usr/bin/node",
  drctl: "/opt/drctl/dist/cli.js",
  flock: "/usr/bin/flock",
  specFile: "/etc/drctl/spec.yaml",
  cronUser: "root",
};
const exampleNow = new Date("2026-11-25T12:00:00Z");

/** The first server has binlog off and MIXED; the others ON and ROW; 2 GB per database. */
export function observedForExample(spec: DrSpec): ObservedState {
  const servers: Record<string, ObservedServer> = {};
  Object.entries(spec.servers).forEach(([name, s], i) => {
    const dbs: Record<string, number> = {};
    for (const ds of Object.values(spec.datasets))
      if (ds.server === name || backupReplica(ds) === name) for (const db of ds.databases) dbs[db] = 2_000_000_000;
    servers[name] = {
      name,
      reachable: true,
      flavor: "mariadb",
      version: "10.11.19-MariaDB",
      variables: {
        log_bin: i === 0 ? "OFF" : "ON",
        binlog_format: i === 0 ? "MIXED" : "ROW",
        sync_binlog: "0",
        server_id: String(i + 1),
        binlog_expire_logs_seconds: "3600",
        expire_logs_days: "0",
        log_slave_updates: "OFF",
        gtid_strict_mode: "OFF",
      },
      status: { Uptime: "100000", Binlog_bytes_written: "1000000000" },
      binaryLogs: [],
      replica: s.replicaOf
        ? {
            ioRunning: true,
            sqlRunning: true,
            lagSeconds: 2,
            sourceHost: spec.servers[s.replicaOf]!.host ?? "",
            sourcePort: spec.servers[s.replicaOf]!.port ?? 3306,
            lastIoError: "",
            lastSqlError: "",
          }
        : null,
      privileges: ["ALL PRIVILEGES"],
      databaseBytes: dbs,
      hostileTableNames: [],
    };
  });
  const repositories: ObservedState["repositories"] = {};
  for (const [name, r] of Object.entries(spec.repositories)) {
    // a fresh install: nothing made yet; the SFTP vault reached and empty, the S3 store out of reach
    // from where plan ran (what a CI runner outside the network sees)
    repositories[name] =
      r.type === "s3"
        ? {
            name,
            type: r.type,
            checked: false,
            exists: false,
            owned: false,
            reason: `cannot be reached: s3://${r.bucket}: connect ETIMEDOUT`,
            unreachable: "connect ETIMEDOUT",
          }
        : { name, type: r.type, checked: true, exists: false, owned: false };
  }
  return { formatVersion: 1, servers, cron: { target: "/etc/cron.d/x", readable: true, block: null }, repositories };
}

export function examplePlan(
  file: string,
  observe: (spec: DrSpec) => ObservedState = observedForExample,
): { plan: Plan; cronTarget: string } {
  const text = readFileSync(join(repoRoot, "examples", file), "utf8");
  const spec = checkSpecText(text, file, { stat: () => ({ mode: 0o100600, isFile: true }) }).spec!;
  const desired = buildDesiredState(spec, exampleRuntime);
  const plan = buildPlan({
    spec,
    specText: text,
    specFile: exampleRuntime.specFile,
    desired,
    observed: observe(spec),
    now: exampleNow,
    defaultTimeZone: "UTC",
  });
  return { plan, cronTarget: desired.cronTarget };
}
