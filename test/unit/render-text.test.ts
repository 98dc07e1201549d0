// The text renderer's exact output for each example spec, against a fixed observed state, runtime
// and clock: the stable form review comments in CI rely on. Update the .txt files deliberately.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildDesiredState } from "../../src/core/desired.js";
import type { ObservedServer, ObservedState } from "../../src/core/observed.js";
import { buildPlan } from "../../src/core/plan.js";
import { renderPlanText } from "../../src/render/text.js";
import { checkSpecText } from "../../src/spec/check.js";
import { repoRoot } from "../helpers/temp.js";

const runtime = { node: "/usr/bin/node", drctl: "/opt/drctl/dist/cli.js", flock: "/usr/bin/flock", specFile: "/etc/drctl/spec.yaml", cronUser: "root" };
const now = new Date("2026-11-25T12:00:00Z");
const examples = readdirSync(join(repoRoot, "examples")).filter((f) => f.endsWith(".yaml"));

function observedFor(spec: NonNullable<ReturnType<typeof checkSpecText>["spec"]>): ObservedState {
  const servers: Record<string, ObservedServer> = {};
  Object.entries(spec.servers).forEach(([name, s], i) => {
    const dbs: Record<string, number> = {};
    for (const ds of Object.values(spec.datasets)) if (ds.server === name || ds.backupFrom === name) for (const db of ds.databases) dbs[db] = 2_000_000_000;
    servers[name] = {
      name,
      reachable: true,
      flavor: "mariadb",
      version: "10.11.19-MariaDB",
      variables: { log_bin: i === 0 ? "OFF" : "ON", binlog_format: i === 0 ? "MIXED" : "ROW", sync_binlog: "0", server_id: String(i + 1), binlog_expire_logs_seconds: "3600", expire_logs_days: "0", log_slave_updates: "OFF", gtid_strict_mode: "OFF" },
      status: { Uptime: "100000", Binlog_bytes_written: "1000000000" },
      binaryLogs: [],
      replica: s.replicaOf ? { ioRunning: true, sqlRunning: true, lagSeconds: 2, sourceHost: spec.servers[s.replicaOf]!.host ?? "", sourcePort: spec.servers[s.replicaOf]!.port ?? 3306, lastIoError: "", lastSqlError: "" } : null,
      privileges: ["ALL PRIVILEGES"],
      databaseBytes: dbs,
      hostileTableNames: [],
    };
  });
  const repositories: ObservedState["repositories"] = {};
  for (const [name, r] of Object.entries(spec.repositories)) {
    repositories[name] = r.type === "filesystem" ? { name, type: r.type, checked: true, exists: false, owned: false } : { name, type: r.type, checked: false, reason: `${r.type} repositories are not inspected yet`, exists: false, owned: false };
  }
  return { formatVersion: 1, servers, cron: { target: "/etc/cron.d/x", readable: true, block: null }, repositories };
}

describe("text renderer", () => {
  it.each(examples)("%s", (f) => {
    const text = readFileSync(join(repoRoot, "examples", f), "utf8");
    const spec = checkSpecText(text, f, { stat: () => ({ mode: 0o100600, isFile: true }) }).spec!;
    const desired = buildDesiredState(spec, runtime);
    const plan = buildPlan({ spec, specText: text, specFile: runtime.specFile, desired, observed: observedFor(spec), now, defaultTimeZone: "UTC" });
    const rendered = renderPlanText(plan, { cronTarget: desired.cronTarget }) + "\n";
    const expectedFile = join(repoRoot, "test/fixtures/plan-text", f.replace(/\.yaml$/, ".txt"));
    if (process.env.UPDATE_FIXTURES) writeFileSync(expectedFile, rendered);
    expect(rendered).toBe(readFileSync(expectedFile, "utf8"));
  });
});
