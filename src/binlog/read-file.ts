// Reads a binlog file through the parser in one reused block: a read stream's fresh 1 MiB buffer per
// read cost four times the parse itself (736 MB: 505 ms of reading vs ~150 ms parsed this way).

import { open } from "node:fs/promises";
import type { BinlogParser, BinlogSummary } from "./parse.js";

export async function readBinlogFile(path: string, parser: BinlogParser): Promise<BinlogSummary> {
  const fh = await open(path, "r");
  try {
    // the parser copies what it keeps of a block, so the block is reused for every read
    const block = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(block, 0, block.length, null);
      if (bytesRead === 0) break;
      parser.push(block.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return parser.finish();
}
