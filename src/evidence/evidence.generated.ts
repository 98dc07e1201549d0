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
 * This interface was referenced by `Evidence`'s JSON-Schema
 * via the `definition` "DatasetEvidence".
 */
export interface DatasetEvidence {
  name: string;
  tier: string;
  server: string;
  method: string;
  backups: JobEvidence[];
  drills: DrillEvidence[];
  lastSuccessfulDrill?: DrillEvidence;
  /**
   * Jobs of the dataset (and its server's binlog archiving) that did not succeed.
   */
  failures: JobEvidence[];
  /**
   * Binlog archive gaps the archiver reported.
   */
  gaps: string[];
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
 * via the `definition` "ChainHead".
 */
export interface ChainHead {
  seq: number;
  sha256: string;
}
