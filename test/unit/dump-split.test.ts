// The dump splitter: which lines are rows for a table, which go in order, and which must wait for
// every row sent before them — on a dump shaped as mariadb-dump writes it, fed in every chunking.
import { describe, expect, it } from "vitest";
import { type DumpItem, DumpShapeError, DumpSplitter, safeWhileLoading } from "../../src/restore/dump-split.js";

const dump = [
  "/*M!999999\\- enable the sandbox mode */ ",
  "-- MariaDB dump 10.19",
  "/*!40101 SET NAMES utf8mb4 */;",
  "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;",
  "-- CHANGE MASTER TO MASTER_LOG_FILE='mariadb-bin.000001', MASTER_LOG_POS=328;",
  "",
  "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `we``ird db` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;",
  "USE `we``ird db`;",
  "DROP TABLE IF EXISTS `t;1`;",
  "CREATE TABLE `t;1` (",
  "  `id` int(11) NOT NULL,",
  "  `s` varchar(20) DEFAULT 'a;b -- c',",
  "  PRIMARY KEY (`id`)",
  ") ENGINE=InnoDB COMMENT='it''s ; here';",
  "LOCK TABLES `t;1` WRITE;",
  "/*!40000 ALTER TABLE `t;1` DISABLE KEYS */;",
  "INSERT INTO `t;1` VALUES (1,'x;\\nINSERT INTO `t` VALUES (2);'),(2,'y');",
  "INSERT INTO `t;1` VALUES (3,'z');",
  "INSERT INTO `t;1` VALUES",
  "(4,'a;'),",
  "(5,'b);\\n;');",
  "/*!40000 ALTER TABLE `t;1` ENABLE KEYS */;",
  "UNLOCK TABLES;",
  "/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;",
  "DELIMITER ;;",
  "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `tr` BEFORE INSERT ON `t;1` FOR EACH ROW",
  "SET NEW.s = 'a;b' */;;",
  "DELIMITER ;",
  "/*!50003 SET sql_mode              = @saved_sql_mode */ ;",
  "DELIMITER ;;",
  "CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()",
  "BEGIN",
  "INSERT INTO `t;1` VALUES (9,'in a body');",
  "END ;;",
  "DELIMITER ;",
  "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;",
  "",
].join("\n");

type Seen = { rows?: string; line?: string; barrier?: boolean; header?: boolean };

function split(text: string, chunk: number): Seen[] {
  const s = new DumpSplitter();
  const buf = Buffer.from(text, "utf8");
  const items: DumpItem[] = [];
  for (let i = 0; i < buf.length; i += chunk) items.push(...s.push(buf.subarray(i, i + chunk)));
  items.push(...s.end());
  return items.map((it) =>
    it.kind === "rows"
      ? { rows: `${it.db}.${it.table}: ${Buffer.concat(it.parts).toString("utf8").trimEnd()}` }
      : { line: Buffer.concat(it.parts).toString("utf8").trimEnd(), barrier: it.barrier, header: it.header },
  );
}

describe("DumpSplitter", () => {
  const whole = split(dump, 1 << 20);

  it("routes the INSERT lines by table (hostile names kept), everything else in order, LOCK TABLES dropped", () => {
    expect(whole.filter((x) => x.rows).map((x) => x.rows)).toEqual([
      "we`ird db.t;1: INSERT INTO `t;1` VALUES (1,'x;\\nINSERT INTO `t` VALUES (2);'),(2,'y');",
      "we`ird db.t;1: INSERT INTO `t;1` VALUES (3,'z');",
      "we`ird db.t;1: INSERT INTO `t;1` VALUES\n(4,'a;'),\n(5,'b);\\n;');",
    ]);
    const lines = whole.filter((x) => x.line !== undefined).map((x) => x.line);
    expect(lines).not.toContain("LOCK TABLES `t;1` WRITE;");
    expect(lines).not.toContain("UNLOCK TABLES;");
    // a procedure body's INSERT stays in the body
    expect(lines).toContain("INSERT INTO `t;1` VALUES (9,'in a body');");
    // every other byte arrives, in order
    const kept = dump
      .split("\n")
      .filter(
        (l) =>
          !["LOCK TABLES `t;1` WRITE;", "UNLOCK TABLES;"].includes(l) &&
          !l.startsWith("INSERT INTO `t;1` VALUES (1") &&
          !l.startsWith("INSERT INTO `t;1` VALUES (3") &&
          l !== "INSERT INTO `t;1` VALUES" &&
          !l.startsWith("(4,") &&
          !l.startsWith("(5,"),
      );
    expect(lines).toEqual(kept.slice(0, -1).map((l) => l.trimEnd()));
  });

  it("marks the header, and a barrier before what may touch loaded rows (ENABLE KEYS, trigger, routine)", () => {
    const barriers = whole.filter((x) => x.barrier).map((x) => x.line);
    expect(barriers).toEqual(["/*!40000 ALTER TABLE `t;1` ENABLE KEYS */;", "SET NEW.s = 'a;b' */;;", "END ;;"]);
    expect(whole.filter((x) => x.header).map((x) => x.line)).toEqual(
      dump
        .split("\n")
        .slice(0, 6)
        .map((l) => l.trimEnd()),
    );
  });

  it("gives the same items whatever the chunk size", () => {
    for (const n of [1, 2, 3, 7, 64, 100]) expect(split(dump, n), `chunks of ${n}`).toEqual(whole);
  });

  it("refuses shapes it does not know: rows before any USE, a dump that ends inside a statement", () => {
    expect(() => split("INSERT INTO `t` VALUES (1);\n", 64)).toThrow(DumpShapeError);
    expect(() => split("CREATE TABLE `t` (\n", 64)).toThrow(/ends inside a statement/);
    expect(() => split("USE `d`;\nLOCK TABLES `t` WRITE; SELECT 1;\n", 64)).toThrow(/LOCK\/UNLOCK TABLES/);
  });

  it("an INSERT that spans lines or is not the dump's own form goes in order, behind a barrier", () => {
    const items = split("USE `d`;\nINSERT INTO `t` VALUES (1,\n'a');\nINSERT INTO t VALUES (2);\n", 5);
    expect(items.filter((x) => x.rows)).toEqual([]);
    expect(items.filter((x) => x.barrier).map((x) => x.line)).toEqual(["'a');", "INSERT INTO t VALUES (2);"]);
  });

  it("safeWhileLoading: session SETs and new tables are; global settings, DML and routines are not", () => {
    expect(safeWhileLoading("/*!40101 SET NAMES utf8mb4 */")).toBe(true);
    expect(safeWhileLoading("CREATE TABLE `x` (a int)")).toBe(true);
    expect(
      safeWhileLoading(
        "/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`r`@`l` SQL SECURITY DEFINER */ " +
          "/*!50001 VIEW `v` AS select 1 */",
      ),
    ).toBe(true);
    expect(safeWhileLoading("SET GLOBAL read_only = 1")).toBe(false);
    expect(safeWhileLoading("DELETE FROM t")).toBe(false);
    expect(
      safeWhileLoading(
        "/*!50106 CREATE*/ /*!50117 DEFINER=`r`@`l`*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 DAY DO DELETE FROM t */",
      ),
    ).toBe(false);
  });
});
