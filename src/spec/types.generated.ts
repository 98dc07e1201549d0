/* Generated from schemas/drspec.schema.json by `npm run gen:types`. Do not edit. */

/**
 * The project's name: it marks drctl's cron block, its lock and its default state directory.
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
 * Unix socket of a server on this host; used instead of host and port.
 */
export type AbsolutePath1 = string;
/**
 * MySQL option file ([client] user=, password=), mode 0600. The only place a password may live.
 */
export type AbsolutePath2 = string;
/**
 * Option file on the database host that apply writes the binlog settings to (drctl owns it whole); settings that need a restart only take effect there.
 */
export type AbsolutePath3 = string;
/**
 * A name drctl uses in cron markers, paths and resource addresses.
 */
export type Name1 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Repository".
 */
export type Repository = Repository1 & Repository2;
export type Repository1 = FilesystemRepository | SftpRepository | S3Repository;
/**
 * The repository's directory (created 0700 by apply, with drctl's marker).
 */
export type AbsolutePath4 = string;
/**
 * How long archived binlogs are kept: the point-in-time recovery window.
 */
export type Duration2 = string;
/**
 * The repository's directory on the SFTP server.
 */
export type AbsolutePath5 = string;
/**
 * SSH private key file (mode 0600).
 */
export type AbsolutePath6 = string;
/**
 * known_hosts file that pins the server's host key.
 */
export type AbsolutePath7 = string;
/**
 * File holding the access key and secret (AWS shared-credentials format), mode 0600.
 */
export type AbsolutePath8 = string;
/**
 * age private key file, needed only where restores and drills run.
 */
export type AbsolutePath9 = string;
/**
 * A name drctl uses in cron markers, paths and resource addresses.
 */
export type Name2 = string;
/**
 * A replica of `server` to take backups from, so the source never feels them; plan gates on its lag, and so does each backup with `maxLag`.
 */
export type BackupSource =
  | Name3
  | {
      server: Name4;
      maxLag?: Duration3;
      /**
       * Over `maxLag`: `fail` (the default) refuses the backup; `source` takes it from the dataset's server instead. Either way journaled.
       */
      fallback?: "source" | "fail";
    };
/**
 * A name drctl uses in cron markers, paths and resource addresses.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Name".
 */
export type Name3 = string;
/**
 * A name drctl uses in cron markers, paths and resource addresses.
 */
export type Name4 = string;
/**
 * The most the replica may lag its source when a backup starts (stopped replication counts as unknown, over it); above it the backup refuses with the measured lag, or runs on the source (`fallback: source`).
 */
export type Duration3 = string;
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
 * A name drctl uses in cron markers, paths and resource addresses.
 */
export type Name5 = string;
/**
 * The tool that takes the full backup: mysqldump/mariadb-dump (logical), mydumper (logical, parallel), mariadb-backup/xtrabackup (physical).
 */
export type BackupMethod = "mysqldump" | "mariadb-dump" | "mydumper" | "mariadb-backup" | "xtrabackup";
/**
 * When the full backup runs (cron).
 */
export type CronExpression = string;
/**
 * The same physical method as the full (mariadb-backup or xtrabackup).
 */
export type BackupMethod1 = "mysqldump" | "mariadb-dump" | "mydumper" | "mariadb-backup" | "xtrabackup";
/**
 * When incrementals run (cron), between the fulls.
 */
export type CronExpression1 = string;
/**
 * How often archived binlogs are brought up to date (the recovery-point granularity). Default 1m.
 */
export type Duration4 = string;
/**
 * A name drctl uses in cron markers, paths and resource addresses.
 */
export type Name6 = string;
/**
 * How often the copy job runs (default 15m): it adds up to this much to what losing the site loses, which plan shows next to the RPO.
 */
export type Duration5 = string;
/**
 * A name drctl uses in cron markers, paths and resource addresses.
 */
export type Name7 = string;
/**
 * A name drctl uses in cron markers, paths and resource addresses.
 */
export type Name8 = string;
/**
 * When the drill runs (cron).
 */
