// `restore … --target SOURCE --reseed-replicas` (issue 16 §5; MySQL HA ch. 15, "restoring after an
// error is replicated"): once the source holds the restored databases, each of its replicas is
// rebuilt from a fresh dump of them, and replication goes on from exactly the dump's GTID. Nothing
// is skipped: the replica first applies everything up to that GTID (START SLAVE UNTIL), so its other
// databases stay whole; then the dataset's databases are replaced (outside its binlog — they are
// the source's transactions, not its own); then replication restarts and the tables are compared
// (CHECKSUM TABLE) with the source's. Every step is said as it happens; a failure stops with what
// was done and what is left. No CHANGE MASTER runs: the replica keeps its source and account.

import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { addressOf, connectServer } from "../adapters/mysql/connect.js";
import { qualified } from "../adapters/mysql/sql.js";
import { fileProducer, runPipeline } from "../adapters/pipeline/stream.js";
import { describeExit, runTool } from "../adapters/process/run.js";
import { clientConnectionArgs, dumpArgs } from "../backup/methods.js";
import { DrError, messageOf, must } from "../errors.js";
import type { DrSpec, Server } from "../spec/types.generated.js";

export interface ReseededReplica {
  server: string;
  /** The source's GTID position the replica was rebuilt at and replicates on from. */
  gtid: string;
  /** Tables compared with the source after the restart (all equal, or the reseed failed). */
  tablesCompared: number;
  steps: string[];
}

async function rows(conn: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [r] = await conn.query<RowDataPacket[]>(sql, params);
  return r;
}

async function onServer<T>(spec: DrSpec, name: string, work: (c: Connection) => Promise<T>): Promise<T> {
  const server = must(spec.servers[name]);
  let conn: Connection;
  try {
    conn = await connectServer(server);
  } catch (e) {
    throw new DrError("failed", `cannot connect to ${name} (${addressOf(server)}): ${messageOf(e)}`);
  }
  try {
    return await work(conn);
  } finally {
    await conn.end().catch(() => {});
  }
}

/**
 * Before anything is written: the source logs binlogs (the replicas must get the restore), each
 * replica is reachable, its replication not stopped on an error, and by GTID (the restart position
 * is a GTID). Refused otherwise.
 */
export async function checkReseed(spec: DrSpec, target: string, replicas: string[]): Promise<void> {
  if (!replicas.length)
    throw new DrError("invalid", `--reseed-replicas: no server of the spec replicates from ${target} (replicaOf)`);
  await onServer(spec, target, async (c) => {
    const [v] = await rows(c, "SELECT @@GLOBAL.log_bin AS b");
    if (Number(v?.b) !== 1)
      throw new DrError("invalid", `--reseed-replicas: ${target} does not log binlogs: its replicas cannot follow it`);
  });
  for (const name of replicas)
    await onServer(spec, name, async (c) => {
      const [st] = await rows(c, "SHOW SLAVE STATUS");
      if (!st) throw new DrError("invalid", `--reseed-replicas: ${name} is not a replica (SHOW SLAVE STATUS is empty)`);
      const err = String(st.Last_SQL_Error || st.Last_IO_Error || "");
      // a replica stopped on an error would stop the rebuild half-way: refused before the source is touched
      if (err)
        throw new DrError("invalid", `--reseed-replicas: ${name}'s replication stopped on an error: ${err}`, {
          hint: `fix ${name}'s replication first (or rebuild it whole from a full backup); nothing was written`,
        });
      if (String(st.Using_Gtid) === "No")
        throw new DrError(
          "invalid",
          `--reseed-replicas: ${name} replicates by file and position, not GTID: drctl restarts replicas at a GTID`,
          { hint: `on ${name}: CHANGE MASTER TO MASTER_USE_GTID = slave_pos` },
        );
    });
}

/** The GTID the dump's snapshot stands at, from its head (`-- SET GLOBAL gtid_slave_pos='…';`). */
function dumpGtid(head: string): string | undefined {
  return /^-- SET GLOBAL gtid_slave_pos='([^']*)';$/m.exec(head)?.[1];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until the replica has applied `gtid` (its SQL thread stopping on an error ends the wait with it). */
async function untilApplied(c: Connection, name: string, gtid: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [w] = await rows(c, "SELECT MASTER_GTID_WAIT(?, 1) AS r", [gtid]);
    if (Number(w?.r) === 0) return;
    const [st] = await rows(c, "SHOW SLAVE STATUS");
    const err = String(st?.Last_SQL_Error || st?.Last_IO_Error || "");
    if (err || (st?.Slave_SQL_Running === "No" && st?.Slave_IO_Running === "No"))
      throw new Error(`${name} stopped before GTID ${gtid}: ${err || "replication is not running"}`);
    if (Date.now() > deadline) throw new Error(`${name} did not reach GTID ${gtid} within ${timeoutMs / 1000} s`);
  }
}

async function bothThreadsRun(c: Connection, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [st] = await rows(c, "SHOW SLAVE STATUS");
    if (st?.Slave_IO_Running === "Yes" && st.Slave_SQL_Running === "Yes") return;
    const err = String(st?.Last_SQL_Error || st?.Last_IO_Error || "");
    if (err || Date.now() > deadline)
      throw new Error(
        `${name}: replication does not run (IO ${st?.Slave_IO_Running}, SQL ${st?.Slave_SQL_Running})` +
          (err ? `: ${err}` : ""),
      );
    await sleep(200);
  }
}

