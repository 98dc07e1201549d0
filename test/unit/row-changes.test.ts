// Reading which rows each transaction touched from mysqlbinlog's decode-rows text.
import { describe, expect, it } from "vitest";
import { RowChangeReader, type TransactionRows } from "../../src/restore/row-changes.js";

const TEXT = `#261125 20:22:02 server id 1  end_log_pos 100 CRC32 0x1 \tGTID 0-1-7 trans
#261125 20:22:02 server id 1  end_log_pos 200 CRC32 0x2 \tAnnotate_rows:
#Q> UPDATE sk.s SET gpa=0
### UPDATE \`sk\`.\`s\`
### WHERE
###   @1=1
###   @2=3.10
### SET
###   @1=1
###   @2=0.00
### UPDATE \`sk\`.\`s\`
### WHERE
###   @1=2
###   @2=2.50
### SET
###   @1=2
###   @2=0.00
#261125 20:22:03 server id 1  end_log_pos 300 CRC32 0x3 \tGTID 0-1-8 trans
#Q> INSERT INTO nopk VALUES (5, 'x')
### INSERT INTO \`sk\`.\`no\`\`pk\`
### SET
###   @1=5
###   @2='x'
`;

describe("RowChangeReader", () => {
  it("names each row by its primary key (all columns without one), per transaction, whatever the chunking", () => {
    for (const size of [1, 7, 64, TEXT.length]) {
      const seen: TransactionRows[] = [];
      const r = new RowChangeReader(
        (t) => (t === "`sk`.`s`" ? [1] : undefined),
        (t) => seen.push(t),
      );
      for (let i = 0; i < TEXT.length; i += size) r.push(TEXT.slice(i, i + size));
      r.finish();
      expect(seen).toEqual([
        {
          gtid: "0-1-7",
          statement: "UPDATE sk.s SET gpa=0",
          rows: [
            { table: "`sk`.`s`", key: "@1=1" },
            { table: "`sk`.`s`", key: "@1=2" },
          ],
        },
        {
          gtid: "0-1-8",
          statement: "INSERT INTO nopk VALUES (5, 'x')",
          rows: [{ table: "`sk`.`no``pk`", key: "@1=5,@2='x'" }],
        },
      ]);
    }
  });
});
