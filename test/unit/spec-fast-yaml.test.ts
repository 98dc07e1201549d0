// The fast readers — the block reader (src/spec/block-yaml.ts) and the plain-YAML reader (js-yaml
// events) — and the full reader (the `yaml` library) must agree on every spec a fast reader accepts:
// the same value, and every path located at the same line and column. The fast paths may only ever be
// faster, never different; generated documents (fast-check) hold the block reader to js-yaml and to the
// full reader on the edges of what it takes.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { CORE_SCHEMA, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { readBlockYaml, resolvePlain } from "../../src/spec/block-yaml.js";
import { locate, parseSpecText, type SpecPath } from "../../src/spec/load.js";

const root = join(import.meta.dirname, "../..");
const corpus = [
  ...readdirSync(join(root, "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(root, "examples", f)),
  ...readdirSync(join(root, "test/fixtures/invalid"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(root, "test/fixtures/invalid", f)),
];

const tricky = `# every scalar style a DBA might write
version: 1
project: "q'uo\\"te"
tiers:
  gold: { rpo: 5m, rto: 1h }
  'single quoted': {rpo: 24h, rto: '8h'}
servers:
  "db 1":
    host: 127.0.0.1
    port: 3306
    note: |
      a literal
      block
    other: >
      folded
      text
    empty:
datasets:
  données:
    databases:
      - "tbl with space"
      - 'it''s'
      - plain
      - [nested, "flow"]
    schedule: "*/5 * * * *"
    steps:
      - name: first
        at: 1
      - { name: "second", at: 2 }
`;

/** Every path into a value: each map key and each sequence index, depth first. */
function paths(value: unknown, prefix: SpecPath = []): SpecPath[] {
  const out: SpecPath[] = [prefix];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** Which reader took it; when a fast one did, it agrees with the full reader on everything. */
function agree(text: string, file: string): "block" | "plain" | "full" {
  const fast = parseSpecText(text, file);
  const full = parseSpecText(text, file, { full: true });
  expect(full.loaded.reader).toBe("full");
  if (full.diagnostics.some((d) => d.severity === "error")) {
    // the full reader refuses it: the plain reader must not have taken it
    expect(fast.loaded.reader).toBe("full");
    expect(fast.diagnostics).toEqual(full.diagnostics);
    return "full";
  }
  expect(fast.diagnostics).toEqual(full.diagnostics);
  expect(fast.loaded.data).toEqual(full.loaded.data);
  const beyond: SpecPath[] = [
    ["nope"],
    ["servers", "nope", "host"],
    ["datasets", "données", "databases", 9],
    ["servers", "db 1", "empty", "x"],
    ["datasets", "données", "steps", 1, "name"],
    ["datasets", "données", "steps", 2, "name"],
  ];
  for (const p of [...paths(full.loaded.data), ...beyond]) {
    expect(locate(fast.loaded, p), JSON.stringify(p)).toEqual(locate(full.loaded, p));
    expect(locate(fast.loaded, p, { key: true }), `key ${JSON.stringify(p)}`).toEqual(
      locate(full.loaded, p, { key: true }),
    );
    expect(locate(fast.loaded, p, { within: 2 }), `within ${JSON.stringify(p)}`).toEqual(
      locate(full.loaded, p, { within: 2 }),
    );
  }
  return fast.loaded.reader;
}

describe("fast YAML readers", () => {
  it.each(corpus.map((f) => [f.slice(root.length + 1), f]))("%s: same value and positions", (_name, file) => {
    agree(readFileSync(file, "utf8"), file);
  });

  it("takes every example and most invalid fixtures (those without YAML errors) on the block path", () => {
    const block = corpus
      .filter((f) => agree(readFileSync(f, "utf8"), f) === "block")
      .map((f) => f.slice(root.length + 1));
    expect(block.filter((f) => f.startsWith("examples/"))).toHaveLength(
      corpus.filter((f) => f.includes("/examples/")).length,
    );
    expect(block.length).toBeGreaterThan(corpus.length / 2);
  });

  it("scalar styles, flow collections, unicode keys and empty values: same value and positions", () => {
    // block scalars (| and >) and escapes are beyond the block reader: js-yaml's events read this one
    expect(agree(tricky, "tricky.yaml")).toBe("plain");
    const simpler = tricky
      .replace(/ +note: \|\n.*\n.*\n +other: >\n.*\n.*\n/, "")
      .replace(`project: "q'uo\\"te"`, `project: 'q''uo"te'`);
    expect(simpler).not.toContain("|");
    expect(simpler).not.toContain("\\");
    expect(agree(simpler, "tricky.yaml")).toBe("block");
  });

  it("leaves anchors, aliases, tags, several documents and duplicate keys to the full reader", () => {
    const cases = [
      "a: &x { b: 1 }\nc: *x\n",
      "a: !!str 1\n",
      "a: 1\n---\nb: 2\n",
      "a: 1\na: 2\n",
      "__proto__: { a: 1 }\n",
      "%YAML 1.2\n---\na: 1\n",
      "a:\n  -\n  - b\n",
      "",
    ];
    for (const text of cases) {
      const fast = parseSpecText(text, "x.yaml");
      expect(fast.loaded.reader, text).toBe("full");
      const full = parseSpecText(text, "x.yaml", { full: true });
      expect(fast.diagnostics).toEqual(full.diagnostics);
      expect(fast.loaded.data).toEqual(full.loaded.data);
    }
  });
});

// --- generated documents: the block reader against js-yaml and the full reader --------------------

/** Scalars as a DBA writes them: plain, quoted and flow values the block reader is meant to take. */
const SCALARS = [
  "a",
  "db1",
  "orders-primary",
  "/var/lib/drctl",
  "10.1.0.1",
  "1",
  "-1",
  "+12",
  "03306",
  "0x1F",
  "0o17",
  "1_000",
  "1.5",
  "1e3",
  ".5",
  ".inf",
  "-.Inf",
  ".nan",
  "true",
  "False",
  "TRUE",
  "yes",
  "on",
  "null",
  "Null",
  "~",
  "12:30",
  "2026-01-01",
  "5m",
  "https://s3.example.org",
  "a:b",
  "a#b",
  "-a",
  "?a",
  ":a",
  "é",
  "注文",
  "données 1",
  "a'b",
  'a"b',
  "a]",
  "a}",
  "a{b",
  "a, b",
  "a,b",
  '"a b"',
  '"x"',
  '""',
  "''",
  "'it''s'",
  "'a'",
  '"0 2 * * *"',
  "[a, b]",
  "[a,b]",
  "[ a , b ]",
  "[]",
  "{}",
  '[orders, "bestellungen_über_alles", "注文"]',
  "{ a: 1, b: [x] }",
  "{a: 1}",
  '{ "k": v }',
  "{ 'k': v }",
  "{ url: https://x }",
  "[a, [b, [c]]]",
  "{ rpo: 5m, rto: 1h }",
  '{ method: mysqldump, schedule: "30 */4 * * *" }',
  "{ a: [1, 2], b: { c: ~ } }",
  "[-1, -a]",
  "[?a, :a]",
  "{ -a: 1 }",
  "[a b, c d]",
  "[ {a: 1}, [b] ]",
];
/** The edges: what YAML reads otherwise or refuses, and what the block reader leaves to the others. */
const EDGE_SCALARS = [
  "a: b",
  "a:",
  "a #b",
  "a # b",
  "- a",
  "-",
  "? a",
  ": a",
  "[a]",
  "*a",
  "&a b",
  "!t x",
  "|",
  ">",
  "%x",
  "@x",
  "`x",
  ",a",
  "]",
  "0 2 * * *",
  "0 */6 * * *",
  "<<",
  "__proto__",
  '"a\\"b"',
  '"a\\nb"',
  '"a',
  "'a",
  '"a" x',
  '"a"#c',
  '"a" # c',
  "'a' #c",
  '"a":',
  "[a,]",
  "[a, , b]",
  "[a: b]",
  "{a:1}",
  "{ a }",
  "{ a: }",
  '{"k":v}',
  "[a #c]",
  "{ a: b: c }",
  "{ a: 1, a: 2 }",
  "[ , ]",
  "{ , }",
  "[a]x",
  "{a: 1}x",
  "[a] #c",
  "{a: 1} # c",
  "{ <<: 1 }",
  "{ 1: a }",
  "{ [a]: b }",
  "[a, b",
  "'a''",
  "a\tb",
];
const KEYS = [
  "a",
  "b",
  "key",
  "k k",
  "db1",
  "ds0",
  "é",
  "注文",
  "a:b",
  "a#b",
  "-k",
  "?k",
  "k ",
  '"quoted key"',
  "'single'",
  '"1"',
  "'it''s'",
  "x y z",
  '"k"  ',
];
const EDGE_KEYS = [
  "1",
  "true",
  "null",
  "~",
  "<<",
  '"a\\"b"',
  '"k":',
  "[k]",
  "{k: v}",
  "&a k",
  "*k",
  "!t k",
  "? k",
  "- k",
  "k #c",
  "__proto__",
];

const scalar = fc.oneof(
  { arbitrary: fc.constantFrom(...SCALARS), weight: 30 },
  { arbitrary: fc.constantFrom(...EDGE_SCALARS), weight: 1 },
);
const key = fc.oneof(
  { arbitrary: fc.constantFrom(...KEYS), weight: 30 },
  { arbitrary: fc.constantFrom(...EDGE_KEYS), weight: 1 },
);

type Tree =
  | { kind: "scalar"; text: string }
  | { kind: "map"; entries: [string, Tree][] }
  | { kind: "seq"; items: Tree[] };

const tree = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ kind: fc.constant("scalar" as const), text: scalar }),
    fc.record({
      kind: fc.constant("map" as const),
      entries: fc.array(fc.tuple(key, tie("node")), { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ kind: fc.constant("seq" as const), items: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
  ),
}));

/** How a document is laid out: indentation steps, sequences at their key's column, comments, blank lines. */
const layout = fc.record({
  step: fc.constantFrom(1, 2, 4),
  seqAtKeyColumn: fc.boolean(),
  trailingComment: fc.constantFrom("", "", " # note", "  #note", "#no space"),
  noise: fc.array(
    fc.tuple(
      fc.nat(40),
      fc.oneof(
        { arbitrary: fc.constantFrom("", "   ", "# comment", "   # indented comment"), weight: 8 },
        { arbitrary: fc.constantFrom("  continued", "\tb: 1", "---", "...", "x", "- y", "%YAML 1.2"), weight: 1 },
      ),
    ),
    { maxLength: 3 },
  ),
  finalNewline: fc.boolean(),
});

function render(root: [string, Tree][], l: fc.GeneratedValue<typeof layout>): string {
  const lines: string[] = [];
  const pad = (n: number) => " ".repeat(n);
  const value = (t: Tree, indent: number, head: string, col: number): void => {
    if (t.kind === "scalar") {
      lines.push(`${head} ${t.text}${l.trailingComment}`);
    } else if (t.kind === "map") {
      lines.push(head);
      block(t, indent + l.step);
    } else {
      lines.push(head);
      block(t, l.seqAtKeyColumn ? col : indent + l.step);
    }
  };
  const block = (t: Tree, indent: number): void => {
    if (t.kind === "map") {
      for (const [k, v] of t.entries) value(v, indent, `${pad(indent)}${k}:`, indent);
    } else if (t.kind === "seq") {
      for (const item of t.items) {
        if (item.kind === "map") {
          // a compact mapping: its first key on the dash's line, the others under it
          const [first, ...rest] = item.entries;
          if (!first) continue;
          value(first[1], indent + 2, `${pad(indent)}- ${first[0]}:`, indent + 2);
          for (const [k, v] of rest) value(v, indent + 2, `${pad(indent + 2)}${k}:`, indent + 2);
        } else if (item.kind === "seq") {
          lines.push(`${pad(indent)}-`);
          block(item, indent + 2);
        } else {
          lines.push(`${pad(indent)}- ${item.text}${l.trailingComment}`);
        }
      }
    } else {
      lines.push(`${pad(indent)}${t.text}`);
    }
  };
  block({ kind: "map", entries: root }, 0);
  for (const [at, line] of l.noise) lines.splice(at % (lines.length + 1), 0, line);
  return lines.join("\n") + (l.finalNewline ? "\n" : "");
}

/** js-yaml's reading of a text, or undefined when it refuses it. */
function jsYaml(text: string): unknown {
  try {
    return load(text, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
}

describe("block reader on generated documents", () => {
  // FUZZ_RUNS=40000 FUZZ_SEED=n for a longer search (4 × 40,000 found nothing when the reader landed)
  it("reads exactly as js-yaml and the full reader whatever it takes, and takes a good share", () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(key, tree.node), { minLength: 1, maxLength: 4 }), layout, (root, l) => {
        const text = render(root, l);
        runs++;
        const block = readBlockYaml(text);
        if (block === undefined) return;
        taken++;
        const reference = jsYaml(text);
        expect(reference, text).toBeDefined();
        expect(isDeepStrictEqual(block, reference), text).toBe(true);
        const full = parseSpecText(text, "generated.yaml", { full: true });
        expect(
          full.diagnostics.filter((d) => d.severity === "error"),
          text,
        ).toEqual([]);
        expect(isDeepStrictEqual(block, full.loaded.data), text).toBe(true);
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 3000),
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261202,
      },
    );
    // the generator reaches both sides: many documents taken, many left to the general readers
    expect(taken).toBeGreaterThan(runs / 10);
    expect(taken).toBeLessThan(runs);
  });

  it("positions through the block reader are the general readers' (generated documents it takes)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, tree.node), { minLength: 1, maxLength: 3 }), layout, (root, l) => {
        const text = render(root, l);
        if (readBlockYaml(text) !== undefined) expect(agree(text, "generated.yaml")).toBe("block");
      }),
      { numRuns: Number(process.env.FUZZ_PLACES ?? 300), seed: 7 },
    );
  });
});