/** CHECKSUM TABLE of every base table of the databases, by "db.table". */
async function checksums(c: Connection, databases: string[]): Promise<Map<string, string>> {
  const tables = await rows(
    c,
    "SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) " +
      "AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1, 2",
    [databases],
  );
  const out = new Map<string, string>();
  for (const t of tables) {
    const [sum] = await rows(c, `CHECKSUM TABLE ${qualified(String(t.d), String(t.t))}`);
    out.set(`${String(t.d)}.${String(t.t)}`, String(sum?.Checksum));
  }
  return out;
}

function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((n) => a.get(n) !== b.get(n));
}

export async function reseedReplicas(o: {
  spec: DrSpec;
  target: string;
  replicas: string[];
  databases: string[];
  scratch: string;
  say: (line: string) => void;
  /** How long a replica may take to apply what it lacks (default 10 min). */
  catchUpMs?: number;
}): Promise<ReseededReplica[]> {
  const { spec, target, say } = o;
  const source = must(spec.servers[target]);
  const done: ReseededReplica[] = [];
  await mkdir(o.scratch, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(o.scratch, "reseed-"));
  const dump = join(dir, "dump.sql");
  let current = "";
  const steps: string[] = [];
  const step = (server: string, line: string) => {
    steps.push(line);
    say(`${server}: ${line}`);
  };
  try {
    current = `dump ${o.databases.join(", ")} from ${target}`;
    const args = dumpArgs(source, "mariadb", o.databases, { binlog: true });
    // the replica's copy of the dataset is replaced whole: tables the source no longer has go too
    args.splice(args.indexOf("--databases"), 0, "--add-drop-database", `--result-file=${dump}`);
    const r = await runTool("mariadb-dump", args);
    if (r.exitCode !== 0)
      throw new Error(`mariadb-dump ${describeExit(r)}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
    const fh = await open(dump, "r");
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    await fh.close();
    const gtid = dumpGtid(head.subarray(0, bytesRead).toString("utf8"));
    if (gtid === undefined) throw new Error("the dump's head has no gtid_slave_pos: no position to restart at");
    say(`dumped ${o.databases.join(", ")} from ${target} at GTID ${gtid}`);

    for (const name of o.replicas) {
      steps.length = 0;
      const server: Server = must(spec.servers[name]);
      await onServer(spec, name, async (c) => {
        current = `${name}: apply the source's transactions up to GTID ${gtid}`;
        await c.query("STOP SLAVE");
        await c.query("START SLAVE UNTIL master_gtid_pos = ?", [gtid]);
        await untilApplied(c, name, gtid, o.catchUpMs ?? 600_000);
        await c.query("STOP SLAVE");
        step(name, `applied everything up to GTID ${gtid}; replication stopped there`);

        current = `${name}: replace ${o.databases.join(", ")} with the dump (outside its binlog)`;
        await runPipeline(
          [
            fileProducer(dump),
            {
              name: "mariadb",
              command: "mariadb",
              // the source's transactions, not the replica's own: never in its binlog (no errant GTIDs)
              args: [...clientConnectionArgs(server), "--init-command=SET SESSION sql_log_bin = 0", "--batch"],
            },
          ],
          async () => {},
        );
        step(name, `replaced ${o.databases.join(", ")} with the source's at GTID ${gtid}`);

        current = `${name}: restart replication from GTID ${gtid}`;
        await c.query("START SLAVE");
        await bothThreadsRun(c, name, 30_000);
        step(name, "replication runs (IO and SQL threads)");

        current = `${name}: compare the tables with ${target}`;
        let diff: string[] = [];
        let compared = 0;
        // writes on the source between the two reads make sums differ for a moment: read again once
        for (let attempt = 0; attempt < 2; attempt++) {
          const pos = await onServer(spec, target, async (s) =>
            String((await rows(s, "SELECT @@gtid_binlog_pos AS p"))[0]?.p),
          );
          await untilApplied(c, name, pos, o.catchUpMs ?? 600_000);
          const mine = await checksums(c, o.databases);
          const theirs = await onServer(spec, target, (s) => checksums(s, o.databases));
          compared = theirs.size;
          diff = differences(mine, theirs);
          if (!diff.length) break;
        }
        if (diff.length) throw new Error(`${name} differs from ${target} in ${diff.join(", ")} (CHECKSUM TABLE)`);
        step(name, `${compared} table(s) equal to ${target}'s (CHECKSUM TABLE)`);
        done.push({ server: name, gtid, tablesCompared: compared, steps: [...steps] });
      });
    }
    return done;
  } catch (e) {
    const left = o.replicas.filter((n) => !done.some((d) => d.server === n));
    throw new DrError(
      "failed",
      `reseeding the replicas of ${target} stopped at "${current}": ${messageOf(e)}. ` +
        `Done: ${done.length ? done.map((d) => d.server).join(", ") : "none"}` +
        (steps.length ? ` (then ${steps.join("; ")})` : "") +
        `. Left: ${left.join(", ")}`,
      {
        hint:
          `${target} already holds the restored databases; fix the cause and rebuild what is left ` +
          "(see the runbook's replicated-error scenario)",
        meta: { reseeded: done },
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
