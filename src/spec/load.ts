// Reads a spec file as YAML while keeping every node's source range, so that any later
// diagnostic — from the YAML parser, the schema or a semantic rule — can name FILE:LINE:COL.

import { readFile } from "node:fs/promises";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { DrError, type Diagnostic, type SourcePosition, must } from "../errors.js";

export type SpecPath = (string | number)[];

export interface LoadedSpec {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain JS value of the document (undefined for an empty file). */
  data: unknown;
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

export function parseSpecText(text: string, file: string): LoadResult {
  const lineCounter = new LineCounter();
  // merge: allow `<<: *defaults`, which DBAs use to share tier or dataset settings
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  const loaded: LoadedSpec = { file, text, doc, lineCounter, data: undefined };
  const diagnostics: Diagnostic[] = [];
  // Duplicate keys are independent of each other; any other syntax error makes the parser lose its
  // footing, and what it reports after the first one is mostly echo: report that first one only.
  const syntax = doc.errors.filter((e) => e.code !== "DUPLICATE_KEY").slice(0, 1);
  for (const err of [...doc.errors.filter((e) => e.code === "DUPLICATE_KEY"), ...syntax]) {
    diagnostics.push(yamlDiagnostic(loaded, err.pos[0], err.code, err.message, "error"));
  }
  for (const warn of doc.warnings)
    diagnostics.push(yamlDiagnostic(loaded, warn.pos[0], warn.code, warn.message, "warning"));
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

function yamlDiagnostic(
  spec: LoadedSpec,
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
  const path = pathAtOffset(spec.doc, offset);
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

function positionAt(spec: LoadedSpec, offset: number): SourcePosition {
  const { line, col } = spec.lineCounter.linePos(Math.max(0, Math.min(offset, spec.text.length)));
  return { line, col };
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
  let node: unknown = spec.doc.contents;
  let keyNode: Node | undefined;
  let lastGood: Node | undefined = isNodeLike(node) ? (node as Node) : undefined;
  for (const step of path) {
    keyNode = undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && scalarValue(p.key) === String(step));
      if (!pair) break;
      keyNode = isNodeLike(pair.key) ? (pair.key as Node) : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number") {
      node = node.items[step];
    } else {
      break;
    }
    if (isNodeLike(node)) lastGood = node as Node;
    else if (keyNode) lastGood = keyNode;
  }
  const target = opts.key && keyNode ? keyNode : lastGood;
  const start = target?.range?.[0] ?? 0;
  let offset = start;
  if (opts.within !== undefined && isScalar(target) && !opts.key) {
    const quoted = target.type === "QUOTE_DOUBLE" || target.type === "QUOTE_SINGLE" ? 1 : 0;
    offset = start + quoted + opts.within;
  }
  return positionAt(spec, offset);
}

function isNodeLike(n: unknown): boolean {
  return typeof n === "object" && n !== null && "range" in n;
}

function scalarValue(n: unknown): string | undefined {
  return isScalar(n) ? String(n.value) : undefined;
}

/** The deepest spec path whose node contains `offset` (used for YAML syntax errors). */
function pathAtOffset(doc: Document.Parsed, offset: number): SpecPath {
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
      path.push(scalarValue(pair.key) ?? "?");
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
