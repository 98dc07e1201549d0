// The journal: append-only JSON lines in the spec's state dir, each record carrying the sha256 of
// the line before it, so editing, deleting or reordering any record is detected and named.
// journal.head keeps the newest record's hash, which also covers an edit of the last record.

import { createHash } from "node:crypto";
import { constants, existsSync } from "node:fs";
import { mkdir, open, readFile, truncate } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeFileAtomic, fsyncDir } from "../adapters/fs/atomic-write.js";
import { matchDirOwner } from "../adapters/fs/owner.js";
import { withLock } from "./lock.js";
import { must } from "../errors.js";

export const GENESIS = "0".repeat(64);

export interface JournalRecord {
  seq: number;
  ts: string;
  prev: string;
  kind: string;
  host: string;
  pid: number;
  data: Record<string, unknown>;
}

export interface JournalHead {
  seq: number;
  sha256: string;
}

interface JournalProblem {
  /** 1-based line in journal.jsonl (0 for the head file). */
  line: number;
  /** The record's sequence number as far as it can be told. */
  seq?: number;
  message: string;
}

export interface JournalVerification {
  ok: boolean;
  count: number;
  head: JournalHead;
  problems: JournalProblem[];
}

export const journalFile = (stateDir: string) => join(stateDir, "journal.jsonl");
export const headFile = (stateDir: string) => join(stateDir, "journal.head");
const lockFile = (stateDir: string) => join(stateDir, "locks", "journal.lock");

export const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The last complete line of the journal, and where a torn (unterminated) tail starts if there is one. */
async function lastLine(file: string): Promise<{ line?: string; tornAt?: number }> {
  if (!existsSync(file)) return {};
  const fh = await open(file, "r");
  try {
    const size = (await fh.stat()).size;
    for (let chunk = 64 * 1024; ; chunk *= 4) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      const text = buf.toString("utf8");
      const lastNl = text.lastIndexOf("\n");
      const complete = text.slice(0, Math.max(0, lastNl));
      const prevNl = complete.lastIndexOf("\n");
      if ((lastNl < 0 || prevNl < 0) && start > 0) continue; // the line is longer than the chunk
      const tornAt = lastNl === text.length - 1 ? undefined : start + Buffer.byteLength(text.slice(0, lastNl + 1));
      const line = complete.slice(prevNl + 1);
      return { ...(line === "" ? {} : { line }), ...(tornAt === undefined ? {} : { tornAt }) };
    }
  } finally {
    await fh.close();
  }
}

export interface AppendOptions {
  now?: () => Date;
}