describe("plain scalar types (core schema)", () => {
  /** js-yaml's own answer. */
  const reference = (s: string) => CORE_SCHEMA.resolveImplicitScalarTag(s).value;

  it("agree with js-yaml's resolver on named cases (-0 and NaN included)", () => {
    const cases = [
      ...["", "~", "null", "Null", "NULL", "nULL", "true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "yes"],
      ...["0", "-0", "+0", "00", "007", "03306", "1", "-1", "+1", "0x1F", "0X1F", "-0x1F", "0o17", "-0o17", "0o8"],
      ...["0b101", "1_000", "1.5", "-1.5", "+1.5", "1.", "-1.", ".5", "-.5", "+.5", "1e3", "1E3", "1e+3", "1e-3"],
      ...["1.5e3", ".5e3", "1e", "e3", ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".iNf", ".nan", ".NaN", ".NAN"],
      ...["-.nan", "+.nan", `1${"0".repeat(400)}`, `0x${"f".repeat(300)}`, `1${"0".repeat(400)}.5`, "12:30"],
      ...["-", "+", ".", "..", "-.", "1.2.3", "1e3e3", " 1", "1 ", "٣", "１", "Infinity", "NaN", "0.0", "-0.0"],
    ];
    for (const s of cases) expect(Object.is(resolvePlain(s), reference(s)), JSON.stringify(s)).toBe(true);
  });

  it("agree with js-yaml's resolver on generated number-like text", () => {
    const char = fc.constantFrom(..."0123456789+-.eExXoObB_:~nNaAiIfFtTrRuUlLsS ");
    fc.assert(
      fc.property(fc.array(char, { maxLength: 9 }), (chars) => {
        const s = chars.join("");
        expect(Object.is(resolvePlain(s), reference(s)), JSON.stringify(s)).toBe(true);
      }),
      { numRuns: 20000, seed: 3 },
    );
  });
});
