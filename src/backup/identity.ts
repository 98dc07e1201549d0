// The age identity a restore or a deep verify decrypts with, checked before any work starts
// (issue 13): present, readable, not readable by others (a 0644 secret key is refused, not used
// silently), and holding a key for a recipient the sets were encrypted to — so a wrong key fails
// in a second with exit 5, not after a sandbox started and a stream broke half-way.

import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { runTool } from "../adapters/process/run.js";
import { DrError, messageOf, must } from "../errors.js";
import type { BackupManifest } from "../core/manifest.generated.js";

/** `matchRecipients: false` (verify --deep, which names each file it cannot decrypt): only presence and mode. */
export async function checkIdentity(
  identityFile: string | undefined,
  sets: BackupManifest[],
  opts: { matchRecipients?: boolean } = {},
): Promise<void> {
  const encrypted = sets.filter((m) => m.encryption.type === "age");
  if (!encrypted.length) return;
  if (!identityFile)
    throw new DrError(
      "integrity",
      `set ${must(encrypted[0]).id} is encrypted and the spec names no age identity ` +
        `(encryption.identityFile): it cannot be decrypted here`,
      { hint: "restore where the identity file is, or add encryption.identityFile" },
    );
  let mode: number;
  try {
    mode = (await stat(identityFile)).mode;
  } catch (e) {
    throw new DrError(
      "integrity",
      `cannot read the age identity ${identityFile}: ` +
        `${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : messageOf(e)}; set ` +
        `${must(encrypted[0]).id} cannot be decrypted`,
      {
        hint: "copy the identity file from where it is kept (offsite, with the runbook) to this host, mode 0600",
      },
    );
  }
  if (mode & 0o077) {
    throw new DrError(
      "invalid",
      `the age identity ${identityFile} is readable by others (mode ` +
        `${(mode & 0o777).toString(8).padStart(4, "0")}): a secret key must be 0600 — refusing to use it`,
      { hint: `chmod 600 ${identityFile}` },
    );
  }
  if (opts.matchRecipients === false) return;
  // age-keygen -y prints the recipient of each native key; an SSH identity it cannot read is left to age itself
  const r = await runTool("age-keygen", ["-y", identityFile], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) return;
  const have = new Set(
    r.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((rcpt) => createHash("sha256").update(rcpt).digest("hex")),
  );
  const foreign = encrypted.filter(
    (m) => m.encryption.recipientFingerprints.length && !m.encryption.recipientFingerprints.some((f) => have.has(f)),
  );
  if (foreign.length) {
    throw new DrError(
      "integrity",
      `the age identity ${identityFile} holds no key for the recipients set(s) ` +
        `${foreign.map((m) => m.id).join(", ")} were encrypted to: it cannot decrypt them`,
      {
        hint: "use the identity that matches the spec's encryption.recipients when these sets were taken",
      },
    );
  }
}
