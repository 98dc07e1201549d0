// What the journal says of offsite copies (copy/records.ts), and how the evidence judges them: pure,
// on journal records as `drctl copy` and `drctl verify --repository` write them.
import { describe, expect, it } from "vitest";
import { copyHistory } from "../../src/copy/records.js";
import { datasetEvidence } from "../../src/evidence/model.js";
import type { JournalRecord } from "../../src/state/journal.js";
import { specWith } from "../helpers/builders.js";

let seq = 0;
const job = (ts: string, command: string, exitCode: number, details: Record<string, unknown>): JournalRecord => ({
  seq: ++seq,
  ts,
  prev: "0".repeat(64),
  kind: "job",
  host: "h",
  pid: 1,
  data: { command, subject: "shop", result: exitCode ? "failed" : "ok", exitCode, details },
});
const copyRun = (ts: string, exitCode: number, target: Record<string, unknown>) =>
  job(ts, "copy", exitCode, {
    targets: [{ dataset: "shop", repository: "vault", where: "sftp://b@v:22/x", ...target }],
  });

const backup = job("2026-11-25T02:00:00Z", "backup", 0, { set: "f1", kind: "full" });
const completed = copyRun("2026-11-25T02:15:00Z", 0, { newestFull: "f1", newestPoint: "2026-11-25T02:00:05Z" });
const pending = copyRun("2026-11-25T02:30:00Z", 6, { pending: "cannot connect: ECONNREFUSED" });
const verified = job("2026-11-25T03:00:00Z", "verify", 0, {
  repository: "vault",
  whole: true,
  deep: true,
  checked: 2,
  failed: [],
});
const verifiedOneSet = job("2026-11-25T03:10:00Z", "verify", 5, {
  repository: "vault",
  whole: false,
  checked: 1,
  failed: [{}],
});

describe("copyHistory", () => {
  it("a pending run is the last run, but what the target holds stays what the last reaching run said", () => {
    expect(copyHistory([completed, pending, verified, verifiedOneSet], "shop", "vault")).toEqual({
      repository: "vault",
      where: "sftp://b@v:22/x",
      lastRun: { at: "2026-11-25T02:30:00Z", pending: "cannot connect: ECONNREFUSED", mismatches: 0 },
      lastCompleted: "2026-11-25T02:15:00Z",
      newestFull: "f1",
      newestPoint: "2026-11-25T02:00:05Z",
      // a verify of chosen sets says nothing of the whole copy
      lastVerified: { at: "2026-11-25T03:00:00Z", ok: true, deep: true, checked: 2, failed: 0 },
    });
  });
  it("another dataset's or repository's runs are not this copy's", () => {
    expect(copyHistory([completed], "other", "vault")).toEqual({ repository: "vault" });
    expect(copyHistory([completed], "shop", "bucket")).toEqual({ repository: "bucket" });
  });
});

describe("evidence of copies", () => {
  const spec = specWith(
    { copies: ["vault"] },
    { rpo: "1d", rto: "4h" },
    {
      repositories: {
        local: { type: "filesystem", path: "/var/backups/shop" },
        vault: { type: "sftp", host: "v", user: "b", path: "/x", identityFile: "/k" },
      },
    },
  );
  const drill = {
    seq: 99,
    ts: "2026-11-25T04:00:00Z",
    prev: "0".repeat(64),
    kind: "drill",
    host: "h",
    pid: 1,
    data: {
      drill: "weekly",
      dataset: "shop",
      from: "vault",
      startedAt: "2026-11-25T04:00:00Z",
      result: "ok",
      verified: true,
      point: { to: "latest" },
      checks: [],
      failures: [],
    },
  } as JournalRecord;

  it("names each copy, its last completion and verification, and the copy a drill used", () => {
    const [d] = datasetEvidence(spec, [backup, completed, verified, drill]);
    expect(d?.copies).toEqual([
      {
        repository: "vault",
        where: "sftp://b@v:22/x",
        lastRun: { at: "2026-11-25T02:15:00Z", mismatches: 0 },
        lastCompleted: "2026-11-25T02:15:00Z",
        newestFull: "f1",
        newestPoint: "2026-11-25T02:00:05Z",
        lastVerified: { at: "2026-11-25T03:00:00Z", ok: true, deep: true, checked: 2, failed: 0 },
      },
    ]);
    expect(d?.drills[0]?.from).toBe("vault");
    expect(d?.verdict).toEqual({ state: "OK", reasons: [] });
  });

  it("a copy that never got a full, or whose last run is pending: AT RISK, the pending run a failure", () => {
    const never = datasetEvidence(spec, [backup, drill])[0];
    expect(never?.verdict.reasons).toContain("no full set reached the offsite copy vault in the period");
    const [d] = datasetEvidence(spec, [backup, completed, pending, drill]);
    expect(d?.verdict.state).toBe("AT RISK");
    expect(d?.verdict.reasons).toContain(
      "the latest copy run to vault (2026-11-25T02:30:00Z) is pending: cannot connect: ECONNREFUSED",
    );
    expect(d?.failures.map((f) => [f.command, f.exitCode])).toEqual([["copy", 6]]);
  });
});
