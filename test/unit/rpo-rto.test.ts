// The RPO/RTO proof, table-driven: schedules × binlog archiving × live binlog state × drill data,
// each asserting the computed worst case and the finding it produces.
import { describe, expect, it } from "vitest";
import { copyCron } from "../../src/core/desired.js";
import { proveDataset, type DrillMeasurement } from "../../src/core/rpo-rto.js";
import type { ObservedServer } from "../../src/core/observed.js";
import type { Dataset } from "../../src/spec/types.generated.js";
import { server, specWith } from "../helpers/builders.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const H = 3600;
const D = 86400;
const GB = 1_000_000_000;

interface Case {
  name: string;
  ds: Partial<Dataset>;
  tier?: { rpo: string; rto: string };
  tz?: string;
  live?: ObservedServer;
  drill?: DrillMeasurement;
  rpo: number | null;
  rto: number | null;
  rpoLevel: "error" | "warning" | "info";
  rpoMessage: RegExp;
  rtoLevel?: "error" | "warning" | "info";
  rtoMessage?: RegExp;
}

// 1 GB: mysqldump backs it up in 20 s (50 MB/s) and restores in 50 s (20 MB/s) + 30 s start-up
const cases: Case[] = [
  {
    name: "daily logical, no binlog",
    ds: {},
    tier: { rpo: "2d", rto: "1h" },
    rpo: D + 20,
    rto: 80,
    rpoLevel: "info",
    rpoMessage: /^shop: RPO ~1d20s ≤ gold 2d: no binlog archiving, worst gap between backups 1d /,
  },
  {
    name: "daily logical vs gold 5m",
    ds: {},
    rpo: D + 20,
    rto: 80,
    rpoLevel: "error",
    rpoMessage: new RegExp(
      "^shop: RPO ~1d20s > gold 5m: no binlog archiving, worst gap between backups 1d .*; " +
        "add binlog: \\{ archive: true, interval: 1m \\}$",
    ),
  },
  {
    name: "hourly",
    ds: { full: { method: "mysqldump", schedule: "0 * * * *" } },
    tier: { rpo: "2h", rto: "1h" },
    rpo: H + 20,
    rto: 80,
    rpoLevel: "info",
    rpoMessage: /worst gap between backups 1h /,
  },
  {
    name: "hourly within 20% of 75m",
    ds: { full: { method: "mysqldump", schedule: "0 * * * *" } },
    tier: { rpo: "75m", rto: "1h" },
    rpo: H + 20,
    rto: 80,
    rpoLevel: "warning",
    rpoMessage: /^shop: RPO ~1h20s is within 20% of gold 1h15m/,
  },
  {
    name: "weekly on Sunday",
    ds: { full: { method: "mysqldump", schedule: "0 3 * * 0" } },
    tier: { rpo: "1w", rto: "1h" },
    rpo: 7 * D + 20,
    rto: 80,
    rpoLevel: "error",
    rpoMessage: /worst gap between backups 7d /,
  },
  {
    name: "weekdays only (list/range): Friday to Monday",
    ds: { full: { method: "mysqldump", schedule: "30 1 * * 1-5" } },
    tier: { rpo: "4d", rto: "1h" },
    rpo: 3 * D + 20,
    rto: 80,
    rpoLevel: "info",
    rpoMessage: /worst gap between backups 3d \(2026-01-02T01:30:00.000Z → 2026-01-05T01:30:00.000Z/,
  },
  {
    name: "irregular list of hours",
    ds: { full: { method: "mysqldump", schedule: "0 8,12,18 * * *" } },
    tier: { rpo: "1d", rto: "1h" },
    rpo: 14 * H + 20,
    rto: 80,
    rpoLevel: "info",
    rpoMessage: /worst gap between backups 14h /,
  },
  {
    name: "step every 6 hours plus a daily full (union)",
    ds: {
      full: { method: "mariadb-backup", schedule: "0 2 * * *" },
      incremental: { method: "mariadb-backup", schedule: "0 */6 * * *" },
    },
    tier: { rpo: "8h", rto: "1h" },
    rpo: 6 * H + 10,
    rto: 30 + 7,
    rpoLevel: "info",
    rpoMessage: /worst gap between backups 6h .* \+ ~10s mariadb-backup run/,
  },
  {
    name: "monthly on the 1st (31-day months)",
    ds: { full: { method: "mysqldump", schedule: "0 0 1 * *" } },
    tier: { rpo: "30d", rto: "1h" },
    rpo: 31 * D + 20,
    rto: 80,
    rpoLevel: "error",
    rpoMessage: /worst gap between backups 31d /,
  },
  {
    name: "day of month OR day of week (1st or Mondays)",
    ds: { full: { method: "mysqldump", schedule: "0 0 1 * mon" } },
    tier: { rpo: "9d", rto: "1h" },
    rpo: 7 * D + 20,
    rto: 80,
    rpoLevel: "info",
    rpoMessage: /worst gap between backups 7d /,
  },
  {
    name: "daily in Europe/Berlin: the autumn DST change makes a 25h gap",
    ds: { full: { method: "mysqldump", schedule: "30 2 * * *" } },
    tz: "Europe/Berlin",
    tier: { rpo: "1d", rto: "1h" },
    rpo: 25 * H + 20,
    rto: 80,
    rpoLevel: "error",
    rpoMessage:
      /worst gap between backups 1d1h \(2026-10-25T00:30:00.000Z → 2026-10-26T01:30:00.000Z, Europe\/Berlin\)/,
  },
  {
    name: "daily in Australia/Lord_Howe: a half-hour DST change makes a 24h30m gap",
    ds: { full: { method: "mysqldump", schedule: "30 12 * * *" } },
    tz: "Australia/Lord_Howe",
    tier: { rpo: "2d", rto: "1h" },
    rpo: 24 * H + 1800 + 20,
    rto: 80,
    rpoLevel: "info",
    rpoMessage: /worst gap between backups 1d30m .*Australia\/Lord_Howe\)/,
  },
  {
    name: "daily in Asia/Kathmandu (+05:45, no DST): exactly 24h",
    ds: { full: { method: "mysqldump", schedule: "30 12 * * *" } },
    tz: "Asia/Kathmandu",
    tier: { rpo: "2d", rto: "1h" },
    rpo: 24 * H + 20,
    rto: 80,
    rpoLevel: "info",
    rpoMessage: /worst gap between backups 1d .*T06:45:00.000Z .*Asia\/Kathmandu\)/,
  },
  {
    name: "binlog archiving every minute, binlog ON/ROW",
    ds: { binlog: { archive: true, interval: "1m" } },
    rpo: 60,
    rto: 80,
    rpoLevel: "info",
    rpoMessage: /^shop: RPO 1m ≤ gold 5m: binlog archived every 1m$/,
  },
  {
    name: "archiving every 5m against a 5m tier is tight",
    ds: { binlog: { archive: true, interval: "5m" } },
    rpo: 300,
    rto: 80,
    rpoLevel: "warning",
    rpoMessage: /^shop: RPO 5m is within 20% of gold 5m: binlog archived every 5m$/,
  },
  {
    name: "archiving set but log_bin OFF on the server",
    ds: { binlog: { archive: true } },
    live: server({ vars: { log_bin: "OFF" } }),
    rpo: D + 20,
    rto: 80,
    rpoLevel: "error",
    rpoMessage: new RegExp(
      "^shop: RPO ~1d20s > gold 5m: binlog archiving is set but log_bin is OFF on db1 " +
        "\\(apply sets it; takes effect after a restart\\), worst gap",
    ),
  },
  {
    name: "archiving set but binlog_format MIXED",
    ds: { binlog: { archive: true } },
    live: server({ vars: { binlog_format: "MIXED" } }),
    rpo: D + 20,
    rto: 80,
    rpoLevel: "error",
    rpoMessage: /binlog_format is MIXED on db1, not ROW/,
  },
  {
    name: "archiving adds replay of a day's binlog to the RTO",
    ds: { binlog: { archive: true } },
    // 150 kB/s → 12.96 GB a day → 864 s replay
    live: server({ status: { Uptime: "1000", Binlog_bytes_written: "150000000" } }),
    rpo: 60,
    rto: 30 + 50 + 864,
    rpoLevel: "info",
    rpoMessage: /binlog archived every 1m/,
    rtoLevel: "info",
    rtoMessage: new RegExp(
      "^shop: RTO ~15m44s ≤ gold 30m: 1\\.0 GB at 20 MB\\/s \\(estimated default for " +
        "mysqldump\\) \\+ 30s start-up \\+ 14m24s binlog replay \\(13 GB at 15 MB\\/s\\)$",
    ),
  },
  {
    name: "a large logical dataset misses a tight RTO, with the physical alternative",
    ds: {},
    tier: { rpo: "2d", rto: "30m" },
    live: server({ databaseBytes: { shop: 100 * GB } }),
    rpo: D + 2000,
    rto: 30 + 5000,
    rpoLevel: "info",
    rpoMessage: /RPO ~1d33m20s ≤ gold 2d/,
    rtoLevel: "error",
    rtoMessage: new RegExp(
      "^shop: RTO ~1h23m50s > gold 30m: 100 GB at 20 MB\\/s \\(estimated default for " +
        "mysqldump\\) \\+ 30s start-up; a physical method \\(mariadb-backup\\) would restore 100 " +
        "GB in ~11m37s at 150 MB\\/s$",
    ),
  },
  {
    name: "a drill's measured time replaces the default estimate (start-up included, no allowance added)",
    ds: {},
    tier: { rpo: "2d", rto: "30m" },
    drill: { rtoSeconds: 130, bytes: 1_000_000_000, at: "2025-12-30T05:30:00Z" },
    rpo: D + 20,
    rto: 130,
    rpoLevel: "info",
    rpoMessage: /RPO/,
    rtoLevel: "info",
    rtoMessage: new RegExp(
      "^shop: RTO 2m10s ≤ gold 30m: 1\\.0 GB: the drill of 2025-12-30T05:30:00Z restored " +
        "and verified 1\\.0 GB in 2m10s, start-up included \\(measured; scaled to the current " +
        "size\\)$",
    ),
  },
  {
    name: "a drill of a smaller dataset scales up with the size, never down",
    ds: {},
    tier: { rpo: "2d", rto: "30m" },
    drill: { rtoSeconds: 20, bytes: 100_000_000, at: "2025-12-30T05:30:00Z" },
    rpo: D + 20,
    rto: 200,
    rpoLevel: "info",
    rpoMessage: /RPO/,
    rtoLevel: "info",
    rtoMessage: /RTO 3m20s ≤ gold 30m: 1\.0 GB: the drill of .* restored and verified 100 MB in 20\.0s/,
  },
  {
    name: "server unreachable: cannot be proven",
    ds: {},
    live: {
      name: "db1",
      reachable: false,
      error: "cannot connect to server db1 (127.0.0.1:3306): connect ECONNREFUSED",
    },
    rpo: null,
    rto: null,
    rpoLevel: "warning",
    rpoMessage: /^shop: RPO cannot be proven: server db1 is unreachable, its binlog state is unknown$/,
  },
];

