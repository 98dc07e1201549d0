// Findings about the live world beyond the RPO/RTO proof: unreachable servers, topology that
// disagrees with the spec, lag, missing privileges, methods a server cannot run, binlog expiry
// that could outrun the archiver, identifiers a tool is known to break on. Pure.

import { backupReplica, backupServer } from "./backup-source.js";
import type { Finding } from "./plan.generated.js";
import type { ObservedState } from "./observed.js";
import {
  COMFORTABLE_EXPIRY_SECONDS,
  DEFAULT_BINLOG_INTERVAL,
  expirySeconds,
  failoverGroup,
  type DesiredState,
} from "./desired.js";
import { formatDuration, parseDuration } from "./duration.js";
import type { DrSpec } from "../spec/types.generated.js";
import { must } from "../errors.js";
import { errantTransactions } from "./topology.js";

/** Global privileges each job needs (DESIGN §9, MariaDB names). */
const REQUIRED_PRIVILEGES: Record<string, string[]> = {
  "mariadb-backup": ["RELOAD", "PROCESS", "LOCK TABLES", "BINLOG MONITOR"],
  xtrabackup: ["RELOAD", "PROCESS", "LOCK TABLES", "BINLOG MONITOR"],
  mysqldump: ["SELECT", "SHOW VIEW", "TRIGGER", "LOCK TABLES", "EVENT", "RELOAD", "BINLOG MONITOR"],
  "mariadb-dump": ["SELECT", "SHOW VIEW", "TRIGGER", "LOCK TABLES", "EVENT", "RELOAD", "BINLOG MONITOR"],
  mydumper: ["SELECT", "SHOW VIEW", "TRIGGER", "LOCK TABLES", "EVENT", "RELOAD", "BINLOG MONITOR", "PROCESS"],
  "binlog archiving": ["REPLICATION SLAVE", "RELOAD"],
};

/** The global privileges `jobs` (methods, or "binlog archiving") need that `held` lacks. */
export function privilegesMissingFor(
  held: string[],
  jobs: string[],
  flavor: "mariadb" | "mysql" | undefined,
): string[] {
  return [...new Set(jobs.flatMap((j) => missingPrivileges(held, REQUIRED_PRIVILEGES[j] ?? [], flavor)))];
}

function missingPrivileges(held: string[], needed: string[], flavor: "mariadb" | "mysql" | undefined): string[] {
  if (held.includes("ALL PRIVILEGES")) return [];
  const translate = (p: string) => (flavor === "mysql" && p === "BINLOG MONITOR" ? "REPLICATION CLIENT" : p);
  const have = new Set(held.map((p) => (p === "REPLICATION CLIENT" && flavor !== "mysql" ? "BINLOG MONITOR" : p)));
  return needed.map(translate).filter((p) => !have.has(p));
}

