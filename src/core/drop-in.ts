// The option-file drop-in drctl owns on a database host (`servers.<name>.configDropIn`): what it
// holds, and reading one back. drctl owns the whole file, marked by its first line; a file there
// that drctl did not write is never overwritten.

import { posix } from "node:path";
import type { DesiredVariable } from "./desired.js";
import { BINLOG_BASENAME } from "./desired.js";

const DROP_IN_HEADER = "# Managed by drctl";

/** An empty file (touched by a DBA for drctl, or by a config tool) may be adopted. */
export function isDrctlDropIn(text: string): boolean {
  return text.trim() === "" || text.startsWith(DROP_IN_HEADER);
}

/**
 * log-bin takes a basename (`log-bin = ON` would name the files ON.000001; no value would follow
 * the hostname): keep the server's own when binary logging is on (a new basename would
 * start a new binlog series, which archiving reads as a gap), else a fixed one in the datadir.
 */
export function logBinOptionValue(vars: Record<string, string>): string {
  const basename = vars.log_bin_basename;
  if (vars.log_bin !== "ON" || !basename) return BINLOG_BASENAME;
  const datadir = (vars.datadir ?? "").replace(/\/+$/, "");
  return datadir && posix.dirname(basename) === datadir ? posix.basename(basename) : basename;
}

export function renderDropIn(opts: {
  project: string;
  server: string;
  flavor: "mariadb" | "mysql";
  entries: [string, string][];
}): string {
  return [
    `${DROP_IN_HEADER} (project ${opts.project}, server ${opts.server}): \`drctl apply\` rewrites this file.`,
    "# Binary logging for backups and point-in-time recovery, as the DR spec asks.",
    opts.flavor === "mysql" ? "[mysqld]" : "[mariadbd]",
    ...opts.entries.map(([k, v]) => `${k} = ${v}`),
    "",
  ].join("\n");
}

/** Option → value as an option file sets them (dashes and underscores are the same; last wins). */
export function parseDropInOptions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";") || line.startsWith("[") || line.startsWith("!")) continue;
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim().replace(/_/g, "-").toLowerCase();
    out.set(
      key,
      eq < 0
        ? ""
        : line
            .slice(eq + 1)
            .trim()
            .replace(/^(["'])(.*)\1$/, "$2"),
    );
  }
  return out;
}

/** Whether the drop-in already sets a non-dynamic variable the way drctl wants (a restart is pending). */
export function dropInSets(options: Map<string, string>, v: DesiredVariable, wanted: string): boolean {
  const got = options.get(v.optionName);
  if (got === undefined) return false;
  if (v.name === "log_bin") return got !== "" && !/^(0|off)$/i.test(got);
  const truthy = (s: string) => (/^(1|on|true)$/i.test(s) ? "ON" : /^(0|off|false)$/i.test(s) ? "OFF" : s);
  return truthy(got) === truthy(wanted);
}
