// How a set's files are encoded — the same for backups and archived binlogs: zstd unless the
// dataset says `compression: none`, then age to the spec's recipients (public keys: the backup
// host never holds a private key). The manifest records both; the stored names say it too.

import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DrSpec } from "../spec/types.generated.js";
import type { BackupManifest } from "./manifest.generated.js";

export interface SetEncoding {
  /** Suffix of every stored file: ".zst", ".zst.age", ".age" or "". */
  ext: string;
  /** What streamToFile needs. */
  stream: { compress: boolean; ageRecipientsFile?: string };
  /** What the manifest records. */
  manifest: Pick<BackupManifest, "compression" | "encryption">;
}

/** Writes the recipients file (0600) into `staging` when the spec encrypts. */
export async function setEncoding(spec: DrSpec, compression: "zstd" | "none" | undefined, staging: string): Promise<SetEncoding> {
  const compress = compression !== "none";
  const enc = spec.encryption;
  let ageRecipientsFile: string | undefined;
  if (enc) {
    ageRecipientsFile = join(staging, "recipients.txt");
    await writeFile(ageRecipientsFile, enc.recipients.join("\n") + "\n", { mode: 0o600 });
  }
  return {
    ext: (compress ? ".zst" : "") + (enc ? ".age" : ""),
    stream: { compress, ...(ageRecipientsFile ? { ageRecipientsFile } : {}) },
    manifest: {
      compression: compress ? "zstd" : "none",
      encryption: enc ? { type: "age", recipientFingerprints: enc.recipients.map((r) => createHash("sha256").update(r).digest("hex")) } : { type: "none", recipientFingerprints: [] },
    },
  };
}
