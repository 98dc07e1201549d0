// A repository in an S3-protocol object store (AWS or any compatible server: `endpoint`,
// `forcePathStyle`). Credentials come from the repository's `credentials` file (AWS shared-credentials
// format, its [default] profile) or, without one, the SDK's standard chain — never from the spec.
// An S3 object appears only when its upload completes (a multipart upload that fails is aborted), so
// nothing half-written is ever visible; an existing key is refused before the upload (the copy lock
// keeps two copies of a dataset from racing), and on AWS the put also carries If-None-Match: *.
// Streams go up in 8 MiB parts, 4 at a time: memory stays bounded whatever the set's size.
//
// The SDK (since 3.729) adds CRC32 checksum headers and aws-chunked trailers to every upload by
// default; several S3-compatible servers reject or mis-store those. drctl checks every object itself
// (sha256 read back, issue 15), so the SDK's own checksums are asked for only where S3 requires them
// — and S3 requires one on every upload that carries Object Lock retention, so a repository with
// `objectLock` sends them (a store that offers Object Lock takes them).
//
// Object Lock (`objectLock: { mode, days }`): every object is uploaded with that retention. Deleting
// then means deleting the object's version (a plain delete on a versioned bucket only hides it behind
// a delete marker and frees nothing); while the lock holds, the delete is refused before it is sent,
// with meta.lockedUntil, which prune reports as expected.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { DrError, messageOf } from "../errors.js";
import type { S3Repository } from "../spec/types.generated.js";
import {
  byKey,
  checkKey,
  checkPrefix,
  existsError,
  type ObjectStore,
  type PutResult,
  sortedNames,
  type StoredObject,
} from "./store.js";

/** The [default] profile of an AWS shared-credentials file. */
function readCredentials(file: string, where: string): NonNullable<S3ClientConfig["credentials"]> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new DrError("failed", `${where}: cannot read credentials ${file}: ${messageOf(e)}`);
  }
  const values = new Map<string, string>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const s = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (s?.[1]) section = s[1];
    else if (section === "default") {
      const eq = line.indexOf("=");
      if (eq > 0) values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
    }
  }
  const accessKeyId = values.get("aws_access_key_id");
  const secretAccessKey = values.get("aws_secret_access_key");
  if (!accessKeyId || !secretAccessKey)
    throw new DrError(
      "failed",
      `${where}: ${file} has no [default] profile with aws_access_key_id and aws_secret_access_key`,
    );
  const sessionToken = values.get("aws_session_token");
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

const PART_SIZE = 8 * 1024 * 1024;

/**
 * The ETag an S3 store gives an object it holds exactly as sent: the MD5 of the bytes for a single
 * PUT, the MD5 of the parts' MD5s and "-N" for a multipart upload (lib-storage cuts PART_SIZE parts).
 * A store whose ETag is something else (SSE-KMS, some compatible servers) never matches: the copy
 * then reads the object back instead.
 */
class EtagOfSent {
  private readonly whole = createHash("md5");
  private part = createHash("md5");
  private inPart = 0;
  private readonly parts: Buffer[] = [];
  update(chunk: Buffer): void {
    this.whole.update(chunk);
    for (let off = 0; off < chunk.length; ) {
      const take = Math.min(PART_SIZE - this.inPart, chunk.length - off);
      this.part.update(chunk.subarray(off, off + take));
      this.inPart += take;
      off += take;
      if (this.inPart === PART_SIZE) {
        this.parts.push(this.part.digest());
        this.part = createHash("md5");
        this.inPart = 0;
      }
    }
  }
  matches(etag: string): boolean {
    const parts = this.inPart ? [...this.parts, this.part.copy().digest()] : this.parts;
    const multipart = `${createHash("md5").update(Buffer.concat(parts)).digest("hex")}-${parts.length}`;
    return etag === this.whole.copy().digest("hex") || etag === multipart;
  }
}

