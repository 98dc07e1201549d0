// Reads a spec file as YAML while keeping every node's source range, so that any later
// diagnostic — from the YAML parser, the schema or a semantic rule — can name FILE:LINE:COL.

import { readFile } from "node:fs/promises";
import type { Event } from "js-yaml";
import { createRequire } from "node:module";
import type { Document, Node } from "yaml";
import { lastAtOrBefore } from "../core/sorted.js";
import { placeBlockYaml, readBlockYaml, type Placed } from "./block-yaml.js";
import { DrError, type Diagnostic, type SourcePosition, must } from "../errors.js";

export type SpecPath = (string | number)[];

export interface LoadedSpec {
  file: string;
  text: string;
  /** The plain JS value of the document (undefined for an empty file). */
  data: unknown;
  /**
   * Which reader read it: the block reader for a spec's usual shape, js-yaml's events for other plain
   * YAML, the `yaml` library for anything else.
   */
  reader: "block" | "plain" | "full";
  /** Where a path's nodes start in `text` (looked up only when a diagnostic needs a position). */
  find: (path: SpecPath) => Found;
}

/** Where a node starts; for a scalar, `content` is where its text begins (after a quote). */
interface Spot {
  start: number;
  content?: number;
}

/**
 * The deepest node a path reaches (or the key, when the path's last key has no value), and the key of
 * the path's last step when that step was found.
 */
interface Found {
  deepest?: Spot;
  key?: Spot;
}

export interface LoadResult {
  loaded: LoadedSpec;
  /** YAML syntax problems; when any is an error, `data` must not be trusted. */
  diagnostics: Diagnostic[];
}

export async function readSpecFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : String(code);
    throw new DrError("invalid", `cannot read spec ${file}: ${why}`, {
      hint: code === "ENOENT" ? "pass the spec with -f FILE (default ./drctl.yaml)" : undefined,
    });
  }
  return decodeUtf8(bytes, file);
}

/**
 * The spec's text, or a refusal naming the first byte that is not UTF-8 (file:line:col): read
 * leniently, a latin1 "café" would become "caf\uFFFD" and name a database that does not exist.
 */
export function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    let at = 0;
    for (let lo = 0, hi = bytes.length; lo < hi; ) {
      // the longest prefix that decodes: the bad byte is right after it (a cut multi-byte sequence counts as bad)
      const mid = (lo + hi + 1) >> 1;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, mid));
        lo = mid;
        at = mid;
      } catch {
        hi = mid - 1;
      }
    }
    // the prefix may end inside a valid character that the cut made invalid: step back to its start
    while (at > 0 && (must(bytes[at]) & 0xc0) === 0x80) at--;
    const before = bytes.subarray(0, at).toString("utf8");
    const line = before.split("\n").length;
    const col = before.length - before.lastIndexOf("\n");
    throw new DrError(
      "invalid",
      `${file}:${line}:${col}: byte 0x${must(bytes[at]).toString(16).padStart(2, "0")} is not UTF-8: the ` +
        `spec must be UTF-8 (database and table names are the server's, in UTF-8)`,
      {
        hint: "convert it, e.g. iconv -f latin1 -t utf-8",
      },
    );
  }
}

/**
 * Most specs have the block shape drctl's examples use: the block reader reads those. Other plain
 * YAML — no anchors, aliases, tags or directives — is read with js-yaml's event parser, ~4x faster
 * cold than composing a full document (`validate` of 500 datasets: the parse was 570 of 980 ms), and
 * its node positions come from the same events, only when a diagnostic asks. Anything else — a syntax
 * error, a duplicate key, an alias, a tag, several documents, an empty file — goes through the `yaml`
 * library, whose diagnostics and alias limits drctl has always used: the fast paths never decide that
 * a spec is wrong.
 */
export function parseSpecText(text: string, file: string, opts: { full?: boolean } = {}): LoadResult {
  const fast = opts.full ? undefined : (readBlockSpec(text, file) ?? readPlainYaml(text, file));
  return fast ? { loaded: fast, diagnostics: [] } : readFullYaml(text, file);
}

/**
 * The spec's usual shape (src/spec/block-yaml.ts): read in one pass; positions, which only a diagnostic
 * asks for, come from a second pass that places every node.
 */
function readBlockSpec(text: string, file: string): LoadedSpec | undefined {
  const data = readBlockYaml(text);
  if (data === undefined) return undefined;
  let find: ((path: SpecPath) => Found) | undefined;
  return {
    file,
    text,
    data,
    reader: "block",
    find: (path) => {
      if (!find) {
        // the same reader that took the text places it; the full reader only if that ever failed
        const placed = placeBlockYaml(text);
        find = placed ? (p) => findInPlaced(placed, p) : readFullYaml(text, file).loaded.find;
      }
      return find(path);
    },
  };
}

