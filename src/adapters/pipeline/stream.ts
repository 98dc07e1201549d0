// The backup stream: a producer (a dump tool, mariadb-backup, mysqlbinlog's staged file) piped
// through zstd and, when the spec asks, age — into one file, hashed and counted on the way.
// Memory stays flat whatever the size (pipes with backpressure, no temp copies). DESIGN §8 rule 1:
// the result is trusted only when EVERY stage exited 0 — a dump that dies mid-way while zstd exits
// 0 downstream is a failure that names the dump and its stderr.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DrError } from "../../errors.js";

export interface Stage {
  /** Shown in errors: "mariadb-dump", "zstd", "age". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Exit codes that still mean success (default [0]). */
  okCodes?: number[];
  /**
   * Sees every chunk of this stage's output on its way to the next stage (e.g. to find a dump's
   * trailer and the tables it holds). Costs a pass through this process; stages without a tap
   * are wired by kernel pipes.
   */
  tap?: (chunk: Buffer) => void;
}

export interface StreamResult {
  /** Bytes written to the file (after compression and encryption). */
  bytes: number;
  sha256: string;
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
}

const STDERR_TAIL = 8 * 1024;

function tail(s: string): string {
  const t = s.length > STDERR_TAIL ? "…" + s.slice(-STDERR_TAIL) : s;
  return t.trim();
}

/** The stages after the producer: compression, then (optionally) encryption. */
export function filterStages(opts: Pick<StreamOptions, "zstdLevel" | "ageRecipientsFile" | "compress">): Stage[] {
  const stages: Stage[] = opts.compress === false ? [] : [{ name: "zstd", command: "zstd", args: ["-q", "-c", `-${opts.zstdLevel ?? 3}`, "-T0"] }];
  if (opts.ageRecipientsFile) stages.push({ name: "age", command: "age", args: ["--encrypt", "--recipients-file", opts.ageRecipientsFile] });
  return stages;
}

/**
 * Runs stages as one pipe and hands the last stage's output to `sink`. Resolves only when every
 * stage exited with an ok code; otherwise rejects naming the first stage (in pipe order) that failed.
 */
export async function runPipeline(stages: Stage[], sink: (chunk: Buffer) => Promise<void>): Promise<{ stderr: Record<string, string> }> {
  const children: ChildProcess[] = [];
  const stderr: Record<string, string> = {};
  const exits: Promise<{ stage: Stage; code: number | null; signal: NodeJS.Signals | null; error?: Error }>[] = [];
  const relays: Promise<void>[] = [];
  for (const [i, stage] of stages.entries()) {
    // each stage reads the previous one's stdout directly (a kernel pipe, as a shell would wire it):
    // the bulk data never passes through this process unless a stage asked for a tap
    const prev = children[i - 1];
    const tapped = stages[i - 1]?.tap;
    const stdin = !prev ? "ignore" : tapped ? "pipe" : prev.stdout!;
    const child = spawn(stage.command, stage.args, { stdio: [stdin, "pipe", "pipe"], env: stage.env ?? process.env });
    if (prev && tapped) {
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          tapped(chunk);
          done(null, chunk);
        },
      });
      // a reader that dies early shows up as its own exit status; the relay must not throw EPIPE at us
      child.stdin!.on("error", () => {});
      relays.push(
        pipeline(prev.stdout!, tap, child.stdin!).catch(() => {
          prev.kill("SIGPIPE");
        }),
      );
    } else if (prev) prev.stdout!.destroy(); // the child holds its own copy; ours must not read from it
    stderr[stage.name] = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr[stage.name] = (stderr[stage.name]! + d.toString()).slice(-2 * STDERR_TAIL);
    });
    exits.push(
      new Promise((resolve) => {
        child.once("error", (error) => resolve({ stage, code: null, signal: null, error }));
        child.once("close", (code, signal) => resolve({ stage, code, signal }));
      }),
    );
    children.push(child);
  }
  let sinkError: Error | undefined;
  try {
    for await (const chunk of children.at(-1)!.stdout! as AsyncIterable<Buffer>) await sink(chunk);
  } catch (e) {
    sinkError = e as Error;
    for (const c of children) c.kill("SIGTERM");
  }
  const results = await Promise.all(exits);
  await Promise.all(relays);
  const failed = results.filter((r) => !(r.code !== null && (r.stage.okCodes ?? [0]).includes(r.code)) && !(sinkError && r.signal === "SIGTERM"));
  // a writer killed by SIGPIPE only says its reader died first: name the reader
  for (const r of [...failed.filter((f) => f.signal !== "SIGPIPE"), ...failed]) {
    const how = r.error ? `could not start: ${r.error.message}` : r.signal ? `was killed by ${r.signal}` : `exited ${r.code}`;
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
  const hash = createHash("sha256");
  let bytes = 0;
  const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600).catch((e: Error) => {
    throw new DrError("failed", `cannot create ${file}: ${e.message}`);
  });
  try {
    const r = await runPipeline([opts.producer, ...filterStages(opts)], async (chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
      await fh.write(chunk);
      opts.onProgress?.(bytes);
    });
    await fh.sync();
    return { bytes, sha256: hash.digest("hex"), stderr: r.stderr };
  } catch (e) {
    if (e instanceof DrError) throw e;
    throw new DrError("failed", `writing ${file} failed: ${(e as Error).message}`);
  } finally {
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
  if (opts.ageIdentityFile) stages.push({ name: "age", command: "age", args: ["--decrypt", "--identity", opts.ageIdentityFile, "--", file] });
  if (compressed) stages.push({ name: "zstd", command: "zstd", args: ["-q", "-d", "-c", ...(stages.length ? [] : ["--", file])] });
  if (!stages.length) stages.push(fileProducer(file));
  return stages;
}

/** Reads a stored file back through age (when an identity is given) and zstd: the raw stream's sha256 and size. */
export async function decodeFile(file: string, opts: DecodeOptions = {}): Promise<{ rawBytes: number; rawSha256: string }> {
  const hash = createHash("sha256");
  let rawBytes = 0;
  await runPipeline(decodeStages(file, opts), async (chunk) => {
    hash.update(chunk);
    rawBytes += chunk.length;
  });
  return { rawBytes, rawSha256: hash.digest("hex") };
}
