// The pure parts of backups: tool argv, the tools' reports, the dump scanner (wherever the stream
// is cut into chunks), table scope and completeness, set ids and debris rules.
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { missingTables } from "../../src/backup/backup.js";
import { ignoredTables } from "../../src/backup/payloads.js";
import {
  dumpHeadSourcePoint,
  slaveInfoPoint,
  dumpArgs,
  dumpHeadComplete,
  dumpHeadPoint,
  mydumperArgs,
  mydumperRegex,
  mydumperUnsafe,
  parseKeyValues,
  parseMydumperMetadata,
  parseXtrabackupBinlogPos,
  physicalArgs,
  tablesInDumpLog,
} from "../../src/backup/methods.js";
import { inScope, likeToRegExp, scopeOf, splitDefiner } from "../../src/backup/server-facts.js";
import { newSetId, writerGone } from "../../src/repository/set-store.js";

const server = { host: "127.0.0.1", port: 3307, credentials: "/etc/drctl/db1 it's.cnf" };

const DUMP = [
  "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)",
  "--",
  "-- CHANGE MASTER TO MASTER_LOG_FILE='mariadb-bin.000003', MASTER_LOG_POS=6268;",
  "",
  "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `dr_ünïcode` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;",
  "",
  "USE `dr_ünïcode`;",
  "DROP TABLE IF EXISTS `back``tick`;",
  "CREATE TABLE `back``tick` (",
  "  `id` int(11) NOT NULL",
  ") ENGINE=InnoDB;",
  "INSERT INTO `back``tick` VALUES (1),(2);",
  "CREATE TABLE `tbl with space` (",
  "  `id` int(11) NOT NULL",
  ") ENGINE=InnoDB;",
  "INSERT INTO `tbl with space` VALUES (1,'a\\nCREATE TABLE `fake` (');",
  "/*!50001 CREATE VIEW `v ü` AS SELECT 1 AS `id` */;",
  "CREATE TABLE `学生` (`id` int(11));",
  "USE `other``db`;",
  "CREATE TABLE `t` (`id` int(11));",
  "-- SET GLOBAL gtid_slave_pos='0-1-24';",
  "-- Dump completed on 2026-11-25 18:26:47",
  "",
].join("\n");

const LOG = [
  "-- Connecting to 127.0.0.1...",
  "-- Starting transaction...",
  "-- Setting savepoint...",
  "-- Retrieving table structure for table back`tick...",
  "-- Sending SELECT query...",
  "-- Retrieving rows...",
  "-- Rolling back to savepoint sp...",
  "-- Retrieving table structure for table v ü...",
  "-- It's a view, create dummy view for view",
  "-- Retrieving table structure for table 学生...",
  "-- Sending SELECT query...",
  "-- Retrieving rows...",
  "-- Releasing savepoint...",
  "-- Setting savepoint...",
  "-- Retrieving table structure for table t...",
  "-- Sending SELECT query...",
  "-- Releasing savepoint...",
  "-- Retrieving view structure for table back`tick...",
  "-- Disconnecting from 127.0.0.1...",
  "",
].join("\n");

describe("what a dump holds", () => {
  it("reads the coordinates from the head, once the head has them", () => {
    const head = Buffer.from(DUMP.slice(0, DUMP.indexOf("CREATE DATABASE") + 20));
    expect(dumpHeadComplete(Buffer.from(DUMP.slice(0, 60)))).toBe(false);
    expect(dumpHeadComplete(Buffer.from(DUMP.slice(0, DUMP.indexOf("\n\nCREATE") + 1)))).toBe(true);
    // binlog off: no coordinates come
    expect(dumpHeadComplete(Buffer.from("-- MariaDB dump\n\nUSE `x`;\n"))).toBe(true);
    expect(dumpHeadPoint(head)).toEqual({ file: "mariadb-bin.000003", position: 6268, source: "dump header" });
    expect(
      dumpHeadPoint(
        Buffer.from(
          "-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;\nSET " +
            "@@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'uuid:1-5';\n",
        ),
      ),
    ).toEqual({
      file: "binlog.000002",
      position: 157,
      gtid: "uuid:1-5",
      source: "dump header",
    });
  });

  it("finds the tables whose rows the dump read, per database in --databases order, from its verbose log", () => {
    const cands = [
      { database: "dr_ünïcode", table: "back`tick" },
      { database: "dr_ünïcode", table: "学生" },
      { database: "dr_ünïcode", table: "missing" },
      { database: "dr_ünïcode", table: "t" }, // t was dumped, but in the second database
      { database: "other", table: "t" },
      { database: "other", table: "v ü" },
    ];
    expect(tablesInDumpLog(LOG, ["dr_ünïcode", "other"], cands)).toEqual([cands[0], cands[1], cands[4]]);
    expect(tablesInDumpLog("", ["x"], cands)).toEqual([]);
  });
});

