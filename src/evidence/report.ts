// The evidence report, for an auditor who has never seen drctl: what the targets are, which backups
// exist and ran, which were proven restorable by a drill and with what measured RTO/RPO, what
// failed, every change applied, and how to check that none of it was altered afterwards.

import { formatDuration, formatMeasured } from "../core/duration.js";
import type { Block, Doc } from "../render/document.js";
import { calendar, drillChart } from "./charts.js";
import type { DrillEvidence, Evidence, Figure } from "./evidence.generated.js";

const fig = (f?: Figure) =>
  f
    ? `${formatMeasured(f.measuredSeconds)} measured / ${formatDuration(f.targetSeconds)} target: ` +
      `${f.met ? "met" : "MISSED"}`
    : "—";
const bytes = (n?: number) =>
  n === undefined
    ? ""
    : n >= 1e9
      ? `${(n / 1e9).toFixed(2)} GB`
      : n >= 1e6
        ? `${(n / 1e6).toFixed(1)} MB`
        : `${(n / 1e3).toFixed(1)} kB`;
const drillVerdict = (d: DrillEvidence) =>
  d.result === "ok" ? "PASSED" : d.result === "target-missed" ? "data verified, target MISSED" : "FAILED";

export function reportDoc(e: Evidence): Doc {
  const b: Block[] = [
    { h: 1, text: `Disaster-recovery evidence: ${e.project}` },
    { p: `Verdict: ${e.verdict.state}${e.verdict.reasons.length ? ` (${e.verdict.reasons.join("; ")})` : ""}.` },
    {
      p:
        `Period ${e.since} to ${e.generatedAt}. Produced by drctl from its journal, an append-only log in ` +
        `which each record carries the sha256 of the one before it; the bundle holds a copy of the journal for ` +
        `the period (${e.journal.file}, records ${e.journal.firstSeq}–${e.journal.lastSeq}), and everything ` +
        `below except the catalog is derived from that copy.`,
    },
    {
      ul: [
        `Chain head of the copy: record ${e.journal.head.seq}, sha256 ${e.journal.head.sha256}.`,
        `Spec: ${e.spec.file}, sha256 ${e.spec.sha256}.`,
        "To check the bundle: drctl evidence verify DIR --expect-head SEQ:SHA256 (with the chain head kept " +
          "from an earlier export).",
      ],
    },
    { h: 2, text: "Service levels (tiers)" },
    { p: "RPO: how much recent data a recovery may lose. RTO: how long a recovery may take." },
    {
      table: {
        head: ["tier", "RPO", "RTO"],
        rows: Object.entries(e.tiers).map(([n, t]) => [n, formatDuration(t.rpoSeconds), formatDuration(t.rtoSeconds)]),
      },
    },
    { h: 2, text: "Summary" },
    {
      table: {
        head: [
          "dataset",
          "verdict",
          "tier",
          "backups (ok/all)",
          "drills (passed/all)",
          "latest drill",
          "RTO (latest drill)",
          "RPO (latest drill)",
          "last passed drill",
          "failures",
          "archive gaps",
        ],
        rows: e.datasets.map((d) => [
          d.name,
          d.verdict.state,
          d.tier,
          `${d.backups.filter((x) => x.exitCode === 0).length}/${d.backups.length}`,
          `${d.drills.filter((x) => x.result === "ok").length}/${d.drills.length}`,
          d.lastDrill ? `${d.lastDrill.at}: ${drillVerdict(d.lastDrill)}` : "none in the period",
          fig(d.lastDrill?.rto),
          fig(d.lastDrill?.rpo),
          d.lastSuccessfulDrill ? d.lastSuccessfulDrill.at : "none in the period",
          String(d.failures.length),
          String(d.gaps.length),
        ]),
        classes: e.datasets.map((d) =>
          d.verdict.state === "OK" ? "pass" : d.verdict.state === "AT RISK" ? "warn" : "fail",
        ),
      },
    },
  ];
  if (e.controls?.length) {
    b.push(
      { h: 2, text: "Controls", id: "controls" },
      {
        p:
          "Each control's status is computed from the evidence of the period above (backups, restore tests " +
          "with their measured RTO/RPO, archive gaps, offsite copies, encryption); the facts that decided it " +
          "are listed beside it.",
      },
      {
        table: {
          head: ["framework", "control", "requirement", "status", "facts"],
          rows: e.controls.map((c) => [
            c.framework,
            `${c.id} ${c.title}`,
            c.requirement,
            c.status,
            c.facts.join(" · "),
          ]),
          classes: e.controls.map((c) => (c.status === "met" ? "pass" : c.status === "not met" ? "fail" : undefined)),
        },
      },
    );
  }
  for (const d of e.datasets) {
    b.push({ h: 2, text: `Dataset ${d.name}`, id: `dataset-${d.name}` });
    b.push({
      p:
        `Verdict: ${d.verdict.state}${d.verdict.reasons.length ? ` — ${d.verdict.reasons.join("; ")}` : ""}. ` +
        `Tier ${d.tier}, server ${d.server}, full backups with ${d.method}.`,
    });
    b.push({
      svg: [
        drillChart(d, "rto", e.since, e.generatedAt),
        drillChart(d, "rpo", e.since, e.generatedAt),
        calendar(d, e.since, e.generatedAt),
      ],
      alt: `charts of ${d.name}: measured RTO and RPO per drill against the target, and a calendar of the period`,
    });
    b.push({ h: 3, text: "Drills (restores into a throwaway server, data checked, RTO/RPO measured)" });
    b.push(
      d.drills.length
        ? {
            table: {
              head: ["when", "drill", "restored", "to", "result", "RTO", "RPO", "checks", "what failed"],
              rows: d.drills.map((x) => [
                x.at,
                x.drill,
                ((x.sets ?? []).join(" + ") || "—") + (x.from ? ` (from the copy in ${x.from})` : ""),
                x.point,
                drillVerdict(x),
                fig(x.rto),
                fig(x.rpo),
                String(x.checks ?? 0),
                x.failures.join("; "),
              ]),
              classes: d.drills.map((x) =>
                x.result === "ok" ? "pass" : x.result === "target-missed" ? "warn" : "fail",
              ),
            },
          }
        : { p: "No drill ran in the period: no backup of this dataset was proven restorable." },
    );
    b.push({ h: 3, text: "Backups" });
    b.push(
      d.backups.length
        ? {
            table: {
              head: ["when", "set", "kind", "method", "size", "result"],
              rows: d.backups.map((x) => [
                x.at,
                x.set ?? "—",
                x.kind ?? "",
                x.method ?? "",
                bytes(x.bytes),
                x.exitCode === 0 ? "ok" : `FAILED (exit ${x.exitCode}): ${x.error ?? ""}`,
              ]),
              classes: d.backups.map((x) => (x.exitCode === 0 ? undefined : "fail")),
            },
          }
        : { p: "No backup ran in the period." },
    );
    if (d.copies?.length) {
      b.push({ h: 3, text: "Offsite copies (what survives the loss of the site)" });
      b.push({
        table: {
          head: ["repository", "where", "holds up to", "newest full", "last completed", "last run", "last verified"],
          rows: d.copies.map((c) => [
            c.repository,
            c.where ?? "—",
            c.newestPoint ?? "nothing",
            c.newestFull ?? "—",
            c.lastCompleted ?? "never in the period",
            c.lastRun
              ? `${c.lastRun.at}${c.lastRun.pending ? ` PENDING: ${c.lastRun.pending}` : ""}` +
                (c.lastRun.mismatches ? `, ${c.lastRun.mismatches} differing object(s)` : "")
              : "none",
            c.lastVerified
              ? `${c.lastVerified.at} ${c.lastVerified.ok ? "ok" : "FAILED"} (${c.lastVerified.checked} set(s)` +
                `${c.lastVerified.deep ? ", deep" : ""})`
              : "never in the period",
          ]),
          classes: d.copies.map((c) =>
            !c.newestFull || c.lastRun?.mismatches || (c.lastVerified && !c.lastVerified.ok)
              ? "fail"
              : c.lastRun?.pending
                ? "warn"
                : "pass",
          ),
        },
      });
    }
    b.push({ h: 3, text: "Failures and gaps" });
    b.push(
      d.failures.length || d.gaps.length
        ? {
            ul: [
              ...d.failures.map((x) => `${x.at} ${x.command}: exit ${x.exitCode}${x.error ? `: ${x.error}` : ""}`),
              ...d.gaps.map((g) => `binlog archive gap: ${g}`),
            ],
          }
        : { p: "None in the period." },
    );
  }
  b.push({ h: 2, text: "Current catalog (read from the repositories when the bundle was made)" });
  b.push(
    e.catalog?.length
      ? {
          table: {
            head: ["dataset", "set", "kind", "method", "taken on", "point", "size", "proven restorable"],
            rows: e.catalog.map((c) => [
              c.dataset,
              c.id,
              c.kind,
              c.method,
              takenOn(c),
              c.at,
              bytes(c.bytes),
              c.verified ? "yes" : "no",
            ]),
          },
        }
      : { p: "No backup sets." },
  );
  b.push({ h: 2, text: "Changes applied (drctl apply)" });
  if (!e.applies.length) b.push({ p: "No apply in the period." });
  for (const a of e.applies) {
    b.push({ h: 3, text: `${a.at}: apply by ${a.operator || "unknown"}: ${a.result}` });
    b.push({ p: `Spec digest ${a.specDigest}.` });
    b.push(
      a.changes.length
        ? {
            table: {
              head: ["resource", "action", "result", "change"],
              rows: a.changes.map((c) => [c.address, c.action, c.result, c.diff.join("; ") || "—"]),
            },
          }
        : { p: "Nothing to change." },
    );
  }
  b.push({ h: 2, text: "Files of this bundle" });
  b.push({ table: { head: ["file", "sha256"], rows: Object.entries(e.files).map(([f, h]) => [f, h]) } });
  return { title: `DR evidence: ${e.project}`, blocks: b };
}

/** The server a set was taken on, and a gated replica's lag then. */
function takenOn(c: { server?: string; replicaLagSeconds?: number | null }): string {
  if (c.replicaLagSeconds === undefined) return c.server ?? "";
  return `${c.server ?? ""} (replica, lag ${c.replicaLagSeconds === null ? "unknown" : `${c.replicaLagSeconds}s`})`;
}
