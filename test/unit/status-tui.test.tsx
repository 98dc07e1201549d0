// drctl status's Ink view: the same table as the text form, each state coloured, the reasons below.
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { StatusReport } from "../../src/core/status.js";
import { renderStatusText } from "../../src/render/status-text.js";
import { StatusApp } from "../../src/render/tui/StatusApp.js";

const report: StatusReport = {
  now: "2026-11-25T12:09:00.000Z",
  state: "BREACHED",
  datasets: [
    {
      dataset: "shop",
      tier: "gold",
      state: "AT RISK",
      reasons: ["exposure 9m is above 80% of RPO 10m (gold)"],
      newestFull: { id: "f1", at: "2026-11-25T02:00:00.000Z" },
      recoverableUntil: "2026-11-25T12:00:00.000Z",
      exposureSeconds: 540,
      rpoTargetSeconds: 600,
      rtoTargetSeconds: 1800,
      lastDrill: {
        drill: "weekly",
        startedAt: "2026-11-22T05:00:10.000Z",
        result: "ok",
        rto: { measuredSeconds: 40.25, targetSeconds: 1800, met: true },
        rpo: { measuredSeconds: 0, targetSeconds: 600, met: true },
      },
    },
    {
      dataset: "wiki",
      tier: "bronze",
      state: "BREACHED",
      reasons: ["no full backup set: nothing to restore"],
      rpoTargetSeconds: 86400,
      rtoTargetSeconds: 28800,
    },
  ],
};

describe("StatusApp", () => {
  it("draws every dataset's row with its state, the reasons, and the overall state", () => {
    const { lastFrame } = render(<StatusApp report={report} />);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's escape sequences
    const frame = lastFrame()!.replace(/\x1b\[[0-9;]*m/g, "");
    expect(frame).toMatch(/DATASET\s+TIER\s+STATE/);
    expect(frame).toMatch(
      new RegExp(
        "shop\\s+gold\\s+AT " +
          "RISK\\s+2026-11-25T02:00:00Z\\s+2026-11-25T12:00:00Z\\s+9m\\/10m\\s+2026-11-22T05:00:10Z " +
          "ok RTO 40\\.3s\\/30m RPO 0\\.0s\\/10m",
      ),
    );
    expect(frame).toMatch(/wiki\s+bronze\s+BREACHED\s+—\s+—\s+—\s+never/);
    expect(frame).toContain("wiki: no full backup set: nothing to restore");
    expect(frame).toContain("overall: BREACHED");
  });

  it("says what the plain text says", () => {
    const text = renderStatusText(report);
    expect(text).toContain("shop: AT RISK: exposure 9m is above 80% of RPO 10m (gold)");
    expect(text.split("\n").at(-1)).toBe("overall: BREACHED (as of 2026-11-25T12:09:00Z)");
  });
});
