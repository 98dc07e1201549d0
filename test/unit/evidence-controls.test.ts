// Controls read from the evidence (met / not met / not applicable, computed) and the report's pictures.

import { describe, expect, it } from "vitest";
import { calendar, drillChart } from "../../src/evidence/charts.js";
import { controlsFor, parseFrameworks } from "../../src/evidence/controls.js";
import type { DatasetEvidence, DrillEvidence, Evidence } from "../../src/evidence/evidence.generated.js";

const drill = (at: string, result: DrillEvidence["result"], rto?: number): DrillEvidence => ({
  seq: 1,
  drill: "weekly",
  at,
  result,
  verified: result !== "failed",
  point: "latest",
  ...(rto !== undefined
    ? {
        rto: { measuredSeconds: rto, targetSeconds: 3600, met: rto <= 3600 },
        rpo: { measuredSeconds: 30, targetSeconds: 900, met: true },
      }
    : {}),
  failures: result === "failed" ? ["tables present: uni.grades missing"] : [],
});

function dataset(drills: DrillEvidence[], over: Partial<DatasetEvidence> = {}): DatasetEvidence {
  return {
    name: "shop",
    tier: "gold",
    server: "db1",
    method: "mysqldump",
    verdict: { state: "OK", reasons: [] },
    backups: [
      { seq: 1, at: "2026-11-02T02:00:00Z", command: "backup", result: "ok", exitCode: 0 },
      { seq: 2, at: "2026-11-03T02:00:00Z", command: "backup", result: "failed", exitCode: 1 },
      { seq: 3, at: "2026-11-04T02:00:00Z", command: "backup", result: "ok", exitCode: 0 },
    ],
    drills,
    ...(drills.length ? { lastDrill: drills.at(-1) } : {}),
    failures: [],
    gaps: [],
    copies: [
      {
        repository: "vault",
        newestFull: "s3",
        newestPoint: "2026-11-04T02:00:00Z",
        lastCompleted: "2026-11-04T03:00:00Z",
      },
    ],
    ...over,
  };
}

const evidence = (datasets: DatasetEvidence[]): Evidence =>
  ({
    formatVersion: 1,
    project: "p",
    generatedAt: "2026-11-30T00:00:00Z",
    since: "2026-11-01T00:00:00Z",
    verdict: { state: "OK", reasons: [] },
    datasets,
  }) as unknown as Evidence;

const status = (cs: ReturnType<typeof controlsFor>) =>
  Object.fromEntries(cs.map((c) => [`${c.framework} ${c.id}`, c.status]));
const all = parseFrameworks("soc2,iso27001,nist,dora") as never;

describe("controlsFor", () => {
  it("backups held, the latest drill passed within targets, an offsite copy, encrypted: every control met", () => {
    const cs = controlsFor(all, evidence([dataset([drill("2026-11-10T05:30:00Z", "ok", 40)])]), { encrypted: true });
    expect(Object.values(status(cs))).toEqual(Array(8).fill("met"));
    const a13 = cs.find((c) => c.id === "A1.3")!;
    expect(a13.requirement).toMatch(/^Recovery plan procedures are tested/);
    expect(a13.facts).toEqual([
      "shop: 1 drill(s), 1 passed; the latest (weekly, 2026-11-10T05:30:00Z) passed — RTO 40.0s of 1h, " +
        "RPO 30.0s of 15m",
    ]);
  });

  it("a failed latest drill: the restore-test and recovery controls are not met, the backup ones still are", () => {
    const e = evidence([dataset([drill("2026-11-10T05:30:00Z", "ok", 40), drill("2026-11-20T05:30:00Z", "failed")])]);
    expect(status(controlsFor(all, e, { encrypted: true }))).toEqual({
      "SOC 2 A1.2": "met",
      "SOC 2 A1.3": "not met",
      "ISO 27001:2022 A.8.13": "not met",
      "NIST SP 800-53 CP-4": "not met",
      "NIST SP 800-53 CP-9": "met",
      "NIST SP 800-53 CP-10": "not met",
      "DORA Art. 11": "not met",
      "DORA Art. 12": "not met",
    });
    const cp4 = controlsFor(["nist"], e, { encrypted: true })[0]!;
    expect(cp4.facts[0]).toContain(
      "the latest (weekly, 2026-11-20T05:30:00Z) FAILED: tables present: uni.grades missing",
    );
  });

  it("not encrypted: CP-9 not met; no offsite copy: DORA Art. 12 not met; no dataset: not applicable", () => {
    const e = evidence([dataset([drill("2026-11-10T05:30:00Z", "ok", 40)], { copies: [] })]);
    const s = status(controlsFor(all, e, { encrypted: false }));
    expect([s["NIST SP 800-53 CP-9"], s["DORA Art. 12"], s["SOC 2 A1.3"]]).toEqual(["not met", "not met", "met"]);
    expect(Object.values(status(controlsFor(all, evidence([]), { encrypted: true })))).toEqual(
      Array(8).fill("not applicable"),
    );
  });

  it("refuses an unknown framework by name", () => {
    expect(parseFrameworks("soc2,pci")).toBe("unknown framework(s) pci: choose from soc2, iso27001, nist, dora");
  });
});

describe("charts", () => {
  const d = dataset(
    [
      drill("2026-11-10T05:30:00Z", "ok", 40),
      drill("2026-11-20T05:30:00Z", "target-missed", 5000),
      drill("2026-11-25T05:30:00Z", "failed"),
    ],
    {
      gaps: ["2026-11-12T10:00:00.000Z: mariadb-bin.000007 missing"],
    },
  );
  it("the RTO chart: one mark per drill at its measurement, the target as a dashed line", () => {
    const svg = drillChart(d, "rto", "2026-11-01T00:00:00Z", "2026-11-30T00:00:00Z");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(
      [...svg.matchAll(/<circle class="drill"[^>]*data-result="(\w[\w-]*)" data-measured="(\d+)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    ).toEqual([
      ["ok", "40"],
      ["target-missed", "5000"],
    ]);
    expect(svg).toMatch(/<path class="drill" data-drill="weekly" data-at="2026-11-25T05:30:00Z" data-result="failed"/);
    expect(svg).toContain('class="target" data-target="3600"');
  });
  it("the calendar: a cell per day, marked by what happened — failures over successes", () => {
    const svg = calendar(d, "2026-11-01T00:00:00Z", "2026-11-30T00:00:00Z");
    const marks = [...svg.matchAll(/data-row="(\w+)" data-day="([\d-]+)" data-mark="(\w+)"/g)].map(
      (m) => `${m[1]} ${m[2]} ${m[3]}`,
    );
    expect(marks).toEqual([
      "backups 2026-11-02 ok",
      "backups 2026-11-03 failed",
      "backups 2026-11-04 ok",
      "copies 2026-11-04 ok",
      "drills 2026-11-10 ok",
      "drills 2026-11-20 warn",
      "drills 2026-11-25 failed",
      "gaps 2026-11-12 failed",
    ]);
    expect(svg.match(/class="day"/g)).toHaveLength(4 * 30);
  });
});
