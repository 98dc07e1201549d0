// The TUI's pure parts: ordering, scrolling, wrapping, diffs, and key handling as a reducer.
import { describe, expect, it } from "vitest";
import {
  commandFor,
  initialView,
  itemSpan,
  orderedResources,
  reduceView,
  resourceRows,
  scrollTo,
  textDiff,
  wrapText,
  type Command,
} from "../../src/render/tui/model.js";
import { examplePlan } from "../helpers/example-plan.js";

describe("scrollTo", () => {
  it.each([
    // previousTop, focusStart, focusEnd, height, total → top
    [0, 0, 0, 10, 5, 0], // everything fits
    [0, 3, 3, 10, 40, 0], // already visible: do not move
    [0, 12, 12, 10, 40, 3], // below: scroll just enough
    [20, 5, 5, 10, 40, 5], // above: scroll up to it
    [0, 12, 30, 10, 40, 12], // taller than the window: show its start
    [35, 39, 39, 10, 40, 30], // never past the end
  ])("top %i, focus %i–%i, height %i of %i → %i", (prev, s, e, h, total, want) => {
    expect(scrollTo(prev, s, e, h, total)).toBe(want);
  });
});

describe("wrapText", () => {
  it("wraps on words, cuts words longer than the width, keeps every character", () => {
    const text = "orders: RPO ~6h > gold 5m: no binlog archiving; add binlog.archive aaaaaaaaaaaaaaaaaaaaaaaaa";
    const lines = wrapText(text, 20);
    expect(lines.every((l) => l.length <= 20)).toBe(true);
    expect(lines.join(" ").replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
    expect(lines[0]).toBe("orders: RPO ~6h >");
    expect(wrapText("", 10)).toEqual([""]);
  });
});

describe("textDiff", () => {
  it("marks added, removed and context lines of two texts", () => {
    const d = textDiff("a\nb\nc", "a\nB\nc\nd");
    expect(d.map((l) => `${l.tone}:${l.text}`)).toEqual([
      "hunk:@@ -1,3 +1,4 @@",
      "context: a",
      "remove:-b",
      "add:+B",
      "context: c",
      "add:+d",
    ]);
  });
  it("nothing for equal texts", () => expect(textDiff("x\n", "x")).toEqual([]));
});

describe("resource order and rows", () => {
  const { plan } = examplePlan("multi-dataset-offsite.yaml");
  it("destroys first, then restart-required changes, in-place changes, creates, unknowns", () => {
    const symbols = orderedResources(plan, false).map((r) =>
      r.action === "update" && r.restartRequired ? "±" : r.action,
    );
    const rank = ["delete", "±", "update", "create", "unknown"];
    const ranks = symbols.map((s) => rank.indexOf(s));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });
  it("an expanded resource's rows scroll in with its group title", () => {
    const resources = orderedResources(plan, false);
    const rows = resourceRows(resources, new Set([resources[0]!.address]));
    const [start, end] = itemSpan(rows, 0);
    expect(start).toBe(0); // the group title
    expect(rows[start]!.item).toBeNull();
    expect(end).toBeGreaterThan(3);
    expect(rows.slice(1, end + 1).every((r) => r.item === 0)).toBe(true);
  });
});

describe("reduceView", () => {
  const { plan } = examplePlan("multi-dataset-offsite.yaml");
  const run = (...cmds: Command[]) => cmds.reduce((s, c) => reduceView(plan, s, c, 5), initialView());

  it("keys typed faster than the redraw land on the state they follow", () => {
    const s = run("next-pane", "toggle");
    expect(s.focus).toBe("proofs");
    expect([...s.expandedProofs]).toEqual([plan.proofs[0]!.dataset]);
    expect(s.expanded.size).toBe(0);
  });
  it("the cursor stays inside its pane; pages move by the window height", () => {
    expect(run("up").cursor.resources).toBe(0);
    expect(run("page-down").cursor.resources).toBe(4);
    const last = orderedResources(plan, false).length - 1;
    expect(run("last", "down", "down").cursor.resources).toBe(last);
    expect(run("last", "page-up").cursor.resources).toBe(last - 4);
  });
  it("tab cycles through the panes that have items, shift-tab backwards", () => {
    expect(run("next-pane", "next-pane").focus).toBe("findings");
    expect(run("next-pane", "next-pane", "next-pane").focus).toBe("resources");
    expect(run("previous-pane").focus).toBe("findings");
  });
  it("'a' opens all and then closes all; open/close are idempotent", () => {
    expect(run("all").expanded.size).toBe(orderedResources(plan, false).length);
    expect(run("all", "all").expanded.size).toBe(0);
    expect(run("open", "open").expanded.size).toBe(1);
    expect(run("open", "close", "close").expanded.size).toBe(0);
  });
  it("quit", () => expect(run("quit").quit).toBe(true));
});

describe("commandFor", () => {
  const none = {};
  it.each([
    ["q", none, "quit"],
    ["", { escape: true }, "quit"],
    ["", { tab: true }, "next-pane"],
    ["", { tab: true, shift: true }, "previous-pane"],
    ["j", none, "down"],
    ["", { upArrow: true }, "up"],
    ["", { return: true }, "toggle"],
    [" ", none, "toggle"],
    ["G", none, "last"],
    ["x", none, undefined],
  ] as const)("%j %j → %s", (input, key, want) => expect(commandFor(input, key)).toBe(want));
});
