// Reference figures for a physical backup without a second full scan after the copy (issue 17 §1):
// the rows are counted in a consistent snapshot opened when the backup STARTS, while the copy runs,
// and carried to the set's point by the binlog between the two — in ROW format every inserted and
// deleted row is an event, so the count at the set's point is exact: count(snapshot) + inserts −
// deletes. Anything else between them that could change a count without row events (a statement-
// format DML, TRUNCATE, any DDL, an XA transaction) makes the figures fall back to a count after the
// copy, as before. A drill then compares the restored copy with figures taken from the live server,
// never from the copy itself: a set that lost rows (a tablespace or a redo tail missing) differs.

import { runPipeline } from "../adapters/pipeline/stream.js";
import type { BinlogPoint } from "../core/manifest.generated.js";
import type { Server } from "../spec/types.generated.js";
import { must } from "../errors.js";
import { clientConnectionArgs } from "./methods.js";

/** `db`.`t` as mysqlbinlog prints a table (backticks doubled inside). */
export function printedTable(database: string, table: string): string {
  const q = (s: string) => `\`${s.replace(/`/g, "``")}\``;
  return `${q(database)}.${q(table)}`;
}

/** Session settings mysqlbinlog writes before a statement: not the statement. */
const SETTING = [
  /^SET TIMESTAMP=\d+(?:\.\d+)?\/\*!\*\/;$/,
  /^SET @@session\.[^\n]*\/\*!\*\/;$/,
  /^\/\*!\\C [^*]+\*\/\/\*!\*\/;$/,
  /^use `(?:[^`]|``)*`\/\*!\*\/;$/,
  /^\/\*!\*\/;$/,
];
const HARMLESS = /^(?:BEGIN|START TRANSACTION|COMMIT|ROLLBACK)$/i;

/**
 * Reads `mysqlbinlog --base64-output=decode-rows --verbose` text: per printed table the rows
 * inserted minus deleted, and the first statement that could change a count without row events.
 */
export class RowDeltaReader {
  readonly delta = new Map<string, number>();
  unsafe: string | undefined;
  private partial = "";
  private query: string[] | undefined;

  push(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  finish(): void {
    if (this.partial) this.line(this.partial);
    this.partial = "";
    this.endQuery();
  }

  private line(line: string): void {
    if (line.startsWith("# at ") || /^#\d{6} +\d{1,2}:\d{2}:\d{2} server id /.test(line)) {
      this.endQuery();
      // a Query event's statement follows its header (DDL, statement-format DML, BEGIN/COMMIT)
      if (/\tQuery\t/.test(line)) this.query = [];
      return;
    }
    const row = /^### (INSERT INTO|DELETE FROM) (`(?:[^`]|``)*`\.`(?:[^`]|``)*`)$/.exec(line);
    if (row) {
      const t = must(row[2]);
      this.delta.set(t, (this.delta.get(t) ?? 0) + (row[1] === "INSERT INTO" ? 1 : -1));
      return;
    }
    if (this.query && !line.startsWith("#") && !SETTING.some((s) => s.test(line))) this.query.push(line);
  }

  private endQuery(): void {
    if (!this.query) return;
    const text = this.query
      .join("\n")
      .replace(/\/\*!\*\/;\s*$/, "")
      .trim();
    this.query = undefined;
    if (text && !HARMLESS.test(text) && this.unsafe === undefined) this.unsafe = text.slice(0, 200);
  }
}

/** "mariadb-bin", 7 → the server's file names from one point's file to the other's. */
function filesBetween(from: string, to: string): string[] | undefined {
  const a = /^(.*)\.(\d+)$/.exec(from);
  const b = /^(.*)\.(\d+)$/.exec(to);
  if (!a || !b || a[1] !== b[1] || Number(a[2]) > Number(b[2])) return undefined;
  const width = must(a[2]).length;
  const out: string[] = [];
  for (let n = Number(a[2]); n <= Number(b[2]); n++) out.push(`${a[1]}.${String(n).padStart(width, "0")}`);
  return out;
}

export type RowDelta = { ok: true; delta: Map<string, number> } | { ok: false; why: string };

/**
 * The row-count change per table between two points of the server's binlog (snapshot `from`, set
 * point `to`), read from the server itself; `ok: false` with the reason when it cannot be exact.
 */
export async function rowDelta(server: Server, from: BinlogPoint, to: BinlogPoint): Promise<RowDelta> {
  if (!from.file || from.position === undefined || !to.file || to.position === undefined)
    return { ok: false, why: "a point without binlog coordinates" };
  const files = filesBetween(from.file, to.file);
  if (!files || (files.length === 1 && to.position < from.position))
    return { ok: false, why: `the set's point ${to.file}:${to.position} is not after ${from.file}:${from.position}` };
  if (files.length === 1 && to.position === from.position) return { ok: true, delta: new Map() };
  const reader = new RowDeltaReader();
  await runPipeline(
    [
      {
        name: "mysqlbinlog",
        command: "mysqlbinlog",
        args: [
          ...clientConnectionArgs(server),
          "--read-from-remote-server",
          "--base64-output=decode-rows",
          "--verbose",
          `--start-position=${from.position}`,
          `--stop-position=${to.position}`,
          "--",
          ...files,
        ],
      },
    ],
    async (chunk) => reader.push(chunk),
  );
  reader.finish();
  if (reader.unsafe !== undefined)
    return { ok: false, why: `a statement between them changes rows without row events: ${reader.unsafe}` };
  return { ok: true, delta: reader.delta };
}
