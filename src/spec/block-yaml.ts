// A spec's usual shape, read without a general YAML parser: block mappings and sequences whose values
// are one-line scalars or one-line flow collections — how drctl's examples, `drctl init` and generated
// fleets write specs. js-yaml's event parser took ~200 ms for a 1,000-dataset spec (JSON.parse of the
// same data: 6 ms) and left 49,000 event objects for the garbage collector; this reads it in a pass
// over the text. Anything outside that shape, and anything it is not sure of, is left to the general
// readers (it answers undefined): it never decides that a spec is wrong, and what it does read it reads
// exactly as js-yaml does (differential tests against js-yaml and the `yaml` library, the scalar types
// against js-yaml's core-schema resolver: test/unit/spec-fast-yaml.test.ts). It does not load js-yaml:
// only a spec outside the subset, or a diagnostic's position, does.

/** Thrown to leave: the text is not in the shape this reader knows (which does not make it wrong). */
const OUTSIDE = new Error("outside the block subset");

/** Never handled here: tabs, CR, a BOM, control and C1 characters, line/paragraph separators, surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_CHAR = /[\t\r\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]/;
/** Document markers and directives. */
const UNSAFE_LINE = /^(?:---|\.\.\.|%)/m;

const NL = 10;
const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQUOTE = 34;
const SQUOTE = 39;

/** Characters that cannot start a plain scalar (YAML's c-indicator, less - ? : which may when followed by text). */
const INDICATOR = new Set([..."-?:,[]{}#&*!|>'\"%@`"].map((c) => c.charCodeAt(0)));
/** , [ ] { }: they end a plain scalar inside a flow collection. */
function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
}

/** The spec's value (a mapping), or undefined when the text is not in the block subset. */
export function readBlockYaml(text: string): Record<string, unknown> | undefined {
  return read(text, false)?.value;
}

/** Where a node starts; for a scalar, `content` is where its text begins (after a quote). */
interface Spot {
  start: number;
  content?: number;
}

/** A node's spot and, for a collection, its children's: what a diagnostic's FILE:LINE:COL is looked up in. */
export interface Placed extends Spot {
  keys?: Map<string, { key: Spot; value: Placed }>;
  items?: Placed[];
}

/**
 * The same reading, placing every node: asked only when a diagnostic needs a position (a second pass,
 * so that a spec without diagnostics pays nothing for it). The spots are those js-yaml's events give.
 */
export function placeBlockYaml(text: string): Placed | undefined {
  return read(text, true)?.placed;
}

function read(text: string, place: boolean): { value: Record<string, unknown>; placed?: Placed } | undefined {
  if (UNSAFE_CHAR.test(text) || UNSAFE_LINE.test(text) || text.includes("__proto__")) return undefined;
  try {
    const reader = new BlockReader(text, place);
    const value = reader.document();
    return value === undefined ? undefined : { value, ...(reader.placed ? { placed: reader.placed } : {}) };
  } catch (e) {
    if (e === OUTSIDE) return undefined;
    throw e;
  }
}

function outside(): never {
  throw OUTSIDE;
}

class BlockReader {
  /** Start of the next line not read yet. */
  private pos = 0;
  /** Where the last key, scalar or flow collection read ended (a second result, without an array to destructure). */
  private end = 0;
  /** When placing: the last node read (a third result). */
  placed: Placed | undefined;

  constructor(
    private readonly t: string,
    private readonly place: boolean,
  ) {}

  document(): Record<string, unknown> | undefined {
    const indent = this.nextLine();
    if (indent < 0) return undefined; // empty, or comments only: the general readers say so
    if (indent !== 0) outside();
    const value = this.mapping(0, this.pos);
    if (this.nextLine() >= 0) outside();
    return value;
  }

  /**
   * Moves `pos` past blank and comment-only lines; the indentation of the line there, -1 at the end.
   */
  private nextLine(): number {
    const t = this.t;
    for (;;) {
      if (this.pos >= t.length) return -1;
      let i = this.pos;
      while (t.charCodeAt(i) === SPACE) i++;
      const c = t.charCodeAt(i);
      if (i >= t.length) {
        this.pos = i;
        return -1;
      }
      if (c !== NL && c !== HASH) return i - this.pos;
      const end = t.indexOf("\n", i);
      this.pos = end < 0 ? t.length : end + 1;
    }
  }

  /** Past the rest of a line that holds nothing more than spaces and a comment; outside otherwise. */
  private endLine(at: number): void {
    const t = this.t;
    let i = at;
    while (t.charCodeAt(i) === SPACE) i++;
    if (i < t.length && t.charCodeAt(i) !== NL) {
      // a comment needs a space before it
      if (t.charCodeAt(i) !== HASH || i === at) outside();
      i = t.indexOf("\n", i);
      if (i < 0) i = t.length;
    }
    this.pos = i + 1;
  }

