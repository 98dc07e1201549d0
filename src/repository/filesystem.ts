// A repository that is a directory on this host. A put writes a temporary `.put-*` file beside the
// object, fsyncs it and hard-links it into place: link(2) fails when the name exists, so an
// existing object is never replaced, and nothing half-written ever carries the object's name.

import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { link, mkdir, open, readdir, rm, rmdir, stat, unlink } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { fsyncDir } from "../adapters/fs/atomic-write.js";
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

/** A directory's store; it always knows where an object lies, so tools can read and write in place. */
export type FilesystemStore = ObjectStore & { localPath(key: string): string };

export function filesystemStore(root: string): FilesystemStore {
  const pathOf = (key: string) => join(root, ...checkKey(key).split("/"));
  return {
    where: root,
    async list(prefix) {
      const out: StoredObject[] = [];
      const walk = async (dir: string): Promise<void> => {
        let entries: import("node:fs").Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
          throw e;
        }
        for (const e of entries) {
          if (e.name.startsWith(".")) continue; // a put in flight, a set being born, drctl's marker
          const path = join(dir, e.name);
          if (e.isDirectory()) await walk(path);
          else if (e.isFile()) {
            const key = relative(root, path).split(sep).join("/");
            if (!key.startsWith(prefix)) continue;
            const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
              if (err.code === "ENOENT") return undefined; // removed since readdir (a prune, a sweep)
              throw err;
            });
            if (st) out.push({ key, bytes: st.size });
          }
        }
      };
      const dirPart = prefixDirectory(prefix);
      await walk(dirPart ? join(root, ...dirPart.split("/")) : root);
      return byKey(out);
    },
    async children(prefix) {
      const dir = checkPrefix(prefix) ? join(root, ...prefix.slice(0, -1).split("/")) : root;
      const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT" || e.code === "ENOTDIR") return [];
        throw e;
      });
      return sortedNames(
        entries.flatMap((e) =>
          e.name.startsWith(".") ? [] : e.isDirectory() ? [`${e.name}/`] : e.isFile() ? [e.name] : [],
        ),
      );
    },
    async stat(key) {
      try {
        const st = await stat(pathOf(key));
        return st.isFile() ? { key, bytes: st.size } : undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
    async put(key, body): Promise<PutResult> {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = join(dirname(path), `.put-${randomBytes(6).toString("hex")}`);
      const hash = createHash("sha256");
      let bytes = 0;
      const fh = await open(tmp, "wx", 0o600);
      try {
        try {
          const chunks: AsyncIterable<Buffer> | Iterable<Buffer> = Buffer.isBuffer(body) ? [body] : (body as Readable);
          for await (const chunk of chunks) {
            hash.update(chunk);
            bytes += chunk.length;
            await fh.write(chunk);
          }
          await fh.sync();
        } finally {
          await fh.close();
        }
        await link(tmp, path).catch((e: NodeJS.ErrnoException) => {
          throw e.code === "EEXIST" ? existsError(root, key) : e;
        });
        await fsyncDir(dirname(path));
      } finally {
        await unlink(tmp).catch(() => {});
      }
      return { bytes, sha256: hash.digest("hex") };
    },
    async get(key) {
      const path = pathOf(key);
      await stat(path); // a missing object fails here, with its name, rather than on the first read
      // 1 MiB reads: at the default 64 KiB a 1 GB copy spent twice the garbage collection and read calls
      return createReadStream(path, { highWaterMark: 1 << 20 });
    },
    localPath: pathOf,
    async delete(key) {
      const path = pathOf(key);
      await rm(path, { force: true });
      await fsyncDir(dirname(path)).catch(() => {}); // a manifest's removal is durable before its files go
      // the set's directories go with its last object (a prune leaves no empty husks), never the
      // first two levels (sets/<dataset>): a backup may be creating its set directory there
      const segments = key.split("/").slice(0, -1);
      for (; segments.length > 2; segments.pop()) {
        const removed = await rmdir(join(root, ...segments)).then(
          () => true,
          () => false, // not empty (or gone): what is above it is not empty either
        );
        if (!removed) break;
      }
    },
    async sweep(olderThanMs, prefixes) {
      let removed = 0;
      const cutoff = Date.now() - olderThanMs;
      const walk = async (dir: string, deep: boolean): Promise<void> => {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          const path = join(dir, e.name);
          if (e.isDirectory() && !e.name.startsWith(".")) {
            if (deep) await walk(path, deep);
          } else if (e.isFile() && e.name.startsWith(".put-") && (await stat(path)).mtimeMs < cutoff) {
            await unlink(path).catch(() => {});
            removed++;
          }
        }
      };
      if (prefixes) for (const p of prefixes) await walk(join(root, ...p.split("/").filter(Boolean)), false);
      else await walk(root, true);
      return removed;
    },
    async close() {},
  };
}
