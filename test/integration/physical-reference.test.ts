// A physical backup's reference figures without a second scan after the copy (issue 17 §1): the rows
// are counted in a snapshot opened when the backup starts, while mariadb-backup copies, and carried
// to the set's point by the binlog's row events between the two. Under writes during the backup the
// carried figures equal what the restored copy holds (drill verify passes); a set that lost rows —
// its payload swapped for an older copy's and re-hashed, so only the restored data can tell — fails
// its drill, exit 5, the table and both counts named.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import type { BackupManifest } from "../../src/core/manifest.generated.js";
import { drctl } from "../helpers/cli.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-physical-reference-");
let db: Sandbox;
let s: ReturnType<typeof writeSpecFile>;
const env = { TMPDIR: join(dir, "tmp") };

const setDir = (id: string) => join(s.repo, "sets", "university", id);
const manifestOf = (id: string) =>
  JSON.parse(readFileSync(join(setDir(id), "manifest.json"), "utf8")) as BackupManifest;
const backup = async () => {
  const r = await drctl(["backup", "-f", s.file, "university"]);
  expect(r.code, r.stderr).toBe(0);
  return /^backup (\S+):/m.exec(r.stdout)?.[1] ?? "?";
};

beforeAll(async () => {
  mkdirSync(join(dir, "tmp"), { mode: 0o700 });
  db = await startSandbox({ baseDir: dir, binlog: true, serverOptions: ["binlog-format=ROW"] });
  const c = await db.connectRoot();
  await c.query("CREATE DATABASE university");
  await c.query("CREATE TABLE university.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB");
  await c.query("INSERT INTO university.t (v) SELECT MD5(seq) FROM university.seq_1_to_20000");
  await c.end();
  s = writeSpecFile({ project: "physref", root: join(dir, "p"), sandbox: db });
  writeFileSync(s.file, readFileSync(s.file, "utf8").replace("method: mysqldump", "method: mariadb-backup"));
  mkdirSync(s.repo, { recursive: true, mode: 0o700 });
  writeFileSync(join(s.repo, ".drctl-repository.json"), JSON.stringify({ project: "physref", repository: "local" }));
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

describe("physical reference figures counted during the copy", () => {
  let older = "";
  let newer = "";

  it("under writes during the backup, the carried figures are what the restored copy holds", async () => {
    older = await backup();
    // inserts and deletes all through the next backup: the snapshot and the set's point differ
    let writing = true;
    const writer = (async () => {
      const c = await db.connectRoot();
      try {
        for (let i = 0; writing; i++) {
          await c.query("INSERT INTO university.t (v) VALUES (?), (?)", [`w${i}a`, `w${i}b`]);
          if (i % 3 === 0) await c.query("DELETE FROM university.t ORDER BY id LIMIT 1");
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        await c.end();
      }
    })();
    try {
      newer = await backup();
    } finally {
      writing = false;
      await writer;
    }
    const m = manifestOf(newer);
    const ref = m.reference!;
    // the figures stand at the set's own point, carried there from an earlier snapshot
    expect([ref.at.file, ref.at.position]).toEqual([m.consistentPoint.file, m.consistentPoint.position]);
    const from = /counted in a snapshot at (\S+):(\d+) while the copy ran/.exec(ref.at.source ?? "");
    expect(from, ref.at.source).not.toBeNull();
    expect(from![1] === m.consistentPoint.file ? Number(from![2]) : -1).toBeLessThan(m.consistentPoint.position!);
    const verify = await drctl(["drill", "verify", "-f", s.file, "university"], { env });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout + verify.stderr).not.toContain("not compared");
  }, 180_000);

  it("a set that lost rows (an older copy's payload in its place, re-hashed) fails its drill: exit 5", async () => {
    const m = manifestOf(newer);
    const o = manifestOf(older);
    const entry = m.files.find((f) => f.name.startsWith("backup.xbstream"))!;
    const old = o.files.find((f) => f.name.startsWith("backup.xbstream"))!;
    const file = join(setDir(newer), entry.name);
    const original = readFileSync(file);
    const manifestText = readFileSync(join(setDir(newer), "manifest.json"), "utf8");
    const stale = readFileSync(join(setDir(older), old.name));
    writeFileSync(file, stale);
    entry.bytes = stale.length;
    entry.sha256 = createHash("sha256").update(stale).digest("hex");
    writeFileSync(join(setDir(newer), "manifest.json"), JSON.stringify(m, null, 2));
    try {
      const r = await drctl(["drill", "verify", "-f", s.file, "university"], { env });
      expect(r.code, r.stdout + r.stderr).toBe(5);
      const want = m.reference!.tables.find((t) => t.table === "t")!.rows;
      const had = o.reference!.tables.find((t) => t.table === "t")!.rows;
      expect(r.stdout).toContain(
        `row counts: 1 table(s) differ from the reference figures: university.t: ${had} rows, reference ${want}`,
      );
    } finally {
      writeFileSync(file, original);
      writeFileSync(join(setDir(newer), "manifest.json"), manifestText);
    }
  }, 180_000);

  it("the copy starts before the server is read; a server whose flavor changed is copied again with its own " +
    "tool", async () => {
    // the last set says the server was MySQL: the copy starts at once with xtrabackup — here a stand-in
    // that writes and then waits (no XtraBackup in reach) — and the facts read meanwhile say MariaDB
    const m = manifestOf(newer);
    const manifestText = readFileSync(join(setDir(newer), "manifest.json"), "utf8");
    writeFileSync(
      join(setDir(newer), "manifest.json"),
      JSON.stringify({ ...m, server: { ...m.server, flavor: "mysql" } }, null, 2),
    );
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "xtrabackup"), "#!/bin/sh\nhead -c 300000 /dev/urandom\nexec sleep 60\n");
    chmodSync(join(bin, "xtrabackup"), 0o755);
    const before = readdirSync(join(s.repo, "sets", "university"));
    try {
      const t0 = Date.now();
      const r = await drctl(["backup", "-f", s.file, "university"], {
        env: { PATH: `${bin}:${process.env.PATH}`, DRCTL_TRACE: "1" },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(Date.now() - t0).toBeLessThan(50_000); // the stand-in was stopped, not waited for
      const said = r.stderr;
      expect(said.indexOf("copy started")).toBeGreaterThan(-1);
      expect(said.indexOf("copy started")).toBeLessThan(said.indexOf("connected"));
      expect(said).toContain("db1 is mariadb now (its last set was mysql): copying again with its own tool");
      // one new set, taken by mariadb-backup, whole; no stand-in process left
      const id = /^backup (\S+):/m.exec(r.stdout)?.[1] ?? "?";
      expect(readdirSync(join(s.repo, "sets", "university")).filter((d) => !before.includes(d))).toEqual([id]);
      expect(Object.keys(manifestOf(id).tools)).toContain("mariadb-backup");
      const v = await drctl(["verify", "-f", s.file, "--deep", id]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(spawnSync("pgrep", ["-f", join(bin, "xtrabackup")], { encoding: "utf8" }).stdout.trim()).toBe("");
    } finally {
      writeFileSync(join(setDir(newer), "manifest.json"), manifestText);
    }
  }, 180_000);
});
