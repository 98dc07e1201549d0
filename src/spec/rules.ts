// Semantic rules the schema cannot express: references, cycles, cron syntax, methods that cannot
// serve a dataset, PITR gaps, secret-file permissions. Each rule is small and pure (file facts
// are injected), reads the data defensively (it also runs on specs that failed the schema), and
// reports every problem it finds.

import { parseCron, longestGapMinutes } from "../core/cron.js";
import { formatDuration, parseDuration } from "../core/duration.js";
import type { Diagnostic } from "../errors.js";
import { formatPath, locate, type LoadedSpec, type SpecPath } from "./load.js";
import { didYouMean } from "./suggest.js";
import { must } from "../errors.js";
import { isPhysical } from "../core/methods.js";

export interface FileFacts {
  /** undefined when the file does not exist; mode is the permission bits. */
  stat(path: string): { mode: number; isFile: boolean } | undefined;
  /** Whether this machine's zoneinfo has the zone (asked before ICU, which costs ~30 ms to start). */
  knowsZone?(name: string): boolean;
}

interface Ctx {
  spec: LoadedSpec;
  files: FileFacts;
  report(
    severity: "error" | "warning",
    path: SpecPath,
    summary: string,
    opts?: { hint?: string; key?: boolean; within?: number },
  ): void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const entries = (v: unknown): [string, Obj][] =>
  isObj(v) ? Object.entries(v).filter((e): e is [string, Obj] => isObj(e[1])) : [];
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function checkRules(spec: LoadedSpec, files: FileFacts): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx: Ctx = {
    spec,
    files,
    report(severity, path, summary, opts = {}) {
      const d: Diagnostic = {
        severity,
        path: formatPath(path),
        summary,
        position: locate(spec, path, { key: opts.key, within: opts.within }),
      };
      if (opts.hint) d.hint = opts.hint;
      out.push(d);
    },
  };
  if (!isObj(spec.data)) return out;
  for (const rule of RULES) rule(ctx, spec.data);
  return out;
}

const RULES: ((ctx: Ctx, data: Obj) => void)[] = [
  checkReferences,
  checkReplicationTopology,
  checkServers,
  checkSchedules,
  checkMethods,
  checkCopies,
  checkRetention,
  checkDatabaseNames,
  checkScheduler,
  checkDrills,
  checkSecretFiles,
  checkNotify,
];

/** A webhook names its endpoint once: in the spec, or in a file when the URL is a secret. */
function checkNotify(ctx: Ctx, data: Obj): void {
  const targets = Array.isArray(data.notify) ? data.notify : [];
  for (const [i, t] of targets.entries()) {
    if (!isObj(t) || t.type !== "webhook") continue;
    if ((t.url === undefined) === (t.urlFile === undefined))
      ctx.report("error", ["notify", i], "a webhook needs url or urlFile (one of them)", {
        key: true,
        hint: "urlFile for a URL that carries a token (a Slack hook), url otherwise",
      });
  }
}

function refCheck(ctx: Ctx, path: SpecPath, value: unknown, pool: unknown, what: string): boolean {
  const name = str(value);
  if (name === undefined) return false;
  // a lookup, not a scan of every name: a fleet's spec checks thousands of references
  if (isObj(pool) && Object.hasOwn(pool, name)) return true;
  const names = isObj(pool) ? Object.keys(pool) : [];
  const guess = didYouMean(name, names);
  ctx.report("error", path, `unknown ${what} "${name}"`, {
    hint: guess
      ? `did you mean "${guess}"?`
      : names.length
        ? `defined ${what}s: ${names.join(", ")}`
        : `no ${what}s are defined`,
  });
  return false;
}

/** `backupFrom`'s server, in its short form (a name) or its long one ({ server: NAME, … }). */
function backupFromName(ds: Obj): string | undefined {
  return isObj(ds.backupFrom) ? str(ds.backupFrom.server) : str(ds.backupFrom);
}

/** Where an error about `backupFrom`'s server points: the name itself. */
function backupFromPath(name: string, ds: Obj): string[] {
  return isObj(ds.backupFrom) ? ["datasets", name, "backupFrom", "server"] : ["datasets", name, "backupFrom"];
}