export async function appendJournal(
  stateDir: string,
  kind: string,
  data: Record<string, unknown>,
  opts: AppendOptions = {},
): Promise<JournalRecord> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  return await withLock(
    lockFile(stateDir),
    { waitMs: 30_000, command: `journal append (${kind})`, purpose: "the journal" },
    async () => {
      const file = journalFile(stateDir);
      const { line, tornAt } = await lastLine(file);
      if (tornAt !== undefined) {
        // an append that died before its newline was never acknowledged: set it aside, keep the chain
        const torn = await readFile(file);
        await writeFileAtomic(join(stateDir, `journal.torn-${Date.now()}`), torn.subarray(tornAt));
        await truncate(file, tornAt);
      }
      let seq = 1;
      let prev = GENESIS;
      if (line !== undefined) {
        const last = JSON.parse(line) as JournalRecord;
        seq = last.seq + 1;
        prev = sha256(line);
      }
      const record: JournalRecord = {
        seq,
        ts: (opts.now?.() ?? new Date()).toISOString(),
        prev,
        kind,
        host: hostname(),
        pid: process.pid,
        data,
      };
      const text = JSON.stringify(record);
      const isNew = !existsSync(file);
      const fh = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
      try {
        await fh.write(`${text}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (isNew) {
        await fsyncDir(stateDir);
        await matchDirOwner(file, stateDir);
      }
      await writeFileAtomic(
        headFile(stateDir),
        `${JSON.stringify({ seq, sha256: sha256(text) } satisfies JournalHead)}\n`,
        { mode: 0o600 },
      );
      await matchDirOwner(headFile(stateDir), stateDir);
      return record;
    },
  );
}

export async function readJournal(stateDir: string): Promise<JournalRecord[]> {
  const file = journalFile(stateDir);
  if (!existsSync(file)) return [];
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JournalRecord);
}

/**
 * Recompute the chain (from `start`: the record before the first line, for a copied range). Names the
 * first bad record: an edited one (its hash no longer matches the `prev` its successor stored, or
 * journal.head for the last), a deleted one (a gap in seq) or a reordering (seq out of order).
 */
export function verifyJournalText(
  text: string,
  head: JournalHead | undefined,
  start: JournalHead = { seq: 0, sha256: GENESIS },
): JournalVerification {
  const problems: JournalProblem[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else if (lines.length > 0)
    problems.push({
      line: lines.length,
      message: `line ${lines.length} is incomplete (no newline): a torn append or an edit`,
    });
  // a copy of a range continues the chain from the record before it (`start`)
  let prevHash = start.sha256;
  let prevSeq = start.seq;
  let lastHash = start.sha256;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = must(lines[i]);
    let rec: Partial<JournalRecord>;
    try {
      rec = JSON.parse(raw) as Partial<JournalRecord>;
    } catch {
      problems.push({
        line: lineNo,
        seq: prevSeq + 1,
        message: `record at line ${lineNo} is not valid JSON: it was edited or corrupted`,
      });
      return result(lines.length, problems, prevSeq, lastHash);
    }
    const seq = typeof rec.seq === "number" ? rec.seq : NaN;
    if (seq !== prevSeq + 1) {
      const want = prevSeq + 1;
      const movedTo = lines.findIndex((l, j) => j > i && seqOf(l) === want);
      const message =
        movedTo >= 0 && seq > want
          ? `records were reordered: line ${lineNo} holds seq ${seq}, but seq ${want} belongs there (found at ` +
            `line ${movedTo + 1})`
          : seq > want
            ? `record seq ${want}${seq - 1 > want ? `..${seq - 1}` : ""} is missing before line ${lineNo} (deleted)`
            : `record at line ${lineNo} has seq ${seq}, expected ${want}: records were reordered or duplicated`;
      problems.push({ line: lineNo, seq: prevSeq + 1, message });
      return result(lines.length, problems, prevSeq, lastHash);
    }
    if (rec.prev !== prevHash && i === 0 && start.seq > 0) {
      problems.push({
        line: 1,
        seq,
        message:
          `record seq ${seq} (line 1) does not continue the chain from the record before the copy (sha256 ` +
          `${start.sha256.slice(0, 16)}…): it or the anchor was changed`,
      });
      return result(lines.length, problems, prevSeq, lastHash);
    }
    if (rec.prev !== prevHash) {
      problems.push({
        line: i,
        seq: prevSeq,
        message:
          `record seq ${prevSeq} (line ${i}) was modified: its sha256 no longer matches the one record seq ` +
          `${seq} stored`,
      });
      return result(lines.length, problems, prevSeq, lastHash);
    }
    prevHash = sha256(raw);
    lastHash = prevHash;
    prevSeq = seq;
  }
  if (head) {
    if (head.seq > prevSeq) {
      problems.push({
        line: lines.length,
        seq: prevSeq + 1,
        message:
          `record seq ${prevSeq + 1}${head.seq > prevSeq + 1 ? `..${head.seq}` : ""} is missing at the end ` +
          `(journal.head says the newest is seq ${head.seq})`,
      });
    } else if (head.seq === prevSeq && head.sha256 !== lastHash) {
      problems.push({
        line: lines.length,
        seq: prevSeq,
        message:
          `record seq ${prevSeq} (line ${lines.length}, the newest) was modified: its sha256 no longer matches ` +
          `journal.head`,
      });
    } else if (
      head.seq < prevSeq - 1 ||
      (head.seq === prevSeq - 1 && head.sha256 !== sha256(lines[lines.length - 2] ?? ""))
    ) {
      problems.push({
        line: 0,
        seq: head.seq,
        message: `journal.head (seq ${head.seq}) does not belong to this journal`,
      });
    }
  }
  return result(lines.length, problems, prevSeq, lastHash);
}

function seqOf(line: string): number | undefined {
  try {
    return (JSON.parse(line) as { seq?: number }).seq;
  } catch {
    return undefined;
  }
}

function result(count: number, problems: JournalProblem[], seq: number, sha: string): JournalVerification {
  return { ok: problems.length === 0, count, head: { seq, sha256: sha }, problems };
}

export async function verifyJournal(stateDir: string): Promise<JournalVerification> {
  const file = journalFile(stateDir);
  const text = existsSync(file) ? await readFile(file, "utf8") : "";
  let head: JournalHead | undefined;
  if (existsSync(headFile(stateDir))) {
    try {
      head = JSON.parse(await readFile(headFile(stateDir), "utf8")) as JournalHead;
    } catch {
      return {
        ok: false,
        count: 0,
        head: { seq: 0, sha256: GENESIS },
        problems: [{ line: 0, message: "journal.head is not valid JSON" }],
      };
    }
  } else if (text !== "") {
    return {
      ...verifyJournalText(text, undefined),
      ok: false,
      problems: [{ line: 0, message: "journal.head is missing" }],
    };
  }
  return verifyJournalText(text, head);
}
