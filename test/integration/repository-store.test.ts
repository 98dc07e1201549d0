// The repository stores (src/repository/) against the real thing: a directory, and an OpenSSH
// server on loopback (test/helpers/sshd.ts). Every backend keeps the same promises: an object is
// visible only complete, never overwritten, and a failed put leaves nothing under its key.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprint } from "../../src/repository/known-hosts.js";
import { openStore } from "../../src/repository/open.js";
import type { ObjectStore } from "../../src/repository/store.js";
import { type S3Server, startS3rver } from "../helpers/s3rver.js";
import { type Sshd, startSshd } from "../helpers/sshd.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-store-");
let sshd: Sshd;
let s3: S3Server;

beforeAll(async () => {
  sshd = await startSshd(join(dir, "sshd"));
  s3 = await startS3rver(join(dir, "s3"));
}, 30_000);
afterAll(async () => {
  await sshd?.stop();
  await s3?.stop();
});

const sftpRepo = (over: Record<string, unknown> = {}) => ({
  type: "sftp" as const,
  host: sshd.host,
  port: sshd.port,
  user: sshd.user,
  path: join(dir, "remote"),
  identityFile: sshd.identityFile,
  knownHosts: sshd.knownHosts,
  ...over,
});

const readAll = async (s: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const s3Repo = () => ({
  type: "s3" as const,
  bucket: s3.bucket,
  prefix: "drctl/site-a",
  endpoint: s3.endpoint,
  forcePathStyle: true,
  credentials: s3.credentials,
});

// the directory a backend keeps its objects in, where the test can look behind its back (not for s3)
const backends: [string, () => Promise<ObjectStore>, string | undefined][] = [
  ["filesystem", () => openStore("local", { type: "filesystem", path: join(dir, "local") }), join(dir, "local")],
  ["sftp", () => openStore("vault", sftpRepo()), join(dir, "remote")],
  ["s3", () => openStore("bucket", s3Repo()), undefined],
];

describe.each(backends)("%s store", (kind, open, root) => {
  it("put, stat, list, get and delete round-trip; bytes and sha256 are what was sent", async () => {
    const store = await open();
    try {
      const big = randomBytes(9 * 1024 * 1024 + 17); // many SFTP writes in flight, S3 parts, an odd tail
      const put = await store.put(
        "sets/wiki/s1/dump.sql.zst",
        Readable.from([big.subarray(0, 1000), big.subarray(1000)]),
      );
      expect(put).toMatchObject({ bytes: big.length, sha256: sha(big) });
      // the remote stores prove what they stored (S3: its ETag is the MD5 of the bytes sent; SFTP: the
      // server's sha256sum); a local directory is read back
      expect(put.checkedByServer ?? "").toMatch(
        {
          filesystem: /^$/,
          sftp: /^sha256 computed on the server$/,
          s3: /^ETag [0-9a-f]{32}(-\d+)? = MD5 of the bytes sent$/,
        }[kind] ?? /never/,
      );
      await store.put("sets/wiki/s1/manifest.json", Buffer.from("{}\n"));
      await store.put("binlogs/db1/b1/mariadb-bin.000001.zst", Buffer.from("x"));
      // a name as hostile as a mydumper file of a unicode table
      await store.put("sets/wiki/s1/Universität 'quoted' $(x).sql", Buffer.from("ü"));
      expect(await store.stat("sets/wiki/s1/dump.sql.zst")).toEqual({
        key: "sets/wiki/s1/dump.sql.zst",
        bytes: big.length,
      });
      expect(await store.stat("sets/wiki/s1/nothing")).toBeUndefined();
      expect((await store.list("sets/")).map((o) => o.key)).toEqual([
        "sets/wiki/s1/Universität 'quoted' $(x).sql",
        "sets/wiki/s1/dump.sql.zst",
        "sets/wiki/s1/manifest.json",
      ]);
      expect((await store.list("")).length).toBe(4);
      expect(await store.list("sets/nowhere/")).toEqual([]);
      expect(sha(await readAll(await store.get("sets/wiki/s1/dump.sql.zst")))).toBe(sha(big));
      await store.delete("sets/wiki/s1/manifest.json");
      await store.delete("sets/wiki/s1/manifest.json"); // again: nothing there is no error
      expect(await store.stat("sets/wiki/s1/manifest.json")).toBeUndefined();
      await expect(store.get("sets/wiki/s1/manifest.json")).rejects.toThrow(/manifest\.json/);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("children: one level under a prefix, objects by name and deeper prefixes ending in '/'", async () => {
    const store = await open();
    try {
      for (const key of ["cat/wiki/s1/manifest.json", "cat/wiki/s1/mydumper/t.sql", "cat/wiki/s2/x", "cat/wiki/loose"])
        await store.put(key, Buffer.from(key));
      expect(await store.children("cat/")).toEqual(["wiki/"]);
      expect(await store.children("cat/wiki/")).toEqual(["loose", "s1/", "s2/"]);
      expect(await store.children("cat/wiki/s1/")).toEqual(["manifest.json", "mydumper/"]);
      expect(await store.children("cat/nowhere/")).toEqual([]);
      expect((await store.children("")).includes("cat/")).toBe(true);
      await expect(store.children("cat/wiki")).rejects.toThrow(/not a repository prefix/);
      await expect(store.children("../")).rejects.toThrow(/not a repository key/);
    } finally {
      await store.close();
    }
  }, 30_000);

  it("never overwrites: a put of an existing key is refused and the object stays as it was", async () => {
    const store = await open();
    try {
      await store.put("sets/once/a", Buffer.from("first"));
      await expect(store.put("sets/once/a", Buffer.from("second"))).rejects.toThrow(
        /already exists; drctl never overwrites/,
      );
      expect((await readAll(await store.get("sets/once/a"))).toString()).toBe("first");
      if (root) expect(readdirSync(join(root, "sets/once"))).toEqual(["a"]); // no temporary left behind
      expect((await store.list("sets/once/")).map((o) => o.key)).toEqual(["sets/once/a"]);
    } finally {
      await store.close();
    }
  }, 30_000);

  it("a put whose source fails half-way leaves nothing under the key and no temporary file", async () => {
    const store = await open();
    try {
      const failing = new Readable({
        read() {
          this.push(randomBytes(64 * 1024));
          this.destroy(new Error("the source died"));
        },
      });
      await expect(store.put("sets/broken/a", failing)).rejects.toThrow(/the source died/);
      expect(await store.stat("sets/broken/a")).toBeUndefined();
      if (root) expect(readdirSync(join(root, "sets/broken"))).toEqual([]);
      expect(await store.list("sets/broken/")).toEqual([]);
    } finally {
      await store.close();
    }
  }, 30_000);

  it("sweep removes a killed writer's temporary once stale, never a fresh one (a put in flight)", async () => {
    if (!root) {
      // s3rver cannot list unfinished multipart uploads (501): nothing to sweep, and no error
      const store = await open();
      try {
        expect(await store.sweep(0)).toBe(0);
      } finally {
        await store.close();
      }
      return;
    }
    const d = join(root, "sets", "swept", "s1");
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, ".put-stale"), "half");
    writeFileSync(join(d, ".put-fresh"), "half");
    const old = new Date(Date.now() - 7 * 3600_000);
    utimesSync(join(d, ".put-stale"), old, old);
    const store = await open();
    try {
      expect(await store.sweep(6 * 3600_000, ["sets/elsewhere/s9/"])).toBe(0); // only where it is asked to
      expect(await store.sweep(6 * 3600_000, ["sets/swept/s1/"])).toBe(1);
      expect(readdirSync(d)).toEqual([".put-fresh"]);
      expect(await store.sweep(0)).toBe(1); // everywhere
      expect(readdirSync(d)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("keys that climb out of the repository are refused", async () => {
    const store = await open();
    try {
      for (const key of ["../x", "/etc/passwd", "sets//a", "sets/./a", "sets/.put-x", ""])
        await expect(store.put(key, Buffer.from("x"))).rejects.toThrow(/not a repository key/);
    } finally {
      await store.close();
    }
  });
});

describe("sftp: write-once is the server's rule too", () => {
  it("SFTP's rename (what a put publishes with) refuses an existing name: a race cannot overwrite", async () => {
    const { default: ssh2 } = await import("ssh2");
    const base = join(dir, "race");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(base);
    writeFileSync(join(base, "tmp"), "new");
    writeFileSync(join(base, "object"), "old");
    const client = new ssh2.Client();
    const err = await new Promise<Error | undefined>((resolve, reject) => {
      client.once("error", reject);
      client.once("ready", () =>
        client.sftp((e, sftp) => {
          if (e) return reject(e);
          sftp.on("error", () => {}); // closing the session after the answer is not this case's concern
          sftp.rename(join(base, "tmp"), join(base, "object"), resolve);
        }),
      );
      client.connect({
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        privateKey: readFileSync(sshd.identityFile),
        hostVerifier: () => true, // this case is about rename, not the host key (checked below)
      });
    });
    client.end();
    expect(err?.message).toMatch(/Failure/);
    expect(readFileSync(join(base, "object"), "utf8")).toBe("old");
  }, 30_000);
});

describe("sftp: who checks what was stored", () => {
  it("the server's sha256sum where the account may run it; an SFTP-only account's objects are read back", async () => {
    const store = await openStore("vault", sftpRepo());
    try {
      const put = await store.put("sets/sum/s1/it's $(x)", randomBytes(1_500_000));
      expect(put.checkedByServer).toBe("sha256 computed on the server");
      // under 1 MiB reading back is cheaper than a remote command (a login shell each)
      expect((await store.put("sets/sum/s1/manifest.json", randomBytes(100_000))).checkedByServer).toBeUndefined();
    } finally {
      await store.close();
    }
    const only = await startSshd(join(dir, "sshd-sftp-only"), { extraConfig: ["ForceCommand internal-sftp"] });
    const sftpOnly = await openStore("vault", {
      ...sftpRepo(),
      port: only.port,
      identityFile: only.identityFile,
      knownHosts: only.knownHosts,
      path: join(dir, "remote-sftp-only"),
    });
    try {
      const put = await sftpOnly.put("sets/sum/s1/f", randomBytes(1_500_000));
      expect(put.checkedByServer).toBeUndefined();
    } finally {
      await sftpOnly.close();
      await only.stop();
    }
  }, 60_000);
});

describe("sftp: a server that dies mid-transfer", () => {
  it("fails the read and the write in flight with 'the connection was lost', instead of waiting forever", async () => {
    // held to 2MB/s, an 8 MB read is still running when the server goes
    const store = await openStore("vault", sftpRepo({ bandwidth: "2MB/s" }));
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => "finished",
        (e: unknown) => (e as Error).message,
      );
    try {
      const fast = await openStore("vault", sftpRepo());
      await fast.put("sets/lost/s1/big", randomBytes(8 * 1024 * 1024));
      await fast.close();
      const reading = outcome(store.get("sets/lost/s1/big").then(readAll));
      // a source that never ends: the put is mid-way when the server goes
      const endless = new Readable({
        read() {
          this.push(randomBytes(64 * 1024));
        },
      });
      const writing = outcome(store.put("sets/lost/s1/other", endless));
      await new Promise((r) => setTimeout(r, 500));
      const t0 = Date.now();
      await sshd.kill();
      expect(await writing).toMatch(/the connection was lost/);
      expect(await reading).toMatch(/the connection was lost/);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await store.close();
      await sshd.restart();
    }
  }, 60_000);
});

describe("sftp: the server must be the one knownHosts names", () => {
  it("a host not in knownHosts is refused with its fingerprint; nothing is written", async () => {
    const empty = join(dir, "known_hosts.empty");
    writeFileSync(empty, "");
    const offered = fingerprint(Buffer.from(sshd.hostKey.split(" ")[1] ?? "", "base64"));
    await expect(openStore("vault", sftpRepo({ knownHosts: empty, path: join(dir, "unknown") }))).rejects.toThrow(
      new RegExp(
        `host key ${offered.replace(/[+/]/g, "\\$&")} \\(ssh-ed25519\\) is not in .*refused, nothing was sent`,
      ),
    );
    expect(existsSync(join(dir, "unknown"))).toBe(false);
  });

  it("a changed host key is refused naming both fingerprints; nothing is uploaded", async () => {
    const recorded = fingerprint(
      Buffer.from(readFileSync(sshd.knownHosts, "utf8").trim().split(" ")[2] ?? "", "base64"),
    );
    await sshd.restart({ newHostKey: true });
    try {
      const err = await openStore("vault", sftpRepo({ path: join(dir, "changed") })).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/the server's host key SHA256:\S+ \(ssh-ed25519\) is not the one .* records/);
      expect(err?.message).toContain(recorded);
      expect(existsSync(join(dir, "changed"))).toBe(false);
    } finally {
      // the server keeps its new key; the known_hosts the other cases use names it again
      const pub = readFileSync(join(dir, "sshd", "ssh_host_ed25519_key.pub"), "utf8")
        .trim()
        .split(" ");
      writeFileSync(sshd.knownHosts, `[127.0.0.1]:${sshd.port} ${pub[0]} ${pub[1]}\n`);
    }
  }, 30_000);

  it("a missing identity, a key the server does not accept, and a closed port each say what failed", async () => {
    await expect(openStore("vault", sftpRepo({ identityFile: join(dir, "nope") }))).rejects.toThrow(
      /cannot read identity .*nope/,
    );
    const stranger = join(dir, "stranger");
    const { execFileSync } = await import("node:child_process");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]);
    await expect(openStore("vault", sftpRepo({ identityFile: stranger }))).rejects.toThrow(
      /sftp:\/\/root@127\.0\.0\.1:\d+.*: cannot connect: All configured authentication methods failed/,
    );
    await expect(openStore("vault", sftpRepo({ port: 1 }))).rejects.toThrow(/cannot connect: .*ECONNREFUSED/);
  }, 30_000);
});