function checkReferences(ctx: Ctx, data: Obj): void {
  for (const [name, server] of entries(data.servers)) {
    if (server.replicaOf !== undefined)
      refCheck(ctx, ["servers", name, "replicaOf"], server.replicaOf, data.servers, "server");
  }
  for (const [name, ds] of entries(data.datasets)) {
    refCheck(ctx, ["datasets", name, "server"], ds.server, data.servers, "server");
    if (ds.backupFrom !== undefined)
      refCheck(ctx, backupFromPath(name, ds), backupFromName(ds), data.servers, "server");
    for (const [i, member] of list(ds.failover).entries())
      refCheck(ctx, ["datasets", name, "failover", i], member, data.servers, "server");
    refCheck(ctx, ["datasets", name, "tier"], ds.tier, data.tiers, "tier");
    refCheck(ctx, ["datasets", name, "repository"], ds.repository, data.repositories, "repository");
    for (const [i, c] of list(ds.copies).entries()) {
      refCheck(ctx, ["datasets", name, "copies", i], c, data.repositories, "repository");
    }
  }
  for (const [name, drill] of entries(data.drills)) {
    if (!refCheck(ctx, ["drills", name, "dataset"], drill.dataset, data.datasets, "dataset")) continue;
    const from = str(drill.from);
    const ds = isObj(data.datasets) ? data.datasets[str(drill.dataset) ?? ""] : undefined;
    const copies = isObj(ds) ? list(ds.copies).map(str) : [];
    if (from !== undefined && !copies.includes(from))
      ctx.report(
        "error",
        ["drills", name, "from"],
        `"${from}" is not one of dataset "${str(drill.dataset)}"'s copies`,
        {
          hint: copies.length
            ? `its copies: ${copies.join(", ")}`
            : "the dataset has no copies: list them under copies:",
        },
      );
  }
}

/** The chain of sources above a server, stopping at a cycle. */
function sourcesOf(servers: Obj, start: string): { chain: string[]; cycle: boolean } {
  const chain = [start];
  let cur = start;
  for (;;) {
    const s = servers[cur];
    const next = isObj(s) ? str(s.replicaOf) : undefined;
    if (next === undefined || !isObj(servers[next])) return { chain, cycle: false };
    if (chain.includes(next)) return { chain: [...chain, next], cycle: true };
    chain.push(next);
    cur = next;
  }
}

function checkReplicationTopology(ctx: Ctx, data: Obj): void {
  const servers = isObj(data.servers) ? data.servers : {};
  const reported = new Set<string>();
  for (const [name, server] of entries(servers)) {
    if (server.replicaOf === name) {
      ctx.report("error", ["servers", name, "replicaOf"], `server "${name}" cannot replicate from itself`);
      continue;
    }
    const { chain, cycle } = sourcesOf(servers, name);
    const loopStart = chain.indexOf(must(chain[chain.length - 1]));
    if (cycle && loopStart === 0 && !reported.has(name)) {
      for (const n of chain.slice(0, -1)) reported.add(n);
      ctx.report("error", ["servers", name, "replicaOf"], `replication cycle: ${chain.join(" → ")}`, {
        hint: "every replication chain must end at a source that replicates from nobody",
      });
    }
  }
  for (const [name, ds] of entries(data.datasets)) {
    const src = str(ds.server);
    // a failover candidate holds the dataset's data only when it replicates (through any chain) from its server
    for (const [i, member] of list(ds.failover).entries()) {
      const m = str(member);
      if (!m || !src || !isObj(servers[m]) || !isObj(servers[src])) continue;
      if (m === src)
        ctx.report(
          "error",
          ["datasets", name, "failover", i],
          `"${m}" is the dataset's own server, not a failover candidate`,
        );
      else if (!sourcesOf(servers, m).chain.slice(1).includes(src))
        ctx.report(
          "error",
          ["datasets", name, "failover", i],
          `"${m}" is not a replica of "${src}": it cannot take over`,
          {
            hint: `set servers.${m}.replicaOf: ${src}`,
          },
        );
    }
    const from = backupFromName(ds);
    if (!from || !src || from === src || !isObj(servers[from]) || !isObj(servers[src])) continue;
    const { chain } = sourcesOf(servers, from);
    if (!chain.slice(1).includes(src)) {
      ctx.report(
        "error",
        backupFromPath(name, ds),
        `"${from}" is not a replica of "${src}", so its data is not this dataset's`,
        {
          hint: `set servers.${from}.replicaOf: ${src}, or back up from "${src}" itself`,
        },
      );
    }
  }
}

