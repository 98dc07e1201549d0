// plan --json is printed in pieces (src/render/json-pieces.ts): joined, they must be exactly the text of
// JSON.stringify(value, null, 2) and a newline, whatever the value.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prettyJsonPieces } from "../../src/render/json-pieces.js";

const whole = (v: unknown) => [...prettyJsonPieces(v)].join("");

describe("prettyJsonPieces", () => {
  it("joins to JSON.stringify(value, null, 2) for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(whole(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  it("top-level arrays longer than a piece, empty ones, undefined and functions left out, a Date", () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ address: `schedule.dataset.ds${i}`, n: i, s: "≤ →" }));
    const v = {
      formatVersion: 1,
      resources: items,
      empty: [],
      gone: undefined,
      fn: () => 1,
      holes: [1, undefined, () => 2, null],
      at: new Date(0),
      nested: { list: items.slice(0, 70), deeper: [[1, [2]], { a: [] }] },
      'key with "quotes" and ✓': "x",
      last: items,
    };
    expect(whole(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
    // the arrays came in several pieces, each ending at a line end
    const pieces = [...prettyJsonPieces(v)];
    expect(pieces.length).toBeGreaterThan(10);
    for (const p of pieces) expect(p.endsWith("\n")).toBe(true);
  });

  it("values that are not a plain object: stringified whole", () => {
    for (const v of [[1, 2], "s", 3, null, new Date(0), {}, { a: undefined }, Object.create(null)])
      expect(whole(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
    expect([...prettyJsonPieces(undefined)]).toEqual([]);
  });
});
