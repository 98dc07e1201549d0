// Splits a mysqldump / mariadb-dump stream into what can load in parallel and what must run in
// order. The bulk of a dump is its extended INSERTs, and the dump escapes every newline inside a
// value: so an INSERT is either one line ("INSERT INTO `t` VALUES (…),(…);", MySQL and older
// MariaDB) or a line "INSERT INTO `t` VALUES" followed by one line per row, the last ending with
// ";" (mariadb-dump 10.11.x) — a whole statement for table t, routed without reading its middle. Every other line —
// session SETs, CREATE DATABASE/TABLE, views, triggers, routines, events, DELIMITER — goes, bytes
// unchanged, to one client in order; the splitter reads it (statements end at the current DELIMITER
// outside quotes and comments) only to say when a statement on it may touch loaded rows (a trigger,
// a routine, ENABLE KEYS, anything not known to be harmless): then every row sent before it must be
// in first. Pure: bytes in, items out.

/** One INSERT statement for `db`.`table`: its bytes, in parts as they came (newline included). */
export interface RowsItem {
  kind: "rows";
  db: string;
  table: string;
  parts: Buffer[];
  bytes: number;
}

/** A line for the ordered client, as it came (newline included). */
interface LineItem {
  kind: "line";
  parts: Buffer[];
  bytes: number;
  /** A statement ending on it may read or change loaded rows: only after every row sent so far is in. */
  barrier: boolean;
  /** Part of the dump's header (before its first database): the session every loader needs. */
  header: boolean;
}

export type DumpItem = RowsItem | LineItem;

/** The dump has a shape this splitter does not know: load it in one piece instead. */
export class DumpShapeError extends Error {}

const INSERT = Buffer.from("INSERT INTO `");
const NL = 10;
const SEMI_NL = Buffer.from(";\n");

/** The identifier quoted with backticks at the start of `s` (doubled backticks inside), and where it ends. */
function readIdent(s: string, from: number): { name: string; end: number } | undefined {
  if (s[from] !== "`") return undefined;
  let name = "";
  for (let i = from + 1; i < s.length; i++) {
    if (s[i] !== "`") name += s[i];
    else if (s[i + 1] === "`") {
      name += "`";
      i++;
    } else return { name, end: i + 1 };
  }
  return undefined;
}

