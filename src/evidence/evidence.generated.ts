/* Generated from schemas/evidence.schema.json by `npm run gen:types`. Do not edit. */

/**
 * drctl evidence export: what an auditor asks for. Every section except `catalog` is derived from the journal copy in the bundle (journal.jsonl), whose hash chain `evidence verify` recomputes.
 */
export interface Evidence {
  formatVersion: 1;
  project: string;
  generatedAt: string;
  /**
   * Start of the period the evidence covers.
   */
  since: string;
  verdict: Verdict;
  spec: {
    /**
     * The spec's copy in the bundle.
     */
    file: string;
    sha256: string;
  };
  tiers: {
    [k: string]: {
      rpoSeconds: number;
      rtoSeconds: number;
    };
  };
  datasets: DatasetEvidence[];
  applies: ApplyEvidence[];
  /**
   * With `evidence export --controls`: per control of the frameworks asked for, the requirement in one line, the facts of the period that bear on it, and whether they meet it — computed from the sections above, never written by hand.
   */
  controls?: Control[];
  /**
   * The backup sets in the repositories when the bundle was made (read from the repositories, not from the journal).
   */
  catalog?: {
    dataset: string;
    id: string;
    kind: string;
    method: string;
    at: string;
    bytes: number;
    verified: boolean;
    /**
     * The spec's server the set was taken on.
     */
    server?: string;
    /**
     * A set taken on a replica behind a lag gate: how far behind its source it was (null: unknown).
     */
    replicaLagSeconds?: number | null;
    /**
     * A set taken on a replica: its source's GTID position at the set's point (PITR replays the source's binlogs after it).
     */
    sourceGtid?: string;
  }[];
  journal: {
    file: string;
    firstSeq: number;
    lastSeq: number;
    /**
     * sha256 of the record before firstSeq (zeros from the start): the chain of the copy continues from it.
     */
    anchor: string;
    head: ChainHead;
  };
  /**
   * sha256 of every other file of the bundle, by relative path.
   */
  files: {
    [k: string]: string;
  };
}
/**
 * The worst of the datasets' verdicts.
 */
export interface Verdict {
  state: "OK" | "AT RISK" | "BREACHED";
  /**
   * Why it is not OK, from the journal of the period.
   */
  reasons: string[];
}
/**
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "DatasetEvidence".
 */
export interface DatasetEvidence {
  name: string;
  tier: string;
  server: string;
  method: string;
  verdict: Verdict1;
  backups: JobEvidence[];
  drills: DrillEvidence[];
  lastSuccessfulDrill?: DrillEvidence;
  lastDrill?: DrillEvidence1;
  /**
   * Jobs of the dataset (its scheduled jobs, drills, verify runs that found damage, its server's binlog archiving) that did not succeed; an operator's refused request (exit 3 of restore) and a run that found the lock busy (exit 4) are not failures.
   */
  failures: JobEvidence[];
  /**
   * Binlog archive gaps the archiver reported.
   */
  gaps: string[];
  /**
   * Each offsite copy the spec names for the dataset: where it is, when last completed and verified.
   */
  copies?: CopyEvidence[];
}
/**
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "Verdict".
 */
export interface Verdict1 {
  state: "OK" | "AT RISK" | "BREACHED";
  /**
   * Why it is not OK, from the journal of the period.
   */
  reasons: string[];
}
/**
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "JobEvidence".
 */
export interface JobEvidence {
  seq: number;
  at: string;
  command: string;
  result: string;
  exitCode: number;
  set?: string;
  kind?: string;
  method?: string;
  bytes?: number;
  error?: string;
}
/**
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "DrillEvidence".
 */
export interface DrillEvidence {
  seq: number;
  drill: string;
  at: string;
  result: "ok" | "target-missed" | "failed";
  verified: boolean;
  sets?: string[];
  /**
   * The offsite copy (repository) the drill restored from, when not the dataset's own repository.
   */
  from?: string;
  /**
   * What the drill restored to.
   */
  point: string;
  rto?: Figure;
  rpo?: Figure;
  /**
   * How many checks ran.
   */
  checks?: number;
  failures: string[];
}
/**
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "Figure".
 */
export interface Figure {
  measuredSeconds: number;
  targetSeconds: number;
  met: boolean;
}
/**
 * The newest drill in the period, whatever its result: the verdict and the summary's figures come from it.
 */
export interface DrillEvidence1 {
  seq: number;
  drill: string;
  at: string;
  result: "ok" | "target-missed" | "failed";
  verified: boolean;
  sets?: string[];
  /**
   * The offsite copy (repository) the drill restored from, when not the dataset's own repository.
   */
  from?: string;
  /**
   * What the drill restored to.
   */
  point: string;
  rto?: Figure;
  rpo?: Figure;
  /**
   * How many checks ran.
   */
  checks?: number;
  failures: string[];
}
/**
 * One offsite copy of a dataset, as the period's journal shows it.
 *
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "CopyEvidence".
 */
export interface CopyEvidence {
  /**
   * The repository of the spec the copy is in.
   */
  repository: string;
  /**
   * Where it is (a path, sftp://user@host:port/path, s3://bucket/prefix); never a credential.
   */
  where?: string;
  /**
   * When a copy run last brought it fully up to date (nothing pending, nothing differing).
   */
  lastCompleted?: string;
  /**
   * The newest full set it held after the newest run that reached it.
   */
  newestFull?: string;
  /**
   * The newest point in time its sets and archived binlogs reach: what survives the loss of the site.
   */
  newestPoint?: string;
  /**
   * The newest copy run to it.
   */
  lastRun?: {
    at: string;
    /**
     * Why it could not be brought up to date.
     */
    pending?: string;
    /**
     * Objects found differing from their manifest.
     */
    mismatches: number;
  };
  /**
   * The newest `drctl verify --repository` of the whole copy.
   */
  lastVerified?: {
    at: string;
    ok: boolean;
    deep: boolean;
    checked: number;
    failed: number;
  };
}
/**
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "ApplyEvidence".
 */
export interface ApplyEvidence {
  seq: number;
  at: string;
  operator: string;
  specDigest: string;
  result: string;
  changes: {
    address: string;
    action: string;
    result: string;
    diff: string[];
  }[];
}
/**
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "Control".
 */
export interface Control {
  framework: "SOC 2" | "ISO 27001:2022" | "NIST SP 800-53" | "DORA";
  /**
   * The control's identifier in its framework (A1.2, A.8.13, CP-9, Art. 12).
   */
  id: string;
  title: string;
  /**
   * What the control asks, in one line.
   */
  requirement: string;
  status: "met" | "not met" | "not applicable";
  /**
   * The facts that decide it, per dataset where they differ.
   */
  facts: string[];
}
/**
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "ChainHead".
 */
export interface ChainHead {
  seq: number;
  sha256: string;
}
