// A DR spec on disk for integration tests: one server, one dataset, everything under `root`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";

export interface SpecFileOptions {
  project: string;
  root: string;
  /** Where db1 listens and the option file to reach it (a Sandbox fits). */
  sandbox: Pick<Sandbox, "port" | "clientOptionFile">;
  /** extra YAML lines under servers: */
  extraServers?: string;
  tier?: string;
  databases?: string[];
  /** scheduler line; default a cron.d-style file under root. */
  scheduler?: string;
  /** extra YAML under datasets.university */
  dataset?: string;
  fullSchedule?: string;
  extraRepositories?: string;
}

export function writeSpecFile(o: SpecFileOptions): {
  file: string;
  cronFile: string;
  dropIn: string;
  stateDir: string;
  repo: string;
} {
  mkdirSync(o.root, { recursive: true });
  const file = join(o.root, "drctl.yaml");
  const cronFile = join(o.root, "cron.d", `drctl-${o.project}`);
  const dropIn = join(o.root, "90-drctl.cnf");
  const stateDir = join(o.root, "state");
  const repo = join(o.root, "repo");
  const q = JSON.stringify; // paths may hold anything: a JSON string is a YAML double-quoted scalar
  writeFileSync(
    file,
    `version: 1
project: ${o.project}
state: ${q(stateDir)}
tiers:
  bronze: ${o.tier ?? "{ rpo: 2d, rto: 1h }"}
servers:
  db1:
    host: 127.0.0.1
    port: ${o.sandbox.port}
    credentials: ${q(o.sandbox.clientOptionFile)}
    configDropIn: ${q(dropIn)}
${o.extraServers ?? ""}
repositories:
  local: { type: filesystem, path: ${q(repo)} }
${o.extraRepositories ?? ""}
datasets:
  university:
    server: db1
    databases: ${JSON.stringify(o.databases ?? ["university"])}
    tier: bronze
    full: { method: mysqldump, schedule: "${o.fullSchedule ?? "0 2 * * *"}" }
    binlog: { archive: true, interval: 1m }
    repository: local
    retention: { full: { daily: 7 }, binlogs: 14d }
${o.dataset ?? ""}
scheduler: ${o.scheduler ?? `{ type: cron, file: ${q(cronFile)}, timezone: UTC }`}
`,
    { mode: 0o644 },
  );
  return { file, cronFile, dropIn, stateDir, repo };
}

export interface DatasetDef {
  databases: string[];
  /** full method; incremental (when given) uses the same schedule style */
  method: string;
  incremental?: string;
  binlog?: boolean;
  /** raw YAML value of retention, e.g. "{ full: { daily: 2 }, binlogs: 2d }" */
  retention?: string;
  /** default bronze */
  tier?: string;
  /** offsite repositories (named under extraRepositories) */
  copies?: string[];
}

/** A spec with one server (db1), one filesystem repository (local) and the given datasets, as YAML. */
export function datasetsSpec(o: {
  project: string;
  state: string;
  repo: string;
  server: { port: number; credentials: string };
  datasets: Record<string, DatasetDef>;
  cronFile: string;
  tier?: string;
  /** extra YAML lines under tiers: */
  extraTiers?: string;
  extraServers?: string;
  encryption?: string;
  /** YAML lines under drills: */
  drills?: string;
  /** extra YAML lines under repositories: */
  extraRepositories?: string;
}): string {
  const q = JSON.stringify; // paths and names may hold anything: a JSON string is a YAML double-quoted scalar
  const ds = Object.entries(o.datasets).map(
    ([name, d]) =>
      `  ${name}:\n    server: db1\n    databases: ${q(d.databases)}\n    tier: ${d.tier ?? "bronze"}\n    ` +
      `full: { method: ${d.method}, schedule: "0 2 * * *" }\n` +
      (d.incremental ? `    incremental: { method: ${d.incremental}, schedule: "0 14 * * *" }\n` : "") +
      (d.binlog ? "    binlog: { archive: true, interval: 1m }\n" : "") +
      "    repository: local\n" +
      (d.copies ? `    copies: ${q(d.copies)}\n` : "") +
      (d.retention ? `    retention: ${d.retention}\n` : ""),
  );
  return `version: 1
project: ${o.project}
state: ${q(o.state)}
tiers:
  bronze: ${o.tier ?? "{ rpo: 1d, rto: 4h }"}
${o.extraTiers ?? ""}servers:
  db1: { host: 127.0.0.1, port: ${o.server.port}, credentials: ${q(o.server.credentials)} }
${o.extraServers ?? ""}repositories:
  local: { type: filesystem, path: ${q(o.repo)} }
${o.extraRepositories ?? ""}${o.encryption ? `${o.encryption}\n` : ""}datasets:
${ds.join("")}${o.drills ? `drills:\n${o.drills}\n` : ""}scheduler:
  { type: cron, file: ${q(o.cronFile)}, timezone: UTC }
`;
}

/** A `repositories:` line for an SFTP repository on a test sshd (`extra`: more keys, e.g. "bandwidth: 1MB/s"). */
export function sftpRepositoryYaml(
  name: string,
  sshd: { host: string; port: number; user: string; identityFile: string; knownHosts: string },
  path: string,
  extra = "",
): string {
  const q = JSON.stringify;
  return (
    `  ${name}: { type: sftp, host: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, path: ${q(path)}, ` +
    `identityFile: ${q(sshd.identityFile)}, knownHosts: ${q(sshd.knownHosts)}${extra ? `, ${extra}` : ""} }\n`
  );
}

/** A `repositories:` line for an S3 repository on a loopback store (s3rver, or a front of it). */
export function s3RepositoryYaml(
  name: string,
  s3: { bucket: string; endpoint: string; credentials: string },
  prefix: string,
  extra = "",
): string {
  const q = JSON.stringify;
  return (
    `  ${name}: { type: s3, bucket: ${s3.bucket}, prefix: ${q(prefix)}, endpoint: ${q(s3.endpoint)}, ` +
    `forcePathStyle: true, credentials: ${q(s3.credentials)}${extra ? `, ${extra}` : ""} }\n`
  );
}
