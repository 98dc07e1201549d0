// Spec → DESIRED state: which server settings, repositories and cron jobs the spec implies.
// Pure: the runtime facts it needs (where node and drctl live, the spec's absolute path, the cron
// user) are passed in.

import { backupReplica, backupServer } from "./backup-source.js";
import { parseDuration } from "./duration.js";
import type { DrSpec, Dataset, Server } from "../spec/types.generated.js";
import { renderCronLine } from "./cron-line.js";
import { isPhysical } from "./methods.js";

export interface Runtime {
  /** Absolute path of the node binary cron should run. */
  node: string;
  /** Absolute path of drctl's dist/cli.js. */
  drctl: string;
  /** Absolute path of util-linux flock. */
  flock: string;
  /** Absolute path of the spec file. */
  specFile: string;
  /** The user cron.d lines run as (a user crontab has no user field). */
  cronUser: string;
}

export interface DesiredVariable {
  /** Server variable, lower case, as SHOW GLOBAL VARIABLES names it. */
  name: string;
  /** The value to show and to set. */
  value: string;
  /** Settable with SET GLOBAL; otherwise drop-in only, restart required. */
  dynamic: boolean;
  /** Option name in the drop-in file. */
  optionName: string;
  /** Why drctl wants it, for the plan. */
  why: string;
  /** When the live value already serves the purpose (e.g. an expiry that is long enough). */
  satisfied?: (live: string | undefined, all: Record<string, string>) => boolean;
}

export interface DesiredBinlog {
  address: string;
  server: string;
  variables: DesiredVariable[];
  /** The smallest archive interval of any dataset archiving this server, in seconds. */
  archiveIntervalSeconds: number;
}

export interface DesiredRepository {
  address: string;
  name: string;
  type: "filesystem" | "sftp" | "s3";
  location: string;
}

export interface DesiredSchedule {
  address: string;
  /** full | incremental | binlog | copy | prune | drill */
  job: string;
  dataset?: string;
  drill?: string;
  schedule: string;
  argv: string[];
  line: string;
  runsOn: string;
}

export interface DesiredState {
  project: string;
  stateDir: string;
  cronTarget: string;
  binlogs: DesiredBinlog[];
  repositories: DesiredRepository[];
  schedules: DesiredSchedule[];
  /** verification.<dataset>: a first backup + drill restore, proven with the dataset's current method. */
  verifications: DesiredVerification[];
}

export interface DesiredVerification {
  address: string;
  dataset: string;
  method: string;
}

export const DEFAULT_BINLOG_INTERVAL = "1m";
export const COMFORTABLE_EXPIRY_SECONDS = 86400;
const DEFAULT_EXPIRY_SECONDS = 7 * 86400;

export function stateDirOf(spec: DrSpec): string {
  return spec.state ?? `/var/lib/drctl/${spec.project}`;
}

/**
 * The servers whose binlogs hold a dataset's history: its server, then the failover candidates that
 * may be promoted in its place (issue 16 §4). Each keeps an archive of its own; a restore joins them by GTID.
 */
export function failoverGroup(ds: Pick<Dataset, "server" | "failover">): string[] {
  return [ds.server, ...(ds.failover ?? []).filter((m) => m !== ds.server)];
}

export function cronTargetOf(spec: DrSpec): string {
  const s = spec.scheduler;
  if (s?.user) return `crontab:${s.user}`;
  return s?.file ?? `/etc/cron.d/drctl-${spec.project}`;
}

export function hostOf(name: string, server: Server | undefined): string {
  if (!server) return name;
  return server.socket ? `${name} (socket ${server.socket})` : `${name} (${server.host}:${server.port ?? 3306})`;
}

/** Seconds of binlog the server keeps: binlog_expire_logs_seconds, else expire_logs_days; 0 = never purged. */
export function expirySeconds(vars: Record<string, string>): number {
  const secs = Number(vars.binlog_expire_logs_seconds ?? "0");
  if (secs > 0) return secs;
  return Math.round(Number(vars.expire_logs_days ?? "0") * 86400);
}

/** The cron expression that runs a job every `interval` (minute granularity). */
function intervalToCron(interval: string): string {
  const secs = parseDuration(interval) ?? 60;
  const minutes = Math.max(1, Math.round(secs / 60));
  if (minutes === 1) return "* * * * *";
  if (minutes < 60) return `*/${minutes} * * * *`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `0 */${hours} * * *`;
  return "0 0 * * *";
}

