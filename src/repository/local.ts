// The dataset's own (primary) repository: a directory on this host, used only once its marker shows
// apply made it for this project. Backups write their sets there (set-store.ts); restore, prune,
// drills and status read them there.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPOSITORY_MARKER } from "../discover/repositories.js";
import { DrError } from "../errors.js";
import type { DrSpec } from "../spec/types.generated.js";
import { repositoryPathOf } from "./set-store.js";

export async function checkRepository(spec: DrSpec, name: string): Promise<string> {
  const repo = spec.repositories[name];
  if (!repo) throw new DrError("invalid", `the spec has no repository ${name}`);
  const path = repositoryPathOf(repo, name);
  let marker: { project?: string };
  try {
    marker = JSON.parse(await readFile(join(path, REPOSITORY_MARKER), "utf8")) as { project?: string };
  } catch {
    throw new DrError("invalid", `repository ${name} (${path}) is not set up`, {
      hint: "run `drctl apply` to create it",
    });
  }
  if (marker.project !== spec.project)
    throw new DrError(
      "invalid",
      `repository ${name} (${path}) belongs to project ${JSON.stringify(marker.project)}, not ${spec.project}`,
    );
  return path;
}
