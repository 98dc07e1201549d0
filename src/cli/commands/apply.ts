// drctl apply: make the live world match the spec. Takes the project's apply lock, re-discovers
// under it, shows the plan and asks (on a terminal) or needs --auto-approve, then runs the
// executors. A saved plan (`drctl plan -out FILE`) is applied only if neither the spec nor the
// live state changed since it was made.

import { readFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { currentAccount, lookupAccount } from "../../apply/accounts.js";
import { applyPlan, ensureStateDirs, failureError } from "../../apply/apply.js";
import { parseWaitMs } from "../../core/duration.js";
import { buildDesiredState } from "../../core/desired.js";
import type { Plan } from "../../core/plan.generated.js";
import { sha256 } from "../../core/plan.js";
import { discoverState } from "../../discover/discover.js";
import { DrError } from "../../errors.js";
import { renderPlanText, summaryLine } from "../../render/text.js";
import { loadSpec } from "../../spec/check.js";
import { acquireLock, describeHolder } from "../../state/lock.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { measuredDrills, planAgainst, runtimeFor } from "./plan.js";

export interface ApplyFlags {
  /** The spec, when no saved plan is given. */
  file: string;
  fileGiven: boolean;
  planFile?: string;
  autoApprove: boolean;
  lockTimeout: string;
  /** Apply although the plan has error findings (a tier that cannot be met, an unreachable server…). */
  allowErrors?: boolean;
}

type SavedPlan = Pick<
  Plan,
  "formatVersion" | "project" | "specFile" | "specDigest" | "stateFingerprint" | "createdAt"
> &
  Partial<Pick<Plan, "resources">>;

/** What a stale saved plan would do differently now, one line per resource ("repository.local: create → no-op"). */
function planDrift(saved: SavedPlan, now: Plan): string[] {
  const was = new Map((saved.resources ?? []).map((r) => [r.address, r]));
  const lines: string[] = [];
  for (const r of now.resources) {
    const old = was.get(r.address);
    was.delete(r.address);
    if (!old) lines.push(`${r.address}: not in the saved plan, now ${r.action}`);
    else if (old.action !== r.action) lines.push(`${r.address}: ${old.action} in the saved plan, now ${r.action}`);
    else if (JSON.stringify(old.attributes) !== JSON.stringify(r.attributes)) {
      const changed = r.attributes
        .filter((a) => JSON.stringify(old.attributes.find((o) => o.name === a.name)) !== JSON.stringify(a))
        .map((a) => a.name);
      lines.push(`${r.address}: ${r.action} as before, but ${changed.join(", ") || "its attributes"} now differ`);
    }
  }
  for (const gone of was.keys()) lines.push(`${gone}: in the saved plan, no longer planned`);
  return lines;
}

async function readSavedPlan(file: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new DrError(
      "invalid",
      `cannot read plan file ${file}: ` +
        `${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`,
    );
  }
  let saved: Partial<SavedPlan> | undefined;
  try {
    saved = JSON.parse(text) as Partial<SavedPlan>;
  } catch {
    saved = undefined;
  }
  if (
    saved?.formatVersion !== 1 ||
    typeof saved.specFile !== "string" ||
    typeof saved.specDigest !== "string" ||
    typeof saved.stateFingerprint !== "string"
  ) {
    throw new DrError("invalid", `${file} is not a plan saved by \`drctl plan -out\``, {
      hint: /\.ya?ml$/i.test(file) ? `to apply a spec, use: drctl apply -f ${file}` : undefined,
    });
  }
  return saved as SavedPlan;
}

const stale = (what: string, saved: SavedPlan) =>
  new DrError(
    "invalid",
    `stale plan: ${what} changed since the plan was made (${saved.createdAt}); nothing was applied`,
    { hint: "re-run drctl plan -out FILE, review it, and apply that" },
  );