/** The walk findInEvents makes, over the block reader's placed nodes. */
function findInPlaced(root: Placed, path: SpecPath): Found {
  let node: Placed | undefined = root;
  let deepest: Spot | undefined = root;
  let key: Spot | undefined;
  for (const step of path) {
    key = undefined;
    if (node === undefined) break;
    if (node.keys) {
      const entry = node.keys.get(String(step));
      if (!entry) break;
      key = entry.key;
      node = entry.value;
    } else if (node.items && typeof step === "number") {
      // as the event walk counts: a step below 1 is the first item
      node = node.items[step <= 0 ? 0 : Math.ceil(step)];
    } else {
      break;
    }
    if (node !== undefined) deepest = node;
    else if (key) deepest = key;
  }
  return { deepest, key };
}

function readPlainYaml(text: string, file: string): LoadedSpec | undefined {
  // an object-backed map would treat a `__proto__` key specially: leave such a spec to the full reader
  if (text.includes("__proto__")) return undefined;
  const { CORE_SCHEMA, constructFromEvents, EVENT_ID, parseEvents } = jsYaml();
  let events: Event[];
  let docs: unknown[];
  try {
    events = parseEvents(text, { filename: file });
    let documents = 0;
    const inSequence: boolean[] = []; // per open collection: is it a sequence?
    for (const e of events) {
      if (e.type === EVENT_ID.DOCUMENT) {
        if (++documents > 1 || e.directives.length > 0) return undefined;
      } else if (e.type === EVENT_ID.POP) {
        inSequence.pop();
      } else if (e.type === EVENT_ID.ALIAS || e.tagStart >= 0 || e.anchorStart >= 0) {
        return undefined;
      } else if (e.type === EVENT_ID.SCALAR) {
        // an empty item (`-` alone) has no offset to point at: the full reader knows where it is
        if (e.valueStart < 0 && inSequence[inSequence.length - 1]) return undefined;
      } else {
        inSequence.push(e.type === EVENT_ID.SEQUENCE);
      }
    }
    docs = constructFromEvents(events, { source: text, filename: file, schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  const data = docs[0];
  if (docs.length !== 1 || data === null || data === undefined) return undefined;
  let ends: Int32Array | undefined;
  return {
    file,
    text,
    data,
    reader: "plain",
    find: (path) => {
      ends ??= collectionEnds(events);
      return findInEvents(text, events, ends, path);
    },
  };
}

/** For each collection event, the index of the event that closes it (one pass, no objects). */
function collectionEnds(events: Event[]): Int32Array {
  const { EVENT_ID } = jsYaml();
  const ends = new Int32Array(events.length);
  const open: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const type = must(events[i]).type;
    if (type === EVENT_ID.MAPPING || type === EVENT_ID.SEQUENCE) open.push(i);
    else if (type === EVENT_ID.POP) {
      const from = open.pop();
      if (from !== undefined) ends[from] = i;
    }
  }
  return ends;
}

/**
 * Walks a path through a plain document's events, skipping whole subtrees by their closing index;
 * building a node tree instead costs more than the parse itself on a large spec.
 */
function findInEvents(text: string, events: Event[], ends: Int32Array, path: SpecPath): Found {
  const { EVENT_ID, SCALAR_STYLE, getScalarValue } = jsYaml();
  const next = (i: number): number => {
    const type = must(events[i]).type;
    return type === EVENT_ID.MAPPING || type === EVENT_ID.SEQUENCE ? must(ends[i]) + 1 : i + 1;
  };
  const spot = (i: number): Spot => {
    const e = must(events[i]);
    if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) return { start: e.start };
    if (e.type !== EVENT_ID.SCALAR) return { start: 0 };
    // where the `yaml` library's ranges point: at the opening quote, at a block's | or >, and for an
    // empty value just after its key's colon; `within` counts from a quoted text's first character
    if (e.valueStart < 0) {
      const key = events[i - 1];
      const at = key?.type === EVENT_ID.SCALAR && key.valueEnd >= 0 ? text.indexOf(":", key.valueEnd) + 1 : 0;
      return { start: at, content: at };
    }
    if (e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED)
      return { start: e.valueStart - 1, content: e.valueStart };
    if (e.style === SCALAR_STYLE.LITERAL_BLOCK || e.style === SCALAR_STYLE.FOLDED_BLOCK) {
      const at = text.lastIndexOf(e.style === SCALAR_STYLE.LITERAL_BLOCK ? "|" : ">", e.valueStart);
      return { start: at, content: at };
    }
    return { start: e.valueStart, content: e.valueStart };
  };
  const keyText = (i: number): string | undefined => {
    const e = must(events[i]);
    if (e.type !== EVENT_ID.SCALAR) return undefined;
    if (e.valueStart < 0) return "";
    // a one-line plain scalar is its own text (no escapes to decode): the common case, and cheap
    const plain = e.style === SCALAR_STYLE.PLAIN ? text.slice(e.valueStart, e.valueEnd) : undefined;
    return plain !== undefined && !plain.includes("\n") ? plain : getScalarValue(text, e);
  };
  let at: number | undefined = events.length > 1 ? 1 : undefined; // events[0] opens the document
  let deepest = at === undefined ? undefined : spot(at);
  let key: Spot | undefined;
  for (const step of path) {
    key = undefined;
    if (at === undefined) break;
    const e = must(events[at]);
    if (e.type === EVENT_ID.MAPPING) {
      let found: number | undefined;
      for (let k = at + 1; must(events[k]).type !== EVENT_ID.POP; k = next(next(k))) {
        if (keyText(k) === String(step)) {
          found = k;
          break;
        }
      }
      if (found === undefined) break;
      key = spot(found);
      at = next(found);
    } else if (e.type === EVENT_ID.SEQUENCE && typeof step === "number") {
      let item: number | undefined = at + 1;
      for (let n = 0; n < step && must(events[item]).type !== EVENT_ID.POP; n++) item = next(item);
      at = must(events[item]).type === EVENT_ID.POP ? undefined : item;
    } else {
      break;
    }
    if (at !== undefined) deepest = spot(at);
    else if (key) deepest = key;
  }
  return { deepest, key };
}

/**
 * js-yaml, loaded only when the block reader cannot read a spec or a diagnostic needs a position:
 * compiling it was ~20 ms of every start. Required, not imported: parsing stays synchronous.
 */
let jsYamlLibrary: typeof import("js-yaml") | undefined;
function jsYaml(): typeof import("js-yaml") {
  jsYamlLibrary ??= createRequire(import.meta.url)("js-yaml") as typeof import("js-yaml");
  return jsYamlLibrary;
}

/**
 * The full reader, loaded only when a spec needs it: the `yaml` library is 2/3 of the code `validate`
 * would otherwise compile on every run. Required, not imported: parsing stays synchronous.
 */
let yamlLibrary: typeof import("yaml") | undefined;
function fullYaml(): typeof import("yaml") {
  yamlLibrary ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yamlLibrary;
}

function readFullYaml(text: string, file: string): LoadResult {
  const { LineCounter, parseDocument } = fullYaml();
  const lineCounter = new LineCounter();
  // merge: allow `<<: *defaults`, which DBAs use to share tier or dataset settings
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  const loaded: LoadedSpec = { file, text, data: undefined, reader: "full", find: (path) => findInDocument(doc, path) };
  const diagnostics: Diagnostic[] = [];
  // Duplicate keys are independent of each other; any other syntax error makes the parser lose its
  // footing, and what it reports after the first one is mostly echo: report that first one only.
  const syntax = doc.errors.filter((e) => e.code !== "DUPLICATE_KEY").slice(0, 1);
  for (const err of [...doc.errors.filter((e) => e.code === "DUPLICATE_KEY"), ...syntax]) {
    diagnostics.push(yamlDiagnostic(loaded, doc, err.pos[0], err.code, err.message, "error"));
  }
  for (const warn of doc.warnings)
    diagnostics.push(yamlDiagnostic(loaded, doc, warn.pos[0], warn.code, warn.message, "warning"));
  if (!diagnostics.some((d) => d.severity === "error")) {
    try {
      loaded.data = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      diagnostics.push({
        severity: "error",
        path: "(root)",
        summary: `cannot read YAML: ${(e as Error).message}`,
        position: { line: 1, col: 1 },
      });
    }
  }
  return { loaded, diagnostics };
}

/** The same walk over the `yaml` library's document. */
function findInDocument(doc: Document.Parsed, path: SpecPath): Found {
  const { isMap, isPair, isScalar, isSeq } = fullYaml();
  const spot = (n: unknown): Spot | undefined => {
    const start = (n as Node | null)?.range?.[0];
    if (start === undefined) return undefined;
    if (!isScalar(n)) return { start };
    return { start, content: start + (n.type === "QUOTE_DOUBLE" || n.type === "QUOTE_SINGLE" ? 1 : 0) };
  };
  let node: unknown = doc.contents;
  let key: Spot | undefined;
  let deepest = spot(node);
  for (const step of path) {
    key = undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) break;
      key = spot(pair.key);
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number") {
      node = node.items[step];
    } else {
      break;
    }
    deepest = spot(node) ?? key ?? deepest;
  }
  return { deepest, key };
}

