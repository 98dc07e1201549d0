// The Prometheus text of a status report and the journal's job results: names, values, state sets,
// +Inf for "never", hostile names escaped, and which runs count as a job's success or failure.

import { describe, expect, it } from "vitest";
import type { StatusReport } from "../../src/core/status.js";
import { jobFacts, renderPrometheus } from "../../src/render/prometheus.js";
import type { JournalRecord } from "../../src/state/journal.js";

const hostile = 'sh"op\\x\n$(rm -rf)`é';

const report: StatusReport = {
  now: "2026-12-01T12:00:00.000Z",
  state: "BREACHED",
  datasets: [
    {
      dataset: hostile,
      tier: "gold",
      state: "AT RISK",
      reasons: ["…"],
      newestFull: { id: "s1", at: "2026-12-01T02:00:00.000Z" },
      recoverableUntil: "2026-12-01T11:59:00.000Z",
      exposureSeconds: 60,
      rpoTargetSeconds: 300,
      rtoTargetSeconds: 3600,
      lastDrill: {
        drill: "weekly",
        startedAt: "2026-11-30T05:30:00.000Z",
        result: "target-missed",
        rto: { measuredSeconds: 4000, targetSeconds: 3600, met: false },
        rpo: { measuredSeconds: 30, targetSeconds: 300, met: true },
      },
      drills: [
        { drill: "weekly", lastStartedAt: "2026-11-30T05:30:00.000Z", overdueSince: "2026-12-01T05:30:00.000Z" },
      ],
      binlog: { archivedUntil: "2026-12-01T11:59:00.000Z", lagSeconds: 60 },
      offsite: [
        { repository: "vault", exposureSeconds: 36000, lastRun: { at: "x", pending: "2 sets", mismatches: 0 } },
      ],
      storedBytes: { sets: 1234, binlogs: 99 },
    },
    {
      dataset: "empty",
      tier: "bronze",
      state: "BREACHED",
      reasons: [],
      rpoTargetSeconds: 86400,
      rtoTargetSeconds: 28800,
    },
  ],
};

const job = (seq: number, data: Record<string, unknown>): JournalRecord => ({
  seq,
  ts: "2026-12-01T00:00:00.000Z",
  prev: "",
  kind: "job",
  host: "h",
  pid: 1,
  data: { durationMs: 2000, ...data },
});

