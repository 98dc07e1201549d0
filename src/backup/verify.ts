// `drctl verify`: are the stored bytes still the ones the manifest describes? Sizes and sha256 of
// every file, and with --deep each file decrypted and decompressed to nowhere — without restoring.
// (Whether the data restores is a drill's question, DESIGN §8 rule 2.)

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { decodeFile } from "../adapters/pipeline/stream.js";
import { DrError, messageOf, must } from "../errors.js";
import type { CatalogSet } from "./catalog.js";
import { encodingProblem } from "./encoding.js";

interface FileProblem {
  file: string;
  problem: string;
}

export interface SetVerification {
  id: string;
  dir: string;
  ok: boolean;
  files: number;
  bytes: number;
  problems: FileProblem[];
}

async function hashFile(path: string): Promise<{ bytes: number; sha256: string; head: Buffer }> {
  const h = createHash("sha256");
  let bytes = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    h.update(chunk);
    if (head.length < 64) head = Buffer.concat([head, chunk.subarray(0, 64 - head.length)]);
    bytes += chunk.length;
  }
  return { bytes, sha256: h.digest("hex"), head };
}

/**
 * The dataset's full sets checked newest first until one is intact: the damaged ones above it, with
 * what is wrong (the runbook must not call a corrupt set "the newest full").
 */
export async function damagedNewestFulls(catalog: CatalogSet[], dataset: string): Promise<Map<string, string>> {
  const damaged = new Map<string, string>();
  const fulls = catalog.filter((s) => s.manifest.dataset === dataset && s.manifest.kind === "full").reverse();
  for (const s of fulls) {
    const r = await verifySet(s, { deep: false });
    if (r.ok) break;
    damaged.set(r.id, r.problems.map((p) => `${p.file}: ${p.problem}`).join("; "));
  }
  return damaged;
}

export async function verifySet(
  set: CatalogSet,
  opts: { deep: boolean; identityFile?: string },
): Promise<SetVerification> {
  const m = set.manifest;
  const problems: FileProblem[] = [];
  let bytes = 0;
  const encrypted = m.encryption.type === "age";
  if (opts.deep && encrypted && !opts.identityFile) {
    throw new DrError(
      "invalid",
      `set ${m.id} is encrypted: --deep needs the age identity (spec encryption.identityFile)`,
    );
  }
  for (const f of m.files) {
    const path = join(set.dir, f.name);
    try {
      const st = await stat(path);
      if (st.size !== f.bytes) {
        problems.push({ file: f.name, problem: `size ${st.size} bytes, manifest says ${f.bytes}` });
        continue;
      }
      const h = await hashFile(path);
      bytes += h.bytes;
      if (h.sha256 !== f.sha256) {
        problems.push({
          file: f.name,
          problem: `sha256 ${h.sha256.slice(0, 16)}… differs from the manifest's ${f.sha256.slice(0, 16)}…`,
        });
        continue;
      }
      // digests match what was written; was what was written what the manifest says it is?
      const wrong = encodingProblem(h.head, m);
      if (wrong) {
        problems.push({ file: f.name, problem: wrong });
        continue;
      }
      if (opts.deep) {
        try {
          await decodeFile(path, {
            compressed: m.compression === "zstd",
            ...(encrypted ? { ageIdentityFile: must(opts.identityFile) } : {}),
          });
        } catch (e) {
          const what = e instanceof DrError && e.meta.stage === "age" ? "cannot decrypt" : "cannot decompress";
          problems.push({ file: f.name, problem: `${what}: ${messageOf(e)}` });
        }
      }
    } catch (e) {
      problems.push({
        file: f.name,
        problem: (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : messageOf(e),
      });
    }
  }
  return { id: m.id, dir: set.dir, ok: problems.length === 0, files: m.files.length, bytes, problems };
}
