// What discovery found in the live world: plain data, JSON-serialisable, so a recorded state can
// stand in for live discovery (benchmarks, `plan --observed FILE`) and be fingerprinted.

export interface ReplicaStatus {
  ioRunning: boolean;
  sqlRunning: boolean;
  lagSeconds: number | null;
  sourceHost: string;
  sourcePort: number;
  lastIoError: string;
  lastSqlError: string;
}

export interface ObservedServer {
  name: string;
  reachable: boolean;
  /** Why it could not be read: names the server and what failed. */
  error?: string;
  flavor?: "mariadb" | "mysql";
  version?: string;
  /** Lower-case variable name → value as SHOW GLOBAL VARIABLES prints it. */
  variables?: Record<string, string>;
  /** Selected SHOW GLOBAL STATUS values (Uptime, Binlog_bytes_written). */
  status?: Record<string, string>;
  binaryLogs?: { name: string; size: number }[];
  replica?: ReplicaStatus | null;
  /** Privileges the connecting account holds globally (upper case), from SHOW GRANTS. */
  privileges?: string[];
  /** Bytes (data + index) per database the spec names on this server. */
  databaseBytes?: Record<string, number>;
  /** `db`.`table` names holding a backtick or a quote (Debian's mydumper 0.10 breaks on them). */
  hostileTableNames?: string[];
  /**
   * The same, structured (a database name may hold a dot), with databases whose own name holds one: mydumper findings
   * are per dataset.
   */
  hostileNames?: { database: string; table: string }[];
  /**
   * Every database on the server whose name holds a backtick or a quote (mydumper 0.10 reads them all for a
   * multi-database dataset).
   */
  hostileDatabases?: string[];
  /** The server's configDropIn as read where drctl runs (absent when the spec names none). */
  dropIn?: ObservedDropIn;
}

export interface ObservedDropIn {
  path: string;
  exists: boolean;
  text?: string;
  /** Why it could not be read (permissions, not a file). */
  error?: string;
}

export interface ObservedCron {
  /** Where the managed block lives: a cron.d file path, or "crontab:<user>". */
  target: string;
  readable: boolean;
  error?: string;
  /** Lines between the markers (exclusive), or null when there is no block. */
  block: string[] | null;
}

export interface ObservedRepository {
  name: string;
  type: "filesystem" | "sftp" | "s3";
  /** False when this kind of repository cannot be inspected yet (the reason says why). */
  checked: boolean;
  reason?: string;
  exists: boolean;
  /** drctl's marker file is there and names this project. */
  owned: boolean;
  /** The marker names another project, or the directory holds foreign files. */
  foreign?: string;
  mode?: number;
  /** Why drctl cannot write there (read-only mount, full disk, permissions), when a write probe failed. */
  unwritable?: string;
  /** An SFTP or S3 repository that could not be reached or read (host key, credentials, network): why. */
  unreachable?: string;
}

export interface ObservedState {
  formatVersion: 1;
  servers: Record<string, ObservedServer>;
  cron: ObservedCron;
  repositories: Record<string, ObservedRepository>;
  /**
   * Per dataset, the newest drill (or apply verification) whose data verified, from the journal:
   * with which method. Absent in states recorded before verification existed (read as none).
   */
  verifications?: Record<string, ObservedVerification>;
}

export interface ObservedVerification {
  method: string;
  at: string;
  drill: string;
  set?: string;
}