describe("tool argv", () => {
  it(
    "mariadb-dump: option file first, production flags, coordinates only with binlogs, names as separate argv " +
      "items",
    () => {
      const a = dumpArgs(server, "mariadb", ["dr_ünïcode", "--not-an-option"], {
        binlog: true,
        ignore: [{ database: "db", table: "t.x" }],
      });
      expect(a[0]).toBe("--defaults-extra-file=/etc/drctl/db1 it's.cnf");
      expect(a).toEqual(
        expect.arrayContaining([
          "--single-transaction",
          "--master-data=2",
          "--gtid",
          "--routines",
          "--triggers",
          "--events",
          "--hex-blob",
          "--ignore-table=db.t.x",
        ]),
      );
      expect(a.slice(-4)).toEqual(["--databases", "--", "dr_ünïcode", "--not-an-option"]);
      expect(dumpArgs(server, "mariadb", ["x"], { binlog: false })).not.toContain("--master-data=2");
      expect(dumpArgs(server, "mysql", ["x"], { binlog: true })).toContain("--source-data=2");
      expect(a.join(" ")).not.toMatch(/password/);
    },
  );

  it("mydumper's regex is pure ASCII (0.10 cannot take non-ASCII argv) and matches exactly the databases", () => {
    const re = mydumperRegex(["dr_ünïcode", "a.b"]);
    expect(re).toMatch(/^[\x20-\x7e]+$/);
    expect(re).toBe("^(dr_\\xc3\\xbcn\\xc3\\xafcode|a\\x2eb)\\.");
    const only = mydumperRegex(["db"], [{ database: "db", table: "t 1" }]);
    expect(only).toBe("^(db\\.t\\x201)$");
    expect(mydumperArgs(server, ["db"], "/r/staging/x", 2)).toEqual(
      expect.arrayContaining([
        "--defaults-file=/etc/drctl/db1 it's.cnf",
        "--outputdir",
        "/r/staging/x",
        "--trx-consistency-only",
      ]),
    );
    expect(mydumperUnsafe({ database: "d", table: "a`b" })).toBe(true);
    expect(mydumperUnsafe({ database: "d", table: "it's" })).toBe(true);
    expect(mydumperUnsafe({ database: "d", table: "學 生 ü" })).toBe(false);
  });

  it("mariadb-backup streams xbstream; incrementals start at the parent's LSN", () => {
    expect(physicalArgs(server, "/r/staging/lsn")).toEqual(
      expect.arrayContaining(["--backup", "--stream=xbstream", "--extra-lsndir=/r/staging/lsn"]),
    );
    expect(physicalArgs(server, "/l", "44404")).toContain("--incremental-lsn=44404");
    expect(physicalArgs(server, "/l")).not.toContain("--slave-info");
    expect(physicalArgs(server, "/l", undefined, 2, true).slice(-2)).toEqual(["--slave-info", "--safe-slave-backup"]);
  });
});

describe("a replica's source coordinates (issue 16 §3)", () => {
  it("read from a dump head written with --master-data=2 --dump-slave=2 --gtid (MariaDB 10.11's text)", () => {
    const head = Buffer.from(
      [
        "-- CHANGE MASTER TO MASTER_LOG_FILE='mariadb-bin.000007', MASTER_LOG_POS=805;",
        "-- A corresponding to the below dump-slave CHANGE-MASTER settings to the slave gtid state is printed later.",
        "-- CHANGE MASTER '' TO MASTER_USE_GTID=slave_pos;",
        "-- CHANGE MASTER '' TO MASTER_LOG_FILE='mariadb-bin.000003', MASTER_LOG_POS=344;",
        "-- The deferred gtid setting for slave corresponding to the master-data CHANGE-MASTER follows",
        "-- SET GLOBAL gtid_slave_pos='0-2-9';",
        "-- The deferred gtid setting for slave corresponding to the dump-slave CHANGE-MASTER follows",
        "-- GTID position to start replication:",
        "-- SET GLOBAL gtid_slave_pos='0-1-3';",
        "",
      ].join("\n"),
    );
    expect(dumpHeadSourcePoint(head)).toEqual({
      file: "mariadb-bin.000003",
      position: 344,
      gtid: "0-1-3",
      source: "dump header (--dump-slave)",
    });
    expect(
      dumpHeadSourcePoint(Buffer.from("-- CHANGE MASTER TO MASTER_LOG_FILE='b.000001', MASTER_LOG_POS=4;\n")),
    ).toBe(undefined);
  });
  it("read from mariadb-backup --slave-info's log line, GTID or file and position", () => {
    const log =
      "[00] 2026-12-01 19:39:46 MySQL slave binlog position: gtid_slave_pos '0-1-3'; " +
      "master '' master_use_gtid = slave_pos";
    expect(slaveInfoPoint(log)).toEqual({ gtid: "0-1-3", source: "mariadb-backup --slave-info" });
    expect(
      slaveInfoPoint(
        "MySQL slave binlog position: master host '127.0.0.1', filename 'mariadb-bin.000002', position '771'",
      ),
    ).toEqual({ file: "mariadb-bin.000002", position: 771, source: "mariadb-backup --slave-info" });
    expect(slaveInfoPoint("[00] completed OK!")).toBeUndefined();
  });
});

