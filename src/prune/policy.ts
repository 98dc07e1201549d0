// A retention block of the spec as the pure selection (core/retention.ts) takes it: the dataset's own,
// or a copy repository's when it has one (vault: monthly 12 while the site keeps daily 7).

import { parseDuration } from "../core/duration.js";
import type { RetentionPolicy } from "../core/retention.js";
import type { Dataset, DrSpec } from "../spec/types.generated.js";

export function policyOf(retention: Dataset["retention"]): RetentionPolicy | undefined {
  if (!retention) return undefined;
  const secs = retention.binlogs ? parseDuration(retention.binlogs) : undefined;
  return { ...retention.full, ...(secs !== undefined ? { binlogSeconds: secs } : {}) };
}

/** The retention that holds for `dataset`'s sets in `repository`: the repository's own, else the dataset's. */
export function retentionAt(spec: DrSpec, dataset: Dataset, repository: string): RetentionPolicy | undefined {
  return policyOf(spec.repositories[repository]?.retention ?? dataset.retention);
}