export type CronExpression2 = string;
/**
 * The point to restore to: latest (default), a fixed time, or { randomWithin }.
 */
export type RestoreTarget = "latest" | string | RestoreWindow;
/**
 * A random second (seeded, repeatable) within this time back from the drill's start.
 */
export type Duration6 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "VerifyStep".
 */
export type VerifyStep = ("rowCounts" | "checksums") | QueryCheck;
/**
 * The textfile collector's directory (node_exporter --collector.textfile.directory).
 */
export type AbsolutePath10 = string;
/**
 * A webhook (a JSON body with a Slack-compatible `text`) or an email through an SMTP server.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "NotifyTarget".
 */
export type NotifyTarget = WebhookTarget | EmailTarget;
/**
 * A file (mode 0600) holding the endpoint's URL: for URLs that carry a token. Only the host is ever printed or journaled.
 */
export type AbsolutePath11 = string;
/**
 * While a job keeps failing or a dataset stays AT RISK or BREACHED, the message again after this long (default 24h).
 */
export type Duration7 = string;
/**
 * The SMTP server's settings, one `key = value` per line: host, port (default 587), from, user and password (then the file must be mode 0600), tls = starttls | implicit | none (default starttls; none only for a server on loopback).
 */
export type AbsolutePath12 = string;
/**
 * While a job keeps failing or a dataset stays AT RISK or BREACHED, the message again after this long (default 24h).
 */
export type Duration8 = string;
/**
 * A cron.d-style file for the block (default /etc/cron.d/drctl-<project>); ignored with `user`.
 */
export type AbsolutePath13 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Duration".
 */
export type Duration9 = string;
/**
 * Five cron fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly. Checked field by field by drctl.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "CronExpression".
 */
export type CronExpression3 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "AbsolutePath".
 */
export type AbsolutePath14 = string;
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "BackupMethod".
 */
export type BackupMethod2 = "mysqldump" | "mariadb-dump" | "mydumper" | "mariadb-backup" | "xtrabackup";
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "BackupSource".
 */
export type BackupSource1 =
  | Name3
  | {
      server: Name4;
      maxLag?: Duration3;
      /**
       * Over `maxLag`: `fail` (the default) refuses the backup; `source` takes it from the dataset's server instead. Either way journaled.
       */
      fallback?: "source" | "fail";
    };
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "RestoreTarget".
 */
export type RestoreTarget1 = "latest" | string | RestoreWindow;

/**
 * A drctl disaster-recovery spec (DESIGN.md §1). Unknown keys are errors: a typo must never silently disable a backup.
 */
