// Look-ups into a loaded spec that every command makes, with the error a person can act on (the
// names the spec does have, or the one they probably meant).

import { DrError } from "../errors.js";
import { didYouMean } from "./suggest.js";
import type { Dataset, DrSpec } from "./types.generated.js";

export function datasetOf(spec: DrSpec, name: string): Dataset {
  const ds = spec.datasets[name];
  if (!ds) {
    const guess = didYouMean(name, Object.keys(spec.datasets));
    throw new DrError("invalid", `the spec has no dataset ${JSON.stringify(name)}`, {
      hint: guess ? `did you mean ${guess}?` : `datasets: ${Object.keys(spec.datasets).join(", ")}`,
    });
  }
  return ds;
}
