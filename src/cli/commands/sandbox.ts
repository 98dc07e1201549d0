// drctl sandbox up|down|list: a throwaway MariaDB to try drctl against, kept running between commands.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  destroySandboxDir,
  isOurServer,
  startSandbox,
  type SandboxInfo,
} from "../../adapters/sandbox/mariadb-sandbox.js";
import { replicateFrom, TOPOLOGY_OPTIONS } from "../../adapters/sandbox/replication.js";
import { writeFileAtomic } from "../../adapters/fs/atomic-write.js";
import { DrError, must } from "../../errors.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

export function sandboxHome(): string {
  return process.env.DRCTL_SANDBOX_HOME ?? join(tmpdir(), `drctl-sandboxes-${process.getuid?.() ?? 0}`);
}

const registryFile = (name: string) => join(sandboxHome(), `${name}.json`);
const myUid = () => process.getuid?.() ?? 0;

/**
 * A registry entry of the invoking user's, or undefined (another user's entry in a shared home is not
 * ours to see or stop).
 */
function readRegistry(name: string): SandboxInfo | undefined {
  const f = registryFile(name);
  if (!existsSync(f) || statSync(f).uid !== myUid()) return undefined;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as SandboxInfo;
  } catch {
    return undefined;
  }
}

/** The sandbox home must be the invoking user's: one someone else made could be used to point drctl at their files. */
function checkHome(): void {
  const home = sandboxHome();
  if (!existsSync(home)) return;
  const st = statSync(home);
  if (st.uid !== myUid())
    throw new DrError(
      "invalid",
      `the sandbox home ${home} belongs to uid ${st.uid}, not to you (uid ${myUid()}): refusing to use it`,
      { hint: "set DRCTL_SANDBOX_HOME to a directory of your own" },
    );
}

/**
 * `base`, or base-2, base-3…: the first name no running sandbox of this user's holds (a second `restore --keep` must
 * not orphan the first).
 */
export function freeSandboxName(base: string): string {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const info = readRegistry(name);
    if (!info || !isOurServer(info.pid, info.dir)) return name;
  }
}

/** The running sandbox a replica is to follow. */
function runningSource(name: string, replica: string): SandboxInfo {
  checkName(name);
  if (name === replica) throw new DrError("invalid", `sandbox "${replica}" cannot be a replica of itself`);
  const info = readRegistry(name);
  if (!info || !isOurServer(info.pid, info.dir))
    throw new DrError("invalid", `--replica-of ${name}: no sandbox "${name}" is up`, {
      hint: `start it first: drctl sandbox up --binlog --name ${name}`,
    });
  if (!info.binlog)
    throw new DrError(
      "invalid",
      `--replica-of ${name}: sandbox "${name}" has binary logging off: nothing to replicate`,
      {
        hint: `start it with --binlog (drctl sandbox down --name ${name}; drctl sandbox up --binlog --name ${name})`,
      },
    );
  return info;
}

/** A server_id no running sandbox of this user's has (a duplicate breaks replication). */
function replicaServerId(source: SandboxInfo): number {
  const taken = new Set(listNames().map((n) => readRegistry(n)?.serverId));
  taken.add(source.serverId);
  let id = source.serverId + 1;
  while (taken.has(id)) id++;
  return id;
}

function checkName(name: string): void {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name))
    throw new DrError("invalid", `sandbox name "${name}" must be lowercase letters, digits, '_' and '-'`);
}

export interface SandboxUpFlags {
  name: string;
  binlog: boolean;
  port?: number;
  extraConfig?: string[];
  /** Start a replica of this sandbox. */
  replicaOf?: string;
  json: boolean;
}

