// Throwaway MariaDB servers: a fresh datadir in a 0700 temp dir, a free loopback port, its own
// socket and pid file, started as a plain `mariadbd` (no systemd) and always torn down — process
// and files. Tests, `drctl sandbox`, restores and drills all start servers through here.

import { randomBytes, randomInt } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { describeExit, runTool } from "../process/run.js";
import type mysql from "mysql2/promise";
import { mysqlDriver } from "../mysql/connect.js";
import { DrError, must } from "../../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { quoteOptionValue } from "../mysql/option-file.js";

export interface SandboxOptions {
  /** Turn on binary logging (ROW format) with a binlog basename inside the datadir. */
  binlog?: boolean;
  /** Fixed TCP port; default: a free loopback port picked at start. */
  port?: number;
  serverId?: number;
  /** Option files read after drctl's own settings (so they win), e.g. a drctl config drop-in. */
  extraOptionFiles?: string[];
  /** Extra raw `name=value` lines for the [mariadbd] group. */
  serverOptions?: string[];
  /** Parent directory for the sandbox's temp dir (default: the OS temp dir). */
  baseDir?: string;
  /** Leave the server running when this process exits (`drctl sandbox up`). */
  persistent?: boolean;
  /** Harmless mode for restored images (DESIGN §5): socket only, no replication or events start. */
  harmless?: boolean;
  startTimeoutMs?: number;
  /**
   * Fill the datadir from a restored image (e.g. mariadb-backup --move-back) instead of a fresh
   * one. The image carries production's accounts, whose passwords drctl does not know: an
   * init-file gives the throwaway copy its own socket-only admin account (--skip-grant-tables
   * would hide events and disable definer checks, so verification could not see them). Use
   * with `harmless`.
   */
  populate?: (datadir: string) => Promise<void>;
}

export interface SandboxInfo {
  dir: string;
  datadir: string;
  socket: string;
  host: string;
  port: number;
  pid: number;
  serverId: number;
  binlog: boolean;
  /** [client] option file (0600) for the `drctl` account over TCP: the file a spec's `credentials` points at. */
  clientOptionFile: string;
  /** The generated server option file. */
  serverOptionFile: string;
  errorLog: string;
  version: string;
}

export interface Sandbox extends SandboxInfo {
  stop(): Promise<void>;
  /** Stop and start again on the same datadir and port (e.g. after a drop-in changed). */
  restart(): Promise<void>;
  /** A root connection over the socket (caller closes it). */
  connectRoot(): Promise<mysql.Connection>;
}

const MARIADBD = ["/usr/sbin/mariadbd", "/usr/libexec/mariadbd", "/usr/bin/mariadbd"];
const live = new Map<string, { pid: number; dir: string }>();
let exitHookInstalled = false;

/** Kill what is still running if the process exits without tearing its sandboxes down. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanup = () => {
    for (const { pid, dir } of live.values()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    }
    live.clear();
  };
  process.on("exit", cleanup);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      cleanup();
      process.kill(process.pid, sig);
    });
  }
}

export function findMariadbd(): string {
  const found = MARIADBD.find((p) => existsSync(p));
  if (!found) {
    throw new DrError("failed", "mariadbd not found", {
      hint: "install Debian's mariadb-server (npm test and npm run demo do this for you)",
    });
  }
  return found;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function serverVersion(bin: string): Promise<string> {
  const { stdout } = await runTool(bin, ["--version"]);
  return /Ver\s+(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
}

/**
 * A freshly initialised datadir is the same every time: make it once per server version and copy
 * it (1.5 s of mariadb-install-db becomes a 0.1 s copy per sandbox).
 */
