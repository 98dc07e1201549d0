// The evidence read against the controls auditors map it to (issue 18 §4): SOC 2 A1.2/A1.3, ISO/IEC
// 27001:2022 A.8.13, NIST SP 800-53 CP-4/CP-9/CP-10, DORA Art. 11/12. Pure: each control's status is
// computed from the period's facts (backups, drills and their measured RTO/RPO, gaps, offsite copies,
// encryption) — never written by hand; the facts that decided it are listed beside it.

import { formatDuration, formatMeasured } from "../core/duration.js";
import type { Control, DatasetEvidence, Evidence } from "./evidence.generated.js";

const FRAMEWORKS = { soc2: "SOC 2", iso27001: "ISO 27001:2022", nist: "NIST SP 800-53", dora: "DORA" } as const;
export type FrameworkKey = keyof typeof FRAMEWORKS;

export interface ControlContext {
  /** The spec encrypts backup sets (age recipients). */
  encrypted: boolean;
}

type Check = (d: DatasetEvidence) => { ok: boolean; fact: string };

/** Backups ran and the newest did not fail; no archive gap. */
const backupsHeld: Check = (d) => {
  const ok = d.backups.filter((b) => b.exitCode === 0);
  const latest = d.backups.filter((b) => b.exitCode !== 3 && b.exitCode !== 4).at(-1);
  const good = ok.length > 0 && latest?.exitCode === 0 && d.gaps.length === 0;
  return {
    ok: good,
    fact:
      `${d.name}: ${ok.length} of ${d.backups.length} backup(s) succeeded` +
      (latest
        ? `, the latest (${latest.at}) ${latest.exitCode === 0 ? "succeeded" : `FAILED (exit ${latest.exitCode})`}`
        : "") +
      (d.gaps.length ? `; ${d.gaps.length} binlog archive gap(s)` : ""),
  };
};

/** The newest drill restored the data, verified it and met the tier's RTO and RPO. */
const restoreTested: Check = (d) => {
  const last = d.lastDrill;
  if (!last) return { ok: false, fact: `${d.name}: no restore test (drill) in the period` };
  const figures = [
    last.rto ? `RTO ${formatMeasured(last.rto.measuredSeconds)} of ${formatDuration(last.rto.targetSeconds)}` : "",
    last.rpo ? `RPO ${formatMeasured(last.rpo.measuredSeconds)} of ${formatDuration(last.rpo.targetSeconds)}` : "",
  ].filter(Boolean);
  const passed = d.drills.filter((x) => x.result === "ok").length;
  const said =
    last.result === "ok"
      ? "passed"
      : last.result === "target-missed"
        ? "verified the data but MISSED the tier"
        : `FAILED${last.failures.length ? `: ${last.failures[0]}` : ""}`;
  return {
    ok: last.result === "ok",
    fact:
      `${d.name}: ${d.drills.length} drill(s), ${passed} passed; the latest (${last.drill}, ${last.at}) ${said}` +
      (figures.length ? ` — ${figures.join(", ")}` : ""),
  };
};

/** The newest drill's measured recovery is within the tier's objectives. */
const objectivesMet: Check = (d) => {
  const last = d.lastDrill;
  if (!last) return { ok: false, fact: `${d.name}: no measured recovery in the period` };
  if (!last.rto)
    return {
      ok: false,
      fact:
        `${d.name}: the latest drill (${last.drill}, ${last.at}) ` +
        `${last.result === "failed" ? "FAILED" : "ended"} before measuring a recovery`,
    };
  const ok = last.result === "ok" && last.rto.met && (last.rpo?.met ?? true);
  return {
    ok,
    fact:
      `${d.name} (tier ${d.tier}): measured RTO ${formatMeasured(last.rto.measuredSeconds)} of ` +
      `${formatDuration(last.rto.targetSeconds)}` +
      (last.rpo
        ? `, RPO ${formatMeasured(last.rpo.measuredSeconds)} of ${formatDuration(last.rpo.targetSeconds)}`
        : "") +
      (last.result === "failed" ? " — the drill FAILED" : ok ? "" : " — MISSED"),
  };
};

