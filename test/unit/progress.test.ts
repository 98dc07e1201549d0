// Progress on long work: redrawn in place on a terminal, a plain line now and then under cron.
import { describe, expect, it } from "vitest";
import { progressReporter } from "../../src/cli/progress.js";
import type { Io } from "../../src/cli/io.js";

function io(interactive: boolean) {
  const lines: string[] = [];
  const writes: string[] = [];
  const i: Io = { out: () => {}, err: (l) => lines.push(l), interactive };
  return { i, lines, writes };
}

describe("progressReporter", () => {
  it("on a terminal: one line redrawn in place at most every 200 ms, cleared when done", () => {
    const { i, lines, writes } = io(true);
    let now = 0;
    const p = progressReporter(i, { write: (s) => writes.push(s), now: () => now });
    now = 1000;
    p.update("dump.sql.zst", 50 * 1024 * 1024);
    now = 1100;
    p.update("dump.sql.zst", 60 * 1024 * 1024); // too soon: not drawn
    now = 2000;
    p.update("dump.sql.zst", 100 * 1024 * 1024);
    p.done();
    expect(lines).toEqual([]);
    expect(writes).toEqual([
      "\r\x1b[Kdump.sql.zst: 50.0 MiB stored, 50.0 MiB/s, 0:01",
      "\r\x1b[Kdump.sql.zst: 100.0 MiB stored, 50.0 MiB/s, 0:02",
      "\r\x1b[K",
    ]);
  });

  it("under cron: plain lines, the first only after the interval (a quick backup logs no progress)", () => {
    const { i, lines, writes } = io(false);
    let now = 0;
    const p = progressReporter(i, { write: (s) => writes.push(s), now: () => now, logEveryMs: 30_000 });
    now = 10_000;
    p.update("backup.xbstream.zst", 1);
    now = 30_000;
    p.update("backup.xbstream.zst", 3 * 1024 ** 3);
    now = 45_000;
    p.update("backup.xbstream.zst", 4 * 1024 ** 3);
    now = 61_000;
    p.update("backup.xbstream.zst", 5 * 1024 ** 3);
    p.done();
    expect(writes).toEqual([]);
    expect(lines).toEqual([
      "backup.xbstream.zst: 3.0 GiB stored, 102.4 MiB/s, 0:30",
      "backup.xbstream.zst: 5.0 GiB stored, 83.9 MiB/s, 1:01",
    ]);
  });
});
