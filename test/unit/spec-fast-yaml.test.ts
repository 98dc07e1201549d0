// The plain-YAML reader (js-yaml events) and the full reader (the `yaml` library) must agree on every
// spec the plain reader accepts: the same value, and every path located at the same line and column —
// the fast path may only ever be faster, never different.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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

/** Whether the plain reader took it; when it did, both readers agree on everything. */
function agree(text: string, file: string): boolean {
  const fast = parseSpecText(text, file);
  const full = parseSpecText(text, file, { full: true });
  expect(full.loaded.reader).toBe("full");
  if (full.diagnostics.some((d) => d.severity === "error")) {
    // the full reader refuses it: the plain reader must not have taken it
    expect(fast.loaded.reader).toBe("full");
    expect(fast.diagnostics).toEqual(full.diagnostics);
    return false;
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
  return fast.loaded.reader === "plain";
}

describe("plain YAML reader", () => {
  it.each(corpus.map((f) => [f.slice(root.length + 1), f]))("%s: same value and positions", (_name, file) => {
    agree(readFileSync(file, "utf8"), file);
  });

  it("takes every example and most invalid fixtures (those without YAML errors) on the plain path", () => {
    const plain = corpus.filter((f) => agree(readFileSync(f, "utf8"), f)).map((f) => f.slice(root.length + 1));
    expect(plain.filter((f) => f.startsWith("examples/"))).toHaveLength(
      corpus.filter((f) => f.includes("/examples/")).length,
    );
    expect(plain.length).toBeGreaterThan(corpus.length / 2);
  });

  it("scalar styles, flow collections, unicode keys and empty values: same value and positions", () => {
    expect(agree(tricky, "tricky.yaml")).toBe(true);
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
