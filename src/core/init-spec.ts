// `drctl init`: a first spec from what a live server holds (issue 18 §3). Pure: the server's facts in,
// a commented YAML spec out — one dataset for the server's databases, the method the size suggests
// (a dump below LOGICAL_LIMIT, where restoring it stays in minutes; a physical copy above), binlog
// archiving and a tight tier when the server logs ROW binlogs, a weekly drill, and a comment for
// everything a DBA must look at (placeholders, non-transactional tables, privileges, replicas).

import { formatBytes } from "./units.js";

/** Below this a dump restores in minutes (mariadb < dump ≈ 30 s/GB here, single-threaded): logical. */
export const LOGICAL_LIMIT = 5 * 1024 ** 3;

export interface InitFacts {
  /** Where the option file points (host/port or socket) and the option file itself. */
  address: { host?: string; port?: number; socket?: string };
  credentials: string;
  flavor: "mariadb" | "mysql";
  version: string;
  variables: Record<string, string>;
  databases: { name: string; bytes: number; nonTransactional: { table: string; engine: string }[] }[];
  /** The server replicates from this source. */
  replicaOf?: string;
  /** Replicas registered with it (SHOW SLAVE HOSTS). */
  replicas: string[];
  /** Privileges missing for the suggested jobs. */
  missingPrivileges: string[];
}

export interface InitOptions {
  project: string;
  server: string;
  repository: string;
  state: string;
  cronFile: string;
  generatedAt: Date;
}

const q = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar: any name is safe

export function initSpec(f: InitFacts, o: InitOptions): string {
  const total = f.databases.reduce((n, d) => n + d.bytes, 0);
  const physical = total >= LOGICAL_LIMIT;
  const method = physical ? (f.flavor === "mariadb" ? "mariadb-backup" : "xtrabackup") : "mysqldump";
  const rowBinlogs = f.variables.log_bin === "ON" && f.variables.binlog_format === "ROW";
  const tier = rowBinlogs ? "gold" : "silver";
  const where = f.address.socket
    ? `socket ${f.address.socket}`
    : `${f.address.host ?? "localhost"}:${f.address.port ?? 3306}`;
  const out: string[] = [];
  const line = (s = "") => out.push(s);

  line(
    `# drctl spec written by \`drctl init\` from ${where} (${f.flavor} ${f.version}) at ` +
      `${o.generatedAt.toISOString()}.`,
  );
  line("# Read every comment, change what is marked TODO, then: drctl validate && drctl plan && drctl apply");
  line("version: 1");
  line(`project: ${o.project}   # TODO: a name for this DR setup (cron markers, state directory)`);
  line(`state: ${q(o.state)}`);
  line("tiers:");
  line("  gold: { rpo: 15m, rto: 1h }     # binlogs archived every minute: a restore loses at most minutes");
  line("  silver: { rpo: 36h, rto: 4h }   # a daily full only: a restore loses up to a day");
  line("servers:");
  line(`  ${o.server}:`);
  if (f.address.socket) line(`    socket: ${q(f.address.socket)}`);
  else {
    if (f.address.host) line(`    host: ${q(f.address.host)}`);
    if (f.address.port) line(`    port: ${f.address.port}`);
  }
  line(`    credentials: ${q(f.credentials)}   # the option file init read (mode 0600: it holds a password)`);
  if (f.replicaOf)
    line(`    # this server replicates from ${f.replicaOf}: add that source under servers and set replicaOf`);
  if (f.replicas.length)
    line(`    # replicas of this server: ${f.replicas.join(", ")} — backupFrom: one of them keeps the load off it`);
  line("repositories:");
  line(`  local: { type: filesystem, path: ${q(o.repository)} }   # TODO: a disk that is not this server's`);
  line("datasets:");
  line(`  ${o.server}:`);
  line(`    server: ${o.server}`);
  line(`    # ${f.databases.length} database(s), ${formatBytes(total)} of data and indexes`);
  line("    databases:");
  for (const d of f.databases) line(`      - ${q(d.name)}   # ${formatBytes(d.bytes)}`);
  if (!f.databases.length) line("      - TODO   # the server has no user database yet");
  line(`    tier: ${tier}`);
  line(
    physical
      ? `    # ${formatBytes(total)}: a physical copy (${method}) — a dump of this size would take hours to restore`
      : `    # under ${formatBytes(LOGICAL_LIMIT)}: a dump (logical, portable, restores in minutes); ` +
          `${f.flavor === "mariadb" ? "mariadb-backup" : "xtrabackup"} above that`,
  );
  line(`    full: { method: ${method}, schedule: "0 2 * * *" }`);
  if (physical) line(`    incremental: { method: ${method}, schedule: "0 8,14,20 * * *" }`);
  if (rowBinlogs)
    line("    binlog: { archive: true, interval: 1m }   # the server logs ROW binlogs: point-in-time recovery");
  else
    line(
      `    # binlogs: log_bin is ${f.variables.log_bin ?? "unknown"}, binlog_format ` +
        `${f.variables.binlog_format ?? "unknown"} — for tier gold add binlog: { archive: true, interval: 1m } ` +
        "(apply sets ROW binlogs; log_bin needs a restart)",
    );
  const loose = f.databases.flatMap((d) => d.nonTransactional.map((t) => ({ ...t, database: d.name })));
  if (loose.length) {
    line(`    # NOTE: ${loose.length} table(s) are not transactional — a dump without a lock copies them at different`);
    line(
      `    # moments than the rest (${
        physical
          ? "the physical copy locks them briefly at its end"
          : "consider InnoDB, or mariadb-backup, which locks them at its end"
      }):`,
    );
    for (const t of loose.slice(0, 20)) line(`    #   ${q(t.database)}.${q(t.table)} (${t.engine})`);
    if (loose.length > 20) line(`    #   … and ${loose.length - 20} more`);
  }
  line("    repository: local");
  line(`    retention: { full: { daily: 7, weekly: 4 }${rowBinlogs ? ", binlogs: 8d" : ""} }`);
  if (f.missingPrivileges.length) {
    line(`    # TODO: the account in ${f.credentials} lacks ${f.missingPrivileges.join(", ")}:`);
    line(`    #   GRANT ${f.missingPrivileges.join(", ")} ON *.* TO <that account>;`);
  }
  line("drills:");
  line("  weekly:");
  line(`    dataset: ${o.server}`);
  line('    schedule: "30 5 * * 0"   # restores into a throwaway server and checks the data, every Sunday');
  line("    verify: [rowCounts, checksums]");
  line(`scheduler: { type: cron, file: ${q(o.cronFile)} }`);
  return `${out.join("\n")}\n`;
}