async function templateDatadir(version: string): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const template = join(tmpdir(), `drctl-mariadb-template-${version.replace(/[^A-Za-z0-9.-]/g, "_")}-${uid}`);
  if (existsSync(join(template, "mysql", "user.frm")) || existsSync(join(template, "mysql", "global_priv.frm")))
    return template;
  const work = await mkdtemp(join(tmpdir(), "drctl-template-"));
  const data = join(work, "data");
  try {
    const r = await runTool("mariadb-install-db", [
      "--no-defaults",
      `--datadir=${data}`,
      `--user=${userInfo().username}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ]);
    if (r.exitCode !== 0) throw new DrError("failed", `mariadb-install-db ${describeExit(r)}: ${tail(r.all, 15)}`);
    try {
      await rename(data, template);
    } catch {
      // another process published the template first: use theirs
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return template;
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function serverConfig(
  info: {
    datadir: string;
    socket: string;
    port: number;
    pidFile: string;
    errorLog: string;
    serverId: number;
    initFile: string;
    tmpDir: string;
  },
  opts: SandboxOptions,
): string {
  const lines = [
    "# generated by drctl for a throwaway server",
    "[mariadbd]",
    `datadir=${quoteOptionValue(info.datadir)}`,
    `socket=${quoteOptionValue(info.socket)}`,
    `pid-file=${quoteOptionValue(info.pidFile)}`,
    `log-error=${quoteOptionValue(info.errorLog)}`,
    // its own temp dir: a shared /tmp is swept by other programs (and tests), which breaks large INSERT … SELECTs
    `tmpdir=${quoteOptionValue(info.tmpDir)}`,
    `user=${userInfo().username}`,
    `server-id=${info.serverId}`,
    "character-set-server=utf8mb4",
    "collation-server=utf8mb4_general_ci",
    "skip-name-resolve",
    "innodb-buffer-pool-size=128M",
  ];
  if (opts.populate) lines.push(`init-file=${quoteOptionValue(info.initFile)}`);
  if (opts.harmless) {
    lines.push("skip-networking", "skip-slave-start", "event-scheduler=OFF");
  } else {
    lines.push(`port=${info.port}`, "bind-address=127.0.0.1");
  }
  if (opts.binlog) lines.push("log-bin=mariadb-bin", "binlog-format=ROW", "sync-binlog=1");
  lines.push(...(opts.serverOptions ?? []));
  for (const extra of opts.extraOptionFiles ?? []) lines.push(`!include ${extra}`);
  return `${lines.join("\n")}\n`;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const bin = findMariadbd();
  const version = await serverVersion(bin);
  for (const extra of opts.extraOptionFiles ?? []) {
    if (!extra.startsWith("/")) throw new DrError("invalid", `extra option file must be an absolute path: ${extra}`);
    await stat(extra).catch(() => {
      throw new DrError("invalid", `extra option file ${extra} does not exist`);
    });
  }
  const template = await templateDatadir(version);
  const base = opts.baseDir ?? tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, "drctl-sandbox-")); // mkdtemp makes it 0700
  const serverId = opts.serverId ?? randomInt(1000, 2 ** 31);
  const datadir = join(dir, "data");
  const socket = join(dir, "mariadbd.sock");
  const pidFile = join(dir, "mariadbd.pid");
  const errorLog = join(dir, "error.log");
  const serverOptionFile = join(dir, "my.cnf");
  const clientOptionFile = join(dir, "client.cnf");
  const initFile = join(dir, "init.sql");
  const tmpDir = join(dir, "tmp");
  // a restored image gets its own admin account (see `populate`); a fresh datadir has a passwordless root
  const admin = opts.populate
    ? { user: "drctl_sandbox", password: randomBytes(18).toString("base64url") }
    : { user: "root" };
  let pid = 0;
  let port = 0;
  // one way to start this sandbox's mariadbd, for the first start and for restart()
  const launchHere = () =>
    launch(
      bin,
      serverOptionFile,
      socket,
      errorLog,
      opts.startTimeoutMs ?? 60_000,
      (p) => {
        if (!persistent) live.set(dir, { pid: p, dir });
      },
      admin,
    );
  const persistent = opts.persistent === true;
  if (!persistent) installExitHook();
  try {
    await mkdir(tmpDir, { mode: 0o700 });
    if (opts.populate) {
      // the driver the start-up check connects with loads while populate's tools run, not after them
      mysqlDriver().catch(() => {});
      await opts.populate(datadir);
      const lit = (v: string) => `'${v.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
      const init = [
        "SET SESSION sql_log_bin = 0;",
        `CREATE OR REPLACE USER ${lit(admin.user)}@'localhost' IDENTIFIED BY ${lit(must(admin.password))};`,
        `GRANT ALL PRIVILEGES ON *.* TO ${lit(admin.user)}@'localhost' WITH GRANT OPTION;`,
      ];
      await writeFileAtomic(initFile, `${init.join("\n")}\n`, { mode: 0o600 });
    } else await cp(template, datadir, { recursive: true });
    // a port picked now can be taken before mariadbd binds it: try a few
    for (let attempt = 1; ; attempt++) {
      port = opts.port ?? (opts.harmless ? 0 : await freePort());
      await writeFileAtomic(
        serverOptionFile,
        serverConfig({ datadir, socket, port, pidFile, errorLog, serverId, initFile, tmpDir }, opts),
        { mode: 0o600 },
      );
      try {
        pid = await launchHere();
        break;
      } catch (e) {
        live.delete(dir);
        const log = existsSync(errorLog) ? readFileSync(errorLog, "utf8") : "";
        if (attempt < 3 && opts.port === undefined && /Address already in use|Can't start server: Bind/.test(log))
          continue;
        throw e;
      }
    }
    let client: string;
    if (opts.populate) {
      client = [
        "# drctl restored-image sandbox: its own admin account over the socket; this file holds a password: " +
          "keep it 0600",
        "[client]",
        `user=${admin.user}`,
        `password=${must(admin.password)}`,
        `socket=${quoteOptionValue(socket)}`,
      ].join("\n");
    } else {
      const password = randomBytes(18).toString("base64url");
      await setUpAccounts(socket, password);
      client = [
        "# drctl sandbox account; this file holds a password: keep it 0600",
        "[client]",
        "user=drctl",
        `password=${password}`,
        ...(opts.harmless ? [`socket=${quoteOptionValue(socket)}`] : ["host=127.0.0.1", `port=${port}`]),
      ].join("\n");
    }
    await writeFileAtomic(clientOptionFile, `${client}\n`, { mode: 0o600 });
  } catch (e) {
    if (pid) await killAndWait(pid, dir);
    live.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const info: SandboxInfo = {
    dir,
    datadir,
    socket,
    host: "127.0.0.1",
    port,
    pid,
    serverId,
    binlog: opts.binlog === true,
    clientOptionFile,
    serverOptionFile,
    errorLog,
    version,
  };
  await writeFileAtomic(join(dir, "sandbox.json"), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  const sandbox: Sandbox = {
    ...info,
    async stop() {
      live.delete(dir);
      await stopServer(sandbox.pid, dir);
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopServer(sandbox.pid, dir);
      live.delete(dir);
      sandbox.pid = await launchHere();
      await writeFileAtomic(join(dir, "sandbox.json"), `${JSON.stringify({ ...info, pid: sandbox.pid }, null, 2)}\n`, {
        mode: 0o600,
      });
    },
    connectRoot: async () =>
      (await mysqlDriver()).createConnection({
        socketPath: socket,
        ...admin,
        multipleStatements: true,
        charset: "utf8mb4_general_ci",
      }),
  };
  return sandbox;
}

/** Start mariadbd and wait until it answers a query over its socket; on failure say why from its error log. */
async function launch(
  bin: string,
  optionFile: string,
  socket: string,
  errorLog: string,
  timeoutMs: number,
  started: (pid: number) => void,
  admin: { user: string; password?: string } = { user: "root" },
): Promise<number> {
  // a daemon: its own process group, no pipes, and it outlives this process (a kept sandbox)
  const { execa } = await import("execa");
  const child = execa(bin, [`--defaults-file=${optionFile}`], {
    detached: true,
    stdio: "ignore",
    cleanup: false,
    reject: false,
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new DrError("failed", `could not start ${bin}`);
  started(pid);
  let exited: number | null | undefined;
  child.once("exit", (code, signal) => {
    exited = code ?? (signal ? -1 : null);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      const log = existsSync(errorLog) ? readFileSync(errorLog, "utf8") : "(no error log)";
      throw new DrError("failed", `mariadbd exited during start-up (code ${exited}):\n${tail(log, 20)}`);
    }
    if (existsSync(socket)) {
      try {
        const conn = await (await mysqlDriver()).createConnection({
          socketPath: socket,
          ...admin,
          connectTimeout: 2000,
        });
        await conn.query("SELECT 1");
        await conn.end();
        return pid;
      } catch {
        /* not ready yet */
      }
    }
    if (Date.now() > deadline) {
      await killAndWait(pid);
      const log = existsSync(errorLog) ? readFileSync(errorLog, "utf8") : "(no error log)";
      throw new DrError(
        "failed",
        `mariadbd did not accept connections within ${Math.round(timeoutMs / 1000)} s:\n${tail(log, 20)}`,
      );
    }
    await sleep(50);
  }
}

async function setUpAccounts(socket: string, password: string): Promise<void> {
  const conn = await (await mysqlDriver()).createConnection({
    socketPath: socket,
    user: "root",
    multipleStatements: true,
  });
  try {
    // drctl's own bookkeeping stays out of the sandbox's binlog: it is not the user's data
    await conn.query("SET SESSION sql_log_bin = 0");
    // the template's passwordless TCP root accounts must not listen even on loopback
    const [rows] = await conn.query("SELECT User, Host FROM mysql.user WHERE User = 'root' AND Host <> 'localhost'");
    for (const r of rows as { User: string; Host: string }[]) await conn.query("DROP USER ?@?", [r.User, r.Host]);
    for (const host of ["127.0.0.1", "localhost"]) {
      await conn.query("CREATE USER ?@? IDENTIFIED BY ?", ["drctl", host, password]);
      await conn.query("GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION", ["drctl", host]);
    }
  } finally {
    await conn.end();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Is `pid` a live (non-zombie) process? When `dir` is given, also: is it our mariadbd (pid reuse)? */
export function isOurServer(pid: number, dir?: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
    if (dir === undefined) return true;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
  } catch {
    return false;
  }
}

async function killAndWait(pid: number, dir?: string): Promise<void> {
  if (!isOurServer(pid, dir)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  for (let i = 0; i < 200 && isOurServer(pid); i++) await sleep(25);
}

/** Clean shutdown (SIGTERM), escalating to SIGKILL after 30 s. Only signals the mariadbd that runs from `dir`. */
async function stopServer(pid: number, dir: string): Promise<void> {
  if (!isOurServer(pid, dir)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (isOurServer(pid) && Date.now() < deadline) await sleep(25);
  if (isOurServer(pid)) await killAndWait(pid);
}

/**
 * mariadbd processes started from `dir` (their --defaults-file lies in it): found from /proc, for a sandbox whose owner
 * died before it wrote sandbox.json.
 */
function serversStartedIn(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      if (/mariadbd$|mysqld$/.test(argv[0] ?? "") && argv.some((a) => a === `--defaults-file=${join(dir, "my.cnf")}`))
        pids.push(Number(p));
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return pids;
}

/** Tear down a sandbox from its directory (`drctl sandbox down`, or what a killed restore left). */
export async function destroySandboxDir(dir: string): Promise<{ stopped: boolean }> {
  const infoFile = join(dir, "sandbox.json");
  const pids = new Set(serversStartedIn(dir));
  if (existsSync(infoFile)) {
    const info = JSON.parse(await readFile(infoFile, "utf8")) as SandboxInfo;
    if (isOurServer(info.pid, dir)) pids.add(info.pid);
  }
  for (const pid of pids) await stopServer(pid, dir);
  await rm(dir, { recursive: true, force: true });
  return { stopped: pids.size > 0 };
}

/** Run `fn` with a sandbox that is torn down afterwards, whatever happens. */
export async function withSandbox<T>(opts: SandboxOptions, fn: (s: Sandbox) => Promise<T>): Promise<T> {
  const s = await startSandbox(opts);
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}