function yamlDiagnostic(
  spec: LoadedSpec,
  doc: Document.Parsed,
  offset: number,
  code: string,
  message: string,
  severity: "error" | "warning",
): Diagnostic {
  // A plain value that starts with * is read as an alias (`schedule: */5 * * * *`): whatever the
  // parser then complains about, point at that * and say how to fix it.
  const lineStart = spec.text.lastIndexOf("\n", offset - 1) + 1;
  const lineEnd = spec.text.indexOf("\n", offset) < 0 ? spec.text.length : spec.text.indexOf("\n", offset);
  const valueAt = /^\s*(?:-\s+)?[^:#]*:\s+\*/.exec(spec.text.slice(lineStart, lineEnd));
  const starAlias = valueAt !== null;
  if (starAlias) offset = lineStart + valueAt[0].length - 1;
  const path = pathAtOffset(doc, offset);
  const firstLine = must(message.split("\n")[0]).replace(/ at line \d+, column \d+:?$/, "");
  const d: Diagnostic = {
    severity,
    path: formatPath(path),
    summary: `YAML: ${firstLine}`,
    position: positionAt(spec, offset),
  };
  if (code === "DUPLICATE_KEY") {
    d.summary = "duplicate key: a later value would silently replace the earlier one";
  } else if (starAlias) {
    d.hint = 'a value that starts with * is a YAML alias: quote cron schedules, e.g. "*/5 * * * *"';
  } else if (code === "TAB_AS_INDENT") {
    d.hint = "indent with spaces, not tabs";
  }
  return d;
}

const lineStarts = new WeakMap<LoadedSpec, number[]>();

function positionAt(spec: LoadedSpec, offset: number): SourcePosition {
  let starts = lineStarts.get(spec);
  if (!starts) {
    starts = [0];
    for (let i = spec.text.indexOf("\n"); i >= 0; i = spec.text.indexOf("\n", i + 1)) starts.push(i + 1);
    lineStarts.set(spec, starts);
  }
  const at = Math.max(0, Math.min(offset, spec.text.length));
  const line = lastAtOrBefore(starts, at);
  return { line: line + 1, col: at - must(starts[line]) + 1 };
}

/**
 * Where a spec path points in the source. `key: true` points at the map key (for unknown or
 * badly named keys); `within` adds an offset inside a single-line scalar (for cron fields).
 */
export function locate(
  spec: LoadedSpec,
  path: SpecPath,
  opts: { key?: boolean; within?: number } = {},
): SourcePosition {
  const { deepest, key } = spec.find(path);
  const target = opts.key && key ? key : deepest;
  // `within` is an offset inside a one-line scalar (a cron field): anything else points at its start
  const within = opts.within !== undefined && !opts.key ? target?.content : undefined;
  const offset = within !== undefined ? within + (opts.within ?? 0) : (target?.start ?? 0);
  return positionAt(spec, offset);
}

/** The deepest spec path whose node contains `offset` (used for YAML syntax errors). */
function pathAtOffset(doc: Document.Parsed, offset: number): SpecPath {
  const { isMap, isScalar, isSeq } = fullYaml();
  const path: SpecPath = [];
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const k = p.key as Node | null;
        const v = p.value as Node | null;
        const from = k?.range?.[0] ?? v?.range?.[0];
        const to = v?.range?.[1] ?? k?.range?.[1];
        return from !== undefined && to !== undefined && offset >= from && offset <= to;
      });
      if (!pair) return path;
      path.push(isScalar(pair.key) ? String(pair.key.value) : "?");
      node = pair.value;
    } else if (isSeq(node)) {
      const idx = node.items.findIndex((it) => {
        const r = (it as Node | null)?.range;
        return r != null && offset >= r[0] && offset <= r[1];
      });
      if (idx < 0) return path;
      path.push(idx);
      node = node.items[idx];
    } else {
      return path;
    }
  }
}

/** datasets.university.databases[1]; keys that are not plain names are quoted. */
export function formatPath(path: SpecPath): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(step)) out += out === "" ? step : `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}