export function liveFindings(spec: DrSpec, desired: DesiredState, observed: ObservedState): Finding[] {
  const out: Finding[] = [];
  const f = (level: Finding["level"], code: string, subject: string, message: string) =>
    out.push({ level, code, subject, message });

  for (const [name, s] of Object.entries(observed.servers)) {
    if (!s.reachable) f("error", "server-unreachable", name, s.error ?? `server ${name} is unreachable`);
  }

  // server_id must be unique and non-zero where binlogs matter
  const byId = new Map<string, string[]>();
  for (const s of Object.values(observed.servers)) {
    const id = s.variables?.server_id;
    if (id === undefined) continue;
    byId.set(id, [...(byId.get(id) ?? []), s.name]);
  }
  for (const [id, names] of byId) {
    if (names.length > 1)
      f(
        "error",
        "duplicate-server-id",
        names.join(","),
        `servers ${names.join(", ")} share server_id ${id}: replication and binlog identity need a unique ` +
          `server_id each`,
      );
    if (id === "0")
      f(
        "error",
        "server-id-zero",
        names.join(","),
        `server_id is 0 on ${names.join(", ")}: a server with binary logging needs a non-zero server_id`,
      );
  }

  // a failover candidate that is a writable source now: promoted (issue 16 §4). The archive follows it;
  // the spec still names the old topology, which is said once here instead of as a missing replica
  const promoted = new Map<string, { dataset: string; server: string }>();
  for (const [dsName, ds] of Object.entries(spec.datasets))
    for (const member of failoverGroup(ds).slice(1)) {
      const live = observed.servers[member];
      if (live?.reachable && !live.replica && live.variables?.read_only === "OFF")
        promoted.set(member, { dataset: dsName, server: ds.server });
    }
  for (const [member, { dataset, server }] of promoted) {
    const old = observed.servers[server];
    const was = !old?.reachable ? "is unreachable" : old.replica ? "replicates" : "is still writable (split brain?)";
    f(
      old?.reachable && !old.replica ? "error" : "warning",
      "failover-promoted",
      member,
      `${member} is the writable source of dataset ${dataset}'s failover group now; ${server} ${was}: ` +
        `binlog archiving follows ${member}. Update the spec: datasets.${dataset}.server: ${member}, ` +
        `servers.${server}.replicaOf: ${member}, servers.${member} without replicaOf, failover: [${server}]`,
    );
  }
  const demoted = new Set([...promoted.values()].map((p) => p.server));

  // topology: the spec's replicaOf against live replica status
  for (const [name, server] of Object.entries(spec.servers)) {
    const live = observed.servers[name];
    if (!live?.reachable) continue;
    const want = server.replicaOf;
    const r = live.replica;
    if (want && !r && promoted.has(name)) {
      // said above (failover-promoted)
    } else if (want && !r) {
      f("error", "replica-missing", name, `${name} should replicate from ${want} (replicaOf) but is not a replica`);
    } else if (want && r) {
      const src = must(spec.servers[want]);
      if (src.host && (r.sourceHost !== src.host || r.sourcePort !== (src.port ?? 3306))) {
        f(
          "warning",
          "replica-source-differs",
          name,
          `${name} replicates from ${r.sourceHost}:${r.sourcePort}, ` +
            `but the spec says ${want} (${src.host}:${src.port ?? 3306})`,
        );
      }
      if (!r.ioRunning || !r.sqlRunning) {
        const err = [r.lastIoError, r.lastSqlError].filter(Boolean).join("; ");
        f(
          "error",
          "replica-stopped",
          name,
          `${name}: replication is stopped (IO ${r.ioRunning ? "running" : "stopped"}, SQL ` +
            `${r.sqlRunning ? "running" : "stopped"})${err ? `: ${err}` : ""}`,
        );
      }
    }
    if (want && r) {
      const vars = live.variables ?? {};
      const sourceLive = observed.servers[want];
      const errant = sourceLive?.reachable
        ? errantTransactions({
            binlogPos: vars.gtid_binlog_pos ?? "",
            slavePos: vars.gtid_slave_pos ?? "",
            serverId: Number(vars.server_id ?? 0),
            sourceBinlogPos: sourceLive.variables?.gtid_binlog_pos ?? "",
          })
        : undefined;
      if (errant?.length)
        f(
          "error",
          "replica-errant-transactions",
          name,
          `${name} has transactions its source ${want} does not: ${errant.join(", ")} (written on the replica): ` +
            "a failover to it would carry them, and gtid_strict_mode stops replication on them",
        );
      if (vars.read_only !== undefined && vars.read_only !== "ON")
        f(
          "warning",
          "replica-writable",
          name,
          `${name} is a replica with read_only ${vars.read_only}: a write there forks it from ${want} ` +
            "(drctl leaves read_only to whoever fails over: SET GLOBAL read_only = ON there, and read-only in its " +
            "option file)",
        );
      // a replica that is not in drctl's binlog resources gets the topology's settings checked here
      const managed = desired.binlogs.some((b) => b.server === name);
      if (!managed && live.flavor === "mariadb" && vars.gtid_strict_mode === "OFF")
        f(
          "warning",
          "replica-gtid-not-strict",
          name,
          `${name}: gtid_strict_mode is OFF: out-of-order GTIDs (an errant write) are applied silently`,
        );
      const updates = vars.log_slave_updates ?? vars.log_replica_updates;
      if (!managed && updates === "OFF")
        f(
          "warning",
          "replica-no-log-updates",
          name,
          `${name}: log_slave_updates is OFF: promoted after a failover, its binlogs would not continue the ` +
            `chain of ${want}, and a backup taken on it cannot name the source's GTID`,
        );
      const rpos = Object.values(spec.datasets)
        .filter((d) => d.server === want)
        .map((d) => parseDuration(spec.tiers[d.tier]?.rpo ?? "") ?? Infinity);
      const rpo = Math.min(...rpos);
      const backupSource = Object.values(spec.datasets).some((d) => backupReplica(d) === name); // its own error below
      if (!backupSource && r.lagSeconds !== null && r.lagSeconds > rpo)
        f(
          "warning",
          "replica-lag",
          name,
          `${name} lags ${formatDuration(r.lagSeconds)} behind ${want}, more than the RPO ${formatDuration(rpo)} ` +
            `of the datasets there: failing over to it now loses more than the tier allows`,
        );
    } else if (!want && r && !demoted.has(name)) {
      f(
        "warning",
        "replica-unexpected",
        name,
        `${name} replicates from ${r.sourceHost}:${r.sourcePort}, but the spec gives it no replicaOf`,
      );
    }
  }

  for (const [dsName, ds] of Object.entries(spec.datasets)) {
    const sourceName = backupServer(ds);
    const source = observed.servers[sourceName];
    const tierRpo = parseDuration(spec.tiers[ds.tier]?.rpo ?? "") ?? Infinity;
    if (sourceName !== ds.server && source?.reachable && source.replica) {
      const lag = source.replica.lagSeconds;
      if (lag === null)
        f(
          "error",
          "backup-source-not-replicating",
          dsName,
          `${dsName}: backups come from ${sourceName}, whose replication is not running: its data is going stale`,
        );
      else if (lag > tierRpo)
        f(
          "error",
          "backup-source-lag",
          dsName,
          `${dsName}: ${sourceName} lags ${formatDuration(lag)} behind ${ds.server}, more than the ${ds.tier} ` +
            `RPO ${formatDuration(tierRpo)}`,
        );
    }
    const method = ds.full.method;
    if (method === "mydumper") {
      // only the dataset's own names: another database's hostile table on the same server is not this
      // dataset's problem; a database whose own name holds one is, whether or not the server answers
      const own = ds.databases.filter((d) => !(ds.exclude ?? []).includes(d));
      const hostile = (
        source?.reachable ? (source.hostileNames ?? []).filter((n) => own.includes(n.database)) : []
      ).map((n) => `${n.database}.${n.table}`);
      for (const d of own)
        if (/[`'"]/.test(d) && !hostile.some((h) => h.startsWith(`${d}.`)))
          hostile.push(`${d} (the database's own name)`);
      // several (or non-ASCII) databases: mydumper reads every database of the server, and another's name breaks it too
      if (!mydumperNamesDatabase(own) && source?.reachable)
        for (const d of source.hostileDatabases ?? [])
          if (!own.includes(d))
            hostile.push(
              `${d} (another database on ${sourceName}: mydumper reads them all for a multi-database dataset)`,
            );
      if (hostile.length)
        f(
          "error",
          "mydumper-identifiers",
          dsName,
          `${dsName}: Debian's mydumper 0.10 writes broken files for names holding a backtick or a quote: ` +
            `${hostile.join(", ")}; use mysqldump or mariadb-backup`,
        );
    }
    if (source?.reachable) {
      if (method === "mariadb-backup" && source.flavor === "mysql")
        f(
          "error",
          "method-flavor",
          dsName,
          `${dsName}: mariadb-backup cannot back up ${sourceName} (MySQL ${source.version}); use xtrabackup`,
        );
      if (method === "xtrabackup" && source.flavor === "mariadb")
        f(
          "error",
          "method-flavor",
          dsName,
          `${dsName}: xtrabackup cannot back up ${sourceName} (MariaDB ${source.version}); use mariadb-backup`,
        );
      const missing = missingPrivileges(source.privileges ?? [], REQUIRED_PRIVILEGES[method] ?? [], source.flavor);
      if (missing.length)
        f(
          "error",
          "missing-privileges",
          dsName,
          `${dsName}: the account in ${spec.servers[sourceName]?.credentials} lacks ${missing.join(", ")} on ` +
            `${sourceName}, which ${method} needs`,
        );
      const absent = ds.databases.filter((db) => source.databaseBytes?.[db] === undefined);
      if (absent.length)
        f(
          "warning",
          "database-missing",
          dsName,
          `${dsName}: ${sourceName} has no database ${absent.map((d) => JSON.stringify(d)).join(", ")} (or ` +
            `it holds no tables)`,
        );
    }
    const origin = observed.servers[ds.server];
    if (ds.binlog?.archive && origin?.reachable) {
      const missing = missingPrivileges(
        origin.privileges ?? [],
        must(REQUIRED_PRIVILEGES["binlog archiving"]),
        origin.flavor,
      );
      if (missing.length)
        f(
          "error",
          "missing-privileges",
          dsName,
          `${dsName}: the account in ${spec.servers[ds.server]?.credentials} lacks ${missing.join(", ")} on ` +
            `${ds.server}, which binlog archiving needs`,
        );
      const expiry = expirySeconds(origin.variables ?? {});
      const interval = must(parseDuration(ds.binlog.interval ?? DEFAULT_BINLOG_INTERVAL));
      if (expiry > 0 && expiry < COMFORTABLE_EXPIRY_SECONDS) {
        f(
          "warning",
          "binlog-expiry-short",
          ds.server,
          `${ds.server}: binlogs expire after ${formatDuration(expiry)} while they are archived every ` +
            `${formatDuration(interval)}: an archiver that stops for ${formatDuration(expiry)} loses binlogs ` +
            `for good (apply raises it)`,
        );
      }
    }
  }

  // cron: lines inside the block that drctl did not write will be dropped by apply
  if (!observed.cron.readable)
    f("error", "cron-unreadable", observed.cron.target, `cannot read ${observed.cron.target}: ${observed.cron.error}`);

  for (const b of desired.binlogs) {
    const server = must(spec.servers[b.server]);
    if (!server.configDropIn) {
      f(
        "warning",
        "no-drop-in",
        b.address,
        `${b.address}: servers.${b.server}.configDropIn is not set: settings made live will not survive a ` +
          `restart, and log_bin cannot be set at all`,
      );
    } else if (server.host && !["127.0.0.1", "localhost", "::1"].includes(server.host)) {
      f(
        "info",
        "drop-in-remote",
        b.address,
        `${b.address}: ${server.configDropIn} is written where drctl apply runs; run apply on ${server.host} itself`,
      );
    }
  }
  for (const r of Object.values(observed.repositories)) {
    if (r.unreachable)
      f(
        "warning",
        "repository-unreachable",
        `repository.${r.name}`,
        `repository.${r.name}: ${r.reason ?? r.unreachable} — nothing reaches it until it can be reached ` +
          "(copies stay pending)",
      );
    else if (!r.checked) f("info", "repository-unchecked", `repository.${r.name}`, `repository.${r.name}: ${r.reason}`);
    else if (r.foreign)
      f(
        "error",
        "repository-foreign",
        `repository.${r.name}`,
        `repository.${r.name}: refusing to adopt it: ${r.foreign}`,
      );
    else if (r.unwritable)
      f(
        "error",
        "repository-unwritable",
        `repository.${r.name}`,
        `repository.${r.name}: drctl cannot write there: ${r.unwritable} — no backup can be stored`,
      );
  }
  return out;
}

/**
 * Does mydumper get the dataset's one database by name (reading no other), or go through every database? (--database
 * needs an ASCII name: glib's option parsing rejects other bytes.)
 */
export function mydumperNamesDatabase(databases: string[]): boolean {
  return databases.length === 1 && /^[\x20-\x7e]+$/.test(must(databases[0]));
}
