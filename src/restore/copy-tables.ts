// `restore --tables … --rename … --target SERVER`: the tables come back beside the live ones under
// new names, nothing on the server overwritten (MySQL Enterprise Backup's --rename). The sandbox
// restored to the point renames them first (harmless there), then each is dumped from the sandbox
// and loaded into the live server's database of the same name.

import type { RowDataPacket } from "mysql2/promise";
import { connectServer } from "../adapters/mysql/connect.js";
import { qualified } from "../adapters/mysql/sql.js";
import { runPipeline } from "../adapters/pipeline/stream.js";
import type { Sandbox } from "../adapters/sandbox/mariadb-sandbox.js";
import { clientConnectionArgs } from "../backup/methods.js";
import { DrError } from "../errors.js";
import type { Server } from "../spec/types.generated.js";

export interface TableCopy {
  database: string;
  table: string;
  /** The name it gets on the target (the same when not renamed). */
  as: string;
}

/**
 * "db.t1,db.t2" + "t1=t1_restored" → copies; a table named with a dot needs the db part first (split at the first dot).
 */
export function parseTableCopies(tables: string[], renames: string[]): TableCopy[] {
  const rename = new Map<string, string>();
  for (const r of renames) {
    const eq = r.indexOf("=");
    if (eq <= 0 || eq === r.length - 1) throw new DrError("invalid", `--rename ${JSON.stringify(r)}: expected OLD=NEW`);
    rename.set(r.slice(0, eq), r.slice(eq + 1));
  }
  const copies = tables.map((t) => {
    const dot = t.indexOf(".");
    if (dot <= 0 || dot === t.length - 1)
      throw new DrError("invalid", `--tables ${JSON.stringify(t)}: expected db.table`);
    const table = t.slice(dot + 1);
    return { database: t.slice(0, dot), table, as: rename.get(table) ?? table };
  });
  for (const old of rename.keys())
    if (!copies.some((c) => c.table === old))
      throw new DrError("invalid", `--rename ${old}=…: ${old} is not one of --tables`);
  return copies;
}

/**
 * The live server takes these names: none exists yet, each database does. Checked before any restore work, and again
 * just before the copy.
 */
export async function checkTargetNames(copies: TableCopy[], server: Server, serverName: string): Promise<void> {
  const live = await connectServer(server);
  try {
    for (const c of copies) {
      const [exists] = await live.query<RowDataPacket[]>(
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        [c.database, c.as],
      );
      if (exists.length)
        throw new DrError("invalid", `${serverName} already has ${c.database}.${c.as}: nothing is overwritten`, {
          hint: `choose another name with --rename ${c.table}=…`,
        });
      const [db] = await live.query<RowDataPacket[]>(
        "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        [c.database],
      );
      if (!db.length) throw new DrError("invalid", `${serverName} has no database ${c.database} to put ${c.as} in`);
    }
  } finally {
    await live.end();
  }
}

export async function copyTablesToServer(
  sandbox: Sandbox,
  copies: TableCopy[],
  server: Server,
  serverName: string,
): Promise<void> {
  await checkTargetNames(copies, server, serverName);
  const sb = await sandbox.connectRoot();
  try {
    for (const c of copies) {
      const [t] = await sb.query<RowDataPacket[]>(
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        [c.database, c.table],
      );
      if (!t.length) throw new DrError("invalid", `the restored point has no table ${c.database}.${c.table}`);
      if (c.as !== c.table)
        await sb.query(`RENAME TABLE ${qualified(c.database, c.table)} TO ${qualified(c.database, c.as)}`);
    }
  } finally {
    await sb.end();
  }
  for (const c of copies) {
    // dump from the sandbox (its own account, over its socket) straight into the live server's database
    await runPipeline(
      [
        {
          name: "mariadb-dump",
          command: "mariadb-dump",
          args: [
            `--defaults-extra-file=${sandbox.clientOptionFile}`,
            "--single-transaction",
            "--skip-add-drop-table",
            "--hex-blob",
            "--default-character-set=utf8mb4",
            "--skip-triggers",
            "--",
            c.database,
            c.as,
          ],
        },
        {
          name: "mariadb",
          command: "mariadb",
          args: [
            ...clientConnectionArgs(server),
            "--default-character-set=utf8mb4",
            "--batch",
            "--database",
            c.database,
          ],
        },
      ],
      async () => {},
    );
  }
}

/**
 * A whole dataset onto a live server: its databases as restored to the point in the sandbox,
 * dumped from there (routines, triggers, events included) and loaded into the server — replacing
 * the tables of the same names. The caller has had that confirmed.
 */
export async function copyDatabasesToServer(sandbox: Sandbox, databases: string[], server: Server): Promise<void> {
  await runPipeline(
    [
      {
        name: "mariadb-dump",
        command: "mariadb-dump",
        args: [
          `--defaults-extra-file=${sandbox.clientOptionFile}`,
          "--single-transaction",
          "--routines",
          "--triggers",
          "--events",
          "--hex-blob",
          "--default-character-set=utf8mb4",
          "--databases",
          "--",
          ...databases,
        ],
      },
      {
        name: "mariadb",
        command: "mariadb",
        args: [...clientConnectionArgs(server), "--default-character-set=utf8mb4", "--batch"],
      },
    ],
    async () => {},
  );
}

/**
 * `--tables` into the sandbox itself: it keeps only those tables of the dataset's databases (the
 * other tables and the views are dropped there), renamed as asked.
 */
export async function keepOnlyTables(sandbox: Sandbox, copies: TableCopy[], databases: string[]): Promise<void> {
  const conn = await sandbox.connectRoot();
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t, TABLE_TYPE AS k FROM information_schema.TABLES WHERE " +
        "TABLE_SCHEMA IN (?)",
      [databases],
    );
    for (const c of copies) {
      if (!rows.some((r) => r.d === c.database && r.t === c.table))
        throw new DrError("invalid", `the restored point has no table ${c.database}.${c.table}`);
    }
    for (const r of rows) {
      if (copies.some((c) => c.database === r.d && c.table === r.t)) continue;
      await conn.query(`DROP ${r.k === "VIEW" ? "VIEW" : "TABLE"} ${qualified(String(r.d), String(r.t))}`);
    }
    for (const c of copies)
      if (c.as !== c.table)
        await conn.query(`RENAME TABLE ${qualified(c.database, c.table)} TO ${qualified(c.database, c.as)}`);
  } finally {
    await conn.end();
  }
}
