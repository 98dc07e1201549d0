// Carries a plan out, resource by resource, in an order that keeps the world usable at every step:
// server settings, then repositories, then the state dirs the jobs write, then the cron block (so
// no job is installed before what it writes to exists). Each resource is journaled as it lands; the
// first failure stops the run, names the resource, and leaves what was done in place — the next
// apply finishes the rest.

import { mkdir, chmod } from "node:fs/promises";
import { join } from "node:path";
import type { DesiredState } from "../core/desired.js";
import type { ObservedState } from "../core/observed.js";
import type { Plan, ResourceChange } from "../core/plan.generated.js";
import { DrError, messageOf, must } from "../errors.js";
import type { DrSpec } from "../spec/types.generated.js";
import { appendJournal } from "../state/journal.js";
import { handTo, type Account } from "./accounts.js";
import { applyBinlog } from "./binlog.js";
import { applyVerification } from "./verification.js";
import { existsSync } from "node:fs";
import { writeCronBlock } from "./cron.js";
import { ensureFilesystemRepository, ensureRemoteRepository } from "./repository.js";

export interface ApplyInput {
  spec: DrSpec;
  desired: DesiredState;
  observed: ObservedState;
  plan: Plan;
  /** The account the cron jobs run as: it gets the state dir and the repositories. */
  account: Account;
  /** Who ran apply, for the journal. */
  operator: string;
  /** How the verification runs drctl itself: node and the CLI script. */
  runtime: { node: string; drctl: string };
  onProgress?: (address: string, message: string) => void;
}

export interface ApplyOutcome {
  applied: { address: string; action: ResourceChange["action"]; done: string[] }[];
  skipped: { address: string; reason: string }[];
  failed?: { address: string; error: string };
  restartRequired: { server: string; variables: string[] }[];
}

const changes = (r: ResourceChange) => r.action === "create" || r.action === "update" || r.action === "delete";

/** The state dir and its locks/ and logs/ subdirs: 0700, the job account's. */
export async function ensureStateDirs(stateDir: string, account: Account): Promise<void> {
  for (const dir of [stateDir, join(stateDir, "locks"), join(stateDir, "logs")]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    await handTo(dir, account);
  }
}

export async function applyPlan(input: ApplyInput): Promise<ApplyOutcome> {
  const { spec, desired, plan, account } = input;
  const stateDir = desired.stateDir;
  const outcome: ApplyOutcome = { applied: [], skipped: [], restartRequired: [] };
  const say = (address: string, message: string) => input.onProgress?.(address, message);
  const journal = (kind: string, data: Record<string, unknown>) => appendJournal(stateDir, kind, data);
  const started = Date.now();

  await journal("apply.start", {
    operator: input.operator,
    specFile: plan.specFile,
    specDigest: plan.specDigest,
    stateFingerprint: plan.stateFingerprint,
    summary: plan.summary,
  });

  const record = async (r: ResourceChange, result: "applied" | "failed" | "skipped", extra: Record<string, unknown>) =>
    journal("apply.resource", { address: r.address, action: r.action, attributes: r.attributes, result, ...extra });

  for (const r of plan.resources.filter((x) => x.action === "unknown")) {
    outcome.skipped.push({ address: r.address, reason: r.reason ?? "unknown" });
    await record(r, "skipped", { reason: r.reason ?? "unknown" });
  }

  // one step per resource (the cron block is one step for all schedules: it is one atomic write)
  const steps: { resources: ResourceChange[]; run: () => Promise<string[]> }[] = [];
  for (const r of plan.resources.filter((x) => x.kind === "server-binlog" && changes(x))) {
    const d = must(desired.binlogs.find((b) => b.address === r.address));
    steps.push({
      resources: [r],
      run: async () => {
        const res = await applyBinlog({
          serverName: d.server,
          server: must(spec.servers[d.server]),
          desired: d,
          change: r,
          flavor: input.observed.servers[d.server]?.flavor ?? "mariadb",
        });
        if (res.restartRequired.length)
          outcome.restartRequired.push({ server: d.server, variables: res.restartRequired });
        return res.done;
      },
    });
  }
  for (const r of plan.resources.filter((x) => x.kind === "repository" && changes(x))) {
    const d = must(desired.repositories.find((x) => x.address === r.address));
    const repo = must(spec.repositories[d.name]);
    if (repo.type !== "filesystem") {
      steps.push({ resources: [r], run: () => ensureRemoteRepository({ name: d.name, repo, project: spec.project }) });
      continue;
    }
    steps.push({
      resources: [r],
      run: () => ensureFilesystemRepository({ name: d.name, path: repo.path, project: spec.project, account }),
    });
  }
  const schedules = plan.resources.filter((x) => x.kind === "schedule" && changes(x));
  if (schedules.length) {
    steps.push({
      resources: schedules,
      run: async () => {
        const w = await writeCronBlock(desired.cronTarget, spec.project, desired.schedules, input.observed.cron.block);
        return w.changed ? [`wrote drctl's block in ${w.target}`] : [];
      },
    });
  }

  // last: a verification restores what the other steps configured
  for (const r of plan.resources.filter((x) => x.kind === "verification" && changes(x))) {
    const v = must(desired.verifications.find((x) => x.address === r.address));
    // the restore needs the age identity: a backup-only host (recipients only) cannot prove it
    const identity = spec.encryption?.identityFile;
    if (spec.encryption && (!identity || !existsSync(identity))) {
      const reason =
        `the backups are encrypted and the age identity ${identity ?? "(encryption.identityFile unset)"} is ` +
        `not on this host: run \`drctl drill verify ${v.dataset}\` where it is, then plan again`;
      outcome.skipped.push({ address: r.address, reason });
      await record(r, "skipped", { reason });
      continue;
    }
    steps.push({
      resources: [r],
      run: () =>
        applyVerification({
          dataset: v.dataset,
          specFile: plan.specFile,
          node: input.runtime.node,
          drctl: input.runtime.drctl,
          account,
        }),
    });
  }

  for (const step of steps) {
    const label = step.resources.length === 1 ? must(step.resources[0]).address : `${step.resources.length} schedules`;
    say(label, "applying…");
    let done: string[];
    try {
      done = await step.run();
    } catch (e) {
      const error = messageOf(e);
      outcome.failed = { address: label, error };
      for (const r of step.resources) await record(r, "failed", { error });
      say(label, `FAILED: ${error}`);
      break;
    }
    for (const r of step.resources) {
      outcome.applied.push({ address: r.address, action: r.action, done });
      await record(r, "applied", { done });
    }
    say(label, done.length ? done.join("; ") : "nothing to do");
  }

  await journal("apply.end", {
    result: outcome.failed ? "failed" : outcome.skipped.length ? "partial" : "ok",
    applied: outcome.applied.map((a) => a.address),
    skipped: outcome.skipped,
    ...(outcome.failed ? { failed: outcome.failed } : {}),
    restartRequired: outcome.restartRequired,
    durationMs: Date.now() - started,
  });
  return outcome;
}

export function failureError(outcome: ApplyOutcome): DrError | undefined {
  if (!outcome.failed) return undefined;
  return new DrError("failed", `apply stopped at ${outcome.failed.address}: ${outcome.failed.error}`, {
    hint:
      `${outcome.applied.length} resource(s) applied before it stay applied; fix the cause and run apply again ` +
      `to finish`,
  });
}