/** How often the copy job runs when the dataset does not say. */
export const DEFAULT_COPY_INTERVAL = "15m";

/**
 * The copy job's cron line: every `interval`, starting at a minute spread per dataset so a hundred
 * copies do not all connect at :00 (plan measures the real worst gap of whatever this gives).
 */
export function copyCron(interval: string, spread: number): string {
  const minutes = Math.max(1, Math.round((parseDuration(interval) ?? 900) / 60));
  if (minutes === 1) return "* * * * *";
  if (minutes < 60) return 60 % minutes === 0 ? `${spread % minutes}-59/${minutes} * * * *` : `*/${minutes} * * * *`;
  const hours = Math.round(minutes / 60);
  if (hours < 24)
    return 24 % hours === 0 ? `${spread} ${spread % hours}-23/${hours} * * *` : `${spread} */${hours} * * *`;
  return `${spread} 3 * * *`;
}

/** A stable minute for housekeeping jobs, so 100 datasets do not all prune at 04:00 sharp. */
function spreadMinute(key: string): number {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 60;
}

function archivesBinlogs(ds: Dataset): boolean {
  return ds.binlog?.archive === true;
}

export function buildDesiredState(spec: DrSpec, rt: Runtime): DesiredState {
  const stateDir = stateDirOf(spec);
  const cronTarget = cronTargetOf(spec);
  const withUserField = !cronTarget.startsWith("crontab:");
  const schedules: DesiredSchedule[] = [];
  const addJob = (
    address: string,
    job: string,
    schedule: string,
    argv: string[],
    runsOn: string,
    ids: { dataset?: string; drill?: string },
  ) => {
    const line = renderCronLine({
      schedule,
      user: withUserField ? rt.cronUser : undefined,
      flock: rt.flock,
      lockFile: `${stateDir}/locks/${address}.lock`,
      argv: [rt.node, rt.drctl, ...argv],
      logFile: `${stateDir}/logs/${address}.log`,
    });
    schedules.push({ address, job, schedule, argv, line, runsOn, ...ids });
  };

  const binlogNeeds = new Map<string, { interval: number; replicaUpdates: boolean }>();
  for (const [dsName, ds] of Object.entries(spec.datasets)) {
    const source = backupServer(ds);
    const full = ds.full;
    const physical = isPhysical(full.method);
    const where = physical
      ? `the database host of ${hostOf(source, spec.servers[source])} (physical backups read the datadir)`
      : `any host that reaches ${hostOf(source, spec.servers[source])}`;
    const base = `schedule.dataset.${dsName}`;
    addJob(`${base}.full`, "full", full.schedule, ["backup", "-f", rt.specFile, dsName, "--kind", "full"], where, {
      dataset: dsName,
    });
    if (ds.incremental) {
      addJob(
        `${base}.incremental`,
        "incremental",
        ds.incremental.schedule,
        ["backup", "-f", rt.specFile, dsName, "--kind", "incremental"],
        where,
        { dataset: dsName },
      );
    }
    if (archivesBinlogs(ds)) {
      const interval = ds.binlog?.interval ?? DEFAULT_BINLOG_INTERVAL;
      addJob(
        `${base}.binlog`,
        "binlog",
        intervalToCron(interval),
        ["binlog", "archive", "-f", rt.specFile, ds.server],
        `any host that reaches ${hostOf(ds.server, spec.servers[ds.server])}`,
        {
          dataset: dsName,
        },
      );
      const secs = parseDuration(interval) ?? 60;
      const prev = binlogNeeds.get(ds.server);
      binlogNeeds.set(ds.server, {
        interval: Math.min(prev?.interval ?? Infinity, secs),
        replicaUpdates: prev?.replicaUpdates ?? false,
      });
      // backups taken on the replica record its binlog/GTID position, and a failover candidate's binlogs
      // continue the chain once it is promoted (issue 16 §4): each must log what it replicates
      const replica = backupReplica(ds);
      for (const member of [...(replica ? [replica] : []), ...failoverGroup(ds).slice(1)]) {
        if (member === ds.server) continue;
        const r = binlogNeeds.get(member);
        binlogNeeds.set(member, { interval: Math.min(r?.interval ?? Infinity, secs), replicaUpdates: true });
      }
    }
    if (ds.copies && ds.copies.length > 0) {
      addJob(
        `${base}.copy`,
        "copy",
        copyCron(ds.copyInterval ?? DEFAULT_COPY_INTERVAL, spreadMinute(dsName)),
        ["copy", "-f", rt.specFile, dsName],
        "any host that reaches the repositories",
        { dataset: dsName },
      );
    }
    if (ds.retention || ds.copies?.some((c) => spec.repositories[c]?.retention)) {
      addJob(
        `${base}.prune`,
        "prune",
        `${spreadMinute(dsName)} 4 * * *`,
        ["prune", "-f", rt.specFile, dsName],
        "any host that reaches the repositories",
        { dataset: dsName },
      );
    }
  }
  for (const [name, drill] of Object.entries(spec.drills ?? {})) {
    addJob(
      `schedule.drill.${name}`,
      "drill",
      drill.schedule,
      ["drill", "run", "-f", rt.specFile, name],
      "a host with mariadbd installed that reaches the repositories",
      { drill: name },
    );
  }

  const inTopology = new Set<string>();
  for (const [name, s] of Object.entries(spec.servers)) {
    if (s.replicaOf) inTopology.add(name).add(s.replicaOf);
  }
  const binlogs: DesiredBinlog[] = [...binlogNeeds.entries()]
    // by code point: the same order on every machine and locale (localeCompare also started ICU's collator)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([server, need]) => ({
      address: `server.${server}.binlog`,
      server,
      archiveIntervalSeconds: need.interval,
      variables: binlogVariables(need.replicaUpdates, inTopology.has(server)),
    }));

  const repositories: DesiredRepository[] = Object.entries(spec.repositories).map(([name, r]) => ({
    address: `repository.${name}`,
    name,
    type: r.type,
    location:
      r.type === "filesystem"
        ? r.path
        : r.type === "sftp"
          ? `sftp://${r.user}@${r.host}${r.path}`
          : `s3://${r.bucket}/${r.prefix ?? ""}`,
  }));

  // DESIGN §3: a dataset is not "applied" until one restore of it has been proven
  const verifications: DesiredVerification[] = Object.entries(spec.datasets).map(([name, ds]) => ({
    address: `verification.${name}`,
    dataset: name,
    method: ds.full.method,
  }));

  return { project: spec.project, stateDir, cronTarget, binlogs, repositories, schedules, verifications };
}

