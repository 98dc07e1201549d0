// Faults around restores and sandboxes (docs/reliability.md, "Restore and sandboxes"): a damaged
// newest set, a wrong / missing / world-readable key, two kept sandboxes, another user's sandboxes,
// a --to without a zone. Real server, real sets, real sandboxes.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { drctl } from "../helpers/cli.js";
import { processesMentioning } from "../helpers/procs.js";
import { tempDir } from "../helpers/temp.js";
import { faultProject, flipByte, queryKeptSandbox, serverForFile, type FaultProject } from "./harness.js";

const dir = tempDir("drctl-faults-restore-");
const server = serverForFile(dir, [
  "CREATE DATABASE shop",
  "CREATE TABLE shop.orders (id INT PRIMARY KEY, what VARCHAR(40))",
  "INSERT INTO shop.orders VALUES (1, 'first')",
]);

const sql = (q: string) => server.sql(q);

async function ok(p: FaultProject, args: string[], code = 0) {
  const r = await p.run(args);
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(code);
  return r;
}

const idOf = (r: { stdout: string }) => /^backup (\S+):/m.exec(r.stdout)![1]!;

const AGE_KEY = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";

/** Two fulls of shop with binlogs archived after each (rows 2 and 3), a byte of the newer one's payload flipped. */
async function newestFullDamaged(name: string, method: "mysqldump" | "mariadb-backup", payload: string) {
  const p = faultProject(dir, name, server.reach(), { ds: { databases: ["shop"], method, binlog: true } });
  const older = idOf(await ok(p, ["backup", "ds"]));
  await sql("INSERT INTO shop.orders VALUES (2, 'between the fulls')");
  await ok(p, ["binlog", "archive", "db1"]);
  const newer = idOf(await ok(p, ["backup", "ds"]));
  await sql("INSERT INTO shop.orders VALUES (3, 'after the newest full')");
  await ok(p, ["binlog", "archive", "db1"]);
  flipByte(join(p.repo, "sets", "ds", newer, payload));
  return { p, older, newer };
}

