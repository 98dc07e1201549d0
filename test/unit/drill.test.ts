// The drill's pure parts: where it restores to, and what it concludes from what it read.
import { describe, expect, it } from "vitest";
import {
  compareGtids,
  compareObjects,
  compareReference,
  judgeQuery,
  judgeTargets,
  measuredRpoSeconds,
} from "../../src/drill/compare.js";
import { drillPoint, seededFraction } from "../../src/drill/point.js";
import { drillPhases } from "../../src/drill/drill.js";

const now = new Date("2026-11-25T12:00:00Z");

describe("drillPoint", () => {
  it("latest measures RPO against the drill's start; a fixed time against itself", () => {
    expect(drillPoint(undefined, { now, seed: "s" })).toEqual({
      to: "latest",
      targetTime: "2026-11-25T12:00:00.000Z",
      how: "latest",
    });
    expect(drillPoint("2026-11-20T10:00:00Z", { now, seed: "s" })).toMatchObject({
      to: "2026-11-20T10:00:00.000Z",
      targetTime: "2026-11-20T10:00:00.000Z",
    });
  });

  it(
    "a random point: the same seed gives the same whole second, inside the window cut to " + "what the catalog reaches",
    () => {
      const a = drillPoint({ randomWithin: "24h" }, { now, seed: "weekly@1" });
      expect(drillPoint({ randomWithin: "24h" }, { now, seed: "weekly@1" })).toEqual(a);
      expect(a.to).toMatch(/:\d\d\.000Z$/);
      expect(Date.parse(a.to)).toBeGreaterThanOrEqual(now.getTime() - 86_400_000);
      expect(Date.parse(a.to)).toBeLessThanOrEqual(now.getTime());
      const seeds = Array.from({ length: 200 }, (_, i) => `s${i}`);
      for (const seed of seeds) {
        const t = Date.parse(
          drillPoint(
            { randomWithin: "24h" },
            { now, seed, earliest: "2026-11-25T09:00:00Z", latest: "2026-11-25T11:30:00Z" },
          ).to,
        );
        expect(t).toBeGreaterThanOrEqual(Date.parse("2026-11-25T09:00:00Z"));
        expect(t).toBeLessThanOrEqual(Date.parse("2026-11-25T11:30:00Z"));
      }
      // seeds spread over the window, not a constant
      const fractions = seeds.map(seededFraction);
      expect(Math.min(...fractions)).toBeLessThan(0.1);
      expect(Math.max(...fractions)).toBeGreaterThan(0.9);
    },
  );

  it("without binlog archiving: one of the sets' own points in the window, or the newest", () => {
    const points = ["2026-11-24T02:00:00.000Z", "2026-11-25T02:00:00.000Z", "2026-11-25T08:00:00.000Z"];
    const picked = new Set(
      Array.from({ length: 50 }, (_, i) => drillPoint({ randomWithin: "12h" }, { now, seed: `x${i}`, points }).to),
    );
    expect([...picked].sort()).toEqual(points.slice(1));
    expect(drillPoint({ randomWithin: "1h" }, { now, seed: "x", points }).to).toBe(points[2]);
  });
});

