// The backup stream: a producer (a dump tool, mariadb-backup, mysqlbinlog's staged file) piped
// through zstd and, when the spec asks, age — into one file, hashed and counted on the way.
// Memory stays flat whatever the size (pipes with backpressure, no temp copies). DESIGN §8 rule 1:
// the result is trusted only when EVERY stage exited 0 — a dump that dies mid-way while zstd exits
// 0 downstream is a failure that names the dump and its stderr.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { open } from "node:fs/promises";
import { readFile, writeFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { DrError, must } from "../../errors.js";
import { registerChild } from "../process/interrupt.js";
import { storageCause } from "../fs/space.js";

export interface Stage {
  /** Shown in errors: "mariadb-dump", "zstd", "age". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Exit codes that still mean success (default [0]). */
  okCodes?: number[];
  /**
   * Read the start of this stage's output (e.g. a dump's header with its binlog coordinates) into
   * `file` before the next stage starts; the next stage must read `file` and then its stdin (zstd
   * and cat do: `zstd … FILE -`). The rest never passes through this process: a full pass through
   * node costs ~2 s/GB on these machines, the kernel pipe nothing.
   */
  peel?: HeadPeel;
  /** Sees this stage's stderr as it comes (all of it; the error message keeps only the tail). */
  onStderr?: (chunk: Buffer) => void;
}

interface HeadPeel {
  file: string;
  /** Stop reading once the head holds what is needed. */
  enough: (head: Buffer) => boolean;
  maxBytes: number;
  /** Called with the head as soon as it is read, while the rest still streams. */
  onHead?: (head: Buffer) => void;
  /**
   * Awaited with the head before the next stage starts (the producer waits on a full pipe meanwhile).
   * true: the producer is known to have finished, so the rest is short — read it into the head too.
   */
  readRest?: (head: Buffer) => Promise<boolean>;
}

export interface StreamResult {
  /** Bytes written to the file (after compression and encryption). */
  bytes: number;
  sha256: string;
  /** The file's first bytes (up to 64): enough to check it is what its encoding claims. */
  head: Buffer;
  /** stderr of each stage, trimmed to its tail (tools report progress and warnings there). */
  stderr: Record<string, string>;
}

export interface StreamOptions {
  producer: Stage;
  /** zstd level; the worker count follows the machine. */
  zstdLevel?: number;
  /** false: store the producer's bytes uncompressed (spec `compression: none`). */
  compress?: boolean;
  /** age recipients (public keys or a recipients file path): encryption needs no private key. */
  ageRecipientsFile?: string;
  /** Called with the stored byte count as data flows (for progress). */
  onProgress?: (bytes: number) => void;
  /** Aborted: every stage is sent SIGTERM (the stream then fails; the caller discards the file). */
  signal?: AbortSignal;
}

const STDERR_TAIL = 8 * 1024;
/** At most this much of a finished producer's rest is read into its head (a pipe buffer holds far less). */
const REST_MAX = 16 << 20;
const NO_SPACE = /No space left on device|ENOSPC|Disk quota exceeded|Read-only file system/i;

/** Bytes a process has read (rchar of /proc/PID/io), or undefined once it is gone. */
async function readBytesOf(pid: number): Promise<number | undefined> {
  try {
    const m = /^rchar:\s*(\d+)$/m.exec(await readFile(`/proc/${pid}/io`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Is `command` runnable: a path that exists, or a name found in one of PATH's directories? */
function onPath(command: string): boolean {
  const runnable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes("/")) return runnable(command);
  return (process.env.PATH ?? "").split(":").some((d) => d !== "" && runnable(`${d}/${command}`));
}

function tail(s: string): string {
  const t = s.length > STDERR_TAIL ? `…${s.slice(-STDERR_TAIL)}` : s;
  return t.trim();
}

/** The stages after the producer: compression, then (optionally) encryption. */
function filterStages(
  opts: Pick<StreamOptions, "zstdLevel" | "ageRecipientsFile" | "compress">,
  headFile?: string,
): Stage[] {
  // a peeled head goes first: zstd and cat read the file, then stdin ("-")
  const inputs = headFile ? [headFile, "-"] : [];
  const stages: Stage[] =
    opts.compress === false
      ? headFile
        ? [{ name: "cat", command: "cat", args: inputs }]
        : []
      : [{ name: "zstd", command: "zstd", args: ["-q", "-c", `-${opts.zstdLevel ?? 3}`, "-T0", ...inputs] }];
  if (opts.ageRecipientsFile)
    stages.push({ name: "age", command: "age", args: ["--encrypt", "--recipients-file", opts.ageRecipientsFile] });
  return stages;
}

/**
 * Reads from `stream` until `peel.enough` (when given) says so, `maxBytes`, or the end — then stops reading
 * (nothing more is taken from the kernel) and returns every byte taken, buffered ones included.
 */
/** Streams whose handle readHead stopped (node still believes them reading, so a later read must restart them). */
const stopped = new WeakSet<Readable>();

function readHead(
  stream: Readable,
  peel: { enough?: (head: Buffer) => boolean; maxBytes: number },
): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    let done = false;
    let ended = false;
    const finish = () => {
      if (done) return;
      done = true;
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.pause();
      // pause() alone does not stop a socket from reading on into its buffer (and those bytes would
      // be lost to the next stage): stop the handle itself, then take what was buffered
      const handle = (stream as unknown as { _handle?: { readStop?: () => number } })._handle;
      if (!ended && typeof handle?.readStop !== "function") {
        reject(new Error("cannot stop reading the producer's output (node internals changed)"));
        return;
      }
      handle?.readStop?.();
      if (handle) stopped.add(stream);
      for (let c = stream.read() as Buffer | null; c !== null; c = stream.read() as Buffer | null) parts.push(c);
      resolve({ head: Buffer.concat(parts), ended: ended || stream.readableEnded || !handle });
    };
    const onData = (c: Buffer) => {
      parts.push(c);
      n += c.length;
      if (n >= peel.maxBytes || peel.enough?.(Buffer.concat(parts))) finish();
    };
    const onEnd = () => {
      ended = true;
      finish();
    };
    if (stopped.delete(stream))
      (stream as unknown as { _handle?: { readStart?: () => number } })._handle?.readStart?.();
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("error", (e) => (done ? undefined : reject(e)));
  });
}

/**
 * Runs stages as one pipe and hands the last stage's output to `sink`. Resolves only when every
 * stage exited with an ok code; otherwise rejects naming the first stage (in pipe order) that failed.
 */
export async function runPipeline(
  stages: Stage[],
  sink: ((chunk: Buffer) => Promise<void>) | { fd: number },
  opts: { onRead?: (bytes: number) => void; signal?: AbortSignal } = {},
): Promise<{ stderr: Record<string, string> }> {
  opts.signal?.throwIfAborted();
  // a tool that is not installed is named before anything starts (it used to surface as the dump's broken pipe)
  for (const stage of stages) {
    if (!onPath(stage.command)) {
      throw new DrError(
        "failed",
        `stage ${stage.name} cannot start: ${stage.command} is not installed (not found on PATH); nothing was started`,
        {
          hint:
            `install it (Debian: apt-get install ` +
            `${["mariadb-dump", "mysqlbinlog"].includes(stage.command) ? "mariadb-client" : stage.command})`,
          meta: { stage: stage.name },
        },
      );
    }
  }
  const children: ChildProcess[] = [];
  const stderr: Record<string, string> = {};
  const exits: Promise<{ stage: Stage; code: number | null; signal: NodeJS.Signals | null; error?: Error }>[] = [];
  for (const [i, stage] of stages.entries()) {
    // each stage reads the previous one's stdout directly (a kernel pipe, as a shell would wire it):
    // the bulk data never passes through this process — which is why this is node's spawn handing file
    // descriptors from child to child, not execa (whose pipes go through this process)
    const prev = children[i - 1];
    const peel = stages[i - 1]?.peel;
    let stdin: "ignore" | Readable = prev ? must(prev.stdout) : "ignore";
    if (prev && peel) {
      let { head, ended } = await readHead(must(prev.stdout), peel);
      if (!ended && (await peel.readRest?.(head))) {
        const rest = await readHead(must(prev.stdout), { maxBytes: REST_MAX });
        head = Buffer.concat([head, rest.head]);
        ended = rest.ended;
      }
      await writeFile(peel.file, head, { mode: 0o600 });
      peel.onHead?.(head);
      if (ended) stdin = "ignore"; // everything was in the head: the next stage reads the file, then EOF
    }
    // the last stage writes straight into the sink's file when there is one (no copy through this process)
    const stdout = i === stages.length - 1 && typeof sink === "object" ? sink.fd : "pipe";
    const child = spawn(stage.command, stage.args, { stdio: [stdin, stdout, "pipe"], env: stage.env ?? process.env });
    registerChild(child);
    if (prev) must(prev.stdout).destroy(); // the child holds its own copy; ours must not read from it
    stderr[stage.name] = "";
    must(child.stderr).on("data", (d: Buffer) => {
      stage.onStderr?.(d);
      stderr[stage.name] = (must(stderr[stage.name]) + d.toString()).slice(-2 * STDERR_TAIL);
    });
    exits.push(
      new Promise((resolve) => {
        child.once("error", (error) => resolve({ stage, code: null, signal: null, error }));
        child.once("close", (code, signal) => resolve({ stage, code, signal }));
      }),
    );
    children.push(child);
  }
  const abort = () => {
    for (const c of children) c.kill("SIGTERM");
  };
  if (opts.signal?.aborted) abort();
  else opts.signal?.addEventListener("abort", abort, { once: true });
  // progress of a pipeline whose first stage reads a stored file itself: the bytes that process has read so far
  const first = children[0];
  const watch =
    opts.onRead && first?.pid
      ? setInterval(() => readBytesOf(must(first.pid)).then((n) => n !== undefined && must(opts.onRead)(n)), 500)
      : undefined;
  let sinkError: Error | undefined;
  try {
    if (typeof sink === "function")
      for await (const chunk of must(must(children.at(-1)).stdout) as AsyncIterable<Buffer>) await sink(chunk);
  } catch (e) {
    sinkError = e as Error;
    for (const c of children) c.kill("SIGTERM");
  }
  const results = await Promise.all(exits).finally(() => {
    if (watch) clearInterval(watch);
    opts.signal?.removeEventListener("abort", abort);
  });
  const failed = results.filter(
    (r) => !(r.code !== null && (r.stage.okCodes ?? [0]).includes(r.code)) && !(sinkError && r.signal === "SIGTERM"),
  );
  // blame the cause, not its echo: a stage that could not start, then one that ran out of disk, then
  // any not killed by SIGPIPE (a writer killed by SIGPIPE only says its reader died first)
  const full = (r: (typeof failed)[number]) => NO_SPACE.test(stderr[r.stage.name] ?? "");
  for (const r of [
    ...failed.filter((f) => f.error),
    ...failed.filter(full),
    ...failed.filter((f) => f.signal !== "SIGPIPE"),
    ...failed,
  ]) {
    const how = r.error
      ? `could not start: ${r.error.message}`
      : r.signal
        ? `was killed by ${r.signal}`
        : `exited ${r.code}`;
    const said = tail(stderr[r.stage.name] ?? "");
    throw new DrError("failed", `stage ${r.stage.name} ${how}${said ? `: ${said}` : ""}`, {
      hint: r.error ? `is ${r.stage.command} installed?` : undefined,
      meta: { stage: r.stage.name, code: r.code, signal: r.signal },
    });
  }
  if (sinkError) throw sinkError;
  return { stderr: Object.fromEntries(Object.entries(stderr).map(([k, v]) => [k, tail(v)])) };
}

/**
 * Streams producer → zstd [→ age] into `file` (created exclusively, 0600, fsynced). The caller
 * publishes it (rename, manifest) only after this resolves; on any failure the file is incomplete
 * and the error names the first stage that failed.
 */
export async function streamToFile(file: string, opts: StreamOptions): Promise<StreamResult> {
  const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600).catch((e: Error) => {
    throw new DrError("failed", `cannot create ${file}: ${e.message}`);
  });
  // the last stage writes the file itself; this process hashes it as it grows, reading it back
  // from the page cache in large blocks (a pipe through node costs ~2 s/GB here, a file read little)
  const reader = await open(file, constants.O_RDONLY);
  const hash = createHash("sha256");
  let bytes = 0;
  let finished = false;
  // the follower sleeps between reads of a file that has not grown; the writers' end wakes it at once
  let wake = () => {};
  let head = Buffer.alloc(0);
  const block = Buffer.allocUnsafe(4 << 20);
  const follow = (async () => {
    for (;;) {
      const done = finished; // read once more after the writers are gone: everything is there then
      const { bytesRead } = await reader.read(block, 0, block.length, bytes);
      if (bytesRead > 0) {
        hash.update(block.subarray(0, bytesRead));
        if (head.length < 64) head = Buffer.concat([head, block.subarray(0, Math.min(bytesRead, 64 - head.length))]);
        bytes += bytesRead;
        opts.onProgress?.(bytes);
        continue;
      }
      if (done) return;
      await new Promise<void>((r) => {
        const t = setTimeout(r, 25);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  })();
  try {
    let r: { stderr: Record<string, string> };
    try {
      r = await runPipeline(
        [opts.producer, ...filterStages(opts, opts.producer.peel?.file)],
        { fd: fh.fd },
        {
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      );
    } finally {
      finished = true;
      wake();
    }
    await follow;
    await fh.sync();
    const size = (await fh.stat()).size;
    if (size !== bytes) throw new DrError("failed", `${file}: hashed ${bytes} bytes but the file holds ${size}`);
    return { bytes, sha256: hash.digest("hex"), head, stderr: r.stderr };
  } catch (e) {
    finished = true;
    wake();
    await follow.catch(() => {});
    if (e instanceof DrError) throw e;
    const cause = storageCause(e);
    throw new DrError(
      "failed",
      cause ? `writing ${file} failed: ${cause}` : `writing ${file} failed: ${(e as Error).message}`,
      cause ? { hint: "the repository's disk: free space or fix the mount; nothing was published" } : {},
    );
  } finally {
    await reader.close();
    await fh.close();
  }
}

/** A producer that reads a file (a tool's staged output) into the pipeline. */
export function fileProducer(path: string, name = "read"): Stage {
  return { name, command: "cat", args: ["--", path] };
}

export interface DecodeOptions {
  ageIdentityFile?: string;
  /** Whether the stored file is zstd-compressed (default true). */
  compressed?: boolean;
}

/** The stages that turn a stored file back into the tool's raw bytes: age → zstd, as the set was written. */
export function decodeStages(file: string, opts: DecodeOptions = {}): Stage[] {
  const compressed = opts.compressed !== false;
  const stages: Stage[] = [];
  if (opts.ageIdentityFile)
    stages.push({ name: "age", command: "age", args: ["--decrypt", "--identity", opts.ageIdentityFile, "--", file] });
  if (compressed)
    stages.push({ name: "zstd", command: "zstd", args: ["-q", "-d", "-c", ...(stages.length ? [] : ["--", file])] });
  if (!stages.length) stages.push(fileProducer(file));
  return stages;
}

/** Reads a stored file back through age (when an identity is given) and zstd: the raw stream's sha256 and size. */
export async function decodeFile(
  file: string,
  opts: DecodeOptions = {},
): Promise<{ rawBytes: number; rawSha256: string }> {
  const hash = createHash("sha256");
  let rawBytes = 0;
  await runPipeline(decodeStages(file, opts), async (chunk) => {
    hash.update(chunk);
    rawBytes += chunk.length;
  });
  return { rawBytes, rawSha256: hash.digest("hex") };
}
