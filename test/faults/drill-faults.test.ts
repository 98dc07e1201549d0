// A drill that fails must leave the stored set exactly as it was (DESIGN §8 rule 2: a stored
// physical set is never prepared in place): mariadb-backup's prepare made to fail by a PATH shim.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp.js";
import { expectNothingLost, faultProject, serverForFile, shim, withPath } from "./harness.js";

const dir = tempDir("drctl-faults-drill-");
const server = serverForFile(dir, [
  "CREATE DATABASE shop",
  "CREATE TABLE shop.orders (id INT PRIMARY KEY, what VARCHAR(40)) ENGINE=InnoDB",
  "INSERT INTO shop.orders VALUES (1, 'first'), (2, 'second')",
]);

/** sha256 of every file of a set directory, by name. */
function digests(setDir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(setDir).map((f) => [
      f,
      createHash("sha256")
        .update(readFileSync(join(setDir, f)))
        .digest("hex"),
    ]),
  );
}

describe("drill faults", () => {
  it("prepare-fails-in-drill: mariadb-backup --prepare fails inside a drill → exit 5 naming it, nothing marked " +
    "verified, the stored set byte-for-byte untouched", async () => {
    const p = faultProject(
      dir,
      "prepare",
      server.reach(),
      { ds: { databases: ["shop"], method: "mariadb-backup" } },
      { tier: "{ rpo: 2d, rto: 4h }" },
    );
    const b = await p.run(["backup", "ds"]);
    expect(b.code, b.stderr).toBe(0);
    const id = /^backup (\S+):/m.exec(b.stdout)![1]!;
    const setDir = join(p.repo, "sets", "ds", id);
    const before = digests(setDir);
    const failing = shim(
      dir,
      "mariadb-backup",
      `case "$*" in *--prepare*) echo "[00] FATAL ERROR: prepare failed (injected)" >&2; exit 1;; esac\nexec ` +
        `/usr/bin/mariadb-backup "$@"`,
    );
    const d = await p.run(["drill", "verify", "ds"], withPath(failing));
    expect(d.code).toBe(5);
    expect(d.stdout + d.stderr).toContain("prepare failed (injected)");
    expect(digests(setDir)).toEqual(before);
    const list = JSON.parse((await p.run(["backups", "--json"])).stdout) as {
      sets: { id: string; verified: boolean }[];
    };
    expect(list.sets).toEqual([expect.objectContaining({ id, verified: false })]);
    await expectNothingLost(p, [id]);
  }, 180_000);
});
