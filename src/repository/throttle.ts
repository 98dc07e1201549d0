// `bandwidth:` of a repository: one byte-rate limit shared by every transfer to and from it in a
// run (uploads, read-backs, fetches), so a copy in the night leaves the site's uplink usable. A
// token bucket with a quarter second of burst: smooth enough for TCP, no timer per chunk.

import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { DrError } from "../errors.js";
import type { ObjectStore } from "./store.js";

const BURST_MS = 250;
const UNITS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  kiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** "20MB/s" → 20000000 bytes a second (SI units as written; KiB/MiB/GiB binary). */
export function parseRate(text: string): number {
  const m = /^([1-9][0-9]*(?:\.[0-9]+)?)([kKMG]i?B|B)\/s$/.exec(text);
  const unit = m?.[2] ? UNITS[m[2]] : undefined;
  if (!m?.[1] || unit === undefined)
    throw new DrError("invalid", `bandwidth ${JSON.stringify(text)}: expected a rate such as 500kB/s or 20MB/s`);
  return Number(m[1]) * unit;
}

class RateLimiter {
  private next = 0;
  constructor(private readonly bytesPerSecond: number) {}
  /** Waits until `n` more bytes fit under the rate. */
  async take(n: number): Promise<void> {
    const now = Date.now();
    const start = Math.max(now - BURST_MS, this.next);
    this.next = start + (n * 1000) / this.bytesPerSecond;
    const wait = this.next - now;
    if (wait > 0) await sleep(wait);
  }
}

function limited(source: AsyncIterable<Buffer> | Iterable<Buffer>, limiter: RateLimiter): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of source) {
        await limiter.take(chunk.length);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

/** The store with every put body and every get stream held to `bytesPerSecond`, all together. */
export function throttledStore(store: ObjectStore, bytesPerSecond: number): ObjectStore {
  const limiter = new RateLimiter(bytesPerSecond);
  return {
    ...store,
    where: store.where,
    put: (key, body, opts) =>
      store.put(key, limited(Buffer.isBuffer(body) ? [body] : (body as Readable), limiter), opts),
    get: async (key) => limited((await store.get(key)) as AsyncIterable<Buffer>, limiter),
  };
}
