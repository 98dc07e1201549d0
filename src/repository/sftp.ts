// A repository on another host over SFTP (ssh2: a pure-JS SSH client, so no ssh(1) process and no
// key on a command line). Key authentication only, from the spec's identityFile; the server's host
// key must be in knownHosts (or ~/.ssh/known_hosts), and an unknown, changed or revoked key is
// refused with its fingerprint — never accepted on first use. A put goes to a temporary `.put-*`
// name, is fsynced (fsync@openssh.com) and renamed: SFTP's rename refuses an existing target, so
// an object is never replaced and never visible half-written.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { posix } from "node:path";
import { Readable } from "node:stream";
import ssh2 from "ssh2";
import type { SFTPWrapper, Stats } from "ssh2";
import { DrError, messageOf } from "../errors.js";
import type { SftpRepository } from "../spec/types.generated.js";
import { checkHostKey, fingerprint, type HostKeyVerdict, keyType } from "./known-hosts.js";
import {
  byKey,
  checkKey,
  checkPrefix,
  existsError,
  type ObjectStore,
  type PutResult,
  prefixDirectory,
  sortedNames,
  type StoredObject,
} from "./store.js";

const NO_SUCH_FILE = 2; // SSH_FX_NO_SUCH_FILE
/**
 * Writes in flight per put: SFTP answers each one; waiting for every answer in turn is slow. 16 × 128 KiB
 * fills OpenSSH's 2 MiB channel window; a piece stays under its 255 KiB write limit, which ssh2 would
 * otherwise split into requests sent one after another.
 */
const WINDOW = 16;
const PIECE = 128 * 1024;
/** Below this, reading an object back is cheaper than asking the server to hash it. */
const SERVER_HASH_MIN_BYTES = 1024 * 1024;
/** Reads in flight per get, and their size (OpenSSH answers up to 255 KiB; ssh2 splits to its packet size). */
const READ_WINDOW = 16;
const READ_PIECE = 64 * 1024;

const isMissing = (e: unknown) => (e as { code?: number }).code === NO_SUCH_FILE;

function hostKeyError(where: string, file: string, offered: Buffer, v: HostKeyVerdict): DrError {
  const fp = `${fingerprint(offered)} (${keyType(offered)})`;
  if (v.status === "changed")
    return new DrError(
      "failed",
      `${where}: the server's host key ${fp} is not the one ${file} records (${v.recorded.join(", ")}): ` +
        "refused, nothing was sent",
      { hint: "a changed host key can mean someone is in the middle; confirm the new key with the server's admin" },
    );
  if (v.status === "revoked")
    return new DrError("failed", `${where}: the server's host key ${fp} is marked @revoked in ${file}: refused`);
  return new DrError("failed", `${where}: the server's host key ${fp} is not in ${file}: refused, nothing was sent`, {
    hint: "confirm the fingerprint with the server's admin, then add the key to knownHosts (ssh-keyscan prints it)",
  });
}

