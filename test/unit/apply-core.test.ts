// The pure parts apply relies on: replacing drctl's block in a crontab without touching a byte
// around it, and the binlog resource's view of the drop-in (pending restart vs change).
import { describe, expect, it } from "vitest";
import { blockBegin, blockEnd, replaceBlock, splitCrontab } from "../../src/core/cron-line.js";
import { buildDesiredState } from "../../src/core/desired.js";
import { logBinOptionValue, parseDropInOptions } from "../../src/core/drop-in.js";
import type { ObservedServer } from "../../src/core/observed.js";
import { buildPlan } from "../../src/core/plan.js";
import { observedWith, server, specWith } from "../helpers/builders.js";

describe("replaceBlock", () => {
  const inner = ["# drctl:schedule.x", "0 1 * * * root /bin/true"];
  const block = `${[blockBegin("p"), ...inner, blockEnd("p")].join("\n")}\n`;

  it.each([
    ["empty file", "", block],
    ["file with a final newline", "A=1\n* * * * * root x\n", `A=1\n* * * * * root x\n${block}`],
    ["file without a final newline gets one before the block", "A=1", `A=1\n${block}`],
  ])("appends to a %s", (_, text, want) => expect(replaceBlock(text, "p", inner)).toBe(want));

  it("replaces a block in the middle, keeping every byte around it (CRLF, tabs, no final newline)", () => {
    const head = "SHELL=/bin/sh\r\n#\tcomment with tab\n\n";
    const tail = "# BEGIN drctl other\n1 1 * * * root y\n# END drctl other\nlast line without newline";
    const text = `${head}${blockBegin("p")}\nold stuff\n${blockEnd("p")}\n${tail}`;
    expect(replaceBlock(text, "p", inner)).toBe(head + block + tail);
  });

  it("removes the block when no job is left, and leaves a file without one alone", () => {
    expect(replaceBlock(`a\n${block}b\n`, "p", [])).toBe("a\nb\n");
    expect(replaceBlock("a\nb", "p", [])).toBe("a\nb");
  });

  it("only matches whole marker lines of its own project", () => {
    const text = `# BEGIN drctl p2\nx\n# END drctl p2\n   ${blockBegin("p")}\n`;
    expect(replaceBlock(text, "p", inner)).toBe(text + block);
  });

  it("is read back by splitCrontab as the same block", () => {
    const text = replaceBlock("A=1\n", "p", inner);
    expect(splitCrontab(text, "p")).toEqual({ before: ["A=1"], block: inner, after: [] });
    expect(replaceBlock(text, "p", inner)).toBe(text);
  });
});

describe("drop-in", () => {
  it("parses options the way option files do", () => {
    const o = parseDropInOptions("[mariadbd]\nlog_bin\nsync-binlog = 1\n# x = 2\nbinlog_format='ROW'\n");
    expect([...o]).toEqual([
      ["log-bin", ""],
      ["sync-binlog", "1"],
      ["binlog-format", "ROW"],
    ]);
  });

  it.each([
    [{ log_bin: "OFF" }, "mysql-bin"],
    [{ log_bin: "ON", log_bin_basename: "/var/lib/mysql/mysql-bin", datadir: "/var/lib/mysql/" }, "mysql-bin"],
    // Debian's own layout keeps its basename: a new one would look like a gap to the archiver
    [
      { log_bin: "ON", log_bin_basename: "/var/log/mysql/mariadb-bin", datadir: "/var/lib/mysql/" },
      "/var/log/mysql/mariadb-bin",
    ],
  ])("log-bin for %j is %s", (vars, want) => expect(logBinOptionValue(vars)).toBe(want));

  const runtime = {
    node: "/usr/bin/node",
    drctl: "/opt/drctl/cli.js",
    flock: "/usr/bin/flock",
    specFile: "/etc/drctl/spec.yaml",
    cronUser: "root",
  };
  const spec = specWith({ binlog: { archive: true } });
  const desired = buildDesiredState(spec, runtime);
  const planFor = (s: ObservedServer) =>
    buildPlan({
      spec,
      specText: "x",
      specFile: runtime.specFile,
      desired,
      observed: observedWith({ db1: s }),
      now: new Date("2026-11-25T12:00:00Z"),
      defaultTimeZone: "UTC",
    });
  const binlogOf = (s: ObservedServer) => planFor(s).resources.find((r) => r.address === "server.db1.binlog")!;
  const wanted = binlogOf(
    server({ vars: { log_bin: "OFF" }, dropIn: { path: "/etc/mysql/90-drctl.cnf", exists: false } }),
  ).textAfter!;

  it("log_bin off and no drop-in: a restart-required change, and the drop-in to write", () => {
    const r = binlogOf(
      server({ vars: { log_bin: "OFF" }, dropIn: { path: "/etc/mysql/90-drctl.cnf", exists: false } }),
    );
    expect(r.action).toBe("update");
    expect(r.attributes.map((a) => [a.name, a.restartRequired ?? false])).toEqual([["log_bin", true]]);
    expect(r.textBefore).toBeNull();
    expect(wanted).toContain("\nlog-bin = mysql-bin\n");
  });

  it("log_bin off but already in drctl's drop-in: no change, a restart-pending warning", () => {
    const p = planFor(
      server({ vars: { log_bin: "OFF" }, dropIn: { path: "/etc/mysql/90-drctl.cnf", exists: true, text: wanted } }),
    );
    expect(p.resources.find((r) => r.address === "server.db1.binlog")!.action).toBe("no-op");
    expect(p.findings.filter((f) => f.code === "restart-pending").map((f) => f.level)).toEqual(["warning"]);
  });

  it("the live server is right but the drop-in is missing: an update that writes it", () => {
    const r = binlogOf(server({ dropIn: { path: "/etc/mysql/90-drctl.cnf", exists: false } }));
    expect(r.action).toBe("update");
    expect(r.restartRequired).toBe(false);
    expect(r.attributes).toEqual([
      expect.objectContaining({ name: "configDropIn", before: null, after: "/etc/mysql/90-drctl.cnf" }),
    ]);
  });

  it("a drop-in drctl did not write is never overwritten: the resource is unknown, saying why", () => {
    const r = binlogOf(
      server({ dropIn: { path: "/etc/mysql/90-drctl.cnf", exists: true, text: "[mysqld]\nmax_connections = 500\n" } }),
    );
    expect(r.action).toBe("unknown");
    expect(r.reason).toContain("refusing to overwrite /etc/mysql/90-drctl.cnf: drctl did not write it");
  });
});

