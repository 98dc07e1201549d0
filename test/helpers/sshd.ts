// A real OpenSSH server for the SFTP tests: its own config, host key and authorized key in a temp dir,
// on a free loopback port. It runs in a private mount namespace with a tmpfs on /run, so the
// privilege-separation directory it needs (/run/sshd) is its own: nothing of the machine's is
// touched, and the machine's sshd (if any) neither serves nor sees it.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { freePort } from "../../src/adapters/sandbox/mariadb-sandbox.js";

export interface Sshd {
  host: string;
  port: number;
  user: string;
  /** The client's private key (0600) that sshd accepts. */
  identityFile: string;
  /** A known_hosts file naming this server's host key as `[127.0.0.1]:PORT`. */
  knownHosts: string;
  /** The server's host public key line ("ssh-ed25519 AAAA…"). */
  hostKey: string;
  /** Where sshd logs (-E). */
  log: string;
  stop(): Promise<void>;
  /** SIGKILL the server and every session it serves: a target that dies mid-transfer. */
  kill(): Promise<void>;
  /** Stops and starts again on the same port, with a new host key when asked (a changed server). */
  restart(opts?: { newHostKey?: boolean }): Promise<void>;
}

const keygen = (file: string) =>
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "drctl-test", "-f", file]);

async function listening(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: "127.0.0.1", port }, () => {
        c.end();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `extraConfig`: more sshd_config lines (e.g. "ForceCommand internal-sftp": an SFTP-only account). */
export async function startSshd(dir: string, opts: { extraConfig?: string[] } = {}): Promise<Sshd> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKeyFile = join(dir, "ssh_host_ed25519_key");
  const identityFile = join(dir, "id_ed25519");
  keygen(hostKeyFile);
  keygen(identityFile);
  const authorized = join(dir, "authorized_keys");
  writeFileSync(authorized, readFileSync(`${identityFile}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, "sshd_config");
  const log = join(dir, "sshd.log");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKeyFile}`,
      `AuthorizedKeysFile ${authorized}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      "StrictModes no",
      "PidFile none",
      "Subsystem sftp internal-sftp",
      "LogLevel VERBOSE",
      ...(opts.extraConfig ?? []),
      "",
    ].join("\n"),
  );
  const knownHosts = join(dir, "known_hosts");
  let child: ChildProcess | undefined;
  const writeKnownHosts = () => {
    const hostKey = readFileSync(`${hostKeyFile}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`, { mode: 0o600 });
    return hostKey;
  };
  const start = async () => {
    const script = `mount -t tmpfs -o mode=755 drctl-sshd /run && mkdir -m 755 /run/sshd && exec "$@"`;
    child = spawn(
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "/bin/sh",
        "-c",
        script,
        "sh",
        "/usr/sbin/sshd",
        "-D",
        "-f",
        config,
        "-E",
        log,
      ],
      { stdio: "ignore" },
    );
    await listening(port, Date.now() + 10_000).catch((e) => {
      throw new Error(`${(e as Error).message}: ${readFileSync(log, "utf8").slice(-2000)}`);
    });
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
    });
  };
  /** Every process below `pid` (the sessions sshd forked), read from /proc. */
  const descendants = (pid: number): number[] => {
    const parent = new Map<number, number>();
    for (const e of readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const stat = readFileSync(`/proc/${e}/stat`, "utf8");
        parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // gone meanwhile
      }
    }
    const out: number[] = [];
    const walk = (p: number) => {
      for (const [c, pp] of parent)
        if (pp === p) {
          out.push(c);
          walk(c);
        }
    };
    walk(pid);
    return out;
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c?.pid || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    for (const p of [c.pid, ...descendants(c.pid)])
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // already gone
      }
    await exited;
  };
  const sshd: Sshd = {
    host: "127.0.0.1",
    port,
    user: "root",
    identityFile,
    knownHosts,
    hostKey: writeKnownHosts(),
    log,
    stop,
    kill,
    async restart(opts = {}) {
      await stop();
      if (opts.newHostKey) {
        execFileSync("rm", ["-f", hostKeyFile, `${hostKeyFile}.pub`]);
        keygen(hostKeyFile);
      }
      await start();
    },
  };
  await start();
  return sshd;
}