  /** A block mapping whose keys stand at column `col`, the first one at `at` on the current line. */
  private mapping(col: number, at: number): Record<string, unknown> {
    const t = this.t;
    const out: Record<string, unknown> = {};
    const keys = this.place ? new Map<string, { key: Spot; value: Placed }>() : undefined;
    let keyAt = at;
    for (;;) {
      const key = this.key(keyAt);
      const keySpot = this.placed;
      const afterColon = this.end;
      if (Object.hasOwn(out, key) || key === "<<") outside();
      let i = afterColon;
      while (t.charCodeAt(i) === SPACE) i++;
      if (i >= t.length || t.charCodeAt(i) === NL || t.charCodeAt(i) === HASH) {
        this.endLine(afterColon);
        out[key] = this.nestedBlock(col);
        // an empty value is placed just after its key's colon
        if (keys && out[key] === null) this.placed = { start: afterColon, content: afterColon };
      } else {
        out[key] = this.inline(i);
        this.endLine(this.end);
      }
      if (keys && keySpot && this.placed) keys.set(key, { key: keySpot, value: this.placed });
      const next = this.nextLine();
      if (next < col) {
        if (keys) this.placed = { start: at, keys };
        return out;
      }
      if (next > col) outside();
      const c = t.charCodeAt(this.pos + col);
      if (c === DASH && this.isEntry(this.pos + col)) outside();
      keyAt = this.pos + col;
    }
  }

  /** The value of a key with nothing after its colon: a deeper block, a sequence at the key's column, or null. */
  private nestedBlock(keyCol: number): unknown {
    const indent = this.nextLine();
    if (indent < 0 || indent < keyCol) return null;
    const at = this.pos + indent;
    const isSeq = this.isEntry(at);
    if (indent === keyCol) return isSeq ? this.sequence(indent, true) : null;
    return isSeq ? this.sequence(indent, false) : this.mapping(indent, at);
  }

  /** Whether `at` holds a sequence entry's dash (`- ` or a dash ending the line). */
  private isEntry(at: number): boolean {
    const t = this.t;
    if (t.charCodeAt(at) !== DASH) return false;
    const c = t.charCodeAt(at + 1);
    return c === SPACE || c === NL || at + 1 >= t.length;
  }

  /**
   * A block sequence whose dashes stand at column `col`. `atKeyColumn`: it is a mapping value at its
   * key's own column, so a line at that column without a dash is the mapping's next key.
   */
  private sequence(col: number, atKeyColumn: boolean): unknown[] {
    const t = this.t;
    const out: unknown[] = [];
    const items: Placed[] | undefined = this.place ? [] : undefined;
    const start = this.pos + col;
    const done = () => {
      if (items) this.placed = { start, items };
      return out;
    };
    for (;;) {
      let i = this.pos + col + 1;
      while (t.charCodeAt(i) === SPACE) i++;
      // an empty entry, one whose value starts on the next line, or a sequence in a sequence
      if (i >= t.length || t.charCodeAt(i) === NL || t.charCodeAt(i) === HASH || this.isEntry(i)) outside();
      if (this.startsKey(i)) {
        out.push(this.mapping(i - this.pos, i));
      } else {
        out.push(this.inline(i));
        this.endLine(this.end);
      }
      if (items && this.placed) items.push(this.placed);
      const next = this.nextLine();
      if (next < col) return done();
      if (next > col) outside();
      if (!this.isEntry(this.pos + col)) {
        if (atKeyColumn) return done();
        outside();
      }
    }
  }

  /** Whether the text at `at` (up to the end of its line) is `key: …` or `key:`. */
  private startsKey(at: number): boolean {
    const t = this.t;
    const c = t.charCodeAt(at);
    if (c === DQUOTE || c === SQUOTE) {
      this.quoted(at);
      let i = this.end;
      while (t.charCodeAt(i) === SPACE) i++;
      return t.charCodeAt(i) === COLON && this.separates(i + 1);
    }
    if (c === 91 || c === 123) return false; // [ { : a flow collection (as a key it is outside anyway)
    for (let i = at; i < t.length; i++) {
      const d = t.charCodeAt(i);
      if (d === NL) return false;
      if (d === COLON && this.separates(i + 1)) return true;
      if (d === HASH && t.charCodeAt(i - 1) === SPACE) return false;
    }
    return false;
  }

  /** Whether a colon just before `at` separates a key from its value: a space, or the end of the line. */
  private separates(at: number): boolean {
    const c = this.t.charCodeAt(at);
    return at >= this.t.length || c === SPACE || c === NL;
  }

