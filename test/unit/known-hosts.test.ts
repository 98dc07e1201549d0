// known_hosts as ssh(1) reads it: the SFTP repository refuses any server whose key the file does not name.
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkHostKey, fingerprint, keyType } from "../../src/repository/known-hosts.js";

/** A fake ed25519 public key blob: SSH string "ssh-ed25519", then a 32-byte key. */
function blob(type = "ssh-ed25519"): Buffer {
  const t = Buffer.from(type);
  const k = randomBytes(32);
  const len = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return Buffer.concat([len(t.length), t, len(k.length), k]);
}
const line = (names: string, b: Buffer, type = "ssh-ed25519") => `${names} ${type} ${b.toString("base64")}`;

describe("known_hosts", () => {
  const key = blob();
  const other = blob();

  it("names the key type and the fingerprint as ssh does", () => {
    expect(keyType(key)).toBe("ssh-ed25519");
    expect(fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("matches host on port 22 and [host]:port otherwise, not the other way round", () => {
    expect(checkHostKey(line("vault", key), "vault", 22, key)).toEqual({ status: "match" });
    expect(checkHostKey(line("[vault]:2222", key), "vault", 2222, key)).toEqual({ status: "match" });
    expect(checkHostKey(line("vault", key), "vault", 2222, key)).toEqual({ status: "unknown" });
    expect(checkHostKey(line("other", key), "vault", 22, key)).toEqual({ status: "unknown" });
  });

  it("a different key of the same type for the host is a change, with the recorded fingerprint", () => {
    expect(checkHostKey(line("vault", other), "vault", 22, key)).toEqual({
      status: "changed",
      recorded: [fingerprint(other)],
    });
    // a recorded key of another type only says nothing about this one
    expect(checkHostKey(line("vault", blob("ssh-rsa"), "ssh-rsa"), "vault", 22, key)).toEqual({ status: "unknown" });
  });

  it("hashed names, lists, wildcards, negation, comments, @revoked", () => {
    const salt = randomBytes(20);
    const digest = createHmac("sha1", salt).update("[10.0.0.9]:2222").digest("base64");
    const hashed = `|1|${salt.toString("base64")}|${digest}`;
    expect(checkHostKey(line(hashed, key), "10.0.0.9", 2222, key)).toEqual({ status: "match" });
    expect(checkHostKey(line(hashed, key), "10.0.0.8", 2222, key)).toEqual({ status: "unknown" });
    expect(checkHostKey(`# a comment\n\n${line("a,vault,b", key)}`, "vault", 22, key)).toEqual({ status: "match" });
    expect(checkHostKey(line("*.example.org", key), "vault.example.org", 22, key)).toEqual({ status: "match" });
    expect(checkHostKey(line("*.example.org,!vault.example.org", key), "vault.example.org", 22, key)).toEqual({
      status: "unknown",
    });
    expect(checkHostKey(`${line("vault", key)}\n@revoked ${line("*", key)}`, "vault", 22, key)).toEqual({
      status: "revoked",
    });
    expect(checkHostKey(`@cert-authority ${line("vault", key)}`, "vault", 22, key)).toEqual({ status: "unknown" });
  });
});
