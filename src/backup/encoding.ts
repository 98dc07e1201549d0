// How a set's files are encoded — the same for backups and archived binlogs: zstd unless the
// dataset says `compression: none`, then age to the spec's recipients (public keys: the backup
// host never holds a private key). The manifest records both; the stored names say it too.

import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DrSpec } from "../spec/types.generated.js";
import type { BackupManifest } from "../core/manifest.generated.js";

export interface SetEncoding {
  /** Suffix of every stored file: ".zst", ".zst.age", ".age" or "". */
  ext: string;
  /** What streamToFile needs. */
  stream: { compress: boolean; ageRecipientsFile?: string };
  /** What the manifest records. */
  manifest: Pick<BackupManifest, "compression" | "encryption">;
}

const AGE_HEADER = Buffer.from("age-encryption.org/v1\n");
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/**
 * Is a stored file what its encoding claims (issue 13: an `age` that exits 0 but passes plaintext
 * through must not be published as `*.age`)? `head` is the file's first bytes. Returns why not, or
 * undefined. Encrypted files must start with age's header; compressed plaintext with zstd's frame magic.
 */
export function encodingProblem(
  head: Buffer,
  m: Pick<BackupManifest, "compression" | "encryption">,
): string | undefined {
  // zstd and age write a header even for empty input: nothing at all means a stage produced nothing
  if (head.length === 0 && (m.encryption.type === "age" || m.compression === "zstd"))
    return "the file is empty (0 bytes): a stage produced nothing";
  if (m.encryption.type === "age") {
    return head.subarray(0, AGE_HEADER.length).equals(AGE_HEADER)
      ? undefined
      : "not age-encrypted: the file does not start with age's header (age-encryption.org/v1); its bytes would " +
          "be stored in the clear";
  }
  if (m.compression === "zstd")
    return head.subarray(0, 4).equals(ZSTD_MAGIC)
      ? undefined
      : "not zstd-compressed: the file does not start with a zstd frame";
  return undefined;
}

/** Writes the recipients file (0600) into `staging` when the spec encrypts. */
export async function setEncoding(
  spec: DrSpec,
  compression: "zstd" | "none" | undefined,
  staging: string,
): Promise<SetEncoding> {
  const compress = compression !== "none";
  const enc = spec.encryption;
  let ageRecipientsFile: string | undefined;
  if (enc) {
    ageRecipientsFile = join(staging, "recipients.txt");
    await writeFile(ageRecipientsFile, `${enc.recipients.join("\n")}\n`, { mode: 0o600 });
  }
  return {
    ext: (compress ? ".zst" : "") + (enc ? ".age" : ""),
    stream: { compress, ...(ageRecipientsFile ? { ageRecipientsFile } : {}) },
    manifest: {
      compression: compress ? "zstd" : "none",
      encryption: enc
        ? {
            type: "age",
            recipientFingerprints: enc.recipients.map((r) => createHash("sha256").update(r).digest("hex")),
          }
        : { type: "none", recipientFingerprints: [] },
    },
  };
}
