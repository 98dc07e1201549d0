// The plan as plain text, Terraform-like and stable, for terminals without a TTY and for review
// comments in CI. Reads only the plan object.

import { createTwoFilesPatch } from "diff";
import { formatDuration } from "../core/duration.js";
import type { Plan, ResourceChange } from "../core/plan.generated.js";
import { MARKER } from "../core/cron-line.js";

const SYMBOL: Record<ResourceChange["action"], string> = {
  create: "+",
  update: "~",
  delete: "-",
  "no-op": " ",
  unknown: "?",
};
const VERB: Record<ResourceChange["action"], string> = {
  create: "create",
  update: "update in place",
  delete: "destroy",
  "no-op": "no change",
  unknown: "unknown",
};

const q = (v: string | null) => (v === null ? "(none)" : JSON.stringify(v));

function describeResource(r: ResourceChange): string {
  const flags = [
    VERB[r.action],
    ...(r.restartRequired ? ["restart required"] : []),
    ...(r.destructive ? ["destructive"] : []),
  ];
  return `${SYMBOL[r.action]} ${r.address}  (${flags.join(", ")})`;
}

export function attributeLines(r: ResourceChange): string[] {
  return r.attributes.map((a) => {
    const sym = a.before === null ? "+" : a.after === null ? "-" : "~";
    const value = a.before === null ? q(a.after) : a.after === null ? q(a.before) : `${q(a.before)} → ${q(a.after)}`;
    return `${sym} ${a.name}: ${value}${a.restartRequired ? "  (restart required)" : ""}`;
  });
}

/** The managed cron block before and after, rebuilt from the schedule resources, as a unified diff. */
function cronBlockDiff(plan: Plan, target = "cron"): string | undefined {
  const schedules = plan.resources
    .filter((r) => r.kind === "schedule" && r.action !== "unknown")
    .sort((a, b) => a.address.localeCompare(b.address));
  if (!schedules.some((r) => r.action !== "no-op")) return undefined;
  const block = (side: "textBefore" | "textAfter") =>
    schedules
      .filter((r) => r[side])
      .map((r) => `${MARKER}${r.address}\n${r[side]}\n`)
      .join("");
  return unifiedDiff(`${target} (now)`, `${target} (after apply)`, block("textBefore"), block("textAfter"), 1);
}

/** A unified diff of two texts with file labels, without `diff`'s "===" banner. */
function unifiedDiff(fromLabel: string, toLabel: string, before: string, after: string, context: number): string {
  return createTwoFilesPatch(fromLabel, toLabel, before, after, undefined, undefined, { context })
    .split("\n")
    .slice(1)
    .join("\n")
    .trimEnd();
}

/** Each server's option-file drop-in before and after, as unified diffs. */
function dropInDiffs(plan: Plan): string[] {
  return plan.resources
    .filter((r) => r.kind === "server-binlog" && r.action === "update" && (r.textBefore ?? "") !== (r.textAfter ?? ""))
    .map((r) =>
      unifiedDiff(
        `${r.address} drop-in (now)`,
        `${r.address} drop-in (after apply)`,
        withNewline(r.textBefore ?? ""),
        withNewline(r.textAfter ?? ""),
        2,
      ),
    );
}

/** Text as a file holds it: ending in a newline (so diffs do not report a missing one). */
export const withNewline = (s: string) => (s === "" || s.endsWith("\n") ? s : `${s}\n`);

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  if (!plan.hasChanges && s.unknown === 0) {
    const findings = s.errors || s.warnings ? ` ${s.errors} error(s), ${s.warnings} warning(s).` : "";
    return `No changes. The live state matches the spec.${findings}`;
  }
  const parts = [`Plan: ${s.create} to add, ${s.update} to change, ${s.delete} to destroy`];
  if (s.unknown) parts.push(`${s.unknown} unknown`);
  let line = `${parts.join(", ")}.`;
  if (s.restartRequired) line += ` ${s.restartRequired} restart(s) required.`;
  if (s.errors || s.warnings) line += ` ${s.errors} error(s), ${s.warnings} warning(s).`;
  return line;
}

export function proofLine(p: Plan["proofs"][number]): string {
  const bound = (b: typeof p.rpo) =>
    b.worstSeconds === null ? "?" : `${b.estimated ? "~" : ""}${formatDuration(b.worstSeconds)}`;
  return (
    `${p.dataset} (${p.tier}): RPO ${bound(p.rpo)} of ${formatDuration(p.rpo.targetSeconds)}` +
    (p.offsiteRpo ? ` (site lost: ${bound(p.offsiteRpo)})` : "") +
    ", RTO " +
    `${bound(p.rto)} of ${formatDuration(p.rto.targetSeconds)}: ${p.verdict.toUpperCase()}`
  );
}

export function renderPlanText(plan: Plan, opts: { cronTarget?: string } = {}): string {
  const out: string[] = [];
  out.push(`drctl plan: project ${plan.project}`);
  out.push(`  spec  ${plan.specFile} (${plan.specDigest.slice(0, 19)}…)`);
  out.push(`  state ${plan.stateFingerprint.slice(0, 19)}… discovered ${plan.createdAt}`);
  out.push("");
  const changed = plan.resources.filter((r) => r.action !== "no-op");
  if (changed.length) {
    out.push("Resources:");
    for (const r of changed) {
      out.push(`  ${describeResource(r)}`);
      if (r.runsOn && r.action !== "unknown") out.push(`      runs on: ${r.runsOn}`);
      if (r.reason) out.push(`      ${r.reason}`);
      for (const l of attributeLines(r)) out.push(`      ${l}`);
    }
    out.push("");
  }
  const unchanged = plan.resources.length - changed.length;
  if (unchanged) out.push(`${unchanged} resource(s) unchanged.`, "");
  const cron = cronBlockDiff(plan, opts.cronTarget);
  if (cron) out.push("Cron block:", ...cron.split("\n").map((l) => `  ${l}`), "");
  const dropIns = dropInDiffs(plan);
  if (dropIns.length) {
    out.push("Option-file drop-ins:");
    for (const d of dropIns) out.push(...d.split("\n").map((l) => `  ${l}`));
    out.push("");
  }
  if (plan.proofs.length) {
    out.push("RPO/RTO:");
    for (const p of plan.proofs) out.push(`  ${proofLine(p)}`);
    out.push("");
  }
  if (plan.findings.length) {
    out.push("Findings:");
    const order = { error: 0, warning: 1, info: 2 } as const;
    for (const f of [...plan.findings].sort((a, b) => order[a.level] - order[b.level]))
      out.push(`  ${f.level.padEnd(7)} ${f.message}`);
    out.push("");
  }
  out.push(summaryLine(plan));
  return out.join("\n");
}