  /** A block mapping key at `at`; `end`: where its value may start (just after the colon). */
  private key(at: number): string {
    const t = this.t;
    const c = t.charCodeAt(at);
    if (c === DQUOTE || c === SQUOTE) {
      const key = this.quoted(at);
      let i = this.end;
      while (t.charCodeAt(i) === SPACE) i++;
      if (t.charCodeAt(i) !== COLON || !this.separates(i + 1)) outside();
      this.end = i + 1;
      return key; // placed by quoted()
    }
    if (!this.canStartPlain(at, false)) outside();
    for (let i = at; i < t.length; i++) {
      const d = t.charCodeAt(i);
      if (d === NL || (d === HASH && t.charCodeAt(i - 1) === SPACE)) break;
      if (d === COLON && this.separates(i + 1)) {
        const text = t.slice(at, i).trimEnd();
        // YAML caps implicit keys at 1024 characters; a key that is not a string (1, true, null) is left
        // to the general readers, which decide how it becomes a property name
        if (text.length > 1024 || typeof resolvePlain(text) !== "string") outside();
        this.end = i + 1;
        if (this.place) this.placed = { start: at, content: at };
        return text;
      }
    }
    return outside();
  }

  /** A value that starts and ends on this line: a quoted or plain scalar, or a flow collection. */
  private inline(at: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(at);
    if (c === DQUOTE || c === SQUOTE) return this.quoted(at);
    if (c === 91) return this.flowSequence(at);
    if (c === 123) return this.flowMapping(at);
    if (!this.canStartPlain(at, false)) outside();
    let end = at;
    for (let i = at; i < t.length; i++) {
      const d = t.charCodeAt(i);
      if (d === NL || (d === HASH && t.charCodeAt(i - 1) === SPACE)) break;
      // `key: a: b` is an error, and a value cannot end with a colon
      if (d === COLON && this.separates(i + 1)) outside();
      if (d !== SPACE) end = i + 1;
    }
    this.end = end;
    if (this.place) this.placed = { start: at, content: at };
    return resolvePlain(t.slice(at, end));
  }

  /** A one-line quoted scalar; `end`: just after its closing quote. */
  private quoted(at: number): string {
    const t = this.t;
    const q = t.charCodeAt(at);
    let value = "";
    let from = at + 1;
    for (let i = from; i < t.length; i++) {
      const d = t.charCodeAt(i);
      if (d === NL) break;
      // escapes are left to the general readers
      if (q === DQUOTE && d === 92) break;
      if (d !== q) continue;
      if (q === SQUOTE && t.charCodeAt(i + 1) === SQUOTE) {
        value += t.slice(from, i + 1);
        from = i + 2;
        i++;
        continue;
      }
      this.end = i + 1;
      if (this.place) this.placed = { start: at, content: at + 1 };
      return value + t.slice(from, i);
    }
    return outside();
  }

  /**
   * Whether a plain scalar may start at `at`: not an indicator, except - ? : followed by a character
   * that is not a space (and, in a flow collection, not a flow indicator).
   */
  private canStartPlain(at: number, flow: boolean): boolean {
    const t = this.t;
    const c = t.charCodeAt(at);
    if (!INDICATOR.has(c)) return true;
    if (c !== DASH && c !== 63 && c !== COLON) return false;
    const d = t.charCodeAt(at + 1);
    return at + 1 < t.length && d !== SPACE && d !== NL && !(flow && isFlowIndicator(d));
  }

  private flowSequence(at: number): unknown[] {
    const t = this.t;
    const out: unknown[] = [];
    const items: Placed[] | undefined = this.place ? [] : undefined;
    let i = this.spaces(at + 1);
    if (t.charCodeAt(i) === 93) {
      this.end = i + 1;
      if (items) this.placed = { start: at, items };
      return out;
    }
    for (;;) {
      out.push(this.flowNode(i, false));
      if (items && this.placed) items.push(this.placed);
      i = this.spaces(this.end);
      const c = t.charCodeAt(i);
      if (c === 93) {
        this.end = i + 1;
        if (items) this.placed = { start: at, items };
        return out;
      }
      if (c !== 44) outside();
      i = this.spaces(i + 1);
      // a trailing comma, or an empty entry
      if (t.charCodeAt(i) === 93 || t.charCodeAt(i) === 44) outside();
    }
  }