describe("drill comparisons", () => {
  const t = (table: string) => ({ database: "uni", table });

  it(
    "reference figures: counts and checksums named per table; a set without checksums cannot pass a checksum " +
      "drill",
    () => {
      const ref = [
        { ...t("a"), rows: 3, checksum: "11" },
        { ...t("b"), rows: 2, checksum: "22" },
      ];
      const [counts, sums] = compareReference(
        ref,
        [
          { table: t("a"), rows: 3, checksum: "11" },
          { table: t("b"), rows: 2, checksum: "99" },
        ],
        { checksums: true },
      );
      expect(counts).toMatchObject({ ok: true, detail: "2 table(s), 5 rows, equal the reference figures" });
      expect(sums).toMatchObject({ ok: false, detail: "1 table(s) hold different rows than the reference: uni.b" });
      expect(compareReference(ref, [{ table: t("a"), rows: 4 }], { checksums: false })).toEqual([
        {
          step: "set point",
          name: "row counts",
          ok: false,
          detail:
            "2 table(s) differ from the reference figures: uni.a: 4 rows, reference 3, uni.b: missing " +
            "(reference 2 rows)",
        },
      ]);
      expect(
        compareReference([{ ...t("a"), rows: 1 }], [{ table: t("a"), rows: 1, checksum: "5" }], { checksums: true })[1],
      ).toMatchObject({ ok: false, detail: expect.stringContaining("no reference checksums") });
    },
  );

  it("schema objects: missing and changed definitions are told apart", () => {
    const v = {
      type: "view" as const,
      database: "uni",
      name: "v",
      definer: "root@localhost",
      definition: "CREATE VIEW v AS SELECT 1",
    };
    const p = { type: "procedure" as const, database: "uni", name: "p", definition: "CREATE PROCEDURE p() SELECT 1" };
    expect(compareObjects([v, p], [v, p]).ok).toBe(true);
    expect(compareObjects([v, p], [{ ...v, definition: "CREATE VIEW v AS SELECT 2" }]).detail).toBe(
      "missing: procedure uni.p; definition differs: view uni.v",
    );
  });

  it("GTIDs: every transaction of the dataset applied, none past the point or from outside the range", () => {
    expect(compareGtids(["0-1-5", "0-1-7"], ["0-1-5", "0-1-6", "0-1-7"], ["0-1-5", "0-1-7"])).toMatchObject({
      ok: true,
      detail: expect.stringContaining("the last applied is GTID 0-1-7"),
    });
    expect(compareGtids(["0-1-5", "0-1-7"], ["0-1-5", "0-1-6", "0-1-7"], ["0-1-5"]).detail).toBe(
      "not applied: GTID 0-1-7 (the archive's last for the point is GTID 0-1-7)",
    );
    expect(compareGtids(["0-1-5"], ["0-1-5"], ["0-1-5", "0-1-8"]).detail).toBe(
      "applied but not in the archive up to the point: GTID 0-1-8 (the archive's last for the point is GTID 0-1-5)",
    );
  });

  it("queries: min, max, equals (numbers and text), errors", () => {
    expect(judgeQuery("q", { min: 1 }, 5).ok).toBe(true);
    expect(judgeQuery("q", { min: 1, max: 3 }, 5).detail).toBe("returned 5, expected ≤ 3");
    expect(judgeQuery("q", { equals: 5 }, "5").ok).toBe(true);
    expect(judgeQuery("q", { equals: "ok" }, "ok").ok).toBe(true);
    expect(judgeQuery("q", { min: 0 }, null).detail).toBe("returned NULL, expected ≥ 0");
    expect(judgeQuery("q", { min: 0 }, undefined, "Table 'x' doesn't exist").detail).toBe(
      "failed: Table 'x' doesn't exist",
    );
  });

  it("targets: both figures shown, met or MISSED", () => {
    const j = judgeTargets({ rtoSeconds: 2.5, rpoSeconds: 30, rtoTargetSeconds: 1, rpoTargetSeconds: 300 }, "gold");
    expect(j).toEqual({
      rtoMet: false,
      rpoMet: true,
      lines: ["RTO measured 2.5s > target 1s (gold): MISSED", "RPO measured 30.0s ≤ target 5m (gold): met"],
    });
  });

  it(
    "RPO: nothing lost when the archive covers the target; otherwise the time since the newest data that came " +
      "back",
    () => {
      expect(measuredRpoSeconds("2026-11-25T12:00:00Z", "2026-11-25T12:01:00Z", "2026-11-25T11:00:00Z")).toBe(0);
      expect(measuredRpoSeconds("2026-11-25T12:00:00Z", "2026-11-25T11:59:00Z", "2026-11-25T11:00:00Z")).toBe(60);
      expect(measuredRpoSeconds("2026-11-25T12:00:00Z", undefined, "2026-11-25T11:00:00Z")).toBe(3600);
    },
  );
});

describe("drill phases (issue 17 §4)", () => {
  it("between consecutive marks, in seconds; a phase not reached is left out", () => {
    const all = { setPoint: 9000, setChecked: 9400, target: 9500, targetChecked: 9600, done: 10_200 };
    expect(drillPhases(1000, all)).toEqual([
      { name: "restore to the set's point", seconds: 8 },
      { name: "checks at the set's point", seconds: 0.4 },
      { name: "replay to the drill's point", seconds: 0.1 },
      { name: "checks at the drill's point", seconds: 0.1 },
      { name: "teardown", seconds: 0.6 },
    ]);
    // the restore failed before the set's point: only what happened
    expect(drillPhases(1000, { done: 3000 })).toEqual([]);
    expect(drillPhases(1000, { setPoint: 2000, done: 3000 }).map((p) => p.name)).toEqual([
      "restore to the set's point",
    ]);
  });
});
