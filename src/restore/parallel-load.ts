// A dump set loaded over several connections into a throwaway server (issue 17 §3). The dump is one
// stream in table order, so parallelism comes from its INSERT lines: each goes to whichever loader
// (a connection, see Loader) has the least waiting, while every other line goes, in order, to one
// ordered `mariadb` client. Order is kept where it matters: rows go out only after the ordered client has run what
// came before them (the table exists), and a statement that may read or change loaded rows (a
// trigger, a routine, ENABLE KEYS, anything not known to be harmless — see dump-split.ts) runs only
// after every loader has loaded every row sent before it. The loaders replay the dump's header (its
// session: character set, time zone, SQL mode, FOREIGN_KEY_CHECKS=0), so each row loads as the
// serial load would load it.

import { spawn, type ChildProcess } from "node:child_process";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { connectServer } from "../adapters/mysql/connect.js";
import { DrError, must } from "../errors.js";
import { registerChild } from "../adapters/process/interrupt.js";
import { runPipeline, type Stage } from "../adapters/pipeline/stream.js";
import { DumpShapeError, DumpSplitter, type DumpItem } from "./dump-split.js";
import { quoteIdent } from "../adapters/mysql/sql.js";

/** The mariadb client's arguments for loading a dump into the server of `clientOptionFile`. */
export function loadClientArgs(clientOptionFile: string, binlog: boolean): string[] {
  return [
    `--defaults-extra-file=${clientOptionFile}`,
    "--default-character-set=utf8mb4",
    "--batch",
    ...(binlog ? [] : ["--init-command=SET SESSION sql_log_bin = 0"]),
  ];
}

/** Above this much waiting in a client's pipe, the reader waits for it to drain. */
const HIGH_WATER = 8 << 20;

interface Client {
  name: string;
  child: ChildProcess;
  /** Resolves when the client exits 0, rejects with its stderr otherwise. */
  exited: Promise<void>;
  stdout: string;
  stderr: string;
  /** Bytes written since the last sync (the ordered client: whether a sync is needed before rows). */
  unsynced: number;
}

let markers = 0;

/**
 * The client's ERROR line(s) without "at line N" (a line of this client's input, not of the dump);
 * the statement it echoes before them can be a megabyte of rows.
 */
function serverError(stderr: string): string {
  const errors = stderr.match(/^ERROR .*$/gm);
  return errors ? errors.map((e) => e.replace(/ at line \d+(?=:)/, "")).join("; ") : stderr.trim().slice(-2000);
}

function startClient(name: string, clientArgs: string[]): Client {
  const child = spawn("mariadb", [...clientArgs, "--skip-column-names", "--unbuffered"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  registerChild(child);
  const c: Client = { name, child, exited: Promise.resolve(), stdout: "", stderr: "", unsynced: 0 };
  must(child.stdout).on("data", (d: Buffer) => {
    c.stdout = (c.stdout + d.toString("utf8")).slice(-4096);
    c.child.emit("drctl-out");
  });
  must(child.stderr).on("data", (d: Buffer) => (c.stderr = (c.stderr + d.toString("utf8")).slice(-8192)));
  must(child.stdin).on("error", () => {}); // a client that died says why through its exit and stderr
  c.exited = new Promise((resolve, reject) => {
    child.once("error", (e) => reject(new DrError("failed", `${name} could not start: ${e.message}`)));
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new DrError(
            "failed",
            `${name} (mariadb) ${signal ? `was killed by ${signal}` : `exited ${code}`}: ${serverError(c.stderr)}`,
            { meta: { stage: name } },
          ),
        );
    });
  });
  c.exited.catch(() => {});
  return c;
}

async function write(c: Client, data: Buffer | Buffer[] | string): Promise<void> {
  const stdin = must(c.child.stdin);
  const chunks = Array.isArray(data) ? data : [data];
  let ok = true;
  for (const d of chunks) ok = stdin.write(d);
  c.unsynced += chunks.reduce((n, d) => n + (typeof d === "string" ? Buffer.byteLength(d) : d.length), 0);
  if (!ok && stdin.writableLength > HIGH_WATER) await drained(c);
}

function drained(c: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    const stdin = must(c.child.stdin);
    const done = () => {
      stdin.off("drain", done);
      resolve();
    };
    stdin.once("drain", done);
    c.exited.then(() => reject(new DrError("failed", `${c.name} exited while rows were still being sent`)), reject);
  });
}

/** Everything sent to `c` so far has run: a marker it echoes back comes after it. */
async function sync(c: Client): Promise<void> {
  const token = `drctl-sync-${process.pid}-${++markers}`;
  await write(c, `SELECT '${token}';\n`);
  await new Promise<void>((resolve, reject) => {
    const seen = () => {
      if (!c.stdout.includes(token)) return;
      c.child.off("drctl-out", seen);
      resolve();
    };
    c.child.on("drctl-out", seen);
    c.exited.then(() => reject(new DrError("failed", `${c.name} exited before it had run everything sent`)), reject);
    seen();
  });
  c.unsynced = 0;
}

/**
 * A loader: one connection that sends each INSERT's bytes as they are (charset BINARY, latin1
 * strings: no re-encoding; the dump's header sets the session's real character set). Not the
 * mariadb client: it reads every byte looking for delimiters, ~6 s of CPU per GB on these machines —
 * more than the server's own work when the cores are shared.
 */
interface Loader {
  name: string;
  conn: Connection;
  db?: string;
  /** Bytes sent and not yet answered. */
  queued: number;
  /** Settles when everything sent has been answered. */
  idle: Promise<void>;
}