describe("restore checks what it reads first", () => {
  it("damaged-newest-falls-back: a flipped byte in the newest full → restore uses the older image + binlogs, " +
    "says so, every row back", async () => {
    const { p, older, newer } = await newestFullDamaged("fallback", "mysqldump", "dump.sql.zst");
    const r = await ok(p, ["restore", "ds", "--to", "latest", "--keep"]);
    expect(r.stderr).toContain(`set ${newer} fails its check against its manifest (file dump.sql.zst: sha256`);
    expect(r.stderr).toContain(`restoring from ${older} instead`);
    expect(r.stdout).toContain(`from ${older}`);
    expect(await queryKeptSandbox(p, r.stdout, "SELECT GROUP_CONCAT(id ORDER BY id) FROM shop.orders")).toBe("1,2,3");
    await sql("DELETE FROM shop.orders WHERE id > 1");
  }, 180_000);

  it("damaged-physical-falls-back: the newest mariadb-backup full damaged → found while it was extracted (its " +
    "server never started), the older image + binlogs used, every row back", async () => {
    const { p, older, newer } = await newestFullDamaged("fallback-physical", "mariadb-backup", "backup.xbstream.zst");
    const scratch = join(p.root, "scratch");
    mkdirSync(scratch, { mode: 0o700 });
    const r = await p.run(["restore", "ds", "--to", "latest", "--keep"], { TMPDIR: scratch });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`set ${newer} fails its check against its manifest (file backup.xbstream.zst: sha256`);
    expect(r.stderr).toContain(`restoring from ${older} instead`);
    expect(r.stdout).toContain(`from ${older}`);
    // the attempt on the damaged image left nothing behind: one kept sandbox, no scratch
    expect(readdirSync(scratch).filter((n) => n.startsWith("drctl-restore-"))).toEqual([]);
    const env = { DRCTL_SANDBOX_HOME: join(p.root, "sandboxes") };
    expect((await drctl(["sandbox", "list"], { env })).stdout.match(/\tup\t/g)).toHaveLength(1);
    expect(await queryKeptSandbox(p, r.stdout, "SELECT GROUP_CONCAT(id ORDER BY id) FROM shop.orders")).toBe("1,2,3");
    await sql("DELETE FROM shop.orders WHERE id > 1");
  }, 180_000);

  it("damaged-nothing-reaches: the only set damaged and no binlogs to fall back on → exit 5 naming set and " +
    "file, no sandbox started", async () => {
    const p = faultProject(dir, "no-fallback", server.reach(), { ds: { databases: ["shop"], method: "mysqldump" } });
    const only = idOf(await ok(p, ["backup", "ds"]));
    flipByte(join(p.repo, "sets", "ds", only, "dump.sql.zst"));
    const r = await ok(p, ["restore", "ds", "--to", "latest"], 5);
    expect(r.stderr).toContain(`left out as damaged: ${only} (file dump.sql.zst: sha256`);
    expect(processesMentioning(join(p.root, "sandboxes"))).toEqual([]);
  }, 120_000);

  it("identity-wrong / identity-missing / identity-0644: refused before a sandbox starts (5, 5, 3)", async () => {
    const recipient = execFileSync("age-keygen", ["-y"], { input: `${AGE_KEY}\n` })
      .toString()
      .trim();
    const key = join(dir, "right.key");
    writeFileSync(key, `${AGE_KEY}\n`, { mode: 0o600 });
    const enc = (file: string) => `encryption:\n  recipients: [${recipient}]\n  identityFile: ${JSON.stringify(file)}`;
    const p = faultProject(
      dir,
      "keys",
      server.reach(),
      { ds: { databases: ["shop"], method: "mysqldump" } },
      { encryption: enc(key) },
    );
    await ok(p, ["backup", "ds"]);
    const spec = readFileSync(p.file, "utf8");
    const wrong = join(dir, "wrong.key");
    execFileSync("age-keygen", ["-o", wrong], { stdio: "ignore" });
    chmodSync(wrong, 0o600);
    writeFileSync(p.file, spec.replace(JSON.stringify(key), JSON.stringify(wrong)));
    const w = await ok(p, ["restore", "ds", "--to", "latest"], 5);
    expect(w.stderr).toContain(`the age identity ${wrong} holds no key for the recipients`);
    expect(w.stderr).not.toContain("restoring ");
    writeFileSync(p.file, spec.replace(JSON.stringify(key), JSON.stringify(join(dir, "nowhere.key"))));
    const m = await ok(p, ["restore", "ds", "--to", "latest"], 5);
    expect(m.stderr).toContain("nowhere.key: no such file");
    const loose = join(dir, "loose.key");
    writeFileSync(loose, `${AGE_KEY}\n`);
    chmodSync(loose, 0o644);
    writeFileSync(p.file, spec.replace(JSON.stringify(key), JSON.stringify(loose)));
    const l = await ok(p, ["restore", "ds", "--to", "latest"], 3);
    expect(l.stderr).toContain(`the age identity ${loose} is readable by others (mode 0644)`);
    const v = await ok(p, ["verify", "--deep"], 3);
    expect(v.stderr).toContain("is readable by others (mode 0644)");
    writeFileSync(p.file, spec);
    await ok(p, ["restore", "ds", "--to", "latest"]);
  }, 120_000);
});

describe("restores and prune", () => {
  it("restore-vs-prune: prune never deletes sets under a running restore, a restore waits for a prune; two " +
    "restores run side by side", async () => {
    const p = faultProject(dir, "concurrent", server.reach(), {
      ds: { databases: ["shop"], method: "mysqldump", retention: "{ full: { daily: 1 }, binlogs: 1d }" },
    });
    await ok(p, ["backup", "ds"]);
    const { acquireLock } = await import("../../src/state/lock.js");
    const lockPath = join(p.state, "locks", "dataset.ds.drill.lock");
    // as prune holds it: a restore is refused after its --lock-timeout
    const pruning = await acquireLock(lockPath);
    try {
      const r = await ok(p, ["restore", "ds", "--to", "latest", "--lock-timeout", "0s"], 4);
      expect(r.stderr).toContain("the sets of dataset ds (prune or a drill is using them) is locked by pid");
    } finally {
      await pruning.release();
    }
    // as a restore holds it: prune is refused, and another restore runs beside it
    const restoring = await acquireLock(lockPath, { shared: true });
    try {
      expect((await p.run(["prune", "ds"])).code).toBe(4);
      await ok(p, ["restore", "ds", "--to", "latest", "--lock-timeout", "0s"]);
    } finally {
      await restoring.release();
    }
    await ok(p, ["prune", "ds", "--dry-run"]);
  }, 120_000);
});

