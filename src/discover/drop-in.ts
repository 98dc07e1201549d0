// Reads a server's configDropIn where drctl runs: whether it is there, and what it holds.

import { readFile } from "node:fs/promises";
import type { ObservedDropIn } from "../core/observed.js";
import { messageOf } from "../errors.js";

export async function discoverDropIn(path: string): Promise<ObservedDropIn> {
  try {
    return { path, exists: true, text: await readFile(path, "utf8") };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { path, exists: false };
    return { path, exists: false, error: messageOf(e) };
  }
}