  private flowMapping(at: number): Record<string, unknown> {
    const t = this.t;
    const out: Record<string, unknown> = {};
    const keys = this.place ? new Map<string, { key: Spot; value: Placed }>() : undefined;
    let i = this.spaces(at + 1);
    if (t.charCodeAt(i) === 125) {
      this.end = i + 1;
      if (keys) this.placed = { start: at, keys };
      return out;
    }
    for (;;) {
      const key = this.flowNode(i, true);
      const keySpot = this.placed;
      if (typeof key !== "string" || Object.hasOwn(out, key) || key === "<<") outside();
      i = this.spaces(this.end);
      // `key: value` only (no `{ a }`, no `{ a:b }`, no `{ a: }`)
      if (t.charCodeAt(i) !== COLON || t.charCodeAt(i + 1) !== SPACE) outside();
      i = this.spaces(i + 1);
      const c0 = t.charCodeAt(i);
      if (c0 === 44 || c0 === 125) outside();
      out[key] = this.flowNode(i, false);
      if (keys && keySpot && this.placed) keys.set(key, { key: keySpot, value: this.placed });
      i = this.spaces(this.end);
      const c = t.charCodeAt(i);
      if (c === 125) {
        this.end = i + 1;
        if (keys) this.placed = { start: at, keys };
        return out;
      }
      if (c !== 44) outside();
      i = this.spaces(i + 1);
      if (t.charCodeAt(i) === 125 || t.charCodeAt(i) === 44) outside();
    }
  }

  /** A node inside a flow collection, on this line. `key`: a mapping key (a plain one must be a string). */
  private flowNode(at: number, key: boolean): unknown {
    const t = this.t;
    const c = t.charCodeAt(at);
    if (c === DQUOTE || c === SQUOTE) return this.quoted(at);
    if (c === 91 || c === 123) {
      if (key) outside();
      return c === 91 ? this.flowSequence(at) : this.flowMapping(at);
    }
    if (!this.canStartPlain(at, true)) outside();
    let end = at;
    let i = at;
    for (; i < t.length; i++) {
      const d = t.charCodeAt(i);
      if (d === NL) outside(); // the collection goes on to the next line
      if (isFlowIndicator(d)) break;
      if (d === HASH && t.charCodeAt(i - 1) === SPACE) outside();
      if (d === COLON) {
        const e = t.charCodeAt(i + 1);
        if (e === SPACE || isFlowIndicator(e) || e === NL) {
          // a mapping key ends here; anywhere else (an implicit pair in a sequence, `a: b: c`) is outside
          if (key) break;
          outside();
        }
      }
      if (d !== SPACE) end = i + 1;
    }
    const value = resolvePlain(t.slice(at, end));
    if (key && typeof value !== "string") outside();
    this.end = end;
    if (this.place) this.placed = { start: at, content: at };
    return value;
  }

  private spaces(at: number): number {
    let i = at;
    while (this.t.charCodeAt(i) === SPACE) i++;
    return i;
  }
}

const CORE_INT = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?[0-9]+)$/;
const CORE_FLOAT = new RegExp(
  "^(?:[-+]?[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\\.[0-9]+(?:[eE][-+]?[0-9]+)?" +
    "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$",
);

/**
 * A plain scalar's value under YAML 1.2's core schema, as js-yaml types it: null, booleans, then
 * integers (decimal, 0o, 0x), then floats (.inf, .nan), else the text itself. Same order, patterns and
 * arithmetic as js-yaml's tags (`-0` is -0; a number too big to be finite stays text).
 */
export function resolvePlain(text: string): unknown {
  switch (text) {
    case "":
    case "~":
    case "null":
    case "Null":
    case "NULL":
      return null;
    case "true":
    case "True":
    case "TRUE":
      return true;
    case "false":
    case "False":
    case "FALSE":
      return false;
  }
  const c = text.charCodeAt(0);
  // only a sign, a dot or a digit can start a number
  if (!(c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57))) return text;
  if (CORE_INT.test(text)) {
    const sign = c === 45 ? -1 : 1;
    const digits = c === 43 || c === 45 ? text.slice(1) : text;
    const n = digits.startsWith("0o")
      ? sign * Number.parseInt(digits.slice(2), 8)
      : digits.startsWith("0x")
        ? sign * Number.parseInt(digits.slice(2), 16)
        : sign * Number.parseInt(digits, 10);
    if (Number.isFinite(n)) return n;
  }
  if (CORE_FLOAT.test(text)) {
    let value = text.toLowerCase();
    const sign = value[0] === "-" ? -1 : 1;
    if (value[0] === "+" || value[0] === "-") value = value.slice(1);
    if (value === ".inf") return sign * Number.POSITIVE_INFINITY;
    if (value === ".nan") return Number.NaN;
    const n = sign * Number.parseFloat(value);
    if (Number.isFinite(n)) return n;
  }
  return text;
}