/** Binlog file basename in the datadir: fixed, so a host rename does not start a new series. */
export const BINLOG_BASENAME = "mysql-bin";

function binlogVariables(replicaUpdates: boolean, inTopology: boolean): DesiredVariable[] {
  const vars: DesiredVariable[] = [
    // the drop-in's log-bin takes a basename, not ON: see logBinOptionValue
    {
      name: "log_bin",
      value: "ON",
      dynamic: false,
      optionName: "log-bin",
      why: "binary logging is what binlog archiving and point-in-time recovery read",
    },
    {
      name: "binlog_format",
      value: "ROW",
      dynamic: true,
      optionName: "binlog-format",
      why: "ROW events replay deterministically",
    },
    {
      name: "sync_binlog",
      value: "1",
      dynamic: true,
      optionName: "sync-binlog",
      why: "a committed transaction is in the binlog even after a crash",
    },
    {
      name: "binlog_expire_logs_seconds",
      value: String(DEFAULT_EXPIRY_SECONDS),
      dynamic: true,
      optionName: "binlog-expire-logs-seconds",
      why: "binlogs must outlive the archiver's interval by a wide margin (a stopped archiver must not lose them)",
      satisfied: (_live, all) => {
        const e = expirySeconds(all);
        return e === 0 || e >= COMFORTABLE_EXPIRY_SECONDS;
      },
    },
  ];
  if (replicaUpdates || inTopology) {
    vars.push({
      name: "log_slave_updates",
      value: "ON",
      dynamic: false,
      optionName: "log-slave-updates",
      why: "a replica's binlog must carry what it replicates, so its backup positions are GTIDs of the source",
    });
  }
  if (inTopology) {
    vars.push({
      name: "gtid_strict_mode",
      value: "ON",
      dynamic: true,
      optionName: "gtid-strict-mode",
      why: "GTID sequences stay consistent across the topology, so PITR can start from a GTID",
    });
  }
  return vars;
}
