// DESIRED × CURRENT → PLAN. Pure and synchronous: the same spec and the same observed state
// always give the same plan (the clock is passed in), which is what makes apply idempotent.

import { backupServer } from "./backup-source.js";
import { createHash } from "node:crypto";
import { parseBlock } from "./cron-line.js";
import { dropInSets, isDrctlDropIn, logBinOptionValue, parseDropInOptions, renderDropIn } from "./drop-in.js";
import {
  hostOf,
  type DesiredBinlog,
  type DesiredVariable,
  type DesiredRepository,
  type DesiredSchedule,
  type DesiredState,
  type DesiredVerification,
} from "./desired.js";
import { liveFindings } from "./findings.js";
import type { ObservedState } from "./observed.js";
import type { AttributeChange, Finding, Plan, ResourceChange } from "./plan.generated.js";
import { proveDataset, type DrillMeasurement } from "./rpo-rto.js";
import type { DrSpec } from "../spec/types.generated.js";
import { must } from "../errors.js";

export interface PlanInput {
  spec: DrSpec;
  specText: string;
  specFile: string;
  desired: DesiredState;
  observed: ObservedState;
  drills?: Record<string, DrillMeasurement | undefined>;
  now: Date;
  defaultTimeZone: string;
}

export const sha256 = (s: string) => `sha256:${createHash("sha256").update(s, "utf8").digest("hex")}`;

