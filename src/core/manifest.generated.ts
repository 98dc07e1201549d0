/* Generated from schemas/manifest.schema.json by `npm run gen:types`. Do not edit. */

/**
 * manifest.json of one backup set (DESIGN §4). Written last, atomically: a set directory without it is an interrupted attempt. Never holds a secret.
 */
export interface BackupManifest {
  formatVersion: 1;
  /**
   * Set id, also its directory name: <UTC time>-<kind>-<random>.
   */
  id: string;
  project: string;
  /**
   * Absent for binlog archive sets.
   */
  dataset?: string;
  kind: "full" | "incremental" | "binlog";
  method: "mysqldump" | "mariadb-dump" | "mydumper" | "mariadb-backup" | "xtrabackup" | "binlog";
  server: ServerIdentity;
  /**
   * Host drctl ran on.
   */
  host: string;
  databases?: string[];
  /**
   * Base tables the set holds (checked against the server's catalog before publishing).
   */
  tables?: TableName[];
  startedAt: string;
  finishedAt: string;
  /**
   * Incremental sets: the id of the set they apply on top of.
   */
  parent?: string;
  /**
   * Physical sets: InnoDB LSN range (from xtrabackup_checkpoints); an incremental child starts at to.
   */
  lsn?: {
    from: string;
    to: string;
    last?: string;
  };
  consistentPoint: BinlogPoint;
  files: SetFile[];
  compression: "zstd" | "none";
  encryption: {
    type: "none" | "age";
    /**
     * sha256 of each age recipient (public key), so a restore host can tell which identity it needs.
     */
    recipientFingerprints: string[];
  };
  /**
   * Tool → version string.
   */
  tools: {
    [k: string]: string;
  };
  rebuild?: RebuildFacts;
  reference?: ReferenceFigures;
  binlog?: BinlogFileFacts;
  sourcePoint?: BinlogPoint2;
  /**
   * A set taken on a replica (the dataset's backupFrom with a lag gate): its source and how far behind it was when the backup started.
   */
  replication?: {
    /**
     * The spec's name of the server it replicates from.
     */
    replicaOf: string;
    /**
     * Seconds_Behind_Master when the backup started; null: unknown.
     */
    lagSeconds: number | null;
    /**
     * Transactions behind the source, as counted from GTIDs.
     */
    detail?: string;
  };
  notes?: string[];
}
/**
 * This interface was referenced by `BackupManifest`'s JSON-Schema
 * via the `definition` "ServerIdentity".
 */
export interface ServerIdentity {
  /**
   * The server's name in the spec.
   */
  name: string;
  version: string;
  flavor: "mariadb" | "mysql";
  serverId: string;
  binlogBasename?: string;
  serverUuid?: string;
}
/**
 * This interface was referenced by `BackupManifest`'s JSON-Schema
 * via the `definition` "TableName".
 */
export interface TableName {
  database: string;
  table: string;
}
/**
 * Where the data of the set stands in the server's binlog: PITR replays from here.
 */
export interface BinlogPoint {
  file?: string;
  position?: number;
  /**
   * GTID set (MariaDB: gtid_binlog_pos form) of the last transaction in the set.
   */
  gtid?: string;
  /**
   * Where drctl read it (dump header, xtrabackup_info, mydumper metadata, snapshot status).
   */
  source?: string;
}
/**
 * This interface was referenced by `BackupManifest`'s JSON-Schema
 * via the `definition` "SetFile".
 */
export interface SetFile {
  /**
   * File name inside the set directory (a slug; the payload's own name, if any, is in `source`).
   */
  name: string;
  role: "dump" | "accounts" | "xbstream" | "mydumper" | "binlog";
  /**
   * The tool's own file name (mydumper files, binlog name).
   */
  source?: string;
  /**
   * Stored size (compressed, encrypted).
   */
  bytes: number;
  /**
   * Of the stored bytes.
   */
  sha256: string;
}
/**
 * This interface was referenced by `BackupManifest`'s JSON-Schema
 * via the `definition` "RebuildFacts".
 */
export interface RebuildFacts {
  /**
   * Global variables not at their compiled-in default.
   */
  variables: {
    [k: string]: string;
  };
  plugins: {
    name: string;
    status: string;
    type: string;
    library?: string;
  }[];
  objects: SchemaObject[];
  /**
   * The DEFINER accounts the set's objects name (their CREATE USER and GRANTs are in the accounts file).
   */
  accounts?: string[];
}
/**
 * This interface was referenced by `BackupManifest`'s JSON-Schema
 * via the `definition` "SchemaObject".
 */
export interface SchemaObject {
  type: "view" | "procedure" | "function" | "trigger" | "event";
  database: string;
  name: string;
  definer?: string;
  /**
   * Normalized SHOW CREATE statement.
   */
  definition: string;
}
/**
 * Taken inside START TRANSACTION WITH CONSISTENT SNAPSHOT: what a drill compares a restore against.
 *
 * This interface was referenced by `BackupManifest`'s JSON-Schema
 * via the `definition` "ReferenceFigures".
 */
export interface ReferenceFigures {
  at: BinlogPoint1;
  tables: {
    database: string;
    table: string;
    rows: number;
    checksum?: string;
  }[];
}
/**
 * This interface was referenced by `BackupManifest`'s JSON-Schema
 * via the `definition` "BinlogPoint".
 */
export interface BinlogPoint1 {
  file?: string;
  position?: number;
  /**
   * GTID set (MariaDB: gtid_binlog_pos form) of the last transaction in the set.
   */
  gtid?: string;
  /**
   * Where drctl read it (dump header, xtrabackup_info, mydumper metadata, snapshot status).
   */
  source?: string;
}
/**
 * This interface was referenced by `BackupManifest`'s JSON-Schema
 * via the `definition` "BinlogFileFacts".
 */
export interface BinlogFileFacts {
  file: string;
  sequence: number;
  basename: string;
  startPosition: number;
  endPosition: number;
  firstEventAt?: string;
  lastEventAt?: string;
  /**
   * The binlog's Gtid_list event: the GTID state before its first transaction.
   */
  gtidListAtStart?: string;
  firstGtid?: string;
  lastGtid?: string;
  transactions?: number;
  /**
   * Which numbering of the server's binlogs the file belongs to: 0 until a RESET MASTER restarts the numbering (and the GTID state), then 1, 2… Absent means 0.
   */
  timeline?: number;
}
/**
 * A set taken on a replica: where its SOURCE stood at the set's point — file and position (mariadb-dump --dump-slave) and GTID position (gtid_slave_pos) — beside the replica's own in consistentPoint.
 */
export interface BinlogPoint2 {
  file?: string;
  position?: number;
  /**
   * GTID set (MariaDB: gtid_binlog_pos form) of the last transaction in the set.
   */
  gtid?: string;
  /**
   * Where drctl read it (dump header, xtrabackup_info, mydumper metadata, snapshot status).
   */
  source?: string;
}