describe("RPO/RTO proof", () => {
  it("has at least 15 cases", () => expect(cases.length).toBeGreaterThanOrEqual(15));

  it.each(cases)("$name", (c) => {
    const spec = specWith(
      c.ds,
      c.tier,
      c.tz ? { scheduler: { type: "cron", file: "/etc/cron.d/x", timezone: c.tz } } : {},
    );
    const { proof, findings } = proveDataset("shop", spec.datasets.shop!, {
      spec,
      servers: { db1: c.live ?? server() },
      ...(c.drill ? { drills: { shop: c.drill } } : {}),
      now: NOW,
      defaultTimeZone: "UTC",
    });
    expect(proof.rpo.worstSeconds).toBe(c.rpo);
    expect(proof.rto.worstSeconds).toBe(c.rto);
    const rpoFinding = findings.find((f) => f.code.startsWith("rpo-"))!;
    expect(rpoFinding.level).toBe(c.rpoLevel);
    expect(rpoFinding.message).toMatch(c.rpoMessage);
    if (c.rtoLevel) {
      const rtoFinding = findings.find((f) => f.code.startsWith("rto-"))!;
      expect(rtoFinding.level).toBe(c.rtoLevel);
      expect(rtoFinding.message).toMatch(c.rtoMessage!);
    }
  });
});