/**
 * The driver follows the session's character set (the header's SET NAMES) and would then encode our
 * latin1 strings as UTF-8, doubling every non-ASCII byte: it is told to send bytes as they are again,
 * and a round trip proves it does before a row goes out.
 */
async function keepVerbatim(conn: Connection): Promise<void> {
  (conn as unknown as { connection: { config: { charsetNumber: number } } }).connection.config.charsetNumber = 63;
  const probe = Buffer.from("SELECT HEX('\u00fc\u{1f600}') AS h", "utf8").toString("latin1");
  const [rows] = await conn.query<RowDataPacket[]>(probe);
  const hex = Buffer.isBuffer(rows[0]?.h) ? rows[0].h.toString("latin1") : String(rows[0]?.h);
  if (hex !== "C3BCF09F9880")
    throw new DumpShapeError(`the loaders' connections do not pass bytes unchanged (HEX said ${hex})`);
}

/** "ERROR 1062 (23000): Duplicate entry …", as the mariadb client says it. */
function sqlError(e: unknown): string {
  const m = e as { errno?: number; sqlState?: string; message?: string };
  return m.errno ? `ERROR ${m.errno} (${m.sqlState}): ${m.message}` : String(m.message ?? e);
}

export interface ParallelLoadOptions {
  /** The stages that turn the stored dump back into SQL (age → zstd). */
  decode: Stage[];
  /** The target's client option file (the ordered client's and the loaders' connections). */
  clientOptionFile: string;
  /** false: the load stays out of the target's binlog. */
  binlog: boolean;
  loaders: number;
  onRead?: (bytes: number) => void;
}

/**
 * Loads the dump. Rejects with DumpShapeError (nothing was understood wrongly, but the dump's shape is
 * not one this path knows) or a DrError naming the client, loader or decoding stage that failed.
 */
export async function loadDumpInParallel(opts: ParallelLoadOptions): Promise<void> {
  const splitter = new DumpSplitter();
  const ordered = startClient("ordered client", loadClientArgs(opts.clientOptionFile, opts.binlog));
  const loaders: Loader[] = [];
  const header: Buffer[] = [];
  // any client that fails stops the whole load (the others are stopped; the failure is the error)
  let failure: unknown;
  // the reader waits for this when every loader has enough waiting: any answer wakes it
  let wake: (() => void) | undefined;
  const answered = () => new Promise<void>((resolve) => (wake = resolve));
  ordered.exited.catch((e: unknown) => {
    failure ??= e;
    wake?.();
  });
  const send = (l: Loader, sql: string, bytes: number) => {
    l.queued += bytes;
    const done = l.conn.query(sql).then(
      () => {
        l.queued -= bytes;
        wake?.();
      },
      (e: unknown) => {
        failure ??= new DrError("failed", `${l.name} failed: ${sqlError(e)}`, { meta: { stage: l.name } });
        wake?.();
        throw failure;
      },
    );
    l.idle = Promise.all([l.idle, done]).then(() => {});
    l.idle.catch(() => {});
    return done;
  };
  const barrier = async () => {
    await Promise.all(loaders.map((l) => l.idle));
  };
  const openLoaders = async () => {
    const session = Buffer.concat(header).toString("latin1");
    for (let i = 1; i <= opts.loaders; i++) {
      const conn = await connectServer({ credentials: opts.clientOptionFile }, { verbatim: true });
      const l: Loader = { name: `loader ${i}`, conn, queued: 0, idle: Promise.resolve() };
      loaders.push(l);
      if (!opts.binlog) await send(l, "SET SESSION sql_log_bin = 0", 0);
      if (session.trim() !== "") await send(l, session, 0);
      await keepVerbatim(conn);
    }
  };
  const handle = async (items: DumpItem[]) => {
    for (const item of items) {
      if (failure) throw failure;
      if (item.kind === "line") {
        if (item.header) header.push(Buffer.concat(item.parts, item.bytes));
        if (item.barrier) await barrier();
        await write(ordered, item.parts);
        continue;
      }
      if (ordered.unsynced) await sync(ordered); // the table these rows go into exists
      if (!loaders.length) await openLoaders();
      let l = loaders.reduce((a, b) => (a.queued <= b.queued ? a : b));
      // every loader has enough waiting: wait for the least busy to take some
      while (l.queued > HIGH_WATER) {
        await answered();
        if (failure) throw failure;
        l = loaders.reduce((a, b) => (a.queued <= b.queued ? a : b));
      }
      if (l.db !== item.db) {
        void send(l, Buffer.from(`USE ${quoteIdent(item.db)}`, "utf8").toString("latin1"), 0).catch(() => {});
        l.db = item.db;
      }
      void send(l, Buffer.concat(item.parts, item.bytes).toString("latin1"), item.bytes).catch(() => {});
    }
  };
  try {
    await runPipeline(opts.decode, async (chunk) => handle(splitter.push(chunk)), {
      ...(opts.onRead ? { onRead: opts.onRead } : {}),
    });
    await handle(splitter.end());
    await barrier();
    must(ordered.child.stdin).end();
    await ordered.exited;
    if (failure) throw failure;
  } catch (e) {
    ordered.child.kill("SIGTERM");
    await ordered.exited.catch(() => {});
    if (e instanceof DumpShapeError) throw e;
    throw failure ?? e;
  } finally {
    for (const l of loaders) l.conn.destroy();
  }
}
