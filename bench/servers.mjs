// The copy benchmark's targets, on loopback: an OpenSSH server of its own (config, host key,
// authorized key in a temp dir; /run made private with a mount namespace, as the tests do) and
// npm's s3rver. Both stop when the benchmark does.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";

const { freePort } = await import("../dist/adapters/sandbox/mariadb-sandbox.js");

async function listening(port) {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const up = await new Promise((resolve) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

export async function startSshd(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, "host_key");
  const identityFile = join(dir, "id_ed25519");
  for (const k of [hostKey, identityFile]) execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", k]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${identityFile}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PasswordAuthentication no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      "StrictModes no",
      "PidFile none",
      "Subsystem sftp internal-sftp",
      "",
    ].join("\n"),
  );
  const knownHosts = join(dir, "known_hosts");
  const pub = readFileSync(`${hostKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${pub}\n`, { mode: 0o600 });
  const script = 'mount -t tmpfs -o mode=755 drctl-sshd /run && mkdir -m 755 /run/sshd && exec "$@"';
  const child = spawn(
    "unshare",
    ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", "/usr/sbin/sshd", "-D", "-f", config],
    { stdio: "ignore" },
  );
  await listening(port);
  return {
    host: "127.0.0.1",
    port,
    user: "root",
    identityFile,
    knownHosts,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}

export async function startS3rver(dir, bucket = "bench") {
  const { default: S3rver } = await import("s3rver");
  mkdirSync(join(dir, "buckets"), { recursive: true });
  const credentials = join(dir, "credentials");
  writeFileSync(credentials, "[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n", {
    mode: 0o600,
  });
  const port = await freePort();
  const server = new S3rver({
    port,
    address: "127.0.0.1",
    silent: true,
    directory: join(dir, "buckets"),
    vhostBuckets: false,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, bucket, credentials, stop: () => server.close() };
}