function checkServers(ctx: Ctx, data: Obj): void {
  for (const [name, s] of entries(data.servers)) {
    const path = ["servers", name];
    if (s.host !== undefined && s.socket !== undefined) {
      ctx.report("error", [...path, "socket"], "give host (and port) or socket, not both");
    } else if (s.host === undefined && s.socket === undefined) {
      ctx.report("error", path, `server "${name}" needs host (and port) or socket`, { key: true });
    }
    if (s.port !== undefined && s.host === undefined && s.socket !== undefined) {
      ctx.report("error", [...path, "port"], "port goes with host; a socket connection has no port");
    }
  }
}

function cronAt(ctx: Ctx, path: SpecPath, value: unknown): ReturnType<typeof parseCron> | undefined {
  const text = str(value);
  if (text === undefined) return undefined;
  const res = parseCron(text);
  if (!res.ok)
    ctx.report("error", path, `invalid cron schedule: ${res.error.message}`, {
      within: res.error.offset,
      hint: res.error.hint,
    });
  else if (!res.schedule.domStar && !res.schedule.dowStar) {
    ctx.report(
      "warning",
      path,
      "day of month and day of week are both set: cron runs on days matching EITHER, not both",
      {
        hint: "set one of them to *",
      },
    );
  }
  return res;
}

function checkSchedules(ctx: Ctx, data: Obj): void {
  for (const [name, ds] of entries(data.datasets)) {
    const full = isObj(ds.full) ? cronAt(ctx, ["datasets", name, "full", "schedule"], ds.full.schedule) : undefined;
    if (isObj(ds.incremental)) cronAt(ctx, ["datasets", name, "incremental", "schedule"], ds.incremental.schedule);
    const binlog = isObj(ds.binlog) ? ds.binlog : undefined;
    const retention = isObj(ds.retention) ? ds.retention : undefined;
    const keepBinlogs =
      str(retention?.binlogs) !== undefined ? parseDuration(must(str(retention?.binlogs))) : undefined;
    if (binlog?.archive === true && full?.ok && keepBinlogs !== undefined) {
      const gapSeconds = longestGapMinutes(full.schedule) * 60;
      if (keepBinlogs < gapSeconds) {
        ctx.report(
          "error",
          ["datasets", name, "retention", "binlogs"],
          `binlog retention ${str(must(retention).binlogs)} is shorter than the longest gap between full ` +
            `backups (${formatDuration(gapSeconds)}): point-in-time recovery would have gaps`,
          {
            hint:
              `keep binlogs at least ${formatDuration(gapSeconds)} (a margin above that is wise), or take ` +
              `fulls more often`,
          },
        );
      }
    }
    if (binlog && binlog.archive === false && binlog.interval !== undefined) {
      ctx.report("warning", ["datasets", name, "binlog", "interval"], "interval has no effect while archive is false");
    }
    if (binlog?.archive === true && isObj(binlog) && str(binlog.interval)) {
      const every = parseDuration(must(str(binlog.interval)));
      if (every !== undefined && every < 60) {
        ctx.report(
          "error",
          ["datasets", name, "binlog", "interval"],
          `binlog archiving runs from cron, whose finest step is 1m; ${str(binlog.interval)} cannot be scheduled`,
        );
      }
    }
  }
}

