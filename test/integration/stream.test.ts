// The backup stream with real tools: producer → zstd → age → file. Round trips, every stage's
// exit status checked (a producer dying upstream of a happy zstd is a failure naming the producer),
// encryption that needs no private key, and a wrong identity that says so.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeFile, streamToFile } from "../../src/adapters/pipeline/stream.js";
import { DrError } from "../../src/errors.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-stream-");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const seq = { name: "seq", command: "seq", args: ["1", "1500000"] };
const expected = execFileSync("seq", ["1", "1500000"], { maxBuffer: 64 * 1024 * 1024 });

describe("streamToFile", () => {
  it("compresses, hashes and counts on the way; the file decodes to exactly what the producer wrote", async () => {
    const file = join(dir, "plain.zst");
    let progress = 0;
    const r = await streamToFile(file, { producer: seq, onProgress: (n) => (progress = n) });
    const stored = readFileSync(file);
    expect(progress).toBe(stored.length);
    expect(r.bytes).toBe(stored.length);
    expect(r.sha256).toBe(sha(stored));
    expect(stored.length).toBeLessThan(expected.length / 3);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await decodeFile(file)).toEqual({ rawBytes: expected.length, rawSha256: sha(expected) });
  });

  it("a producer that fails mid-way is the error, with its stderr, although zstd downstream exited 0", async () => {
    const producer = {
      name: "mariadb-dump",
      command: "sh",
      args: ["-c", "seq 1 200000; echo 'mariadb-dump: Error 2013: Lost connection to server during query' >&2; exit 2"],
    };
    const err = await streamToFile(join(dir, "broken.zst"), { producer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrError);
    expect((err as DrError).message).toBe(
      "stage mariadb-dump exited 2: mariadb-dump: Error 2013: Lost connection to server during query",
    );
    expect((err as DrError).meta.stage).toBe("mariadb-dump");
  });

  it("a peeled head plus the kernel-piped rest decode to exactly the producer's bytes, whatever the size and " +
    "wherever the head stops", async () => {
    const sizes = [0, 1, 1000, 65_536, 65_537, 300_000, 5_000_000, 40_000_000];
    for (const [i, size] of sizes.entries()) {
      const input = join(dir, `peel-in-${i}`);
      // incompressible bytes, so no run of zeros can hide a lost or doubled chunk
      execFileSync("sh", ["-c", `head -c ${size} /dev/urandom > '${input}'`]);
      const want = readFileSync(input);
      for (const stopAt of [1, 4096, 70_000, 2_000_000]) {
        const file = join(dir, `peel-${i}-${stopAt}.zst`);
        const headFile = join(dir, `peel-${i}-${stopAt}.head`);
        await streamToFile(file, {
          producer: {
            name: "cat",
            command: "cat",
            args: [input],
            peel: { file: headFile, enough: (h) => h.length >= stopAt, maxBytes: 1 << 20 },
          },
        });
        const head = readFileSync(headFile);
        expect(want.subarray(0, head.length).equals(head)).toBe(true);
        expect(await decodeFile(file), `size ${size}, head stops at ${stopAt}`).toEqual({
          rawBytes: size,
          rawSha256: sha(want),
        });
      }
    }
  }, 120_000);

  it(
    "readRest: a producer known to have finished has its short rest read into the head (its tail seen); " +
      "false leaves the rest to the pipe",
    async () => {
      const input = join(dir, "rest-in");
      execFileSync("sh", ["-c", `head -c 30000 /dev/urandom > '${input}'`]);
      const want = readFileSync(input);
      for (const rest of [true, false]) {
        const headFile = join(dir, `rest-${rest}.head`);
        const file = join(dir, `rest-${rest}.zst`);
        let exitedFirst = false;
        await streamToFile(file, {
          producer: {
            name: "sh",
            command: "sh",
            // two writes: the head, then (a moment later) the rest
            args: ["-c", 'head -c 5000 "$1"; sleep 0.2; tail -c +5001 "$1"', "sh", input],
            peel: {
              file: headFile,
              enough: (h) => h.length >= 4096,
              maxBytes: 1 << 20,
              // the whole input fits the pipe: by now the producer has written everything and exited
              readRest: async () => {
                await new Promise((r) => setTimeout(r, 600));
                exitedFirst = true;
                return rest;
              },
            },
          },
        });
        expect(exitedFirst).toBe(true);
        const head = readFileSync(headFile);
        // false: the head is what had come when it was enough (head(1) writes 4 KiB at a time), never the rest
        if (rest) expect(head.length).toBe(want.length);
        else expect([4096, 5000]).toContain(head.length);
        expect(want.subarray(0, head.length).equals(head)).toBe(true);
        expect(await decodeFile(file)).toEqual({ rawBytes: want.length, rawSha256: sha(want) });
      }
    },
  );

  it(
    "compression: none stores the producer's bytes as they are (with a peeled head too), and " + "decodes back",
    async () => {
      const plain = join(dir, "plain.raw");
      const r = await streamToFile(plain, { producer: seq, compress: false });
      expect(readFileSync(plain).equals(expected)).toBe(true);
      expect(r.sha256).toBe(sha(expected));
      const peeled = join(dir, "peeled.raw");
      await streamToFile(peeled, {
        producer: {
          ...seq,
          peel: { file: join(dir, "peeled.head"), enough: (h) => h.length > 100, maxBytes: 1 << 20 },
        },
        compress: false,
      });
      expect(readFileSync(peeled).equals(expected)).toBe(true);
      expect(await decodeFile(peeled, { compressed: false })).toEqual({
        rawBytes: expected.length,
        rawSha256: sha(expected),
      });
    },
  );

  it("a producer killed by a signal is named as such", async () => {
    const producer = { name: "dump", command: "sh", args: ["-c", "seq 1 1000; kill -9 $$"] };
    const err = (await streamToFile(join(dir, "killed.zst"), { producer }).catch((e: unknown) => e)) as DrError;
    expect(err.message).toBe("stage dump was killed by SIGKILL");
  });

  it("a tool that is not installed says so", async () => {
    const err = (await streamToFile(join(dir, "missing.zst"), {
      producer: { name: "mydumper", command: "/nonexistent/mydumper", args: [] },
    }).catch((e: unknown) => e)) as DrError;
    // named before anything starts (issue 13: a missing tool used to surface as the producer's broken pipe)
    expect(err.message).toBe(
      "stage mydumper cannot start: /nonexistent/mydumper is not installed (not found on PATH); nothing was started",
    );
    expect(err.hint).toBe("install it (Debian: apt-get install /nonexistent/mydumper)");
  });

  it("never overwrites an existing file", async () => {
    const file = join(dir, "exists.zst");
    writeFileSync(file, "precious");
    await expect(streamToFile(file, { producer: seq })).rejects.toThrow(/EEXIST/);
    expect(readFileSync(file, "utf8")).toBe("precious");
  });

  it(
    "encrypts to an age recipient (no private key needed); the identity decrypts; a wrong " + "one is refused",
    async () => {
      const id = join(dir, "backup.key");
      const other = join(dir, "other.key");
      execFileSync("age-keygen", ["-o", id], { stdio: "ignore" });
      execFileSync("age-keygen", ["-o", other], { stdio: "ignore" });
      const recipients = join(dir, "recipients.txt");
      writeFileSync(recipients, execFileSync("age-keygen", ["-y", id]));
      const file = join(dir, "secret.zst.age");
      const r = await streamToFile(file, { producer: seq, ageRecipientsFile: recipients });
      expect(readFileSync(file).subarray(0, 21).toString()).toBe("age-encryption.org/v1");
      expect(r.sha256).toBe(sha(readFileSync(file)));
      expect(await decodeFile(file, { ageIdentityFile: id })).toEqual({
        rawBytes: expected.length,
        rawSha256: sha(expected),
      });
      const err = (await decodeFile(file, { ageIdentityFile: other }).catch((e: unknown) => e)) as DrError;
      expect(err).toBeInstanceOf(DrError);
      expect(err.message).toMatch(/^stage age exited 1: .*no identity matched any of the recipients/);
    },
  );

  it("a flipped byte in the stored file fails decoding, naming the stage", async () => {
    const file = join(dir, "flip.zst");
    await streamToFile(file, { producer: seq });
    const b = readFileSync(file);
    b[Math.floor(b.length / 2)]! ^= 0xff;
    writeFileSync(file, b);
    const err = (await decodeFile(file).catch((e: unknown) => e)) as DrError;
    expect(err.message).toMatch(/^stage zstd exited 1/);
  });
});
