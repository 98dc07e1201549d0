// Files that ship with drctl (its schemas, the precompiled spec checker, the executable itself), found
// from the package's root rather than from the calling module: the CLI runs as a bundle whose chunks
// sit at another depth than the modules tsc emits (scripts/bundle.mjs), and both must find them.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The directory holding drctl's package.json (the nearest one above this module). */
function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`drctl's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  root = dir;
  return dir;
}

/** A file of the installed package, by its path from the package root ("schemas/plan.schema.json"). */
export function packageFile(path: string): string {
  return join(packageRoot(), path);
}
