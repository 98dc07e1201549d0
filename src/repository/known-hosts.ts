// OpenSSH's known_hosts, read the way ssh(1) reads it, to decide whether the server drctl reached is
// the one the file names (issue 15: an unknown or changed host key is refused, never accepted). Pure:
// the caller reads the file. Understood: plain and hashed (|1|salt|hash) host names, [host]:port for
// a port other than 22, * and ? wildcards and !negation, @revoked; @cert-authority lines are skipped.

import { createHash, createHmac } from "node:crypto";

export type HostKeyVerdict =
  | { status: "match" }
  | { status: "unknown" }
  | { status: "changed"; recorded: string[] }
  | { status: "revoked" };

/** ssh's fingerprint of a public key blob: "SHA256:" and the unpadded base64 of its sha256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type a public key blob names ("ssh-ed25519"): its first SSH string. */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString("latin1") : "unknown";
}

/** How known_hosts names a host: "host" on port 22, "[host]:port" otherwise. */
function hostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function glob(pattern: string, text: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "i").test(text);
}

/** Does one host-names field ("a,b,!c" or "|1|salt|hash") name this host? */
function namesHost(field: string, name: string): boolean {
  if (field.startsWith("|1|")) {
    const [, , salt, hash] = field.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  let matched = false;
  for (const p of field.split(",")) {
    if (p.startsWith("!")) {
      if (glob(p.slice(1), name)) return false;
    } else if (glob(p, name)) matched = true;
  }
  return matched;
}

export function checkHostKey(knownHosts: string, host: string, port: number, offered: Buffer): HostKeyVerdict {
  const name = hostName(host, port);
  const type = keyType(offered);
  const recorded: string[] = [];
  let match = false;
  for (const raw of knownHosts.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith("@") ? fields.shift() : undefined;
    const [names, lineType, key] = fields;
    if (!names || !lineType || !key || marker === "@cert-authority" || !namesHost(names, name)) continue;
    const same = Buffer.from(key, "base64").equals(offered);
    if (marker === "@revoked") {
      if (same) return { status: "revoked" };
      continue;
    }
    if (same) match = true;
    else if (lineType === type) recorded.push(fingerprint(Buffer.from(key, "base64")));
  }
  if (match) return { status: "match" };
  return recorded.length ? { status: "changed", recorded } : { status: "unknown" };
}