export async function sftpStore(repo: SftpRepository): Promise<ObjectStore> {
  const port = repo.port ?? 22;
  const where = `sftp://${repo.user}@${repo.host}:${port}${repo.path}`;
  const knownHostsFile = repo.knownHosts ?? posix.join(homedir(), ".ssh", "known_hosts");
  let knownHosts: string;
  let privateKey: Buffer;
  try {
    knownHosts = readFileSync(knownHostsFile, "utf8");
  } catch (e) {
    throw new DrError("failed", `${where}: cannot read known hosts ${knownHostsFile}: ${messageOf(e)}`, {
      hint: "set the repository's knownHosts to a file holding the server's host key",
    });
  }
  try {
    privateKey = readFileSync(repo.identityFile);
  } catch (e) {
    throw new DrError("failed", `${where}: cannot read identity ${repo.identityFile}: ${messageOf(e)}`);
  }

  const client = new ssh2.Client();
  let refused: DrError | undefined;
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
    const fail = (e: Error) => {
      client.end();
      reject(
        refused ??
          new DrError("failed", `${where}: cannot connect: ${e.message}`, {
            meta: { unreachable: (e as { level?: string }).level !== "client-authentication" },
          }),
      );
    };
    client.once("error", fail);
    client.once("ready", () =>
      client.sftp((err, s) => {
        client.off("error", fail);
        if (err) fail(err);
        else resolve(s);
      }),
    );
    try {
      client.connect({
        host: repo.host,
        port,
        username: repo.user,
        privateKey,
        readyTimeout: 20_000,
        // a target that dies mid-upload (host gone, no RST) is given up on after ~40 s, not hung on
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          const v = checkHostKey(knownHosts, repo.host, port, key);
          if (v.status !== "match") refused = hostKeyError(where, knownHostsFile, key, v);
          return v.status === "match";
        },
      });
    } catch (e) {
      // ssh2 parses the key before connecting: a passphrase-protected or unreadable key fails here
      reject(new DrError("failed", `${where}: cannot use identity ${repo.identityFile}: ${messageOf(e)}`));
    }
  });
  // A server that dies mid-transfer (killed, host gone) closes the connection with requests still
  // unanswered: ssh2 never calls them back, so each is failed here (reads and writes alike) —
  // otherwise the run would wait on nothing until node gave up on it.
  let lost: DrError | undefined;
  let ending = false;
  const pending = new Set<(e: Error) => void>();
  const openReads = new Set<() => Promise<void>>(); // each unfinished get's way to close its handle
  const connectionLost = (why: string) => {
    if (lost || ending) return;
    lost = new DrError("failed", `${where}: the connection was lost: ${why}`, { meta: { unreachable: true } });
    for (const fail of pending) fail(lost);
    pending.clear();
  };
  client.on("error", (e: Error) => connectionLost(e.message));
  client.on("close", () => connectionLost("the server closed it"));
  sftp.on("error", (e: Error) => connectionLost(e.message));
  sftp.on("close", () => connectionLost("the SFTP session ended"));
  const call = <T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void) =>
    new Promise<T>((resolve, reject) => {
      if (lost) return reject(lost);
      pending.add(reject);
      fn((err, v) => {
        pending.delete(reject);
        if (err) reject(err);
        else resolve(v);
      });
    });

  const pathOf = (key: string) => posix.join(repo.path, checkKey(key));
  /** Whether the account may run commands to hash (undefined: not asked yet; a refusal is remembered). */
  let canHash: boolean | undefined;
  const serverSha256 = async (path: string, bytes: number): Promise<string | undefined> => {
    if (canHash === false || lost) return undefined;
    try {
      const out = await new Promise<string>((resolve, reject) => {
        pending.add(reject);
        const done = (e: Error | undefined, v = "") => {
          pending.delete(reject);
          if (e) reject(e);
          else resolve(v);
        };
        // one argument, single-quoted for the remote shell: hostile names stay names
        // OpenSSL's sha256 is ~2.5× coreutils' where the server has it; the path is absolute, so no
        // option can be read into it
        const q = `'${path.replaceAll("'", "'\\''")}'`;
        client.exec(`openssl dgst -sha256 -r ${q} 2>/dev/null || sha256sum -- ${q}`, (err, channel) => {
          if (err) return done(err);
          // nothing on its stdin: a ForceCommand (internal-sftp) that runs instead ends at once; a
          // server that neither answers nor ends is given up on (hashing runs at ≥ 50 MB/s)
          channel.end();
          const timer = setTimeout(
            () => {
              channel.close();
              done(new Error("sha256sum did not answer"));
            },
            30_000 + bytes / 50_000,
          );
          channel.once("close", () => clearTimeout(timer));
          let text = "";
          channel.on("data", (d: Buffer) => {
            text += d.toString("utf8");
          });
          channel.stderr.on("data", () => {});
          channel.on("close", (code: number | null) =>
            code === 0 ? done(undefined, text) : done(new Error(`sha256sum exited ${code}`)),
          );
        });
      });
      // "<hex> *path" (openssl -r) or "<hex>  path" (sha256sum; a leading \\ when the name has odd bytes)
      const sum = /^\\?([0-9a-f]{64}) /.exec(out)?.[1];
      canHash = sum !== undefined;
      return sum;
    } catch {
      canHash = false;
      return undefined;
    }
  };
  const stat = (path: string) => call<Stats>((cb) => sftp.stat(path, cb));
  const mkdirs = async (dir: string) => {
    const missing: string[] = [];
    for (let d = dir; d !== "/" && d !== "."; d = posix.dirname(d)) {
      try {
        await stat(d);
        break;
      } catch (e) {
        if (!isMissing(e)) throw e;
        missing.unshift(d);
      }
    }
    for (const d of missing)
      await call<void>((cb) => sftp.mkdir(d, { mode: 0o700 }, (err) => cb(err, undefined))).catch(async (e) => {
        if (
          !(await stat(d).then(
            () => true,
            () => false,
          ))
        )
          throw e; // made meanwhile by another run: fine
      });
  };
  const wrap = (what: string, key: string) => (e: unknown) => {
    throw e instanceof DrError ? e : new DrError("failed", `${where}: ${what} ${key}: ${messageOf(e)}`);
  };

  const store: ObjectStore = {
    where,
    async list(prefix) {
      const out: StoredObject[] = [];
      const walk = async (dir: string): Promise<void> => {
        let entries: { filename: string; attrs: Stats }[];
        try {
          entries = await call((cb) => sftp.readdir(dir, cb));
        } catch (e) {
          if (isMissing(e)) return;
          throw e;
        }
        for (const e of entries) {
          if (e.filename.startsWith(".")) continue;
          const path = posix.join(dir, e.filename);
          if (e.attrs.isDirectory()) await walk(path);
          else if (e.attrs.isFile()) {
            const key = posix.relative(repo.path, path);
            if (key.startsWith(prefix)) out.push({ key, bytes: e.attrs.size });
          }
        }
      };
      const dirPart = prefixDirectory(prefix);
      await walk(dirPart ? posix.join(repo.path, dirPart) : repo.path).catch(wrap("cannot list", prefix || "/"));
      return byKey(out);
    },
    async children(prefix) {
      const dir = checkPrefix(prefix) ? posix.join(repo.path, prefix.slice(0, -1)) : repo.path;
      let entries: { filename: string; attrs: Stats }[];
      try {
        entries = await call((cb) => sftp.readdir(dir, cb));
      } catch (e) {
        if (isMissing(e)) return [];
        return wrap("cannot list", prefix || "/")(e);
      }
      return sortedNames(
        entries.flatMap((e) =>
          e.filename.startsWith(".")
            ? []
            : e.attrs.isDirectory()
              ? [`${e.filename}/`]
              : e.attrs.isFile()
                ? [e.filename]
                : [],
        ),
      );
    },
    async stat(key) {
      try {
        const st = await stat(pathOf(key));
        return st.isFile() ? { key, bytes: st.size } : undefined;
      } catch (e) {
        if (isMissing(e)) return undefined;
        return wrap("cannot stat", key)(e);
      }
    },
    async put(key, body): Promise<PutResult> {
      const path = pathOf(key);
      const dir = posix.dirname(path);
      await mkdirs(dir).catch(wrap("cannot create the directory of", key));
      if (await store.stat(key)) throw existsError(where, key);
      const tmp = posix.join(dir, `.put-${randomBytes(6).toString("hex")}`);
      const handle = await call<Buffer>((cb) => sftp.open(tmp, "wx", { mode: 0o600 }, cb)).catch(
        wrap("cannot create", key),
      );
      const hash = createHash("sha256");
      let bytes = 0;
      let done = false;
      try {
        const inFlight = new Set<Promise<void>>();
        const chunks: AsyncIterable<Buffer> | Iterable<Buffer> = Buffer.isBuffer(body) ? [body] : (body as Readable);
        for await (const chunk of chunks) {
          hash.update(chunk);
          for (let off = 0; off < chunk.length; off += PIECE) {
            const piece = chunk.subarray(off, off + PIECE);
            const at = bytes;
            bytes += piece.length;
            const w = call<void>((cb) => sftp.write(handle, piece, 0, piece.length, at, (err) => cb(err, undefined)));
            inFlight.add(w);
            void w.then(
              () => inFlight.delete(w),
              () => {},
            );
            if (inFlight.size >= WINDOW) await Promise.race(inFlight);
          }
        }
        await Promise.all(inFlight);
        await call<void>((cb) => sftp.ext_openssh_fsync(handle, (err) => cb(err, undefined)));
        await call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined)));
        await call<void>((cb) => sftp.rename(tmp, path, (err) => cb(err, undefined))).catch(async (e) => {
          throw (await store.stat(key)) ? existsError(where, key) : e;
        });
        done = true;
      } catch (e) {
        await call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined))).catch(() => {});
        return wrap("cannot write", key)(e);
      } finally {
        if (!done) await call<void>((cb) => sftp.unlink(tmp, (err) => cb(err, undefined))).catch(() => {});
      }
      const sha256 = hash.digest("hex");
      // the server hashing what it stored spares reading it all back over the wire (rclone asks
      // md5sum the same way); an account that may not run commands is read back instead, and so is
      // a small object: a remote command costs a login shell (0.6 s where root's rc files run pyenv)
      if (bytes < SERVER_HASH_MIN_BYTES) return { bytes, sha256 };
      const there = await serverSha256(path, bytes);
      return { bytes, sha256, ...(there === sha256 ? { checkedByServer: "sha256 computed on the server" } : {}) };
    },
    async get(key) {
      const path = pathOf(key);
      const size = (await stat(path).catch(wrap("cannot read", key))).size;
      const handle = await call<Buffer>((cb) => sftp.open(path, "r", cb)).catch(wrap("cannot read", key));
      // READ_WINDOW reads of READ_PIECE in flight, handed on in order: one read at a time (ssh2's
      // stream) waits a round trip per 64 KiB and reads at a fifth of the upload's speed
      const readAt = async (offset: number, length: number): Promise<Buffer> => {
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const n = await call<number>((cb) =>
            sftp.read(handle, buf, got, length - got, offset + got, (err, bytesRead) => cb(err, bytesRead)),
          );
          if (n === 0) throw new Error(`ended at ${offset + got} of ${size} bytes`);
          got += n;
        }
        return buf;
      };
      let closed: Promise<void> | undefined;
      const closeHandle = () =>
        (closed ??= call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined))).catch(() => {}));
      const chunks = async function* () {
        try {
          const inFlight: Promise<Buffer>[] = [];
          let next = 0;
          while (next < size || inFlight.length) {
            while (inFlight.length < READ_WINDOW && next < size) {
              const length = Math.min(READ_PIECE, size - next);
              const p = readAt(next, length);
              p.catch(() => {}); // awaited in order below; a later one failing first is not unhandled
              inFlight.push(p);
              next += length;
            }
            yield await (inFlight.shift() as Promise<Buffer>).catch(wrap("cannot read", key));
          }
        } finally {
          await closeHandle();
        }
      };
      const out = Readable.from(chunks(), { objectMode: false });
      // close() waits for the remote handle to be closed (the session must not end under it)
      openReads.add(closeHandle);
      out.once("close", () => {
        void closeHandle().then(() => openReads.delete(closeHandle));
      });
      return out;
    },
    async delete(key) {
      await call<void>((cb) => sftp.unlink(pathOf(key), (err) => cb(err, undefined))).catch((e) => {
        if (!isMissing(e)) return wrap("cannot delete", key)(e);
      });
      // the set's directory goes with its last object (refused while anything is left in it)
      if (key.includes("/"))
        await call<void>((cb) => sftp.rmdir(posix.dirname(pathOf(key)), (err) => cb(err, undefined))).catch(() => {});
    },
    async sweep(olderThanMs, prefixes) {
      let removed = 0;
      const cutoff = (Date.now() - olderThanMs) / 1000; // SFTP times are in seconds
      const walk = async (dir: string, deep: boolean): Promise<void> => {
        const entries = await call<{ filename: string; attrs: Stats }[]>((cb) => sftp.readdir(dir, cb)).catch(() => []);
        for (const e of entries) {
          const path = posix.join(dir, e.filename);
          if (e.attrs.isDirectory() && !e.filename.startsWith(".")) {
            if (deep) await walk(path, deep);
          } else if (e.attrs.isFile() && e.filename.startsWith(".put-") && e.attrs.mtime < cutoff) {
            await call<void>((cb) => sftp.unlink(path, (err) => cb(err, undefined))).catch(() => {});
            removed++;
          }
        }
      };
      // every directory is a round trip: a copy sweeps only where it just wrote
      if (prefixes) for (const p of prefixes) await walk(posix.join(repo.path, p), false);
      else await walk(repo.path, true);
      return removed;
    },
    async close() {
      // a read its consumer left unfinished still holds a remote handle: closed first (at once
      // after a lost connection, where call() fails without asking)
      await Promise.all([...openReads].map((closeHandle) => closeHandle()));
      ending = true;
      client.end();
    },
  };
  return store;
}
