// drctl status's core: exposure against the tier's RPO, the drills' proof and schedule, as the clock moves.
import { describe, expect, it } from "vitest";
import { datasetStatus, statusReport, type DatasetFacts } from "../../src/core/status.js";
import { specWith } from "../helpers/builders.js";

const spec = specWith(
  { binlog: { archive: true, interval: "1m" } },
  { rpo: "10m", rto: "30m" },
  { drills: { weekly: { dataset: "shop", schedule: "0 5 * * 0" } } },
);
const okDrill = {
  drill: "weekly",
  startedAt: "2026-11-22T05:00:10Z",
  result: "ok" as const,
  rto: { measuredSeconds: 40, targetSeconds: 1800, met: true },
  rpo: { measuredSeconds: 0, targetSeconds: 600, met: true },
};
const facts: DatasetFacts = {
  newestFull: { id: "f1", at: "2026-11-25T02:00:00Z" },
  newestSet: { id: "f1", at: "2026-11-25T02:00:00Z" },
  archivedUntil: "2026-11-25T12:00:00Z",
  newestArchivedEvent: "2026-11-25T09:30:00Z",
  drills: [okDrill],
};
const at = (iso: string) => datasetStatus(spec, "shop", facts, new Date(iso), "UTC");

describe("datasetStatus", () => {
  it("OK → AT RISK → BREACHED as the clock moves past 80 % and then 100 % of the RPO", () => {
    expect(at("2026-11-25T12:07:00Z")).toMatchObject({ state: "OK", exposureSeconds: 420, reasons: [] });
    const risk = at("2026-11-25T12:09:00Z");
    expect(risk.state).toBe("AT RISK");
    expect(risk.reasons).toEqual([
      "exposure 9m is above 80% of RPO 10m (gold), since 2026-11-25T12:00:00Z (the last complete binlog archive run)",
    ]);
    const breached = at("2026-11-25T12:11:00Z");
    expect(breached.state).toBe("BREACHED");
    expect(breached.reasons[0]).toBe(
      "exposure 11m > RPO 10m (gold): data since 2026-11-25T12:00:00Z (the last complete binlog archive run) " +
        "would be lost",
    );
  });

  it(
    "an idle server whose archive run a minute ago left nothing behind is OK, though its " + "last event is hours old",
    () => {
      expect(at("2026-11-25T12:01:00Z")).toMatchObject({
        state: "OK",
        exposureSeconds: 60,
        recoverableUntil: "2026-11-25T12:00:00Z",
      });
    },
  );

  it("without archiving, the exposure runs from the newest set", () => {
    const s = specWith(
      {},
      { rpo: "1d", rto: "4h" },
      { drills: { weekly: { dataset: "shop", schedule: "0 5 * * 0" } } },
    );
    const { archivedUntil: _a, newestArchivedEvent: _e, ...withoutArchive } = facts;
    const r = datasetStatus(s, "shop", withoutArchive, new Date("2026-11-25T12:00:00Z"), "UTC");
    expect(r).toMatchObject({ state: "OK", exposureSeconds: 36000, recoverableUntil: "2026-11-25T02:00:00Z" });
  });

  it(
    "a drill that missed its schedule is AT RISK; a failed or target-missing last drill is BREACHED; no set at " +
      "all is BREACHED",
    () => {
      const overdue = at("2026-11-29T06:30:00Z");
      expect(overdue.reasons).toContain(
        "drill weekly is overdue: its schedule (0 5 * * 0) ran it at 2026-11-29T05:00:00.000Z, but the last " +
          "run is from 2026-11-22T05:00:10Z",
      );
      // within the grace hour the drill may still be running
      expect(
        datasetStatus(
          spec,
          "shop",
          { ...facts, archivedUntil: "2026-11-29T05:55:00Z" },
          new Date("2026-11-29T05:59:00Z"),
          "UTC",
        ).state,
      ).toBe("OK");
      const failed = datasetStatus(
        spec,
        "shop",
        { ...facts, drills: [okDrill, { ...okDrill, startedAt: "2026-11-24T05:00:00Z", result: "failed" }] },
        new Date("2026-11-25T12:01:00Z"),
        "UTC",
      );
      expect(failed.state).toBe("BREACHED");
      expect(failed.reasons).toEqual([
        "the last drill (weekly, 2026-11-24T05:00:00Z) FAILED: recoverability not proven",
      ]);
      const missed = datasetStatus(
        spec,
        "shop",
        {
          ...facts,
          drills: [
            { ...okDrill, result: "target-missed", rto: { measuredSeconds: 3600, targetSeconds: 1800, met: false } },
          ],
        },
        new Date("2026-11-25T12:01:00Z"),
        "UTC",
      );
      expect(missed.reasons).toEqual(["the last drill (weekly, 2026-11-22T05:00:10Z) measured RTO 1h > 30m"]);
      expect(datasetStatus(spec, "shop", { drills: [] }, new Date("2026-11-25T12:01:00Z"), "UTC")).toMatchObject({
        state: "BREACHED",
        reasons: ["no full backup set: nothing to restore", "never drilled: recoverability not yet proven"],
      });
    },
  );

  it("the report's state is the worst dataset's", () => {
    expect(
      statusReport([at("2026-11-25T12:01:00Z"), at("2026-11-25T12:09:00Z")], new Date("2026-11-25T12:09:00Z")).state,
    ).toBe("AT RISK");
  });
});

