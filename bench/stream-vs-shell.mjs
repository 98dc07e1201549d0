// drctl's backup stream (producer → zstd, hashed and written by node) against the bare shell pipe
// `cat FILE | zstd -3 -T0 -q > OUT` on the same ~512 MB input, alternated in the same run.
// Target: ratio ≤ 1.10 (the stream is what every backup pays on top of its dump tool).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, writeResult } from "./lib.mjs";

const { streamToFile } = await import("../dist/adapters/pipeline/stream.js");
const dir = mkdtempSync(join(tmpdir(), "drctl-bench-stream-"));
try {
  // compressible, dump-like text: rows of numbers and words
  const input = join(dir, "input.sql");
  execFileSync("sh", [
    "-c",
    `seq 1 40000000 | awk '{ print "INSERT INTO t VALUES (" $1 ", \\"row " $1 " of the benchmark\\");" }' | ` +
      `head -c 536870912 > ${input}`,
  ]);
  const runs = 5;
  const ours = [];
  const bare = [];
  for (let i = 0; i < runs; i++) {
    const out1 = join(dir, `bare-${i}.zst`);
    let t0 = process.hrtime.bigint();
    execFileSync("sh", ["-c", `cat ${input} | zstd -3 -T0 -q > ${out1}`]);
    bare.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rmSync(out1);
    const out2 = join(dir, `drctl-${i}.zst`);
    t0 = process.hrtime.bigint();
    await streamToFile(out2, { producer: { name: "cat", command: "cat", args: [input] } });
    ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rmSync(out2);
  }
  const ratio = median(ours) / median(bare);
  writeResult("stream-vs-shell", {
    benchmark: "stream-vs-shell",
    input_bytes: 536870912,
    runs,
    drctl_stream_ms_median: Math.round(median(ours)),
    bare_pipe_ms_median: Math.round(median(bare)),
    ratio: +ratio.toFixed(3),
    target: "ratio <= 1.10",
    pass: ratio <= 1.1,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