describe("refused before any restore work", () => {
  it("rename-onto-existing: --rename onto a table the target has → exit 3 at once, no set " +
    "loaded, no sandbox", async () => {
    const p = faultProject(dir, "rename", server.reach(), { ds: { databases: ["shop"], method: "mysqldump" } });
    await ok(p, ["backup", "ds"]);
    await sql("CREATE TABLE shop.taken (id INT PRIMARY KEY)");
    try {
      const r = await ok(
        p,
        [
          "restore",
          "ds",
          "--to",
          "latest",
          "--target",
          "db1",
          "--tables",
          "shop.orders",
          "--rename",
          "orders=taken",
          "--yes",
        ],
        3,
      );
      expect(r.stderr).toContain("db1 already has shop.taken: nothing is overwritten");
      expect(r.stderr).not.toContain("restoring ");
    } finally {
      await sql("DROP TABLE shop.taken");
    }
  }, 60_000);
});

describe("what a restore says it did", () => {
  it("skip-multi-statement: --skip of a two-statement transaction lists both statements it leaves out, and " +
    "neither is applied", async () => {
    const p = faultProject(dir, "skip-multi", server.reach(), {
      ds: { databases: ["shop"], method: "mysqldump", binlog: true },
    });
    await ok(p, ["backup", "ds"]);
    const c = await server.db.connectRoot();
    await c.query("INSERT INTO shop.orders VALUES (20, 'good before')");
    await c.beginTransaction();
    await c.query("UPDATE shop.orders SET what = 'oops' WHERE id = 1");
    await c.query("INSERT INTO shop.orders VALUES (21, 'same transaction')");
    await c.commit();
    await c.query("INSERT INTO shop.orders VALUES (22, 'good after')");
    await c.end();
    await ok(p, ["binlog", "archive", "db1"]);
    const r = await ok(p, [
      "restore",
      "ds",
      "--to",
      "latest",
      "--skip",
      "UPDATE shop.orders SET what = 'oops'",
      "--keep",
    ]);
    expect(r.stdout).toContain("statement 1 of 2 left out: UPDATE shop.orders SET what = 'oops' WHERE id = 1");
    expect(r.stdout).toContain("statement 2 of 2 left out: INSERT INTO shop.orders VALUES (21, 'same transaction')");
    expect(
      await queryKeptSandbox(p, r.stdout, "SELECT GROUP_CONCAT(CONCAT(id, ':', what) ORDER BY id) FROM shop.orders"),
    ).toBe("1:first,20:good before,22:good after");
    await sql("DELETE FROM shop.orders WHERE id > 1");
    await sql("UPDATE shop.orders SET what = 'first' WHERE id = 1");
  }, 120_000);
});

describe("clocks", () => {
  it("clock-moved-back: a later backup taken while the host's clock was a day behind → restore --to latest uses " +
    "it (binlog order), and says the clocks disagree", async () => {
    const p = faultProject(dir, "clock", server.reach(), { ds: { databases: ["shop"], method: "mysqldump" } });
    const first = idOf(await ok(p, ["backup", "ds"]));
    await sql("INSERT INTO shop.orders VALUES (7, 'after the first set')");
    // the same drctl, under libfaketime: its clock says yesterday
    const skewed = execFileSync(
      "faketime",
      ["-f", "-1d", process.execPath, join(import.meta.dirname, "../../dist/cli.js"), "backup", "-f", p.file, "ds"],
      { env: { ...process.env, DRCTL_SANDBOX_HOME: join(p.root, "sandboxes") } },
    ).toString();
    const second = idOf({ stdout: skewed });
    expect(second < first).toBe(true); // its id (from its clock) sorts first
    const r = await ok(p, ["restore", "ds", "--to", "latest", "--keep"]);
    expect(r.stdout).toContain(`from ${second}`);
    expect(r.stderr).toContain(`warning: set ${second}`);
    expect(r.stderr).toContain("the host's clock moved back; sets are ordered by their binlog position");
    expect(await queryKeptSandbox(p, r.stdout, "SELECT COUNT(*) FROM shop.orders WHERE id = 7")).toBe("1");
    await sql("DELETE FROM shop.orders WHERE id > 1");
  }, 120_000);
});

