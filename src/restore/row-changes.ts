// Which rows a transaction touched, from `mysqlbinlog --base64-output=decode-rows -v` text: the
// `### UPDATE|INSERT INTO|DELETE FROM `db`.`t`` headers and their `###   @N=value` images. A row is
// named by its primary-key columns (all columns for a table without one). Used by `restore --skip`:
// a later change to a row the skipped transaction touched would carry its values back.

import { must } from "../errors.js";

interface RowKey {
  table: string;
  key: string;
}

export interface TransactionRows {
  gtid?: string;
  statement?: string;
  rows: RowKey[];
}

/** Streams decode-rows text line by line; `onTransaction` gets each transaction's rows as it ends. */
export class RowChangeReader {
  private partial = "";
  private current: TransactionRows | undefined;
  private table: string | undefined;
  private image = new Map<number, string>();

  constructor(
    private readonly keyColumns: (table: string) => number[] | undefined,
    private readonly onTransaction: (t: TransactionRows) => void,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  finish(): void {
    if (this.partial) this.line(this.partial);
    this.partial = "";
    this.endImage();
    if (this.current) this.onTransaction(this.current);
    this.current = undefined;
  }

  private line(line: string): void {
    const gtid = /^#\d{6}\s+\S+\s+server id \d+\s+end_log_pos \d+.*\tGTID (\d+-\d+-\d+)/.exec(line);
    if (gtid) {
      this.endImage();
      if (this.current) this.onTransaction(this.current);
      this.current = { gtid: must(gtid[1]), rows: [] };
      this.table = undefined;
      return;
    }
    if (line.startsWith("#Q> ")) {
      if (this.current && this.current.statement === undefined) this.current.statement = line.slice(4);
      return;
    }
    const head = /^### (?:UPDATE|INSERT INTO|DELETE FROM) (`(?:[^`]|``)*`\.`(?:[^`]|``)*`)$/.exec(line);
    if (head) {
      this.endImage();
      this.table = must(head[1]);
      return;
    }
    if (line === "### WHERE" || line === "### SET") {
      this.endImage();
      return;
    }
    const col = /^###\s+@(\d+)=(.*)$/.exec(line);
    if (col && this.table) this.image.set(Number(col[1]), must(col[2]));
  }

  private endImage(): void {
    if (!this.table || this.image.size === 0) return;
    const cols = this.keyColumns(this.table) ?? [...this.image.keys()].sort((a, b) => a - b);
    const key = cols.map((c) => `@${c}=${this.image.get(c) ?? "?"}`).join(",");
    this.current ??= { rows: [] };
    if (!this.current.rows.some((r) => r.table === this.table && r.key === key))
      this.current.rows.push({ table: this.table, key });
    this.image = new Map();
  }
}