function checkMethods(ctx: Ctx, data: Obj): void {
  for (const [name, ds] of entries(data.datasets)) {
    const full = isObj(ds.full) ? str(ds.full.method) : undefined;
    const inc = isObj(ds.incremental) ? str(ds.incremental.method) : undefined;
    if (inc !== undefined && !isPhysical(inc)) {
      ctx.report("error", ["datasets", name, "incremental", "method"], `${inc} cannot take incremental backups`, {
        hint:
          "archive binlogs for the changes between logical fulls (binlog: { archive: true }), or use " +
          "mariadb-backup/xtrabackup for both full and incremental",
      });
    } else if (inc !== undefined && full !== undefined && inc !== full) {
      ctx.report(
        "error",
        ["datasets", name, "incremental", "method"],
        `an incremental ${inc} backup needs a ${inc} full backup as its base, but full.method is ${full}`,
        {
          hint: `set full.method: ${inc}`,
        },
      );
    }
    if (full !== undefined && isPhysical(full) && ds.tables !== undefined) {
      ctx.report(
        "warning",
        ["datasets", name, "tables"],
        `${full} copies the whole instance; tables only scopes what drills verify`,
      );
    }
  }
}

function checkCopies(ctx: Ctx, data: Obj): void {
  for (const [name, ds] of entries(data.datasets)) {
    const primary = str(ds.repository);
    // backups stream into a directory on this host (kernel pipes, fsync, one rename); SFTP and S3
    // repositories receive copies of what is there
    const primaryRepo = isObj(data.repositories) ? data.repositories[primary ?? ""] : undefined;
    const kind = isObj(primaryRepo) ? str(primaryRepo.type) : undefined;
    if (kind === "sftp" || kind === "s3")
      ctx.report(
        "error",
        ["datasets", name, "repository"],
        `"${primary}" is an ${kind} repository: backups are written to a filesystem repository on this host`,
        {
          hint: `keep a filesystem repository here and list "${primary}" under copies: (copy sends sets there)`,
        },
      );
    list(ds.copies).forEach((c, i) => {
      if (c === primary) {
        ctx.report(
          "error",
          ["datasets", name, "copies", i],
          `"${c}" is this dataset's own repository: a copy there protects nothing`,
          {
            hint: "copies go to a different repository, ideally off site",
          },
        );
      }
    });
  }
}

function checkRetention(ctx: Ctx, data: Obj): void {
  for (const [name, ds] of entries(data.datasets)) {
    const full = isObj(ds.retention) && isObj(ds.retention.full) ? ds.retention.full : undefined;
    if (!full) continue;
    const counts = ["daily", "weekly", "monthly"].map((k) => full[k]).filter((v): v is number => typeof v === "number");
    if (counts.length > 0 && counts.every((n) => n === 0)) {
      ctx.report("error", ["datasets", name, "retention", "full"], "this policy keeps no full backup at all", {
        hint: "keep at least one (e.g. daily: 7)",
      });
    }
  }
}

function checkDatabaseNames(ctx: Ctx, data: Obj): void {
  for (const [name, ds] of entries(data.datasets)) {
    for (const key of ["databases", "exclude"] as const) {
      list(ds[key]).forEach((db, i) => {
        const problem = typeof db === "string" ? identifierProblem(db) : undefined;
        if (problem) ctx.report("error", ["datasets", name, key, i], `database name ${JSON.stringify(db)} ${problem}`);
      });
    }
    const included = new Set(list(ds.databases));
    list(ds.exclude).forEach((db, i) => {
      if (included.has(db))
        ctx.report(
          "warning",
          ["datasets", name, "exclude", i],
          `${JSON.stringify(db)} is both included and excluded; it will be excluded`,
        );
    });
    list(ds.tables).forEach((t, i) => {
      if (typeof t === "string" && !t.includes(".")) {
        ctx.report(
          "error",
          ["datasets", name, "tables", i],
          `table filter ${JSON.stringify(t)} needs a database part: "db.table"`,
        );
      }
    });
  }
}

/** Why MariaDB/MySQL would refuse this identifier, or undefined when it is fine. */
function identifierProblem(name: string): string | undefined {
  for (const ch of name) {
    const cp = must(ch.codePointAt(0));
    if (cp > 0xffff) {
      return (
        `holds ${ch} (U+${cp.toString(16).toUpperCase()}), a 4-byte character: MariaDB/MySQL identifiers are ` +
        `utf8mb3 and cannot store it`
      );
    }
    if (cp === 0) return "holds a NUL character, which identifiers cannot hold";
  }
  if (/ $/.test(name)) return "ends with a space, which MariaDB/MySQL do not allow";
  return undefined;
}

