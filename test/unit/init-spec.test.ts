// The spec drctl init writes from a server's facts: the method by size, binlog archiving and the tier by
// the server's binlogs, comments for what a DBA must review — and it always validates.

import { describe, expect, it } from "vitest";
import { initSpec, type InitFacts } from "../../src/core/init-spec.js";
import { checkSpecText } from "../../src/spec/check.js";

const opts = {
  project: "p",
  server: "db1",
  repository: "/srv/backups/p",
  state: "/var/lib/drctl/p",
  cronFile: "/etc/cron.d/drctl-p",
  generatedAt: new Date("2026-12-01T00:00:00Z"),
};
const facts = (over: Partial<InitFacts> = {}): InitFacts => ({
  address: { host: "10.0.0.5", port: 3306 },
  credentials: "/etc/drctl/db1.cnf",
  flavor: "mariadb",
  version: "10.11.6-MariaDB",
  variables: { log_bin: "ON", binlog_format: "ROW" },
  databases: [{ name: "shop", bytes: 2 * 1024 ** 3, nonTransactional: [] }],
  replicas: [],
  missingPrivileges: [],
  ...over,
});
const noFiles = { stat: () => ({ mode: 0o100600, isFile: true }) };

function valid(text: string) {
  const check = checkSpecText(text, "drctl.yaml", noFiles);
  expect(check.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return check.spec!;
}

describe("initSpec", () => {
  it("a small server logging ROW binlogs: a dump, archiving, tier gold, a weekly drill", () => {
    const spec = valid(initSpec(facts(), opts));
    const ds = spec.datasets.db1!;
    expect(ds.full.method).toBe("mysqldump");
    expect(ds.binlog).toEqual({ archive: true, interval: "1m" });
    expect(ds.tier).toBe("gold");
    expect(ds.databases).toEqual(["shop"]);
    expect(spec.drills?.weekly?.dataset).toBe("db1");
    expect(spec.servers.db1).toEqual({ host: "10.0.0.5", port: 3306, credentials: "/etc/drctl/db1.cnf" });
  });

  it("5 GiB and more: a physical copy with incrementals (xtrabackup on MySQL)", () => {
    const big = facts({ databases: [{ name: "a", bytes: 6 * 1024 ** 3, nonTransactional: [] }] });
    expect(valid(initSpec(big, opts)).datasets.db1!.full.method).toBe("mariadb-backup");
    const spec = valid(initSpec({ ...big, flavor: "mysql" }, opts));
    expect(spec.datasets.db1!.full.method).toBe("xtrabackup");
    expect(spec.datasets.db1!.incremental?.method).toBe("xtrabackup");
  });

  it("no binlogs: tier silver and a comment on how to get gold; no archiving the proof would refuse", () => {
    const text = initSpec(facts({ variables: { log_bin: "OFF" } }), opts);
    const spec = valid(text);
    expect(spec.datasets.db1!.tier).toBe("silver");
    expect(spec.datasets.db1!.binlog).toBeUndefined();
    expect(text).toMatch(/# binlogs: log_bin is OFF.*for tier gold add binlog/);
  });

  it("hostile names are quoted; MyISAM tables, missing privileges, replicas and a socket are said", () => {
    const text = initSpec(
      facts({
        address: { socket: "/run/mysqld/mysqld.sock" },
        databases: [{ name: 'x"y `z` #1', bytes: 1, nonTransactional: [{ table: "t'1", engine: "Aria" }] }],
        missingPrivileges: ["RELOAD", "BINLOG MONITOR"],
        replicas: ["10.0.0.6:3306 (server_id 2)"],
        replicaOf: "10.0.0.1:3306",
      }),
      opts,
    );
    const spec = valid(text);
    expect(spec.datasets.db1!.databases).toEqual(['x"y `z` #1']);
    expect(spec.servers.db1!.socket).toBe("/run/mysqld/mysqld.sock");
    expect(text).toContain(`#   "x\\"y \`z\` #1"."t'1" (Aria)`);
    expect(text).toContain("GRANT RELOAD, BINLOG MONITOR ON *.* TO <that account>;");
    expect(text).toContain("replicas of this server: 10.0.0.6:3306 (server_id 2)");
    expect(text).toContain("this server replicates from 10.0.0.1:3306");
  });
});