/** The statement's leading words, with `/*!NNNNN` version prefixes and plain comments taken away. */
function leadingWords(text: string): string {
  const s = text
    .replace(/\/\*![0-9]{0,6}|\/\*M![0-9]{0,6}/g, " ")
    .replace(/\/\*[^!][\s\S]*?\*\//g, " ")
    .replace(/\*\//g, " ");
  return s.trim().replace(/\s+/g, " ").slice(0, 80).toUpperCase();
}

/**
 * Safe to run while rows are still being loaded elsewhere: it neither reads nor changes any row a
 * loader sends (session settings, new schemas and tables, views, DISABLE KEYS).
 */
export function safeWhileLoading(text: string): boolean {
  const w = leadingWords(text);
  if (/^SET (GLOBAL|@@GLOBAL|PERSIST)\b/.test(w)) return false;
  return (
    /^SET\b/.test(w) ||
    /^CREATE DATABASE\b/.test(w) ||
    /^USE\b/.test(w) ||
    /^DROP TABLE\b/.test(w) ||
    /^CREATE TABLE\b/.test(w) ||
    /^DROP VIEW\b/.test(w) ||
    /^CREATE (OR REPLACE )?(ALGORITHM=\S+ )?(DEFINER=\S+ )?(SQL SECURITY \S+ )?VIEW\b/.test(w) ||
    /^ALTER TABLE `.*` DISABLE KEYS$/.test(w)
  );
}

/** LOCK TABLES / UNLOCK TABLES: a serial load's speed-up for MyISAM; parallel loaders must not hold them. */
const dropped = (text: string) => /^(LOCK TABLES|UNLOCK TABLES)\b/.test(leadingWords(text));

export class DumpSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private delimiter = ";";
  /** A statement being gathered across lines, and the lexer's state inside it. */
  private stmt = "";
  private quote: string | undefined;
  private blockComment = false;
  private db: string | undefined;
  private inHeader = true;
  /** A multi-line INSERT being gathered (its rows until the line that ends with ";"). */
  private pending: RowsItem | undefined;
  /** The gathered rows so far end with ";" (a newline next ends them). */
  private pendingSemicolon = false;

  /** Items completed by this chunk, in dump order. */
  push(chunk: Buffer): DumpItem[] {
    const out: DumpItem[] = [];
    let from = 0;
    while (from < chunk.length) {
      const pending = this.pending;
      if (pending) {
        // no raw newline inside a row: the statement ends at the first ";" that ends a line
        let end: number;
        if (this.pendingSemicolon && chunk[from] === NL) end = from;
        else {
          const k = chunk.indexOf(SEMI_NL, from);
          end = k < 0 ? -1 : k + 1;
        }
        const piece = chunk.subarray(from, end < 0 ? chunk.length : end + 1);
        pending.parts.push(piece);
        pending.bytes += piece.length;
        from += piece.length;
        this.pendingSemicolon = end < 0 && piece[piece.length - 1] === 59;
        if (end >= 0) {
          out.push(pending);
          this.pending = undefined;
        }
        continue;
      }
      const nl = chunk.indexOf(NL, from);
      if (nl < 0) {
        this.carry.push(chunk.subarray(from));
        this.carryBytes += chunk.length - from;
        break;
      }
      const piece = chunk.subarray(from, nl + 1);
      from = nl + 1;
      if (this.carryBytes) {
        this.carry.push(piece);
        const parts = this.carry;
        const bytes = this.carryBytes + piece.length;
        this.carry = [];
        this.carryBytes = 0;
        this.line(parts, bytes, out);
      } else this.line([piece], piece.length, out);
    }
    return out;
  }

  /** The items of a last line without its newline; refuses a dump that ends inside a statement. */
  end(): DumpItem[] {
    const out: DumpItem[] = [];
    if (this.carryBytes) this.line(this.carry, this.carryBytes, out);
    this.carry = [];
    this.carryBytes = 0;
    if (this.pending) throw new DumpShapeError(`the dump ends inside the rows of ${this.pending.table}`);
    if (this.stmt.trim() !== "" || this.quote || this.blockComment)
      throw new DumpShapeError(`the dump ends inside a statement: ${this.stmt.trim().slice(0, 80)}`);
    return out;
  }

  private line(parts: Buffer[], bytes: number, out: DumpItem[]): void {
    const first = parts[0] as Buffer;
    if (this.stmt === "" && this.delimiter === ";" && !this.quote && !this.blockComment && startsWith(parts, INSERT)) {
      const rows = this.rows(parts, bytes);
      if (rows === "gathering") return;
      if (rows) {
        out.push(rows);
        return;
      }
    }
    // everything else is small: read it as text to find where its statements end
    const text = (parts.length === 1 ? first : Buffer.concat(parts, bytes)).toString("utf8");
    if (this.stmt === "" && !this.quote && !this.blockComment) {
      const t = text.trim();
      const d = /^DELIMITER\s+(\S+)\s*$/i.exec(t);
      if (d) this.delimiter = d[1] as string;
      // `/*M!999999\- enable the sandbox mode */`: a command to the mariadb client, not a statement
      const clientCommand = /^\/\*M?!999999\\- [^*]*\*\/$/.test(t);
      if (d || clientCommand || t === "" || t.startsWith("-- ") || t === "--" || t.startsWith("#")) {
        out.push({ kind: "line", parts, bytes, barrier: false, header: this.inHeader });
        return;
      }
    }
    const ended = this.lex(text);
    const kept = ended.filter((st) => !dropped(st));
    if (kept.length < ended.length) {
      // LOCK/UNLOCK TABLES would hold tables the loaders write: the line must be that statement alone
      if (kept.length || this.stmt !== "")
        throw new DumpShapeError(
          `LOCK/UNLOCK TABLES shares a line with another statement: ${text.trim().slice(0, 80)}`,
        );
      return;
    }
    for (const st of kept) this.sawStatement(st);
    out.push({ kind: "line", parts, bytes, barrier: kept.some((st) => !safeWhileLoading(st)), header: this.inHeader });
  }

  /**
   * A whole one-line INSERT; "gathering" when the line opens one whose rows follow; undefined when the
   * line is neither (then it is read as a statement).
   */
  private rows(parts: Buffer[], bytes: number): RowsItem | "gathering" | undefined {
    const headLen = Math.min(bytes, 4096);
    const head = (parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, headLen))
      .subarray(0, headLen)
      .toString("utf8");
    const id = readIdent(head, INSERT.length - 1);
    if (!id) return undefined;
    const rest = head.slice(id.end);
    const oneLine = /^ (VALUES |\()/.test(rest) && endsWithSemicolon(parts);
    const opens = /^ VALUES\r?\n$/.test(rest); // its rows follow, one per line
    if (!oneLine && !opens) return undefined;
    if (this.db === undefined) throw new DumpShapeError(`rows for ${id.name} before any USE statement`);
    const item: RowsItem = { kind: "rows", db: this.db, table: id.name, parts, bytes };
    if (!opens) return item;
    this.pending = item;
    return "gathering";
  }

  /** Gathers statement text up to the delimiter, outside quotes and comments; returns the ones that ended. */
  private lex(text: string): string[] {
    const ended: string[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (this.blockComment) {
        if (c === "*" && text[i + 1] === "/") {
          this.blockComment = false;
          i += 2;
        } else i++;
        continue;
      }
      if (this.quote) {
        if (c === "\\" && this.quote !== "`") i += 2;
        else if (c === this.quote && text[i + 1] === this.quote) i += 2;
        else {
          if (c === this.quote) this.quote = undefined;
          i++;
        }
        continue;
      }
      if (c === "'" || c === '"' || c === "`") {
        this.quote = c;
        i++;
        continue;
      }
      if (c === "/" && text[i + 1] === "*") {
        this.blockComment = true;
        i += 2;
        continue;
      }
      if ((c === "-" && text[i + 1] === "-" && /[\s]/.test(text[i + 2] ?? "\n")) || c === "#") {
        // a line comment: the rest of this line is not SQL
        const nl = text.indexOf("\n", i);
        this.stmt += text.slice(start, i);
        i = nl < 0 ? text.length : nl;
        start = i;
        continue;
      }
      if (text.startsWith(this.delimiter, i)) {
        const st = (this.stmt + text.slice(start, i)).trim();
        if (st !== "") ended.push(st);
        this.stmt = "";
        i += this.delimiter.length;
        start = i;
        continue;
      }
      i++;
    }
    this.stmt += text.slice(start);
    if (this.stmt.trim() === "") this.stmt = "";
    return ended;
  }

  /** Follows the current database (USE) and where the header ends. */
  private sawStatement(text: string): void {
    const w = leadingWords(text);
    if (/^USE\b/.test(w)) {
      const id = readIdent(text.replace(/^USE\s+/i, ""), 0);
      if (!id) throw new DumpShapeError(`a USE statement drctl cannot read: ${text.slice(0, 80)}`);
      this.db = id.name;
    }
    if (/^(CREATE DATABASE|USE)\b/.test(w)) this.inHeader = false;
  }
}

function startsWith(parts: Buffer[], prefix: Buffer): boolean {
  const first = parts[0] as Buffer;
  if (first.length >= prefix.length) return first.subarray(0, prefix.length).equals(prefix);
  return Buffer.concat(parts).subarray(0, prefix.length).equals(prefix);
}

/** The line (newline and a CR before it aside) ends with ";". */
function endsWithSemicolon(parts: Buffer[]): boolean {
  for (let p = parts.length - 1; p >= 0; p--) {
    const b = parts[p] as Buffer;
    for (let i = b.length - 1; i >= 0; i--) {
      const c = b[i];
      if (c === NL || c === 13) continue;
      return c === 59;
    }
  }
  return false;
}
