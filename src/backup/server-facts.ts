// What a backup records about the server besides the payload (issue 5 §3): which tables the
// dataset holds, the reference figures a drill compares a restore against (taken inside one
// consistent snapshot whose binlog position is recorded), and what a rebuild needs — non-default
// variables, plugins, the definitions of views, routines, triggers and events, and the accounts
// they name as DEFINER. Read-only, over the dataset server's own option file.

import type { Connection, RowDataPacket } from "mysql2/promise";
import { qualified, quoteAccount, quoteIdent } from "../adapters/mysql/sql.js";
import type {
  BinlogPoint,
  RebuildFacts,
  ReferenceFigures,
  SchemaObject,
  TableName,
} from "../core/manifest.generated.js";
import { must } from "../errors.js";

async function rows(conn: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [r] = await conn.query<RowDataPacket[]>(sql, params);
  return r;
}

export interface DatasetScope {
  databases: string[];
  exclude?: string[];
  /** LIKE patterns per database ("db.t%" split at the first dot, or the object form). */
  tables?: { database: string; table: string }[];
}

export function scopeOf(ds: {
  databases: string[];
  exclude?: string[];
  tables?: (string | { database: string; table: string })[];
}): DatasetScope {
  const tables = ds.tables?.map((t) => {
    if (typeof t !== "string") return t;
    const dot = t.indexOf(".");
    return { database: t.slice(0, dot), table: t.slice(dot + 1) };
  });
  return {
    databases: ds.databases.filter((d) => !(ds.exclude ?? []).includes(d)),
    ...(ds.exclude ? { exclude: ds.exclude } : {}),
    ...(tables ? { tables } : {}),
  };
}

/** SQL LIKE (with \ escapes) as a RegExp, so table filters mean what they mean on the server. */
export function likeToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = must(pattern[i]);
    if (c === "\\" && i + 1 < pattern.length) re += must(pattern[++i]).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (c === "%") re += "[\\s\\S]*";
    else if (c === "_") re += "[\\s\\S]";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "iu");
}

export function inScope(scope: DatasetScope, t: TableName): boolean {
  if (!scope.databases.includes(t.database)) return false;
  if (!scope.tables) return true;
  return scope.tables.some((f) => f.database === t.database && likeToRegExp(f.table).test(t.table));
}

export interface CatalogTables {
  base: TableName[];
  views: TableName[];
  /** Tables and views of the dataset's databases that its `tables:` filter leaves out. */
  outOfScope: TableName[];
  /**
   * Tables the server has (mysql.innodb_table_stats) that this account cannot see; undefined when that cannot be read.
   */
  hidden?: TableName[];
}

const byName = (a: TableName, b: TableName) =>
  a.database === b.database ? (a.table < b.table ? -1 : a.table > b.table ? 1 : 0) : a.database < b.database ? -1 : 1;

export async function catalogTables(conn: Connection, scope: DatasetScope): Promise<CatalogTables> {
  const base: TableName[] = [];
  const views: TableName[] = [];
  const outOfScope: TableName[] = [];
  for (const r of await rows(
    conn,
    "SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t, TABLE_TYPE AS k FROM information_schema.TABLES WHERE " +
      "TABLE_SCHEMA IN (?)",
    [scope.databases],
  )) {
    const t = { database: String(r.d), table: String(r.t) };
    if (!inScope(scope, t)) {
      outOfScope.push(t);
      continue;
    }
    if (r.k === "VIEW") views.push(t);
    else if (r.k === "BASE TABLE" || r.k === "SYSTEM VERSIONED") base.push(t);
  }
  // information_schema shows only what the account may see; InnoDB's persistent statistics list
  // every table, so a table hidden from the backup account is found there (when readable)
  let hidden: TableName[] | undefined;
  try {
    const seen = new Set(base.map((t) => JSON.stringify([t.database, t.table])));
    hidden = (
      await rows(
        conn,
        "SELECT database_name AS d, table_name AS t FROM mysql.innodb_table_stats WHERE database_name IN (?)",
        [scope.databases],
      )
    )
      .map((r) => ({ database: String(r.d), table: String(r.t) }))
      .filter((t) => inScope(scope, t) && !t.table.startsWith("#") && !seen.has(JSON.stringify([t.database, t.table])));
  } catch {
    hidden = undefined;
  }
  return {
    base: base.sort(byName),
    views: views.sort(byName),
    outOfScope: outOfScope.sort(byName),
    ...(hidden ? { hidden: hidden.sort(byName) } : {}),
  };
}