describe("RPO/RTO proof: losing the site (copies)", () => {
  const prove = (ds: Partial<Dataset>, tier = { rpo: "10m", rto: "1h" }) => {
    const spec = specWith({ binlog: { archive: true, interval: "1m" }, copies: ["vault"], ...ds }, tier);
    return proveDataset("shop", spec.datasets.shop!, {
      spec,
      servers: { db1: server() },
      now: NOW,
      defaultTimeZone: "UTC",
    });
  };

  it("adds the copy job's worst gap (15m by default) to the RPO; over the tier: a warning, not the verdict", () => {
    const { proof, findings } = prove({});
    expect(proof.rpo.worstSeconds).toBe(60);
    expect(proof.offsiteRpo).toMatchObject({ worstSeconds: 60 + 15 * 60, targetSeconds: 600 });
    expect(proof.verdict).toBe("met");
    expect(findings.find((f) => f.code === "offsite-rpo-over")?.message).toBe(
      "shop: losing the whole site loses up to 16m, over the RPO 10m (RPO 1m, then copied to vault every 15m): " +
        "a shorter copyInterval brings it closer",
    );
  });

  it("a copyInterval within the tier: met, said as info", () => {
    const { proof, findings } = prove({ copyInterval: "5m" });
    expect(proof.offsiteRpo?.worstSeconds).toBe(6 * 60);
    expect(findings.find((f) => f.code === "offsite-rpo-met")?.message).toMatch(/loses up to 6m ≤ RPO 10m/);
    expect(findings.some((f) => f.code === "offsite-rpo-over")).toBe(false);
  });

  it("an interval cron cannot keep evenly (7m) is measured as the schedule runs: its longest gap", () => {
    // */7 fires at :00, :07 … :56, then :00 again (4m): the longest gap is 7m
    expect(prove({ copyInterval: "7m" }).proof.offsiteRpo?.worstSeconds).toBe(60 + 7 * 60);
  });

  it("the copy job's cron line: spread per dataset, even where the interval divides the hour or day", () => {
    expect(copyCron("15m", 37)).toBe("7-59/15 * * * *");
    expect(copyCron("7m", 37)).toBe("*/7 * * * *");
    expect(copyCron("1m", 37)).toBe("* * * * *");
    expect(copyCron("6h", 37)).toBe("37 1-23/6 * * *");
    expect(copyCron("1d", 37)).toBe("37 3 * * *");
  });

  it("no copies: no site-loss bound", () => {
    expect(prove({ copies: [] }).proof.offsiteRpo).toBeUndefined();
  });
});