describe("datasetStatus: offsite copies", () => {
  const withCopy = (offsite: DatasetFacts["offsite"]) => ({ ...facts, offsite });
  const copy = {
    repository: "vault",
    newestFull: "f1",
    newestPoint: "2026-11-25T11:58:00Z",
    lastCompleted: "2026-11-25T11:59:00Z",
    lastRun: { at: "2026-11-25T11:59:00Z", mismatches: 0 },
  };
  const when = (iso: string, offsite: DatasetFacts["offsite"]) =>
    datasetStatus(spec, "shop", withCopy(offsite), new Date(iso), "UTC");

  it("a copy within the RPO adds no reason; its age is the exposure if the site is lost", () => {
    const s = when("2026-11-25T12:05:00Z", [copy]);
    expect(s.state).toBe("OK");
    expect(s.offsite).toEqual([{ ...copy, exposureSeconds: 420 }]);
  });

  it("the copy older than the RPO while the site is fine: AT RISK, the pending run's cause named", () => {
    const pending = { ...copy, lastRun: { at: "2026-11-25T12:05:00Z", pending: "ECONNREFUSED", mismatches: 0 } };
    const s = when("2026-11-25T12:09:00Z", [pending]);
    expect(s.state).toBe("AT RISK");
    expect(s.reasons).toContain(
      "the newest copy at vault reaches 2026-11-25T11:58:00Z: 11m old, over the RPO 10m (gold) if the site is " +
        "lost (the last copy run, 2026-11-25T12:05:00Z, is pending: ECONNREFUSED)",
    );
  });

  it("no full set at a copy, differing objects, a failed verify: each AT RISK, never BREACHED alone", () => {
    const never = when("2026-11-25T12:05:00Z", [{ repository: "vault" }]);
    expect([never.state, never.reasons]).toEqual([
      "AT RISK",
      ["no copy at vault holds a full set yet: losing the site loses everything"],
    ]);
    const damaged = when("2026-11-25T12:05:00Z", [
      { ...copy, lastVerified: { at: "2026-11-25T12:01:00Z", ok: false, deep: false, checked: 3, failed: 1 } },
    ]);
    expect(damaged.reasons).toEqual(["the last verify of vault (2026-11-25T12:01:00Z) FAILED: the copy is damaged"]);
    expect(damaged.state).toBe("AT RISK");
  });
});
