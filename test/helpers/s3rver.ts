// An S3-protocol server for the S3 repository tests: npm's s3rver, in this process, on a free
// loopback port, its buckets in a temp dir. The credentials file is what an operator would write
// (AWS shared-credentials format, mode 0600) with s3rver's fixed test key.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../src/adapters/sandbox/mariadb-sandbox.js";
// @ts-expect-error s3rver ships no types
import S3rver from "s3rver";

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the bucket's objects (as files of its own layout). */
  directory: string;
  credentials: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startS3rver(dir: string, bucket = "drctl-test"): Promise<S3Server> {
  const directory = join(dir, "buckets");
  mkdirSync(directory, { recursive: true });
  const credentials = join(dir, "credentials");
  writeFileSync(credentials, "[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n", {
    mode: 0o600,
  });
  const port = await freePort();
  let server: { run(): Promise<unknown>; close(): Promise<void> } | undefined;
  const s3: S3Server = {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    directory,
    credentials,
    async start() {
      server = new S3rver({
        port,
        address: "127.0.0.1",
        silent: true,
        directory,
        vhostBuckets: false,
        configureBuckets: [{ name: bucket, configs: [] }],
      });
      listLikeS3((server as unknown as { store: ListingStore }).store);
      await server?.run();
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
  };
  await s3.start();
  return s3;
}

interface ListingStore {
  listObjects(
    bucket: string,
    options: { delimiter?: string; prefix?: string; startAfter?: string; maxKeys?: number },
  ): Promise<{ objects: { key: string }[]; commonPrefixes: string[]; isTruncated: boolean }>;
}

/**
 * s3rver prunes the directories beneath a common prefix before it has found their keys, so with a
 * delimiter a prefix two levels down ("binlogs/" → "db1/" when the keys are "binlogs/db1/<id>/…")
 * is never listed; S3 (and MinIO, Ceph) list it. Its listing with a delimiter is rebuilt here from
 * its listing without one, as S3 defines it.
 */
function listLikeS3(store: ListingStore): void {
  const original = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const delimiter = options.delimiter;
    if (!delimiter) return original(bucket, options);
    const prefix = options.prefix ?? "";
    const all = await original(bucket, { ...options, delimiter: "", maxKeys: Number.POSITIVE_INFINITY });
    const commonPrefixes = new Set<string>();
    const objects = all.objects.filter((o) => {
      const at = o.key.slice(prefix.length).indexOf(delimiter);
      if (at === -1) return true;
      commonPrefixes.add(o.key.slice(0, prefix.length + at + delimiter.length));
      return false;
    });
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
  };
}
