// Notifications after a job (issue 18 §2): under a lock, the state as last notified is read, what
// changed is worked out (core/notify.ts), each target gets one message with everything it listens to,
// with bounded retries; every delivery is journaled, a failed one is kept and sent with the next message.
// Nothing here fails the job: the caller reports a problem and keeps its exit code.

import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { deliver, describeTarget, type Message } from "../adapters/notify/send.js";
import { writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { stateDirOf } from "../core/desired.js";
import {
  emptyNotifyState,
  evaluateNotify,
  messageSubject,
  messageText,
  type JobOutcome,
  type NotifyEvent,
  type NotifyState,
} from "../core/notify.js";
import type { StatusReport } from "../core/status.js";
import { messageOf } from "../errors.js";
import type { DrSpec, NotifyTarget } from "../spec/types.generated.js";
import { appendJournal } from "../state/journal.js";
import { acquireLock } from "../state/lock.js";

const RETRY_DELAYS_MS = [1000, 3000];
/** Undelivered events kept per target for the next message; the oldest go first past this. */
const MAX_PENDING = 50;

interface StoredState extends NotifyState {
  /** Per target index: events a failed delivery did not bring, sent with the next message. */
  pending?: Record<string, NotifyEvent[]>;
}

export interface Delivery {
  target: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

async function readState(file: string): Promise<StoredState> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as StoredState;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyNotifyState();
    throw e;
  }
}

/** Sends with bounded retries; the journal gets one record per delivery, failed or not. */
async function send(spec: DrSpec, t: NotifyTarget, m: Message, kinds: string[]): Promise<Delivery> {
  const target = describeTarget(t);
  let error: string | undefined;
  let attempts = 0;
  for (const delay of [0, ...RETRY_DELAYS_MS]) {
    if (delay) await sleep(delay);
    attempts++;
    try {
      await deliver(t, m);
      error = undefined;
      break;
    } catch (e) {
      error = messageOf(e);
    }
  }
  const d: Delivery = { target, ok: error === undefined, attempts, ...(error ? { error } : {}) };
  await appendJournal(stateDirOf(spec), "notify", { ...d, subject: m.subject, events: kinds });
  return d;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function message(spec: DrSpec, events: NotifyEvent[], now: Date): Message {
  const host = hostname();
  return {
    subject: messageSubject(spec.project, events),
    text: messageText(spec.project, host, events, now),
    body: { project: spec.project, host, at: now.toISOString(), events },
  };
}

/** After a job: what changed since the last message, to each target that listens. */
export async function notifyAfterJob(
  spec: DrSpec,
  report: StatusReport,
  job: JobOutcome | undefined,
  now = new Date(),
): Promise<Delivery[]> {
  const targets = spec.notify ?? [];
  if (!targets.length) return [];
  const dir = stateDirOf(spec);
  const lock = await acquireLock(join(dir, "locks", "notify.lock"), {
    waitMs: 120_000,
    command: "drctl notify",
    purpose: "notifications",
  });
  try {
    const file = join(dir, "notify-state.json");
    const prev = await readState(file);
    const { events, next } = evaluateNotify(prev, report, job, targets, now);
    const pending: Record<string, NotifyEvent[]> = {};
    const out: Delivery[] = [];
    for (const [i, t] of targets.entries()) {
      const all = [...(prev.pending?.[String(i)] ?? []), ...(events[i] ?? [])].slice(-MAX_PENDING);
      if (!all.length) continue;
      const d = await send(spec, t, message(spec, all, now), [...new Set(all.map((e) => e.kind))]);
      out.push(d);
      if (!d.ok) pending[String(i)] = all;
    }
    await writeFileAtomic(file, `${JSON.stringify({ ...next, pending }, null, 2)}\n`, { mode: 0o600 });
    return out;
  } finally {
    await lock.release();
  }
}

/** `drctl notify test`: one test message to each target, journaled; nothing else changes. */
export async function notifyTest(spec: DrSpec, now = new Date()): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const t of spec.notify ?? []) {
    const events: NotifyEvent[] = [
      { kind: "recovered", subject: "test", text: `a test message from drctl to ${describeTarget(t)}` },
    ];
    const m = message(spec, events, now);
    m.subject = `[drctl ${spec.project}] test message`;
    out.push(await send(spec, t, m, ["test"]));
  }
  return out;
}