function lockedError(key: string, until: string): DrError {
  return new DrError("failed", `${key} is under Object Lock until ${until}`, { meta: { lockedUntil: until } });
}

export function s3Store(repo: S3Repository): ObjectStore {
  const base = repo.prefix ? `${repo.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
  const where = `s3://${repo.bucket}/${base}`.replace(/\/$/, "") + (repo.endpoint ? ` (${repo.endpoint})` : "");
  // the SDK's notice that its 2027 releases need Node 22 says nothing about the user's data, and would
  // land in every cron mail of a copy job: silenced unless the environment already decides
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const client = new S3Client({
    region: repo.region ?? "us-east-1",
    ...(repo.endpoint ? { endpoint: repo.endpoint } : {}),
    ...(repo.forcePathStyle !== undefined ? { forcePathStyle: repo.forcePathStyle } : {}),
    ...(repo.credentials ? { credentials: readCredentials(repo.credentials, where) } : {}),
    requestChecksumCalculation: repo.objectLock ? "WHEN_SUPPORTED" : "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // the SDK retries throttling and network errors itself (exponential backoff with jitter); a
    // store that stops answering is given up on rather than waited for forever
    maxAttempts: 4,
    requestHandler: { connectionTimeout: 15_000, requestTimeout: 60_000 },
  });
  const lock = repo.objectLock;
  // close() aborts whatever is still in flight: a store that stopped answering holds no socket open
  const aborter = new AbortController();
  const sig = { abortSignal: aborter.signal };
  const keyOf = (key: string) => `${base}${checkKey(key)}`;
  const fail =
    (what: string, key: string) =>
    (e: unknown): never => {
      throw e instanceof DrError ? e : new DrError("failed", `${where}: ${what} ${key}: ${messageOf(e)}`);
    };
  /** Every page of a listing under `prefix` (with `delimiter`: one level, deeper prefixes folded). */
  async function* pages(prefix: string, delimiter?: string) {
    let token: string | undefined;
    do {
      const r = await client
        .send(
          new ListObjectsV2Command({
            Bucket: repo.bucket,
            Prefix: `${base}${prefix}`,
            ...(delimiter ? { Delimiter: delimiter } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
          sig,
        )
        .catch(fail("cannot list", prefix || "/"));
      yield r;
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }
  const store: ObjectStore = {
    where,
    async list(prefix) {
      const out: StoredObject[] = [];
      for await (const r of pages(prefix))
        for (const o of r.Contents ?? [])
          if (o.Key) out.push({ key: o.Key.slice(base.length), bytes: Number(o.Size ?? 0) });
      return byKey(out);
    },
    async children(prefix) {
      const names = new Set<string>();
      const skip = base.length + checkPrefix(prefix).length;
      for await (const r of pages(prefix, "/")) {
        for (const p of r.CommonPrefixes ?? []) if (p.Prefix) names.add(p.Prefix.slice(skip));
        for (const o of r.Contents ?? []) if (o.Key) names.add(o.Key.slice(skip));
      }
      names.delete(""); // a "directory marker" object some tools leave at the prefix itself
      return sortedNames([...names].filter((n) => !n.startsWith(".")));
    },
    async stat(key) {
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket: repo.bucket, Key: keyOf(key) }), sig);
        return { key, bytes: Number(r.ContentLength ?? 0) };
      } catch (e) {
        if (status(e) === 404) return undefined;
        return fail("cannot stat", key)(e);
      }
    },
    async put(key, body, opts = {}): Promise<PutResult> {
      if (await store.stat(key)) throw existsError(where, key);
      const hash = createHash("sha256");
      const etag = new EtagOfSent();
      let bytes = 0;
      const counted = new PassThrough();
      const source: Readable = Buffer.isBuffer(body) ? PassThrough.from([body]) : body;
      source.on("data", (c: Buffer) => {
        hash.update(c);
        etag.update(c);
        bytes += c.length;
      });
      source.once("error", (e) => counted.destroy(e));
      source.pipe(counted);
      const upload = new Upload({
        client,
        abortController: aborter,
        queueSize: 4,
        partSize: PART_SIZE,
        leavePartsOnError: false,
        params: {
          Bucket: repo.bucket,
          Key: keyOf(key),
          Body: counted,
          ...(repo.endpoint ? {} : { IfNoneMatch: "*" }),
          ...(lock && !opts.unlocked
            ? {
                ObjectLockMode: lock.mode === "compliance" ? ("COMPLIANCE" as const) : ("GOVERNANCE" as const),
                ObjectLockRetainUntilDate: new Date(Date.now() + lock.days * 86_400_000),
              }
            : {}),
        },
      });
      const done = await upload.done().catch((e) => {
        if (status(e) === 412) throw existsError(where, key);
        return fail("cannot write", key)(e);
      });
      const stored = (done as { ETag?: string }).ETag?.replaceAll('"', "");
      return {
        bytes,
        sha256: hash.digest("hex"),
        ...(stored && etag.matches(stored) ? { checkedByServer: `ETag ${stored} = MD5 of the bytes sent` } : {}),
      };
    },
    async get(key) {
      const r = await client
        .send(new GetObjectCommand({ Bucket: repo.bucket, Key: keyOf(key) }), sig)
        .catch(fail("cannot read", key));
      return r.Body as Readable;
    },
    async delete(key) {
      if (!lock) {
        await client
          .send(new DeleteObjectCommand({ Bucket: repo.bucket, Key: keyOf(key) }), sig)
          .catch(fail("cannot delete", key));
        return;
      }
      let head: { VersionId?: string; ObjectLockRetainUntilDate?: Date };
      try {
        head = await client.send(new HeadObjectCommand({ Bucket: repo.bucket, Key: keyOf(key) }), sig);
      } catch (e) {
        if (status(e) === 404) return;
        return fail("cannot stat", key)(e);
      }
      const until = head.ObjectLockRetainUntilDate;
      if (until && until.getTime() > Date.now()) throw lockedError(key, until.toISOString());
      await client
        .send(
          new DeleteObjectCommand({
            Bucket: repo.bucket,
            Key: keyOf(key),
            ...(head.VersionId ? { VersionId: head.VersionId } : {}),
          }),
          sig,
        )
        .catch((e) => {
          // the lock is the store's to enforce: a refusal it gives is the lock, not a fault
          if (status(e) === 403) throw lockedError(key, until?.toISOString() ?? "unknown");
          return fail("cannot delete", key)(e);
        });
    },
    async sweep(olderThanMs) {
      const cutoff = Date.now() - olderThanMs;
      let removed = 0;
      let keyMarker: string | undefined;
      let idMarker: string | undefined;
      do {
        const r = await client
          .send(
            new ListMultipartUploadsCommand({
              Bucket: repo.bucket,
              Prefix: base,
              ...(keyMarker ? { KeyMarker: keyMarker } : {}),
              ...(idMarker ? { UploadIdMarker: idMarker } : {}),
            }),
            sig,
          )
          .catch((e) => {
            // a store without multipart listing (some S3-compatible servers): nothing it can show to sweep
            if (status(e) === 501) return undefined;
            return fail("cannot list the unfinished uploads under", base || "/")(e);
          });
        if (!r) return removed;
        for (const u of r.Uploads ?? [])
          if (u.Key && u.UploadId && (u.Initiated?.getTime() ?? Date.now()) < cutoff) {
            await client
              .send(new AbortMultipartUploadCommand({ Bucket: repo.bucket, Key: u.Key, UploadId: u.UploadId }), sig)
              .catch(() => {});
            removed++;
          }
        keyMarker = r.IsTruncated ? r.NextKeyMarker : undefined;
        idMarker = r.IsTruncated ? r.NextUploadIdMarker : undefined;
      } while (keyMarker);
      return removed;
    },
    async close() {
      aborter.abort();
      client.destroy();
    },
  };
  return store;
}