export interface DrSpec {
  /**
   * The spec format's version; 1 is the only one so far.
   */
  version: 1;
  project: Name;
  state?: AbsolutePath;
  /**
   * Named recovery targets; every dataset names one.
   */
  tiers: {
    [k: string]: Tier;
  };
  /**
   * The MySQL/MariaDB servers drctl backs up from, restores to or watches, by name.
   */
  servers: {
    [k: string]: Server;
  };
  /**
   * Where backup sets and archived binlogs are stored, by name.
   */
  repositories: {
    [k: string]: Repository;
  };
  encryption?: Encryption;
  /**
   * What is backed up: databases of one server, with their tier, methods, repository and retention.
   */
  datasets: {
    [k: string]: Dataset;
  };
  /**
   * Scheduled restore drills: each restores a dataset into a throwaway server, verifies it and measures RTO/RPO.
   */
  drills?: {
    [k: string]: Drill;
  };
  metrics?: Metrics;
  /**
   * Where drctl sends a message when something changes: a job failed or recovered, a binlog gap, a dataset's status turned AT RISK or BREACHED or back to OK. One message per job run and target (a digest of what changed), a reminder while it stays bad, bounded retries; a delivery that fails is journaled and shown by status, and never fails the job. `drctl notify test` sends a test message to each.
   */
  notify?: NotifyTarget[];
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
  /**
   * Host name or IP address (TCP); give `socket` instead for a local server.
   */
  host?: string;
  /**
   * TCP port. Default 3306.
   */
  port?: number;
  socket?: AbsolutePath1;
  credentials: AbsolutePath2;
  configDropIn?: AbsolutePath3;
  replicaOf?: Name1;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "FilesystemRepository".
 */
export interface FilesystemRepository {
  /**
   * A directory on this host.
   */
  type: "filesystem";
  path: AbsolutePath4;
  retention?: Retention;
}
/**
 * Retention of the copies this repository holds (when it is a dataset's copy); without it, each dataset's own retention applies here too.
 */
export interface Retention {
  /**
   * Fulls kept by calendar (grandfather-father-son, UTC): the newest full of each of the last N days, ISO weeks and months.
   */
  full?: {
    /**
     * Days whose newest full is kept.
     */
    daily?: number;
    /**
     * ISO weeks whose newest full is kept.
     */
    weekly?: number;
    /**
     * Months whose newest full is kept.
     */
    monthly?: number;
  };
  binlogs?: Duration2;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "SftpRepository".
 */
export interface SftpRepository {
  /**
   * A directory on another host, over SFTP.
   */
  type: "sftp";
  /**
   * The SFTP server's host name or address.
   */
  host: string;
  /**
   * SSH port. Default 22.
   */
  port?: number;
  /**
   * The SSH account.
   */
  user: string;
  path: AbsolutePath5;
  identityFile: AbsolutePath6;
  knownHosts?: AbsolutePath7;
  /**
   * The most a copy sends to (or reads back from) this repository per second, all uploads together. Unlimited by default.
   */
  bandwidth?: string;
  /**
   * Objects a copy uploads at once. Default 4.
   */
  parallelism?: number;
  retention?: Retention1;
}
/**
 * Retention of the copies this repository holds (when it is a dataset's copy); without it, each dataset's own retention applies here too.
 */
export interface Retention1 {
  /**
   * Fulls kept by calendar (grandfather-father-son, UTC): the newest full of each of the last N days, ISO weeks and months.
   */
  full?: {
    /**
     * Days whose newest full is kept.
     */
    daily?: number;
    /**
     * ISO weeks whose newest full is kept.
     */
    weekly?: number;
    /**
     * Months whose newest full is kept.
     */
    monthly?: number;
  };
  binlogs?: Duration2;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "S3Repository".
 */
export interface S3Repository {
  /**
   * A bucket of an S3-protocol object store.
   */
  type: "s3";
  /**
   * The bucket.
   */
  bucket: string;
  /**
   * Key prefix inside the bucket.
   */
  prefix?: string;
  /**
   * The bucket's region.
   */
  region?: string;
  /**
   * The store's URL when it is not AWS.
   */
  endpoint?: string;
  credentials?: AbsolutePath8;
  /**
   * Address the bucket in the path (https://host/bucket/key), as most non-AWS stores need.
   */
  forcePathStyle?: boolean;
  /**
   * S3 Object Lock: every object drctl uploads carries this retention, so nobody (with compliance mode, not even the bucket's owner) can delete or change it before it ends. The bucket must have Object Lock enabled. A prune refused by the lock is reported, not an error.
   */
  objectLock?: {
    /**
     * governance (users with s3:BypassGovernanceRetention may still delete) or compliance (no one may).
     */
    mode: "governance" | "compliance";
    /**
     * How long each object is locked from its upload.
     */
    days: number;
  };
  /**
   * The most a copy sends to (or reads back from) this repository per second, all uploads together. Unlimited by default.
   */
  bandwidth?: string;
  /**
   * Objects a copy uploads at once. Default 4.
   */
  parallelism?: number;
  retention?: Retention2;
}
/**
 * Retention of the copies this repository holds (when it is a dataset's copy); without it, each dataset's own retention applies here too.
 */
export interface Retention2 {
  /**
   * Fulls kept by calendar (grandfather-father-son, UTC): the newest full of each of the last N days, ISO weeks and months.
   */
  full?: {
    /**
     * Days whose newest full is kept.
     */
    daily?: number;
    /**
     * ISO weeks whose newest full is kept.
     */
    weekly?: number;
    /**
     * Months whose newest full is kept.
     */
    monthly?: number;
  };
  binlogs?: Duration2;
}
export interface Repository2 {
  /**
   * The kind of repository: filesystem, sftp or s3.
   */
  type: "filesystem" | "sftp" | "s3";
}
/**
 * Encrypt every stored file with age to these recipients (none: stored unencrypted).
 */
export interface Encryption {
  /**
   * age public keys; backup hosts need no private key.
   *
   * @minItems 1
   */
  recipients: [string, ...string[]];
  identityFile?: AbsolutePath9;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Dataset".
 */
export interface Dataset {
  server: Name2;
  backupFrom?: BackupSource;
  /**
   * Replicas of `server` that may be promoted in its place (a failover group): binlog archiving follows whichever of them is the writable source now, into an archive of its own, and a restore joins all their archived binlogs into one chain by GTID.
   *
   * @minItems 1
   */
  failover?: [Name3, ...Name3[]];
  /**
   * The databases of the dataset, exactly as the server names them.
   *
   * @minItems 1
   */
  databases: [DatabaseName, ...DatabaseName[]];
  /**
   * Databases left out (wins over `databases`).
   */
  exclude?: DatabaseName[];
  /**
   * Only these tables (logical methods): db.table with LIKE wildcards, or { database, table }.
   *
   * @minItems 1
   */
  tables?: [TableFilter, ...TableFilter[]];
  tier: Name5;
  full: FullBackup;
  incremental?: IncrementalBackup;
  binlog?: BinlogArchiving;
  /**
   * zstd (default) or none.
   */
  compression?: "zstd" | "none";
  repository: Name6;
  /**
   * Offsite repositories the sets are copied to.
   */
  copies?: Name3[];
  copyInterval?: Duration5;
  retention?: Retention3;
}
/**
 * The full backup: method and schedule.
 */
export interface FullBackup {
  method: BackupMethod;
  schedule: CronExpression;
}
/**
 * Incremental backups between the fulls (physical methods only).
 */
export interface IncrementalBackup {
  method: BackupMethod1;
  schedule: CronExpression1;
}
/**
 * Binary log archiving for point-in-time recovery.
 */
export interface BinlogArchiving {
  /**
   * Archive the server's binary logs: point-in-time recovery between backups.
   */
  archive: boolean;
  interval?: Duration4;
}
/**
 * How long sets and archived binlogs are kept.
 */
export interface Retention3 {
  /**
   * Fulls kept by calendar (grandfather-father-son, UTC): the newest full of each of the last N days, ISO weeks and months.
   */
  full?: {
    /**
     * Days whose newest full is kept.
     */
    daily?: number;
    /**
     * ISO weeks whose newest full is kept.
     */
    weekly?: number;
    /**
     * Months whose newest full is kept.
     */
    monthly?: number;
  };
  binlogs?: Duration2;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Drill".
 */
export interface Drill {
  dataset: Name7;
  from?: Name8;
  schedule: CronExpression2;
  restoreTo?: RestoreTarget;
  /**
   * The checks after the restore: rowCounts (default), checksums, and queries.
   */
  verify?: VerifyStep[];
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "RestoreWindow".
 */
export interface RestoreWindow {
  randomWithin: Duration6;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "QueryCheck".
 */
export interface QueryCheck {
  /**
   * A query the restored server must answer; its first column of the first row is compared.
   */
  query: string;
  /**
   * What the answer must be: at least min, at most max, or equal to equals.
   */
  expect: {
    /**
     * The answer is at least this.
     */
    min?: number;
    /**
     * The answer is at most this.
     */
    max?: number;
    /**
     * The answer is exactly this.
     */
    equals?: number | string;
  };
}
/**
 * Prometheus metrics: after every job drctl writes its status and job results in the text format, atomically, as drctl_<project>.prom in this directory (node_exporter's textfile collector reads it). `drctl status --prometheus` prints the same.
 */
export interface Metrics {
  textfile: AbsolutePath10;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "WebhookTarget".
 */
export interface WebhookTarget {
  /**
   * An HTTP(S) POST of a JSON body: `text` (what Slack, Mattermost and Teams-style hooks show) and the events, structured.
   */
  type: "webhook";
  /**
   * The endpoint, when it holds no secret (a Slack hook URL is a secret: use urlFile).
   */
  url?: string;
  urlFile?: AbsolutePath11;
  /**
   * What this target hears about (default: all): failure — a job failed, was refused or missed its target; gap — a binlog is missing from the archive; at-risk, breached — a dataset's status turned so; recovered — a failed job succeeded again or a dataset is OK again.
   *
   * @minItems 1
   */
  on?: [
    "failure" | "gap" | "at-risk" | "breached" | "recovered",
    ...("failure" | "gap" | "at-risk" | "breached" | "recovered")[]
  ];
  reminder?: Duration7;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "EmailTarget".
 */
export interface EmailTarget {
  /**
   * A plain-text email through an SMTP server.
   */
  type: "email";
  /**
   * Who gets it.
   */
  to: string;
  smtp: AbsolutePath12;
  /**
   * What this target hears about (default: all): failure — a job failed, was refused or missed its target; gap — a binlog is missing from the archive; at-risk, breached — a dataset's status turned so; recovered — a failed job succeeded again or a dataset is OK again.
   *
   * @minItems 1
   */
  on?: [
    "failure" | "gap" | "at-risk" | "breached" | "recovered",
    ...("failure" | "gap" | "at-risk" | "breached" | "recovered")[]
  ];
  reminder?: Duration8;
}
/**
 * Where the cron jobs go: a cron.d-style file, or a user's crontab through the real crontab command. drctl owns only its marked block.
 */
export interface Scheduler {
  /**
   * cron: the only scheduler so far.
   */
  type: "cron";
  file?: AbsolutePath13;
  /**
   * Install the block in this user's crontab (through crontab -u); the jobs run as that user.
   */
  user?: string;
  /**
   * IANA time zone the cron daemon runs in (default: this machine's).
   */
  timezone?: string;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Encryption".
 */
export interface Encryption1 {
  /**
   * age public keys; backup hosts need no private key.
   *
   * @minItems 1
   */
  recipients: [string, ...string[]];
  identityFile?: AbsolutePath9;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "FullBackup".
 */
export interface FullBackup1 {
  method: BackupMethod;
  schedule: CronExpression;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "IncrementalBackup".
 */
export interface IncrementalBackup1 {
  method: BackupMethod1;
  schedule: CronExpression1;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "BinlogArchiving".
 */
export interface BinlogArchiving1 {
  /**
   * Archive the server's binary logs: point-in-time recovery between backups.
   */
  archive: boolean;
  interval?: Duration4;
}
/**
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Retention".
 */
export interface Retention4 {
  /**
   * Fulls kept by calendar (grandfather-father-son, UTC): the newest full of each of the last N days, ISO weeks and months.
   */
  full?: {
    /**
     * Days whose newest full is kept.
     */
    daily?: number;
    /**
     * ISO weeks whose newest full is kept.
     */
    weekly?: number;
    /**
     * Months whose newest full is kept.
     */
    monthly?: number;
  };
  binlogs?: Duration2;
}
/**
 * Where the cron jobs go: a cron.d-style file, or a user's crontab through the real crontab command. drctl owns only its marked block.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Scheduler".
 */
export interface Scheduler1 {
  /**
   * cron: the only scheduler so far.
   */
  type: "cron";
  file?: AbsolutePath13;
  /**
   * Install the block in this user's crontab (through crontab -u); the jobs run as that user.
   */
  user?: string;
  /**
   * IANA time zone the cron daemon runs in (default: this machine's).
   */
  timezone?: string;
}
/**
 * Prometheus metrics: after every job drctl writes its status and job results in the text format, atomically, as drctl_<project>.prom in this directory (node_exporter's textfile collector reads it). `drctl status --prometheus` prints the same.
 *
 * This interface was referenced by `DrSpec`'s JSON-Schema
 * via the `definition` "Metrics".
 */
export interface Metrics1 {
  textfile: AbsolutePath10;
}
