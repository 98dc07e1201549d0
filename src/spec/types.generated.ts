/* Generated from schemas/drspec.schema.json by `npm run gen:types`. Do not edit. */

/**
 * A name drctl uses in cron markers, paths and resource addresses.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Name".
 */
export type Name = string;
/**
 * Directory for the journal, locks, logs and drill results. Default: /var/lib/drctl/<project>.
 */
export type AbsolutePath = string;
/**
 * Recovery point objective: the most data (as time) the business accepts to lose.
 */
export type Duration = string;
/**
 * Recovery time objective: the longest the business accepts to wait for a restored server.
 */
export type Duration1 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "AbsolutePath".
 */
export type AbsolutePath1 = string;
/**
 * MySQL option file ([client] user=, password=), mode 0600. The only place a password may live.
 */
export type AbsolutePath2 = string;
/**
 * Option file on the database host where apply persists server settings.
 */
export type AbsolutePath3 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Repository".
 */
export type Repository = Repository1 & Repository2;
export type Repository1 = FilesystemRepository | SftpRepository | S3Repository;
/**
 * File holding the access key and secret (AWS shared-credentials format), mode 0600.
 */
export type AbsolutePath4 = string;
/**
 * age private key file, needed only where restores and drills run.
 */
export type AbsolutePath5 = string;
/**
 * A name drctl uses in cron markers, paths and resource addresses.
 */
export type Name1 = string;
/**
 * A database name exactly as the server knows it: any BMP character (MariaDB identifiers are utf8mb3).
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "DatabaseName".
 */
export type DatabaseName = string;
/**
 * db.table with SQL LIKE wildcards, split at the first '.'; use the object form when the database name holds a '.'.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "TableFilter".
 */
export type TableFilter =
  | string
  | {
      database: DatabaseName;
      table: string;
    };
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "BackupMethod".
 */
export type BackupMethod = "mysqldump" | "mariadb-dump" | "mydumper" | "mariadb-backup" | "xtrabackup";
/**
 * Five cron fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly. Checked field by field by drctl.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "CronExpression".
 */
export type CronExpression = string;
/**
 * How often archived binlogs are brought up to date (the recovery-point granularity). Default 1m.
 */
export type Duration2 = string;
/**
 * How long archived binlogs are kept: the point-in-time recovery window.
 */
export type Duration3 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "RestoreTarget".
 */
export type RestoreTarget = "latest" | string | RestoreWindow;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Duration".
 */
export type Duration4 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "VerifyStep".
 */
export type VerifyStep = ("rowCounts" | "checksums") | QueryCheck;

/**
 * A drctl disaster-recovery spec (DESIGN.md §1). Unknown keys are errors: a typo must never silently disable a backup.
 */
export interface DrSpec {
  version: 1;
  project: Name;
  state?: AbsolutePath;
  tiers: {
    [k: string]: Tier;
  };
  servers: {
    [k: string]: Server;
  };
  repositories: {
    [k: string]: Repository;
  };
  encryption?: Encryption;
  datasets: {
    [k: string]: Dataset;
  };
  drills?: {
    [k: string]: Drill;
  };
  scheduler?: Scheduler;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Tier".
 */
export interface Tier {
  rpo: Duration;
  rto: Duration1;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Server".
 */
export interface Server {
  host?: string;
  port?: number;
  socket?: AbsolutePath1;
  credentials: AbsolutePath2;
  configDropIn?: AbsolutePath3;
  replicaOf?: Name;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "FilesystemRepository".
 */
export interface FilesystemRepository {
  type: "filesystem";
  path: AbsolutePath1;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "SftpRepository".
 */
export interface SftpRepository {
  type: "sftp";
  host: string;
  port?: number;
  user: string;
  path: AbsolutePath1;
  identityFile: AbsolutePath1;
  knownHosts?: AbsolutePath1;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "S3Repository".
 */
export interface S3Repository {
  type: "s3";
  bucket: string;
  prefix?: string;
  region?: string;
  endpoint?: string;
  credentials?: AbsolutePath4;
  forcePathStyle?: boolean;
}
export interface Repository2 {
  type: "filesystem" | "sftp" | "s3";
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Encryption".
 */
export interface Encryption {
  /**
   * age public keys; backup hosts need no private key.
   *
   * @minItems 1
   */
  recipients: [string, ...string[]];
  identityFile?: AbsolutePath5;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Dataset".
 */
export interface Dataset {
  server: Name;
  backupFrom?: Name1;
  /**
   * @minItems 1
   */
  databases: [DatabaseName, ...DatabaseName[]];
  exclude?: DatabaseName[];
  /**
   * @minItems 1
   */
  tables?: [TableFilter, ...TableFilter[]];
  tier: Name;
  full: FullBackup;
  incremental?: IncrementalBackup;
  binlog?: BinlogArchiving;
  compression?: "zstd" | "none";
  repository: Name;
  copies?: Name[];
  retention?: Retention;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "FullBackup".
 */
export interface FullBackup {
  method: BackupMethod;
  schedule: CronExpression;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "IncrementalBackup".
 */
export interface IncrementalBackup {
  method: BackupMethod;
  schedule: CronExpression;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "BinlogArchiving".
 */
export interface BinlogArchiving {
  archive: boolean;
  interval?: Duration2;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Retention".
 */
export interface Retention {
  full?: {
    daily?: number;
    weekly?: number;
    monthly?: number;
  };
  binlogs?: Duration3;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Drill".
 */
export interface Drill {
  dataset: Name;
  schedule: CronExpression;
  restoreTo?: RestoreTarget;
  verify?: VerifyStep[];
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "RestoreWindow".
 */
export interface RestoreWindow {
  randomWithin: Duration4;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "QueryCheck".
 */
export interface QueryCheck {
  query: string;
  expect: {
    min?: number;
    max?: number;
    equals?: number | string;
  };
}
/**
 * Where the cron jobs go: a cron.d-style file, or a user's crontab through the real crontab command. drctl owns only its marked block.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Scheduler".
 */
export interface Scheduler {
  type: "cron";
  file?: AbsolutePath1;
  user?: string;
  /**
   * IANA time zone the cron daemon runs in (default: this machine's).
   */
  timezone?: string;
}