describe("tool reports", () => {
  it("xtrabackup_info and xtrabackup_checkpoints", () => {
    expect(
      parseXtrabackupBinlogPos(
        "filename 'mariadb-bin.000001', position '6268', GTID of the last change '0-2122493031-24'",
      ),
    ).toEqual({
      file: "mariadb-bin.000001",
      position: 6268,
      gtid: "0-2122493031-24",
      source: "xtrabackup_info",
    });
    expect(parseXtrabackupBinlogPos(undefined)).toEqual({});
    expect(parseKeyValues("backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 44404\n")).toEqual({
      backup_type: "full-backuped",
      from_lsn: "0",
      to_lsn: "44404",
    });
  });

  it("mydumper metadata: the source's coordinates, not a replica's, and the Finished line", () => {
    const text =
      "Started dump at: x\nSHOW MASTER STATUS:\n\tLog: mariadb-bin.000001\n\tPos: " +
      "6809\n\tGTID:0-1-27\n\nSHOW SLAVE STATUS:\n\tLog: other.000009\n\tPos: 1\n\nFinished dump at: y\n";
    expect(parseMydumperMetadata(text)).toEqual({
      point: { file: "mariadb-bin.000001", position: 6809, gtid: "0-1-27", source: "mydumper metadata" },
      finished: true,
    });
    expect(parseMydumperMetadata("Started dump at: x\n").finished).toBe(false);
  });
});

describe("scope and completeness", () => {
  it("LIKE filters mean what they mean on the server", () => {
    expect(likeToRegExp("t%").test("tables")).toBe(true);
    expect(likeToRegExp("t_").test("t1")).toBe(true);
    expect(likeToRegExp("t_").test("t12")).toBe(false);
    expect(likeToRegExp("a\\_b").test("a_b")).toBe(true);
    expect(likeToRegExp("a\\_b").test("axb")).toBe(false);
    expect(likeToRegExp("(x)+.*").test("(x)+.*")).toBe(true);
    const scope = scopeOf({
      databases: ["a.b", "c"],
      exclude: ["c"],
      tables: ["a.b.t%", { database: "a.b", table: "u" }],
    });
    expect(scope.databases).toEqual(["a.b"]);
    // "a.b.t%" splits at the first dot: database "a", so it selects nothing in "a.b"; the object form does
    expect(inScope(scope, { database: "a.b", table: "u" })).toBe(true);
    expect(inScope(scope, { database: "a.b", table: "t1" })).toBe(false);
  });

  it("a set missing a catalog table (or one hidden from the account) is incomplete", () => {
    const base = [
      { database: "d", table: "a" },
      { database: "d", table: "b" },
    ];
    expect(missingTables({ base, views: [], outOfScope: [] }, base)).toEqual([]);
    expect(missingTables({ base, views: [], outOfScope: [] }, [base[0]!])).toEqual([base[1]]);
    expect(missingTables({ base, views: [], outOfScope: [], hidden: [{ database: "d", table: "h" }] }, base)).toEqual([
      { database: "d", table: "h" },
    ]);
  });

  it("a tables: filter on a database whose name holds a dot is refused for mariadb-dump", () => {
    expect(ignoredTables({ base: [], views: [], outOfScope: [{ database: "d", table: "x" }] })).toEqual([
      { database: "d", table: "x" },
    ]);
    expect(() => ignoredTables({ base: [], views: [], outOfScope: [{ database: "a.b", table: "x" }] })).toThrow(
      /holds a dot/,
    );
  });

  it("DEFINER values split at the last @", () => {
    expect(splitDefiner("us@er@local.host")).toEqual(["us@er", "local.host"]);
  });
});

describe("sets and debris", () => {
  it("set ids sort by time and say what they are", () => {
    const id = newSetId("full", new Date("2026-11-25T18:26:01.123Z"));
    expect(id).toMatch(/^20261125T182601Z-full-[0-9a-f]{6}$/);
    expect(newSetId("full", new Date("2026-11-25T18:26:02Z")) > id).toBe(true);
  });

  it("an attempt is debris only when its writer is surely gone", () => {
    const now = Date.now();
    expect(writerGone({ pid: process.pid, host: hostname(), startedAt: "", command: "" }, now - 1e9, now)).toBe(false);
    expect(writerGone({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: "", command: "" }, now, now)).toBe(true);
    expect(writerGone({ pid: 1, host: "elsewhere", startedAt: "", command: "" }, now - 3600_000, now)).toBe(false);
    expect(writerGone({ pid: 1, host: "elsewhere", startedAt: "", command: "" }, now - 8 * 86400_000, now)).toBe(true);
    // a directory without a marker is never judged by age (issue 13, defect 1): test/faults/data-safety.test.ts
  });
});
