// The row-count change between two binlog points, from real `mysqlbinlog --base64-output=decode-rows
// --verbose` text (MariaDB 10.11, fixtures under test/fixtures/binlog): exact for row events, refused
// for anything that changes rows without them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printedTable, RowDeltaReader } from "../../src/backup/row-delta.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/binlog/${name}`, import.meta.url), "utf8");

function read(text: string, chunk = 37): RowDeltaReader {
  const r = new RowDeltaReader();
  // in odd-sized pieces: a line split across chunks still counts once
  for (let i = 0; i < text.length; i += chunk) r.push(text.slice(i, i + chunk));
  r.finish();
  return r;
}

describe("row deltas from decode-rows text", () => {
  it("3 rows inserted, 1 updated, 1 deleted: +2 for the table (a hostile name, printed with doubled backticks)", () => {
    const r = read(fixture("decode-rows-sample.txt"));
    expect(printedTable("u`x", "t 1")).toBe("`u``x`.`t 1`");
    expect([...r.delta]).toEqual([["`u``x`.`t 1`", 2]]);
    expect(r.unsafe).toBeUndefined();
  });
  it("a TRUNCATE (a Query event, no row events) makes the delta unusable, named", () => {
    const r = read(fixture("decode-rows-sample.txt") + fixture("decode-rows-truncate.txt"));
    expect(r.unsafe).toBe("TRUNCATE TABLE `u``x`.`t 1`");
  });
  it("a statement-format INSERT too; BEGIN/COMMIT and the session settings are not statements", () => {
    const r = read(fixture("decode-rows-statement.txt"), 11);
    expect(r.unsafe).toBe("INSERT INTO `u``x`.`t 1` VALUES (7,7)");
  });
});
