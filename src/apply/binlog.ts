// Brings a server's binary logging to the spec: dynamic variables set live (SET GLOBAL on MariaDB,
// SET PERSIST on MySQL 8) and read back; every setting written to the configDropIn so a restart
// keeps it. Non-dynamic ones (log_bin, log_slave_updates) only reach the drop-in: drctl never
// restarts a server.

import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RowDataPacket } from "mysql2/promise";
import { writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { connectServer } from "../adapters/mysql/connect.js";
import type { DesiredBinlog } from "../core/desired.js";
import { isDrctlDropIn } from "../core/drop-in.js";
import type { ResourceChange } from "../core/plan.generated.js";
import { DrError, messageOf, must } from "../errors.js";
import type { Server } from "../spec/types.generated.js";

export interface BinlogApply {
  done: string[];
  /** Variables that wait for a restart. */
  restartRequired: string[];
}

export async function applyBinlog(opts: {
  serverName: string;
  server: Server;
  desired: DesiredBinlog;
  change: ResourceChange;
  flavor: "mariadb" | "mysql";
}): Promise<BinlogApply> {
  const { serverName, server, desired, change } = opts;
  const done: string[] = [];
  const restartRequired: string[] = [];
  const byName = new Map(desired.variables.map((v) => [v.name, v]));
  const live = change.attributes.filter((a) => byName.get(a.name)?.dynamic && a.after !== null);
  restartRequired.push(...change.attributes.filter((a) => a.restartRequired).map((a) => a.name));

  if (live.length) {
    const conn = await connectServer(server).catch((e) => {
      throw new DrError(
        "failed",
        `server ${serverName}: cannot connect to set ${live.map((a) => a.name).join(", ")}: ${messageOf(e)}`,
      );
    });
    try {
      const scope = opts.flavor === "mysql" ? "PERSIST" : "GLOBAL";
      for (const a of live) {
        // the name comes from drctl's own list, never from input; the value travels as a parameter
        const value: string | number = /^\d+$/.test(must(a.after)) ? Number(a.after) : must(a.after);
        try {
          await conn.query(`SET ${scope} ${a.name} = ?`, [value]);
        } catch (e) {
          throw new DrError(
            "failed",
            `server ${serverName}: SET ${scope} ${a.name} = ${a.after} failed: ${messageOf(e)}`,
            {
              hint: /denied|privilege/i.test(messageOf(e))
                ? "the account in the server's option file needs SUPER (MariaDB) or SYSTEM_VARIABLES_ADMIN " +
                  "(MySQL) to change global variables"
                : undefined,
            },
          );
        }
        done.push(`SET ${scope} ${a.name} = ${a.after}`);
      }
      const [rows] = await conn.query<RowDataPacket[]>("SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)", [
        live.map((a) => a.name),
      ]);
      const now = Object.fromEntries(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
      for (const a of live) {
        const v = must(byName.get(a.name));
        const ok = v.satisfied ? v.satisfied(now[a.name], now) : now[a.name] === a.after;
        if (!ok)
          throw new DrError(
            "failed",
            `server ${serverName}: ${a.name} reads ${now[a.name] ?? "(unset)"} after SET ${a.name} = ${a.after}`,
          );
      }
    } finally {
      await conn.end().catch(() => undefined);
    }
  }

  if (server.configDropIn && change.textAfter && change.textAfter !== change.textBefore) {
    await writeDropIn(serverName, server.configDropIn, change.textAfter);
    done.push(`wrote ${server.configDropIn}`);
  }
  return { done, restartRequired };
}

async function writeDropIn(serverName: string, path: string, text: string): Promise<void> {
  // checked again right before writing: a file a DBA put there since the plan is not ours
  const existing = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) =>
    e.code === "ENOENT" ? "" : Promise.reject(e),
  );
  if (!isDrctlDropIn(existing))
    throw new DrError("failed", `server ${serverName}: refusing to overwrite ${path}: drctl did not write it`);
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  // the server reads it; it holds no secret
  await writeFileAtomic(path, text, { mode: 0o644 });
}
