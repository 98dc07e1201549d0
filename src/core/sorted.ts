// Lookups in ascending arrays.

import { must } from "../errors.js";

/** The index of the last element ≤ `x` in ascending `sorted` (0 when `x` is below them all). */
export function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (must(sorted[mid]) <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