/**
 * Row counts (and content checksums when asked) of every table, read inside ONE consistent
 * snapshot, with the binlog position of that snapshot — so they describe a known point whatever
 * method took the payload. The caller gives it its own connection (the transaction is left closed).
 */
export async function referenceFigures(
  conn: Connection,
  tables: TableName[],
  opts: { checksums: boolean; flavor: "mariadb" | "mysql" },
): Promise<ReferenceFigures> {
  await conn.query("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  await conn.query("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  try {
    let at: BinlogPoint = {};
    if (opts.flavor === "mariadb") {
      const st = Object.fromEntries(
        (await rows(conn, "SHOW STATUS LIKE 'binlog_snapshot_%'")).map((r) => [
          String(r.Variable_name),
          String(r.Value),
        ]),
      );
      const file = st.Binlog_snapshot_file;
      const position = Number(st.Binlog_snapshot_position ?? 0);
      if (file) {
        const [g] = await rows(conn, "SELECT BINLOG_GTID_POS(?, ?) AS g", [file, position]);
        at = {
          file,
          position,
          ...(g?.g ? { gtid: String(g.g) } : {}),
          source: "binlog_snapshot status of the reference snapshot",
        };
      }
    }
    const out: ReferenceFigures["tables"] = [];
    for (const t of tables) {
      const [c] = await rows(conn, `SELECT COUNT(*) AS n FROM ${qualified(t.database, t.table)}`);
      const entry: ReferenceFigures["tables"][number] = {
        database: t.database,
        table: t.table,
        rows: Number(must(c).n),
      };
      if (opts.checksums) entry.checksum = await contentChecksum(conn, t);
      out.push(entry);
    }
    return { at, tables: out };
  } finally {
    await conn.query("COMMIT");
  }
}

/** An order-independent checksum of a table's rows, computable inside a snapshot (CHECKSUM TABLE is not). */
export async function contentChecksum(conn: Connection, t: TableName): Promise<string> {
  const cols = await rows(
    conn,
    "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER " +
      "BY ORDINAL_POSITION",
    [t.database, t.table],
  );
  if (!cols.length) return "0";
  // each value hex-encoded with a NULL marker, so no two different rows can concatenate alike
  const parts = cols.map((r) => `COALESCE(HEX(${quoteIdent(String(r.c))}), 'N')`).join(", ");
  const [r] = await rows(
    conn,
    `SELECT COALESCE(BIT_XOR(CAST(CONV(SUBSTRING(SHA2(CONCAT_WS('|', ${parts}), 256), 1, 16), 16, 10) AS ` +
      `UNSIGNED)), 0) AS x FROM ${qualified(t.database, t.table)}`,
  );
  return String(must(r).x);
}

/** SHOW CREATE text made comparable across a restore: line endings and trailing blanks only. */
function normalizeDefinition(sql: string): string {
  return sql
    .replace(/\r\n/g, "\n")
    .replace(/[ \t]+$/gm, "")
    .trim();
}

export async function schemaObjects(conn: Connection, databases: string[]): Promise<SchemaObject[]> {
  const out: SchemaObject[] = [];
  const first = (r: RowDataPacket | undefined, col: string) => normalizeDefinition(String(r?.[col] ?? ""));
  for (const r of await rows(
    conn,
    "SELECT TABLE_SCHEMA AS d, TABLE_NAME AS n, DEFINER AS who FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN (?)",
    [databases],
  )) {
    const [c] = await rows(conn, `SHOW CREATE VIEW ${qualified(r.d, r.n)}`);
    out.push({ type: "view", database: r.d, name: r.n, definer: r.who, definition: first(c, "Create View") });
  }
  for (const r of await rows(
    conn,
    "SELECT ROUTINE_SCHEMA AS d, ROUTINE_NAME AS n, ROUTINE_TYPE AS k, DEFINER AS who FROM " +
      "information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN (?)",
    [databases],
  )) {
    const type = r.k === "FUNCTION" ? "function" : "procedure";
    const [c] = await rows(conn, `SHOW CREATE ${type.toUpperCase()} ${qualified(r.d, r.n)}`);
    out.push({
      type,
      database: r.d,
      name: r.n,
      definer: r.who,
      definition: first(c, type === "function" ? "Create Function" : "Create Procedure"),
    });
  }
  for (const r of await rows(
    conn,
    "SELECT TRIGGER_SCHEMA AS d, TRIGGER_NAME AS n, DEFINER AS who FROM information_schema.TRIGGERS WHERE " +
      "TRIGGER_SCHEMA IN (?)",
    [databases],
  )) {
    const [c] = await rows(conn, `SHOW CREATE TRIGGER ${qualified(r.d, r.n)}`);
    out.push({
      type: "trigger",
      database: r.d,
      name: r.n,
      definer: r.who,
      definition: first(c, "SQL Original Statement"),
    });
  }
  for (const r of await rows(
    conn,
    "SELECT EVENT_SCHEMA AS d, EVENT_NAME AS n, DEFINER AS who FROM information_schema.EVENTS WHERE " +
      "EVENT_SCHEMA IN (?)",
    [databases],
  )) {
    const [c] = await rows(conn, `SHOW CREATE EVENT ${qualified(r.d, r.n)}`);
    out.push({ type: "event", database: r.d, name: r.n, definer: r.who, definition: first(c, "Create Event") });
  }
  return out.sort((a, b) => (`${a.type}\0${a.database}\0${a.name}` < `${b.type}\0${b.database}\0${b.name}` ? -1 : 1));
}

/** user@host → [user, host]; DEFINER values split at the LAST @ (user names may hold @). */
export function splitDefiner(definer: string): [string, string] {
  const at = definer.lastIndexOf("@");
  return at < 0 ? [definer, "%"] : [definer.slice(0, at), definer.slice(at + 1)];
}

export interface AccountRecipe {
  user: string;
  host: string;
  /** CREATE USER and GRANT statements, as SHOW CREATE USER / SHOW GRANTS print them. */
  statements: string[];
}

/**
 * The DEFINER accounts the objects name, with the statements that recreate them, so views and
 * routines keep working where those accounts do not exist. A restore runs an account's statements
 * only when the target lacks it (an existing account's grants are never touched). Accounts the
 * backup user cannot read are listed in `missing`.
 */
async function definerAccounts(
  conn: Connection,
  objects: SchemaObject[],
): Promise<{ accounts: string[]; recipes: AccountRecipe[]; missing: string[] }> {
  const definers = [
    ...new Set(objects.map((o) => o.definer).filter((d): d is string => !!d && !/^CURRENT_USER/i.test(d))),
  ].sort();
  const recipes: AccountRecipe[] = [];
  const missing: string[] = [];
  for (const d of definers) {
    const [user, host] = splitDefiner(d);
    const who = quoteAccount(user, host);
    try {
      const [c] = await rows(conn, `SHOW CREATE USER ${who}`);
      const statements = [String(Object.values(c ?? {})[0] ?? "")];
      for (const g of await rows(conn, `SHOW GRANTS FOR ${who}`)) statements.push(String(Object.values(g)[0]));
      recipes.push({ user, host, statements });
    } catch {
      missing.push(d);
    }
  }
  return { accounts: definers, recipes, missing };
}

export async function rebuildFacts(
  conn: Connection,
  databases: string[],
  flavor: "mariadb" | "mysql",
): Promise<{ facts: RebuildFacts; accounts: AccountRecipe[]; missingAccounts: string[] }> {
  const variables: Record<string, string> = {};
  const varSql =
    flavor === "mariadb"
      ? "SELECT VARIABLE_NAME AS n, GLOBAL_VALUE AS v FROM information_schema.SYSTEM_VARIABLES WHERE " +
        "GLOBAL_VALUE_ORIGIN <> 'COMPILE-TIME' AND GLOBAL_VALUE IS NOT NULL"
      : "SELECT v.VARIABLE_NAME AS n, g.VARIABLE_VALUE AS v FROM performance_schema.variables_info v JOIN " +
        "performance_schema.global_variables g USING (VARIABLE_NAME) WHERE v.VARIABLE_SOURCE <> 'COMPILED'";
  for (const r of await rows(conn, varSql).catch(() => [] as RowDataPacket[]))
    variables[String(r.n).toLowerCase()] = String(r.v);
  const plugins = (
    await rows(
      conn,
      "SELECT PLUGIN_NAME AS n, PLUGIN_STATUS AS s, PLUGIN_TYPE AS t, PLUGIN_LIBRARY AS l FROM " +
        "information_schema.PLUGINS ORDER BY PLUGIN_NAME",
    )
  ).map((r) => ({
    name: String(r.n),
    status: String(r.s),
    type: String(r.t),
    ...(r.l ? { library: String(r.l) } : {}),
  }));
  const objects = await schemaObjects(conn, databases);
  const acc = await definerAccounts(conn, objects);
  return {
    facts: { variables: sortKeys(variables), plugins, objects, accounts: acc.accounts },
    accounts: acc.recipes,
    missingAccounts: acc.missing,
  };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}