/**
 * Canonical JSON (sorted keys) so the fingerprint does not depend on discovery order. Built by appending
 * (no array per object for keys, filter, map and join: 41 ms → a few for a 500-server state); the text is
 * the same as it always was, so saved plans keep matching.
 */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) out += `${i ? "," : ""}${canonicalJson(v[i]) ?? ""}`;
    return `${out}]`;
  }
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    let out = "{";
    let first = true;
    for (const k of Object.keys(o).sort()) {
      if (o[k] === undefined) continue;
      out += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(o[k])}`;
      first = false;
    }
    return `${out}}`;
  }
  return JSON.stringify(v);
}

/** What apply compares: the parts of the observed state that decide the plan (not sizes or counters). */
function stateFingerprint(observed: ObservedState): string {
  // gtid_binlog_pos moves with every write: it would make every saved plan stale at once
  const stable = (vars: Record<string, string> | undefined) =>
    vars ? Object.fromEntries(Object.entries(vars).filter(([k]) => k !== "gtid_binlog_pos")) : null;
  const servers = Object.fromEntries(
    Object.entries(observed.servers).map(([n, s]) => [
      n,
      {
        reachable: s.reachable,
        variables: stable(s.variables),
        replica: s.replica ? { sourceHost: s.replica.sourceHost, sourcePort: s.replica.sourcePort } : null,
        dropIn: s.dropIn ?? null,
      },
    ]),
  );
  return sha256(
    canonicalJson({
      servers,
      cron: observed.cron,
      repositories: observed.repositories,
      verifications: observed.verifications,
    }),
  );
}

/** The drop-in drctl wants on a server: every desired variable, as the live server should keep it. */
function desiredDropIn(
  b: DesiredBinlog,
  project: string,
  live: Record<string, string>,
  flavor: "mariadb" | "mysql",
  changing: ReadonlySet<string>,
): string {
  const value = (v: DesiredVariable) => {
    if (v.name === "log_bin") return logBinOptionValue(live);
    // an expiry the server already has and that is long enough stays what the DBA chose
    if (v.name === "binlog_expire_logs_seconds" && !changing.has(v.name)) return live[v.name] ?? v.value;
    return v.value;
  };
  return renderDropIn({ project, server: b.server, flavor, entries: b.variables.map((v) => [v.optionName, value(v)]) });
}

function diffBinlog(b: DesiredBinlog, observed: ObservedState, spec: DrSpec, findings: Finding[]): ResourceChange {
  const live = observed.servers[b.server];
  const base = {
    address: b.address,
    kind: "server-binlog" as const,
    destructive: false,
    runsOn: hostOf(b.server, spec.servers[b.server]),
  };
  if (!live?.reachable) {
    return {
      ...base,
      action: "unknown",
      attributes: [],
      restartRequired: false,
      reason: live?.error ?? `server ${b.server} was not discovered`,
    };
  }
  const dropInPath = spec.servers[b.server]?.configDropIn;
  const dropIn = live.dropIn;
  if (dropInPath && dropIn?.error) {
    return {
      ...base,
      action: "unknown",
      attributes: [],
      restartRequired: false,
      reason: `cannot read ${dropInPath}: ${dropIn.error}`,
    };
  }
  if (dropInPath && dropIn?.exists && !isDrctlDropIn(dropIn.text ?? "")) {
    return {
      ...base,
      action: "unknown",
      attributes: [],
      restartRequired: false,
      reason: `refusing to overwrite ${dropInPath}: drctl did not write it (point configDropIn at a file of its own)`,
    };
  }
  const vars = live.variables ?? {};
  const onDisk = parseDropInOptions(dropIn?.exists ? (dropIn.text ?? "") : "");
  const attributes: AttributeChange[] = [];
  const pending: string[] = [];
  for (const v of b.variables) {
    const current = vars[v.name];
    const ok = v.satisfied ? v.satisfied(current, vars) : current === v.value;
    if (ok) continue;
    if (!v.dynamic && dropInPath && dropInSets(onDisk, v, v.value)) {
      pending.push(`${v.name} is ${v.value} in ${dropInPath} but ${current ?? "unset"} live`);
      continue;
    }
    const a: AttributeChange = { name: v.name, before: current ?? null, after: v.value, note: v.why };
    if (!v.dynamic) a.restartRequired = true;
    if (v.name === "binlog_format") a.note = `${v.why}; set live it reaches new sessions only`;
    attributes.push(a);
  }
  if (pending.length) {
    findings.push({
      level: "warning",
      code: "restart-pending",
      subject: b.address,
      message:
        `${b.address}: restart ${b.server} for the drop-in to take effect (drctl never restarts a server): ` +
        `${pending.join("; ")}`,
    });
  }
  const changing = new Set(attributes.map((a) => a.name));
  const wantedText = desiredDropIn(b, spec.project, vars, live.flavor ?? "mariadb", changing);
  const currentText = dropIn?.exists ? (dropIn.text ?? "") : null;
  if (dropInPath && currentText !== wantedText && !attributes.length) {
    // the live server is right but a restart would lose it
    attributes.push({
      name: "configDropIn",
      before: currentText === null ? null : `${dropInPath} (outdated)`,
      after: dropInPath,
      note: "so a restart keeps these settings",
    });
  }
  const changed = attributes.length > 0;
  return {
    ...base,
    action: changed ? "update" : "no-op",
    attributes,
    restartRequired: attributes.some((a) => a.restartRequired),
    ...(changed && dropInPath ? { textBefore: currentText, textAfter: wantedText } : {}),
  };
}

function diffRepository(r: DesiredRepository, observed: ObservedState): ResourceChange {
  const o = observed.repositories[r.name];
  const base = {
    address: r.address,
    kind: "repository" as const,
    destructive: false,
    restartRequired: false,
    runsOn: r.type === "filesystem" ? "every host that runs a job writing to it" : "any host that reaches it",
  };
  if (!o?.checked) return { ...base, action: "unknown", attributes: [], reason: o?.reason ?? "not inspected" };
  if (o.foreign)
    return { ...base, action: "unknown", attributes: [], reason: `refusing to adopt ${r.location}: ${o.foreign}` };
  const local = r.type === "filesystem";
  if (!o.exists) {
    return {
      ...base,
      action: "create",
      attributes: [
        { name: local ? "path" : "location", before: null, after: r.location },
        ...(local ? [{ name: "mode", before: null, after: "0700" }] : []),
        { name: "marker", before: null, after: ".drctl-repository.json" },
      ],
    };
  }
  const attributes: AttributeChange[] = [];
  if (local && o.mode !== 0o700)
    attributes.push({ name: "mode", before: (o.mode ?? 0).toString(8).padStart(4, "0"), after: "0700" });
  if (!o.owned)
    attributes.push({
      name: "marker",
      before: null,
      after: ".drctl-repository.json",
      note: "an empty directory is adopted",
    });
  return { ...base, action: attributes.length ? "update" : "no-op", attributes };
}

/**
 * verification.<dataset>: created while no drill has verified the dataset, replaced when its
 * method changed since the last one that did (a proof for mysqldump says nothing about mariadb-backup).
 */
function diffVerification(v: DesiredVerification, observed: ObservedState, spec: DrSpec): ResourceChange {
  const o = observed.verifications?.[v.dataset];
  const base = {
    address: v.address,
    kind: "verification" as const,
    restartRequired: false,
    destructive: false,
    runsOn: "a host with mariadbd that reaches the server and the repository",
  };
  const ds = must(spec.datasets[v.dataset]);
  const source = backupServer(ds);
  if (!o && observed.servers[source]?.reachable === false)
    return {
      ...base,
      action: "unknown",
      attributes: [],
      reason: `server ${source} is unreachable: no first backup can be taken`,
    };
  const proof = "a full backup, then a drill restore into a sandbox, verified";
  if (!o)
    return {
      ...base,
      action: "create",
      attributes: [
        { name: "method", before: null, after: v.method },
        { name: "proof", before: null, after: proof },
      ],
      reason: "no drill has verified this dataset yet",
    };
  if (o.method !== v.method)
    return {
      ...base,
      action: "update",
      attributes: [
        { name: "method", before: o.method, after: v.method },
        { name: "proof", before: `${o.drill} at ${o.at}`, after: proof },
      ],
      reason: "the method changed since the last verified drill",
    };
  return { ...base, action: "no-op", attributes: [] };
}

function diffSchedules(desired: DesiredSchedule[], observed: ObservedState): ResourceChange[] {
  if (!observed.cron.readable) {
    return desired.map((d) => ({
      address: d.address,
      kind: "schedule",
      action: "unknown",
      attributes: [],
      restartRequired: false,
      destructive: false,
      reason: observed.cron.error ?? "cron target unreadable",
      runsOn: d.runsOn,
    }));
  }
  const { jobs } = parseBlock(observed.cron.block ?? []);
  const out: ResourceChange[] = [];
  for (const d of desired) {
    const before = jobs.get(d.address);
    const base = {
      address: d.address,
      kind: "schedule" as const,
      restartRequired: false,
      destructive: false,
      runsOn: d.runsOn,
      textBefore: before ?? null,
      textAfter: d.line,
    };
    if (before === undefined) {
      out.push({
        ...base,
        action: "create",
        attributes: [
          { name: "schedule", before: null, after: d.schedule },
          { name: "command", before: null, after: `drctl ${d.argv.join(" ")}` },
        ],
      });
    } else if (before !== d.line) {
      const oldSchedule = before.split(/\s+/).slice(0, 5).join(" ");
      const attributes: AttributeChange[] = [];
      if (oldSchedule !== d.schedule) attributes.push({ name: "schedule", before: oldSchedule, after: d.schedule });
      attributes.push({ name: "line", before, after: d.line });
      out.push({ ...base, action: "update", attributes });
    } else {
      out.push({ ...base, action: "no-op", attributes: [] });
    }
  }
  const wanted = new Set(desired.map((d) => d.address));
  for (const [address, line] of jobs) {
    if (wanted.has(address)) continue;
    out.push({
      address,
      kind: "schedule",
      action: "delete",
      attributes: [{ name: "line", before: line, after: null }],
      restartRequired: false,
      destructive: true,
      textBefore: line,
      textAfter: null,
    });
  }
  return out;
}

export function buildPlan(input: PlanInput): Plan {
  const { spec, desired, observed } = input;
  const restartFindings: Finding[] = [];
  const resources: ResourceChange[] = [
    ...desired.binlogs.map((b) => diffBinlog(b, observed, spec, restartFindings)),
    ...desired.repositories.map((r) => diffRepository(r, observed)),
    ...diffSchedules(desired.schedules, observed),
    ...(desired.verifications ?? []).map((v) => diffVerification(v, observed, spec)),
  ];
  const findings: Finding[] = [...liveFindings(spec, desired, observed), ...restartFindings];
  const { foreign } = parseBlock(observed.cron.block ?? []);
  if (foreign.length)
    findings.push({
      level: "warning",
      code: "cron-foreign-lines",
      subject: observed.cron.target,
      message:
        `${foreign.length} line(s) inside drctl's block in ${observed.cron.target} were not written by drctl; ` +
        `apply replaces them: ${foreign.join(" | ")}`,
    });
  if (resources.some((r) => r.kind === "server-binlog" && r.attributes.some((a) => a.name === "binlog_format"))) {
    findings.push({
      level: "info",
      code: "binlog-format-live",
      subject: "binlog_format",
      message:
        "binlog_format set live reaches new sessions only: connections open during apply keep logging in the " +
        "old format until they reconnect",
    });
  }
  const proofs = Object.entries(spec.datasets).map(([name, ds]) => {
    const r = proveDataset(name, ds, {
      spec,
      servers: observed.servers,
      ...(input.drills ? { drills: input.drills } : {}),
      now: input.now,
      defaultTimeZone: input.defaultTimeZone,
    });
    findings.push(...r.findings);
    return r.proof;
  });
  // one pass each (a fleet's plan has thousands of resources and findings)
  const summary = { create: 0, update: 0, delete: 0, noop: 0, unknown: 0, restartRequired: 0, errors: 0, warnings: 0 };
  for (const r of resources) {
    if (r.action === "no-op") summary.noop++;
    else summary[r.action]++;
    if (r.restartRequired) summary.restartRequired++;
  }
  for (const f of findings) {
    if (f.level === "error") summary.errors++;
    else if (f.level === "warning") summary.warnings++;
  }
  return {
    formatVersion: 1,
    project: spec.project,
    specFile: input.specFile,
    specDigest: sha256(input.specText),
    stateFingerprint: stateFingerprint(observed),
    createdAt: input.now.toISOString(),
    resources,
    findings,
    proofs,
    summary,
    hasChanges: summary.create + summary.update + summary.delete > 0,
  };
}