function checkScheduler(ctx: Ctx, data: Obj): void {
  const s = isObj(data.scheduler) ? data.scheduler : undefined;
  if (!s) return;
  if (s.file !== undefined && s.user !== undefined) {
    ctx.report("error", ["scheduler", "user"], "give file (a cron.d file) or user (that user's crontab), not both");
  } else if (s.file === undefined && s.user === undefined) {
    ctx.report("error", ["scheduler"], "scheduler needs file (a cron.d file) or user (that user's crontab)", {
      key: true,
    });
  }
  const tz = str(s.timezone);
  // UTC needs no check, a zone the system's zoneinfo has (what cron reads) neither, and asking Intl costs
  // ~30 ms of ICU start-up on every cron job
  if (tz !== undefined && tz !== "UTC" && tz !== "Etc/UTC" && !ctx.files.knowsZone?.(tz)) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
    } catch {
      ctx.report("error", ["scheduler", "timezone"], `unknown time zone "${tz}"`, {
        hint: "use an IANA name such as UTC or Europe/Berlin",
      });
    }
  }
}

function checkDrills(ctx: Ctx, data: Obj): void {
  const datasets = isObj(data.datasets) ? data.datasets : {};
  for (const [name, drill] of entries(data.drills)) {
    cronAt(ctx, ["drills", name, "schedule"], drill.schedule);
    const ds = isObj(datasets[str(drill.dataset) ?? ""]) ? (datasets[must(str(drill.dataset))] as Obj) : undefined;
    const window = isObj(drill.restoreTo) ? str(drill.restoreTo.randomWithin) : undefined;
    const keep = ds && isObj(ds.retention) ? str(ds.retention.binlogs) : undefined;
    if (window && keep && (parseDuration(window) ?? 0) > (parseDuration(keep) ?? Infinity)) {
      ctx.report(
        "warning",
        ["drills", name, "restoreTo", "randomWithin"],
        `window ${window} reaches past the binlog retention (${keep}); some drill points cannot be restored`,
      );
    }
    const restoreTo = drill.restoreTo;
    if (ds && restoreTo !== undefined && restoreTo !== "latest" && !(isObj(ds.binlog) && ds.binlog.archive === true)) {
      ctx.report(
        "warning",
        ["drills", name, "restoreTo"],
        `dataset "${str(drill.dataset)}" archives no binlogs, so drills can only restore to a backup's own point`,
      );
    }
  }
}

function checkSecretFiles(ctx: Ctx, data: Obj): void {
  const check = (path: SpecPath, file: unknown, what: string) => {
    const p = str(file);
    if (p === undefined || !p.startsWith("/")) return;
    const st = ctx.files.stat(p);
    if (!st) {
      ctx.report("warning", path, `${what} ${p} does not exist (on this machine)`, {
        hint: "create it with mode 0600 where drctl runs",
      });
    } else if (!st.isFile) {
      ctx.report("error", path, `${what} ${p} is not a regular file`);
    } else if ((st.mode & 0o077) !== 0) {
      ctx.report(
        "warning",
        path,
        `${what} ${p} is readable by others (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")})`,
        { hint: `chmod 600 ${p}` },
      );
    }
  };
  for (const [name, s] of entries(data.servers))
    check(["servers", name, "credentials"], s.credentials, "credentials file");
  for (const [name, r] of entries(data.repositories)) {
    if (r.type === "sftp") check(["repositories", name, "identityFile"], r.identityFile, "SSH identity file");
    if (r.type === "s3" && r.credentials !== undefined)
      check(["repositories", name, "credentials"], r.credentials, "S3 credentials file");
  }
  if (isObj(data.encryption) && data.encryption.identityFile !== undefined) {
    check(["encryption", "identityFile"], data.encryption.identityFile, "age identity file");
  }
  for (const [i, t] of (Array.isArray(data.notify) ? data.notify : []).entries()) {
    if (!isObj(t)) continue;
    if (t.type === "webhook" && t.urlFile !== undefined) check(["notify", i, "urlFile"], t.urlFile, "webhook URL file");
    if (t.type === "email") check(["notify", i, "smtp"], t.smtp, "SMTP settings file");
  }
}