describe("renderPrometheus", () => {
  const text = renderPrometheus("uni", report, [
    {
      job: "backup_full",
      subject: hostile,
      lastSuccessAt: 1000,
      lastFailureAt: 2000,
      lastDurationSeconds: 2,
      lastExitCode: 1,
    },
  ]);
  const lines = text.trimEnd().split("\n");
  const samples = lines.filter((l) => !l.startsWith("#"));
  const value = (name: string, labels: string) =>
    samples
      .find((l) => l.startsWith(`${name}{`) && l.includes(labels))
      ?.split(" ")
      .at(-1);

  it("writes every sample as name{labels} value, each family with HELP and TYPE gauge", () => {
    for (const l of samples)
      expect(l).toMatch(/^drctl_[a-z_]+\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)+\} (-?[0-9.e+]+|\+Inf|NaN)$/);
    const names = new Set(samples.map((l) => l.slice(0, l.indexOf("{"))));
    for (const n of names) {
      expect(lines).toContain(`# TYPE ${n} gauge`);
      expect(lines.some((l) => l.startsWith(`# HELP ${n} `))).toBe(true);
    }
  });

  it("escapes a hostile name in label values (quote, backslash, newline) and keeps the rest as is", () => {
    expect(text).toContain('dataset="sh\\"op\\\\x\\n$(rm -rf)`é"');
    expect(text).not.toContain('sh"op');
  });

  it("gives the report's values: state sets, exposure and targets, drills, archive, copies, bytes", () => {
    expect(value("drctl_state", 'state="BREACHED"')).toBe("1");
    expect(value("drctl_state", 'state="OK"')).toBe("0");
    expect(value("drctl_dataset_state", 'state="AT RISK"')).toBe("1");
    expect(value("drctl_dataset_rpo_exposure_seconds", 'tier="gold"')).toBe("60");
    expect(value("drctl_dataset_rpo_exposure_seconds", 'dataset="empty"')).toBe("+Inf");
    expect(value("drctl_dataset_rpo_target_seconds", 'dataset="empty"')).toBe("86400");
    expect(value("drctl_dataset_rto_target_seconds", 'tier="gold"')).toBe("3600");
    expect(value("drctl_dataset_recoverable_until_timestamp_seconds", "")).toBe(
      String(Date.parse("2026-12-01T11:59:00Z") / 1000),
    );
    expect(value("drctl_dataset_last_drill_result", 'result="target-missed"')).toBe("1");
    expect(value("drctl_dataset_last_drill_result", 'result="ok"')).toBe("0");
    expect(value("drctl_dataset_last_drill_rto_seconds", "")).toBe("4000");
    expect(value("drctl_drill_overdue", 'drill="weekly"')).toBe("1");
    expect(value("drctl_binlog_archive_lag_seconds", "")).toBe("60");
    expect(value("drctl_binlog_archive_gap", "")).toBe("0");
    expect(value("drctl_offsite_copy_age_seconds", 'repository="vault"')).toBe("36000");
    expect(value("drctl_offsite_copy_pending", 'repository="vault"')).toBe("1");
    expect(value("drctl_dataset_stored_bytes", 'what="sets"')).toBe("1234");
    expect(value("drctl_job_last_failure_timestamp_seconds", 'job="backup_full"')).toBe("2000");
    expect(value("drctl_metrics_generated_timestamp_seconds", 'project="uni"')).toBe(
      String(Date.parse(report.now) / 1000),
    );
    // a dataset with nothing to report for a family has no sample there (not a made-up zero)
    expect(samples.filter((l) => l.includes('dataset="empty"') && l.startsWith("drctl_dataset_newest_full"))).toEqual(
      [],
    );
  });
});

describe("jobFacts", () => {
  it("counts exit 0 and 6 as success, a held lock as neither, everything else as failure; the newest run wins", () => {
    const facts = jobFacts([
      job(1, {
        command: "backup",
        subject: "shop",
        argv: ["backup", "shop", "--kind", "full"],
        startedAt: "2026-12-01T01:00:00Z",
        exitCode: 0,
      }),
      job(2, {
        command: "backup",
        subject: "shop",
        argv: ["backup", "shop", "--kind", "full"],
        startedAt: "2026-12-01T02:00:00Z",
        exitCode: 1,
      }),
      job(3, {
        command: "backup",
        subject: "shop",
        argv: ["backup", "shop", "--kind", "full"],
        startedAt: "2026-12-01T03:00:00Z",
        exitCode: 4,
      }),
      job(4, {
        command: "backup",
        subject: "shop",
        argv: ["backup", "shop", "--kind", "incremental"],
        startedAt: "2026-12-01T04:00:00Z",
        exitCode: 6,
      }),
      job(5, { command: "binlog archive", subject: "db1", argv: [], startedAt: "2026-12-01T05:00:00Z", exitCode: 3 }),
      { ...job(6, { command: "x" }), kind: "apply" },
    ]);
    const at = (iso: string) => (Date.parse(iso) + 2000) / 1000;
    expect(facts).toEqual([
      {
        job: "backup_full",
        subject: "shop",
        lastSuccessAt: at("2026-12-01T01:00:00Z"),
        lastFailureAt: at("2026-12-01T02:00:00Z"),
        lastDurationSeconds: 2,
        lastExitCode: 4,
      },
      {
        job: "backup_incremental",
        subject: "shop",
        lastSuccessAt: at("2026-12-01T04:00:00Z"),
        lastDurationSeconds: 2,
        lastExitCode: 6,
      },
      {
        job: "binlog_archive",
        subject: "db1",
        lastFailureAt: at("2026-12-01T05:00:00Z"),
        lastDurationSeconds: 2,
        lastExitCode: 3,
      },
    ]);
  });
});