describe("sandboxes", () => {
  it("keep-twice: two `restore --keep` of one dataset → two sandboxes, both listed, `sandbox down --all` stops " +
    "both", async () => {
    const p = faultProject(dir, "keep", server.reach(), { ds: { databases: ["shop"], method: "mysqldump" } });
    await ok(p, ["backup", "ds"]);
    const a = await ok(p, ["restore", "ds", "--to", "latest", "--keep"]);
    const b = await ok(p, ["restore", "ds", "--to", "latest", "--keep"]);
    expect(a.stdout).toContain("drctl sandbox down --name restore-ds\n");
    expect(b.stdout).toContain("drctl sandbox down --name restore-ds-2");
    const home = join(p.root, "sandboxes");
    const env = { DRCTL_SANDBOX_HOME: home };
    const list = await drctl(["sandbox", "list"], { env });
    expect(list.stdout.match(/\tup\t/g)).toHaveLength(2);
    const down = await drctl(["sandbox", "down", "--all"], { env });
    expect(down.stdout.match(/stopped and removed/g)).toHaveLength(2);
    expect(processesMentioning(home)).toEqual([]);
  }, 180_000);

  it(
    "other-users-sandboxes: an entry another uid wrote is not listed or stopped; a home another uid owns is " +
      "refused",
    async () => {
      const home = join(dir, "shared-home");
      mkdirSync(home, { mode: 0o755 });
      const foreign = join(home, "theirs.json");
      writeFileSync(foreign, JSON.stringify({ dir: "/nonexistent", pid: 1, port: 1 }));
      chownSync(foreign, 65534, 65534);
      const list = await drctl(["sandbox", "list"], { env: { DRCTL_SANDBOX_HOME: home } });
      expect(list.stdout.trim()).toBe("no sandboxes");
      const down = await drctl(["sandbox", "down", "--all"], { env: { DRCTL_SANDBOX_HOME: home } });
      expect(down.code).toBe(0);
      expect(readdirSync(home)).toEqual(["theirs.json"]);
      chownSync(home, 65534, 65534);
      const refused = await drctl(["sandbox", "list"], { env: { DRCTL_SANDBOX_HOME: home } });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain(`the sandbox home ${home} belongs to uid 65534`);
    },
  );
});

describe("times people type", () => {
  it("to-without-zone: `--to` without a zone is UTC whatever TZ says, and the output says so; a non-ISO time is " +
    "refused", async () => {
    const p = faultProject(dir, "utc", server.reach(), {
      ds: { databases: ["shop"], method: "mysqldump", binlog: true },
    });
    await ok(p, ["backup", "ds"]);
    await new Promise((r) => setTimeout(r, 1500));
    await ok(p, ["binlog", "archive", "db1"]);
    const progress = JSON.parse(readFileSync(join(p.repo, "binlogs", "db1", "progress.json"), "utf8")) as {
      checkedAt: string;
    };
    const at = new Date(Date.parse(progress.checkedAt) - 1000).toISOString().replace(/\.\d+Z$/, "");
    // UTC-12: read as local time, this would be 12 hours past the archive and refused
    const r = await p.run(["restore", "ds", "--to", at], { TZ: "Etc/GMT+12" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`restored ds to ${at}.000Z (--to had no zone: read as UTC)`);
    const bad = await p.run(["restore", "ds", "--to", "Nov 25 2026 10:00"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("expected an ISO time");
  }, 120_000);
});