/** A copy off the site holds a full set and is up to date. */
const segregated: Check = (d) => {
  const copies = d.copies ?? [];
  if (!copies.length) return { ok: false, fact: `${d.name}: no offsite copy in the spec (copies:)` };
  const good = copies.filter((c) => c.newestFull && !c.lastRun?.pending && !c.lastRun?.mismatches);
  return {
    ok: good.length > 0,
    fact: `${d.name}: ${copies
      .map(
        (c) =>
          `${c.repository} ` +
          (c.newestFull ? `holds ${c.newestFull}, reaches ${c.newestPoint ?? "?"}` : "holds no full set") +
          (c.lastRun?.pending ? ` (pending: ${c.lastRun.pending})` : "") +
          (c.lastVerified ? `, verified ${c.lastVerified.at} ${c.lastVerified.ok ? "ok" : "FAILED"}` : ""),
      )
      .join("; ")}`,
  };
};

function control(
  e: Evidence,
  framework: Control["framework"],
  id: string,
  title: string,
  requirement: string,
  checks: Check[],
  extra: { ok: boolean; fact: string }[] = [],
): Control {
  if (!e.datasets.length)
    return { framework, id, title, requirement, status: "not applicable", facts: ["no dataset in the spec"] };
  const results = e.datasets.flatMap((d) => checks.map((c) => c(d)));
  const all = [...results, ...extra];
  return {
    framework,
    id,
    title,
    requirement,
    status: all.every((r) => r.ok) ? "met" : "not met",
    facts: [...new Set(all.map((r) => r.fact))],
  };
}

export function controlsFor(frameworks: FrameworkKey[], e: Evidence, ctx: ControlContext): Control[] {
  const encryption = {
    ok: ctx.encrypted,
    fact: ctx.encrypted
      ? "backup sets are encrypted (age) before they leave the host; every stored file carries a sha256 the " +
        "drills and verify check"
      : "backup sets are NOT encrypted (the spec has no encryption recipients); every stored file carries a sha256",
  };
  const out: Control[] = [];
  for (const f of frameworks) {
    if (f === "soc2")
      out.push(
        control(
          e,
          "SOC 2",
          "A1.2",
          "Backup and recovery infrastructure",
          "Data backup processes and recovery infrastructure are implemented, operated and monitored to meet the " +
            "availability objectives.",
          [backupsHeld],
        ),
        control(
          e,
          "SOC 2",
          "A1.3",
          "Recovery plan testing",
          "Recovery plan procedures are tested periodically to show that they meet the recovery objectives.",
          [restoreTested],
        ),
      );
    if (f === "iso27001")
      out.push(
        control(
          e,
          "ISO 27001:2022",
          "A.8.13",
          "Information backup",
          "Backup copies of information are maintained and regularly tested in accordance with the backup policy.",
          [backupsHeld, restoreTested],
        ),
      );
    if (f === "nist")
      out.push(
        control(
          e,
          "NIST SP 800-53",
          "CP-4",
          "Contingency plan testing",
          "The contingency plan is tested to determine its effectiveness and the readiness to execute it.",
          [restoreTested],
        ),
        control(
          e,
          "NIST SP 800-53",
          "CP-9",
          "System backup",
          "Backups are conducted at the defined frequency, and their confidentiality, integrity and availability " +
            "are protected.",
          [backupsHeld],
          [encryption],
        ),
        control(
          e,
          "NIST SP 800-53",
          "CP-10",
          "System recovery and reconstitution",
          "The system can be recovered and reconstituted to a known state within the recovery time and point " +
            "objectives.",
          [objectivesMet],
        ),
      );
    if (f === "dora")
      out.push(
        control(
          e,
          "DORA",
          "Art. 11",
          "Response and recovery",
          "ICT business-continuity and recovery plans are tested, with recovery time and point objectives set and met.",
          [restoreTested, objectivesMet],
        ),
        control(
          e,
          "DORA",
          "Art. 12",
          "Backup, restoration and recovery",
          "Backups are restorable and tested, and kept on systems physically and logically segregated from the source.",
          [restoreTested, segregated],
        ),
      );
  }
  return out;
}

/** `--controls soc2,nist`: the keys, or what is wrong with them. */
export function parseFrameworks(list: string): FrameworkKey[] | string {
  const keys = list
    .split(",")
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);
  const bad = keys.filter((k) => !(k in FRAMEWORKS));
  if (bad.length || !keys.length)
    return `unknown framework(s) ${bad.join(", ") || "(none)"}: choose from ${Object.keys(FRAMEWORKS).join(", ")}`;
  return [...new Set(keys)] as FrameworkKey[];
}
