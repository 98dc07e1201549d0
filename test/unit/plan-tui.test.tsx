// The interactive plan, driven by keys through ink-testing-library: what is selected, what expands,
// what the findings pane shows, how the panes scroll, and that q quits.
import { render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup } from "ink-testing-library";
import { PlanApp } from "../../src/render/tui/PlanApp.js";
import { examplePlan } from "../helpers/example-plan.js";
import type { Plan } from "../../src/core/plan.generated.js";

const KEY = { down: "\u001B[B", up: "\u001B[A", enter: "\r", tab: "\t", end: "\u001B[F", home: "\u001B[H" };

afterEach(() => cleanup());

/** Waits until the last frame satisfies `ok` (Ink renders after input asynchronously). */
async function frameWhere(
  app: ReturnType<typeof render>,
  ok: (frame: string) => boolean,
  what: string,
): Promise<string> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const frame = app.lastFrame() ?? "";
    if (ok(frame)) return frame;
    if (Date.now() > deadline) throw new Error(`frame never showed ${what}; last frame:\n${frame}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function press(app: ReturnType<typeof render>, key: string, then: (frame: string) => boolean, what: string) {
  app.stdin.write(key);
  return frameWhere(app, then, what);
}

const selectedLine = (frame: string) => frame.split("\n").find((l) => l.startsWith("›")) ?? "";

describe("plan TUI", () => {
  const { plan } = examplePlan("multi-dataset-offsite.yaml");

  it(
    "groups resources by action with their symbols, selects the first, and shows summary, " + "proofs and findings",
    async () => {
      const app = render(<PlanApp plan={plan} height={60} />);
      const frame = await frameWhere(app, (f) => f.includes("Resources"), "the resources pane");
      expect(frame).toContain("drctl plan · project acme");
      expect(frame).toContain("Plan: ");
      expect(frame).toMatch(/± 2 to change, taking effect when the server restarts/);
      expect(frame).toMatch(/\+ \d+ to create/);
      expect(frame).toMatch(/\? 1 unknown/);
      // restart-required updates come before creates, and the cursor starts on the first resource
      expect(frame.indexOf("± 2 to change")).toBeLessThan(frame.indexOf("to create"));
      expect(selectedLine(frame)).toContain("▸ ± server.orders-primary.binlog  (restart required)");
      expect(frame).toMatch(/RPO\/RTO \(\d+ dataset\(s\)\)/);
      expect(frame).toContain("orders (gold): RPO");
      expect(frame).toMatch(/Findings \(\d+ error\(s\), \d+ warning\(s\), \d+ info\)/);
      expect(frame).toContain("q quit");
    },
  );

  it("moves with arrows and j/k, and expands attributes and the drop-in diff with enter", async () => {
    const app = render(<PlanApp plan={plan} height={60} />);
    await frameWhere(app, (f) => selectedLine(f).includes("server.orders-primary.binlog"), "first resource selected");
    await press(
      app,
      KEY.down,
      (f) => selectedLine(f).includes("server.orders-replica.binlog"),
      "second resource selected",
    );
    await press(app, "k", (f) => selectedLine(f).includes("server.orders-primary.binlog"), "back on the first");
    const open = await press(app, KEY.enter, (f) => selectedLine(f).includes("▾"), "expanded attributes");
    expect(selectedLine(open)).toContain("▾ ± server.orders-primary.binlog");
    expect(open).toContain(`~ log_bin: "OFF" → "ON"  (restart required)`);
    expect(open).toContain(`~ binlog_format: "MIXED" → "ROW"`);
    expect(open).toContain("runs on: orders-primary");
    // the option-file drop-in, as a diff made by `diff`
    expect(open).toContain("option-file drop-in:");
    expect(open).toMatch(/^\s+\+\[mariadbd\]$/m);
    expect(open).toMatch(/^\s+\+binlog-format = ROW$/m);
    const closed = await press(app, KEY.enter, (f) => !f.includes("option-file drop-in:"), "collapsed again");
    expect(selectedLine(closed)).toContain("▸ ± server.orders-primary.binlog");
  });

  it("expands a schedule into its cron line diff, and 'a' expands everything", async () => {
    const app = render(<PlanApp plan={plan} height={200} />);
    await frameWhere(app, (f) => f.includes("Resources"), "first frame");
    const all = await press(app, "a", (f) => f.includes("cron line:"), "everything expanded");
    expect(all).toMatch(/^\s+\+.*\/usr\/bin\/flock -n -E 75 .*drctl:|^\s+\+.*flock/m);
    expect(all).toContain(`+ schedule: "0 1 * * *"`);
    expect((all.match(/▾/g) ?? []).length).toBe(plan.resources.filter((r) => r.action !== "no-op").length);
  });

  it("tab moves focus to the RPO/RTO and findings panes; the error finding is shown", async () => {
    const app = render(<PlanApp plan={plan} height={60} />);
    await frameWhere(app, (f) => f.includes("Resources"), "first frame");
    const proofs = await press(app, KEY.tab, (f) => selectedLine(f).includes("(gold): RPO"), "a proof selected");
    expect(selectedLine(proofs)).toContain("▸ orders (gold)");
    const basis = await press(app, KEY.enter, (f) => f.includes("    RPO: "), "the proof's basis");
    expect(basis).toContain("    RTO: ");
    const findings = await press(app, KEY.tab, (f) => /^› (✖ error|▲ warning|· info)/m.test(f), "a finding selected");
    const first = [...plan.findings].sort(
      (a, b) => ["error", "warning", "info"].indexOf(a.level) - ["error", "warning", "info"].indexOf(b.level),
    )[0]!;
    expect(selectedLine(findings)).toContain(first.message.slice(0, 40));
    await press(app, KEY.tab, (f) => selectedLine(f).includes("server.orders-primary.binlog"), "back to resources");
  });

  it("keys typed faster than the screen redraws are not lost or misrouted", async () => {
    const app = render(<PlanApp plan={plan} height={60} />);
    await frameWhere(app, (f) => f.includes("Resources"), "first frame");
    app.stdin.write(KEY.tab);
    app.stdin.write(KEY.enter);
    const frame = await frameWhere(app, (f) => f.includes("    RPO: "), "the first proof expanded");
    expect(frame).not.toContain("runs on:");
  });

  it("scrolls a pane that does not fit, keeping the selection in view", async () => {
    const app = render(<PlanApp plan={plan} height={20} />);
    const first = await frameWhere(app, (f) => f.includes("Resources"), "first frame");
    expect(first).toMatch(/Resources .*1–\d+ of \d+ lines/);
    const last = plan.resources.filter((r) => r.action !== "no-op" && r.action !== "unknown").at(-1)!;
    const end = await press(
      app,
      "G",
      (f) => selectedLine(f).includes("repository.cloud") || selectedLine(f).includes(last.address),
      "the last resource selected",
    );
    expect(end).not.toContain("server.orders-primary.binlog");
    expect(end.split("\n").length).toBeLessThanOrEqual(20);
    await press(app, "g", (f) => selectedLine(f).includes("server.orders-primary.binlog"), "back at the top");
  });

  it("u shows the unchanged resources, keeping the selection", async () => {
    // the schedules of one dataset already installed: they are no-ops
    const matching: Plan = {
      ...plan,
      resources: plan.resources.map((r) =>
        r.address.startsWith("schedule.dataset.reports.") ? { ...r, action: "no-op" as const, attributes: [] } : r,
      ),
    };
    matching.summary = { ...plan.summary, noop: matching.resources.filter((r) => r.action === "no-op").length };
    const noops = matching.resources.filter((r) => r.action === "no-op");
    expect(noops.length).toBe(3);
    const app = render(<PlanApp plan={matching} height={80} />);
    const before = await frameWhere(app, (f) => f.includes("Resources"), "first frame");
    expect(before).not.toContain(noops[0]!.address);
    expect(before).toContain("Resources (19 changed, 3 unchanged)");
    await press(app, KEY.down, (f) => selectedLine(f).includes("server.orders-replica.binlog"), "second resource");
    const after = await press(app, "u", (f) => f.includes(noops[0]!.address), "unchanged resources");
    expect(after).toContain("  3 unchanged");
    expect(after).toContain("Resources (22)");
    expect(selectedLine(after)).toContain("server.orders-replica.binlog");
    await press(app, "u", (f) => !f.includes(noops[0]!.address), "unchanged hidden again");
  });

  it("a plan without changes says so", async () => {
    const empty: Plan = {
      ...plan,
      resources: plan.resources.map((r) => ({ ...r, action: "no-op" as const, attributes: [] })),
      findings: [],
      summary: {
        ...plan.summary,
        create: 0,
        update: 0,
        delete: 0,
        unknown: 0,
        restartRequired: 0,
        errors: 0,
        warnings: 0,
        noop: plan.resources.length,
      },
      hasChanges: false,
    };
    const app = render(<PlanApp plan={empty} height={40} />);
    const frame = await frameWhere(app, (f) => f.includes("Resources"), "first frame");
    expect(frame).toContain("No changes. The live state matches the spec.");
    expect(frame).not.toContain("Findings");
  });

  it("q and escape quit", async () => {
    for (const key of ["q", "\u001B"]) {
      const onExit = vi.fn();
      const app = render(<PlanApp plan={plan} onExit={onExit} />);
      await frameWhere(app, (f) => f.includes("Resources"), "first frame");
      app.stdin.write(key);
      await vi.waitFor(() => expect(onExit).toHaveBeenCalledTimes(1));
      app.unmount();
    }
  });
});