export async function applyCommand(flags: ApplyFlags, io: Io): Promise<number> {
  const saved = flags.planFile ? await readSavedPlan(flags.planFile) : undefined;
  if (saved && flags.fileGiven && resolve(flags.file) !== saved.specFile) {
    throw new DrError("invalid", `the saved plan was made from ${saved.specFile}, not ${resolve(flags.file)}`);
  }
  const specFile = saved?.specFile ?? flags.file;
  const { spec, check } = await loadSpec(specFile);
  if (saved && sha256(check.loaded.text) !== saved.specDigest) throw stale(`the spec ${specFile}`, saved);
  if (!saved && !flags.autoApprove && !io.interactive) {
    throw new DrError("invalid", "refusing to apply without --auto-approve: there is no terminal to confirm on", {
      hint: "review with `drctl plan -out plan.json`, then `drctl apply plan.json` (or pass --auto-approve)",
    });
  }
  const waitMs = parseWaitMs(flags.lockTimeout);
  if (waitMs === undefined)
    throw new DrError("invalid", `--lock-timeout ${flags.lockTimeout}: expected a duration such as 0s, 30s or 5m`);

  const runtime = runtimeFor(specFile);
  const desired = buildDesiredState(spec, runtime);
  const account = desired.cronTarget.startsWith("crontab:")
    ? await lookupAccount(desired.cronTarget.slice("crontab:".length))
    : currentAccount();
  await ensureStateDirs(desired.stateDir, account);

  const lock = await acquireLock(join(desired.stateDir, "locks", "apply.lock"), {
    waitMs,
    purpose: `apply for project ${spec.project}`,
    command: "drctl apply",
    onWait: (h) => io.err(`waiting up to ${flags.lockTimeout} for the apply lock held by ${describeHolder(h)}…`),
  });
  try {
    // discovered under the lock: no other apply can change the world between this and the writes
    const observed = await discoverState(spec);
    const plan = planAgainst(
      spec,
      check.loaded.text,
      runtime,
      desired,
      observed,
      new Date(),
      await measuredDrills(spec),
    );
    if (saved && plan.stateFingerprint !== saved.stateFingerprint) {
      const drift = planDrift(saved, plan);
      const err = stale("the live state (servers, cron block, repositories, verified drills)", saved);
      throw new DrError(
        err.kind,
        drift.length
          ? `${err.message}:\n${drift.map((l) => `  - ${l}`).join("\n")}`
          : `${err.message} (the planned actions are the same; something observed differs)`,
        { ...(err.hint ? { hint: err.hint } : {}) },
      );
    }

    if (!saved) io.out(renderPlanText(plan, { cronTarget: desired.cronTarget }));
    if (!plan.hasChanges) {
      if (saved) io.out(summaryLine(plan));
      io.out("\nNothing to apply.");
      const unknown = plan.resources.filter((r) => r.action === "unknown");
      return unknown.length ? EXIT.degraded : EXIT.ok;
    }
    // a plan that says something is wrong is not applied by default: "Apply complete!" over an error misleads
    // (not those whose cause this very plan changes: the binlog settings apply is about to make)
    const errors = plan.findings.filter((f) => f.level === "error" && !f.fixedByApply);
    if (errors.length && !flags.allowErrors) {
      throw new DrError(
        "failed",
        [
          `the plan has ${errors.length} error finding(s); nothing was applied:`,
          ...errors.map((f) => `  - ${f.message}`),
        ].join("\n"),
        {
          hint: "fix what they say (and re-run drctl plan), or pass --allow-errors to apply the rest anyway",
          meta: { findings: errors.map((f) => f.code) },
        },
      );
    }
    if (!saved && !flags.autoApprove) {
      const answer = (await io.ask?.("\nDo you want to perform these actions? Only 'yes' will be accepted: ")) ?? "";
      if (answer.trim() !== "yes") {
        io.err("Apply cancelled; nothing was changed.");
        return EXIT.failed;
      }
    }
    io.out("");
    const operator = process.env.SUDO_USER
      ? `${process.env.SUDO_USER} (as ${userInfo().username})`
      : userInfo().username;
    const outcome = await applyPlan({
      spec,
      desired,
      observed,
      plan,
      account,
      operator: `${operator}@${hostname()}`,
      runtime: { node: runtime.node, drctl: runtime.drctl },
      onProgress: (address, message) => io.out(`${address}: ${message}`),
    });
    const failed = failureError(outcome);
    if (failed) throw failed;
    const n = (a: string) => outcome.applied.filter((x) => x.action === a).length;
    io.out(`\nApply complete! Resources: ${n("create")} added, ${n("update")} changed, ${n("delete")} destroyed.`);
    for (const r of outcome.restartRequired) {
      io.out(
        `Restart required: ${r.server} (${r.variables.join(", ")}) takes effect when the server restarts; ` +
          `drctl never restarts a server.`,
      );
    }
    if (outcome.skipped.length) {
      for (const s of outcome.skipped) io.err(`skipped ${s.address}: ${s.reason}`);
      return EXIT.degraded;
    }
    return EXIT.ok;
  } finally {
    await lock.release();
  }
}
