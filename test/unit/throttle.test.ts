// `bandwidth:` of a repository: the rate as written, and a limit that holds over real time (a lower
// bound only: a slow machine is never too fast).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { filesystemStore } from "../../src/repository/filesystem.js";
import { parseRate, throttledStore } from "../../src/repository/throttle.js";

describe("parseRate", () => {
  it("reads SI and binary units per second", () => {
    expect(parseRate("20MB/s")).toBe(20_000_000);
    expect(parseRate("500kB/s")).toBe(500_000);
    expect(parseRate("1.5GB/s")).toBe(1_500_000_000);
    expect(parseRate("4MiB/s")).toBe(4 * 1024 * 1024);
    expect(parseRate("100B/s")).toBe(100);
  });
  it("refuses anything else, naming it", () => {
    for (const bad of ["20MB", "20 MB/s", "fast", "0MB/s", "20mb/s"])
      expect(() => parseRate(bad)).toThrow(/bandwidth .*: expected a rate such as 500kB\/s or 20MB\/s/);
  });
});

describe("throttledStore", () => {
  it("puts and gets through one limit together; the bytes are unchanged", async () => {
    const store = throttledStore(filesystemStore(mkdtempSync(join(tmpdir(), "drctl-throttle-"))), 1_000_000);
    const body = Buffer.alloc(600_000, 7);
    const t0 = Date.now();
    const put = await store.put("sets/a/s1/f", body);
    const back: Buffer[] = [];
    for await (const c of await store.get("sets/a/s1/f")) back.push(c as Buffer);
    const ms = Date.now() - t0;
    expect(put.bytes).toBe(600_000);
    expect(Buffer.concat(back).equals(body)).toBe(true);
    // 1.2 MB through 1 MB/s, less the quarter second of burst
    expect(ms).toBeGreaterThanOrEqual(900);
  });
});
