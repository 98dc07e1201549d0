// Where a dataset's backups are taken: its `backupFrom` replica (a name, or { server, maxLag,
// fallback }), else its own server. Pure.

import type { Dataset } from "../spec/types.generated.js";
import { parseDuration } from "./duration.js";

/** The replica named by `backupFrom`, in either form; undefined when backups run on the dataset's server. */
export function backupReplica(ds: Pick<Dataset, "backupFrom">): string | undefined {
  const from = ds.backupFrom;
  return typeof from === "string" ? from : from?.server;
}

/** The server a backup of the dataset connects to when nothing gates it. */
export function backupServer(ds: Pick<Dataset, "backupFrom" | "server">): string {
  return backupReplica(ds) ?? ds.server;
}

/** The lag gate of `backupFrom`'s long form: the most lag a backup accepts, and what it does above it. */
export function lagGate(
  ds: Pick<Dataset, "backupFrom">,
): { maxLagSeconds: number; fallback: "source" | "fail" } | undefined {
  const from = ds.backupFrom;
  if (typeof from !== "object" || from.maxLag === undefined) return undefined;
  return { maxLagSeconds: parseDuration(from.maxLag) ?? 0, fallback: from.fallback ?? "fail" };
}