export async function sandboxUpCommand(flags: SandboxUpFlags, io: Io): Promise<number> {
  checkName(flags.name);
  checkHome();
  const existing = readRegistry(flags.name);
  if (existing && isOurServer(existing.pid, existing.dir)) {
    throw new DrError(
      "invalid",
      `sandbox "${flags.name}" is already up on 127.0.0.1:${existing.port} (pid ${existing.pid})`,
      {
        hint: `use it, or run: drctl sandbox down --name ${flags.name}`,
      },
    );
  }
  const source = flags.replicaOf === undefined ? undefined : runningSource(flags.replicaOf, flags.name);
  if (existing) await destroySandboxDir(existing.dir); // a stale entry from a crashed machine
  await mkdir(sandboxHome(), { recursive: true, mode: 0o700 });
  if (!flags.json)
    io.err(
      `starting sandbox "${flags.name}" (mariadbd on a fresh datadir` +
        `${flags.replicaOf ? `, a replica of "${flags.replicaOf}"` : ""})…`,
    );
  const s = await startSandbox({
    persistent: true,
    binlog: flags.binlog || source !== undefined,
    baseDir: sandboxHome(),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.extraConfig ? { extraOptionFiles: flags.extraConfig } : {}),
    ...(source ? { serverId: replicaServerId(source), serverOptions: [...TOPOLOGY_OPTIONS, "read-only=ON"] } : {}),
  });
  if (source)
    try {
      await replicateFrom(s, source);
    } catch (e) {
      await destroySandboxDir(s.dir); // a replica that does not replicate is not left running
      throw e;
    }
  await writeFileAtomic(registryFile(flags.name), `${JSON.stringify(pick(s), null, 2)}\n`, { mode: 0o600 });
  if (flags.json) {
    io.out(JSON.stringify({ name: flags.name, ...pick(s) }, null, 2));
    return EXIT.ok;
  }
  io.out(`sandbox "${flags.name}" is up: MariaDB ${s.version} on ${s.host}:${s.port}`);
  io.out(`  socket:      ${s.socket}`);
  io.out(`  option file: ${s.clientOptionFile}   (mode 0600, user drctl; use it as a server's credentials)`);
  io.out(`  connect:     mariadb --defaults-file=${s.clientOptionFile}`);
  io.out(`  binlog:      ${s.binlog ? "ON (ROW)" : "OFF"}, server_id ${s.serverId}`);
  if (source) io.out(`  replicates:  from "${flags.replicaOf}" (127.0.0.1:${source.port}), GTID, read_only ON`);
  io.out(`  datadir:     ${s.datadir}`);
  io.out(`  stop with:   drctl sandbox down${flags.name === "default" ? "" : ` --name ${flags.name}`}`);
  return EXIT.ok;
}

/** Lists a sandbox started elsewhere (a kept restore) so `drctl sandbox list|down` know it. */
export async function registerSandbox(name: string, s: SandboxInfo): Promise<void> {
  checkName(name);
  checkHome();
  await mkdir(sandboxHome(), { recursive: true });
  await writeFileAtomic(registryFile(name), `${JSON.stringify(pick(s), null, 2)}\n`, { mode: 0o600 });
}

function pick(s: SandboxInfo): SandboxInfo {
  const {
    dir,
    datadir,
    socket,
    host,
    port,
    pid,
    serverId,
    binlog,
    clientOptionFile,
    serverOptionFile,
    errorLog,
    version,
  } = s;
  return {
    dir,
    datadir,
    socket,
    host,
    port,
    pid,
    serverId,
    binlog,
    clientOptionFile,
    serverOptionFile,
    errorLog,
    version,
  };
}

export async function sandboxDownCommand(flags: { name: string; all: boolean }, io: Io): Promise<number> {
  checkHome();
  const names = flags.all ? listNames() : [flags.name];
  if (!flags.all) checkName(flags.name);
  if (!flags.all && !readRegistry(flags.name)) {
    io.err(`sandbox "${flags.name}" is not up; nothing to do`);
    return EXIT.ok;
  }
  for (const name of names) {
    const info = readRegistry(name);
    if (!info) continue;
    const { stopped } = await destroySandboxDir(info.dir);
    await rm(registryFile(name), { force: true });
    io.out(`sandbox "${name}" ${stopped ? "stopped and removed" : "was not running; files removed"}`);
  }
  return EXIT.ok;
}

/** The invoking user's registered sandboxes. */
function listNames(): string[] {
  if (!existsSync(sandboxHome())) return [];
  return readdirSync(sandboxHome())
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .filter((name) => readRegistry(name) !== undefined);
}

export async function sandboxListCommand(flags: { json: boolean }, io: Io): Promise<number> {
  checkHome();
  const rows = listNames().map((name) => {
    const info = must(readRegistry(name));
    return {
      name,
      up: isOurServer(info.pid, info.dir),
      port: info.port,
      pid: info.pid,
      optionFile: info.clientOptionFile,
    };
  });
  if (flags.json) io.out(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) io.out("no sandboxes");
  else
    for (const r of rows)
      io.out(`${r.name}\t${r.up ? "up" : "down"}\t127.0.0.1:${r.port}\tpid ${r.pid}\t${r.optionFile}`);
  return EXIT.ok;
}