describe("server.<name>.binlog for a failover candidate (issue 16 §4)", () => {
  it("logs binlogs with log_slave_updates and gtid_strict_mode: once promoted, its binlogs continue the chain", () => {
    const spec = specWith({ binlog: { archive: true, interval: "5m" }, failover: ["db2"] });
    spec.servers.db2 = { host: "127.0.0.2", credentials: "/etc/drctl/db2.cnf", replicaOf: "db1" };
    const desired = buildDesiredState(spec, {
      node: "/usr/bin/node",
      drctl: "/opt/drctl/cli.js",
      flock: "/usr/bin/flock",
      specFile: "/etc/drctl/spec.yaml",
      cronUser: "root",
    });
    const db2 = desired.binlogs.find((b) => b.server === "db2");
    expect(db2?.variables.map((v) => [v.name, v.value])).toEqual(
      expect.arrayContaining([
        ["log_bin", "ON"],
        ["log_slave_updates", "ON"],
        ["gtid_strict_mode", "ON"],
      ]),
    );
    expect(db2?.archiveIntervalSeconds).toBe(300);
    // one archive job for the group: it follows whichever member is the source
    expect(desired.schedules.filter((j) => j.job === "binlog").map((j) => j.argv.at(-1))).toEqual(["db1"]);
  });
});

describe("verification.<dataset> (a dataset is applied once a restore of it was proven)", () => {
  const spec = specWith({ full: { method: "mariadb-backup", schedule: "0 2 * * *" } });
  const runtime = {
    node: "/usr/bin/node",
    drctl: "/opt/drctl/cli.js",
    flock: "/usr/bin/flock",
    specFile: "/etc/drctl/spec.yaml",
    cronUser: "root",
  };
  const desired = buildDesiredState(spec, runtime);
  const verification = (observed: ReturnType<typeof observedWith>) =>
    buildPlan({
      spec,
      specText: "x",
      specFile: runtime.specFile,
      desired,
      observed,
      now: new Date("2026-11-25T12:00:00Z"),
      defaultTimeZone: "UTC",
    }).resources.find((r) => r.address === "verification.shop")!;
  const proven = (method: string) => ({
    ...observedWith({ db1: server() }),
    verifications: { shop: { method, at: "2026-11-24T05:00:00Z", drill: "weekly" } },
  });

  it("create while no drill verified it; no-op once one did with the current method", () => {
    expect(verification(observedWith({ db1: server() }))).toMatchObject({
      kind: "verification",
      action: "create",
      attributes: [{ name: "method", before: null, after: "mariadb-backup" }, { name: "proof" }],
    });
    expect(verification(proven("mariadb-backup"))).toMatchObject({ action: "no-op", attributes: [] });
  });

  it("replaced when the method changed since the proof (mysqldump's proof says nothing about mariadb-backup)", () => {
    expect(verification(proven("mysqldump"))).toMatchObject({
      action: "update",
      attributes: [
        { name: "method", before: "mysqldump", after: "mariadb-backup" },
        { name: "proof", before: "weekly at 2026-11-24T05:00:00Z" },
      ],
    });
  });

  it("unknown while the server the backup comes from is unreachable", () => {
    expect(
      verification(observedWith({ db1: server({ reachable: false, error: "connect ECONNREFUSED" }) })),
    ).toMatchObject({ action: "unknown", reason: "server db1 is unreachable: no first backup can be taken" });
  });
});
