/* Generated from schemas/plan.schema.json by `npm run gen:types`. Do not edit. */

/**
 * This interface was referenced by `Plan`'s JSON-Schema
 * via the `definition` "ResourceKind".
 */
export type ResourceKind = "server-binlog" | "repository" | "schedule" | "verification";
/**
 * This interface was referenced by `Plan`'s JSON-Schema
 * via the `definition` "Action".
 */
export type Action = "create" | "update" | "delete" | "no-op" | "unknown";

/**
 * What `drctl plan --json` prints and `-out` saves: the diff between the spec and the live world, and the RPO/RTO proof. Never holds a secret.
 */
export interface Plan {
  formatVersion: 1;
  project: string;
  /**
   * Absolute path of the spec the plan was made from.
   */
  specFile: string;
  specDigest: string;
  /**
   * Digest of the discovered live state the plan was made against; apply refuses a saved plan when it changed.
   */
  stateFingerprint: string;
  createdAt: string;
  resources: ResourceChange[];
  findings: Finding[];
  proofs: Proof[];
  summary: {
    create: number;
    update: number;
    delete: number;
    noop: number;
    unknown: number;
    restartRequired: number;
    errors: number;
    warnings: number;
  };
  hasChanges: boolean;
}
/**
 * This interface was referenced by `Plan`'s JSON-Schema
 * via the `definition` "ResourceChange".
 */
export interface ResourceChange {
  /**
   * server.<name>.binlog, repository.<name>, schedule.dataset.<ds>.<job>, schedule.drill.<name>, verification.<dataset>
   */
  address: string;
  kind: ResourceKind;
  action: Action;
  attributes: AttributeChange[];
  restartRequired: boolean;
  destructive: boolean;
  /**
   * Where the change or job must run (a server's host, or any host that reaches it).
   */
  runsOn?: string;
  /**
   * Why the action is unknown, or other context.
   */
  reason?: string;
  /**
   * Text form of the resource before (cron line, drop-in section), for diffs.
   */
  textBefore?: string | null;
  textAfter?: string | null;
}
/**
 * This interface was referenced by `Plan`'s JSON-Schema
 * via the `definition` "AttributeChange".
 */
export interface AttributeChange {
  name: string;
  before: string | null;
  after: string | null;
  /**
   * Not dynamic: written to the config drop-in, takes effect when the server restarts.
   */
  restartRequired?: boolean;
  note?: string;
}
/**
 * This interface was referenced by `Plan`'s JSON-Schema
 * via the `definition` "Finding".
 */
export interface Finding {
  level: "error" | "warning" | "info";
  code: string;
  /**
   * The dataset, server or resource it is about.
   */
  subject?: string;
  message: string;
  /**
   * The cause is a setting this plan changes (it holds once applied, or after the restart apply asks for): apply does not refuse over it.
   */
  fixedByApply?: boolean;
}
/**
 * This interface was referenced by `Plan`'s JSON-Schema
 * via the `definition` "Proof".
 */
export interface Proof {
  dataset: string;
  tier: string;
  rpo: Bound;
  rto: Bound;
  offsiteRpo?: Bound1;
  verdict: "met" | "tight" | "missed" | "unknown";
}
/**
 * This interface was referenced by `Plan`'s JSON-Schema
 * via the `definition` "Bound".
 */
export interface Bound {
  targetSeconds: number;
  /**
   * null when it cannot be computed (server unreachable).
   */
  worstSeconds: number | null;
  /**
   * One line: how the worst case was computed.
   */
  basis: string;
  /**
   * true when based on documented defaults rather than a measured drill.
   */
  estimated: boolean;
}
/**
 * What losing the whole site would lose: the RPO plus the copy job's worst gap (datasets with copies). A warning when over the tier's RPO; it does not change the verdict.
 */
export interface Bound1 {
  targetSeconds: number;
  /**
   * null when it cannot be computed (server unreachable).
   */
  worstSeconds: number | null;
  /**
   * One line: how the worst case was computed.
   */
  basis: string;
  /**
   * true when based on documented defaults rather than a measured drill.
   */
  estimated: boolean;
}
