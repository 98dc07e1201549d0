// What must never become a "backup": a dump killed mid-way while zstd exits 0, a dump that exits 0
// but lacks a table, a run killed with -9 — and what verify must catch in stored sets: a flipped
// byte, a truncated file, the wrong age identity. Also: no password on any command line, ever.
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  openSync,
  readSync,
  writeSync,
  closeSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { readJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { distCli, tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-backup-fail-");
let db: Sandbox;
const q = JSON.stringify;

function spec(
  name: string,
  opts: { credentials?: string; databases?: string[]; encryption?: string } = {},
): { file: string; repo: string; state: string } {
  const root = join(dir, name);
  const file = join(dir, `${name}.yaml`);
  const repo = join(root, "repo");
  const state = join(root, "state");
  writeFileSync(
    file,
    datasetsSpec({
      project: name,
      state,
      repo,
      server: { port: db.port, credentials: opts.credentials ?? db.clientOptionFile },
      cronFile: join(root, "cron"),
      tier: "{ rpo: 2d, rto: 4h }",
      datasets: { ds: { databases: opts.databases ?? ["bulk"], method: "mysqldump" } },
      ...(opts.encryption ? { encryption: opts.encryption } : {}),
    }),
  );
  return { file, repo, state };
}

/** The spec applied — which takes the dataset's first backup and proves it (verification.ds): `first` is that set. */
async function applied(name: string, opts: Parameters<typeof spec>[1] = {}) {
  const s = spec(name, opts);
  const a = await drctl(["apply", "-f", s.file, "--auto-approve"]);
  expect(a.code, a.stderr).toBe(0);
  const first = await setIds(s.file);
  expect(first).toHaveLength(1);
  return { ...s, first };
}

/** Sets published after apply's verification set. */
async function newSetIds(s: { file: string; first: string[] }): Promise<string[]> {
  return (await setIds(s.file)).filter((id) => !s.first.includes(id));
}
const newSetDirs = (s: { repo: string; first: string[] }) => setDirs(s.repo).filter((d) => !s.first.includes(d));

async function setIds(file: string): Promise<string[]> {
  const r = await drctl(["backups", "-f", file, "--json"]);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { sets: { id: string }[] }).sets.map((s) => s.id);
}

function setDirs(repo: string): string[] {
  const p = join(repo, "sets", "ds");
  return existsSync(p) ? readdirSync(p) : [];
}

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir, binlog: true });
  const c = await db.connectRoot();
  // ~130 MB: a dump that takes long enough to be interrupted
  await c.query(
    "CREATE DATABASE bulk; CREATE TABLE bulk.big (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(1000)) ENGINE=InnoDB",
  );
  await c.query("INSERT INTO bulk.big (pad) VALUES (REPEAT(MD5(RAND()), 30))");
  for (let i = 0; i < 17; i++) await c.query("INSERT INTO bulk.big (pad) SELECT REPEAT(MD5(RAND()), 30) FROM bulk.big");
  await c.query(
    "CREATE DATABASE scoped; CREATE TABLE scoped.a (id INT PRIMARY KEY); CREATE TABLE scoped.b (id INT " +
      "PRIMARY KEY); INSERT INTO scoped.a VALUES (1); INSERT INTO scoped.b VALUES (2)",
  );
  await c.end();
}, 300_000);

afterAll(async () => {
  await db?.stop();
});

describe("a backup that failed is never a backup", () => {
  it("the dump's connection KILLed mid-way: exit 1 naming the dump stage and its stderr, although zstd exited " +
    "0; nothing published", async () => {
    const s = await applied("killed");
    const run = drctl(["backup", "-f", s.file, "ds"]);
    const c = await db.connectRoot();
    let killed = false;
    for (let i = 0; i < 2000 && !killed; i++) {
      const [rows] = await c.query(
        "SELECT ID, INFO FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%big%'",
      );
      const row = (rows as { ID: number }[])[0];
      if (row) {
        await c.query(`KILL ${Number(row.ID)}`);
        killed = true;
      } else await new Promise((r) => setTimeout(r, 5));
    }
    await c.end();
    expect(killed).toBe(true);
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        "stage mariadb-dump exited \\d+: .*(Lost connection|server has gone away|Error " +
          "2013|Error 2006|query execution was interrupted)",
        "is",
      ),
    );
    expect(r.stderr).not.toContain("internal error");
    expect(await newSetIds(s)).toEqual([]);
    expect(newSetDirs(s)).toEqual([]); // the attempt was removed, not left as debris
    const job = (await readJournal(s.state)).filter((j) => j.kind === "job").at(-1)!;
    expect([job.data.exitCode, job.data.result]).toEqual([1, "failed"]);
    expect(String(job.data.error)).toContain("stage mariadb-dump");
  }, 120_000);

  it("a dump that exits 0 but lacks a table fails the completeness check (exit 1, naming it): an option file's " +
    "ignore-table, and a table hidden from the account", async () => {
    // 1: the credentials file also tells mariadb-dump to skip a table
    const opts = readFileSync(db.clientOptionFile, "utf8");
    const sneaky = join(dir, "sneaky.cnf");
    writeFileSync(sneaky, `${opts}\n[mariadb-dump]\nignore-table=scoped.b\n`, { mode: 0o600 });
    // apply's first backup already finds it: the dataset is not "applied" while its backup is incomplete
    const s1 = spec("sneaky", { credentials: sneaky, databases: ["scoped"] });
    const a1 = await drctl(["apply", "-f", s1.file, "--auto-approve"]);
    expect(a1.code).toBe(1);
    expect(a1.stderr).toContain("apply stopped at verification.ds: the first backup of ds exited 1");
    expect(a1.stderr).toContain("the set lacks 1 table(s) the server has for dataset ds: scoped.b");
    const r1 = await drctl(["backup", "-f", s1.file, "ds"]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain("the set lacks 1 table(s) the server has for dataset ds: scoped.b");
    expect(await setIds(s1.file)).toEqual([]);

    // 2: an account that cannot see scoped.b (table-level grants), but can read InnoDB's table list
    const c = await db.connectRoot();
    await c.query("CREATE USER narrow@'127.0.0.1' IDENTIFIED BY 'n4rrow-pw'");
    await c.query("GRANT RELOAD, BINLOG MONITOR, PROCESS ON *.* TO narrow@'127.0.0.1'");
    await c.query("GRANT SELECT, SHOW VIEW, TRIGGER ON scoped.a TO narrow@'127.0.0.1'");
    await c.query("GRANT EVENT ON scoped.* TO narrow@'127.0.0.1'");
    await c.query("GRANT SELECT ON mysql.innodb_table_stats TO narrow@'127.0.0.1'");
    await c.end();
    const narrow = join(dir, "narrow.cnf");
    writeFileSync(narrow, `[client]\nuser=narrow\npassword=n4rrow-pw\nhost=127.0.0.1\nport=${db.port}\n`, {
      mode: 0o600,
    });
    const s2 = spec("narrow", { credentials: narrow, databases: ["scoped"] });
    // the plan sees the narrow account's missing privileges (refused); told to go on, apply's first backup fails
    const refused = await drctl(["apply", "-f", s2.file, "--auto-approve"]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining("lacks")]);
    expect((await drctl(["apply", "-f", s2.file, "--auto-approve", "--allow-errors"])).code).toBe(1);
    const r2 = await drctl(["backup", "-f", s2.file, "ds"]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("scoped.b");
    expect(r2.stderr).toContain("cannot see");
    expect(await setIds(s2.file)).toEqual([]);
  }, 120_000);

  it("no password appears on any command line while a backup runs", async () => {
    const s = await applied("nopw");
    const password = /password=(.+)/.exec(readFileSync(db.clientOptionFile, "utf8"))![1]!.trim();
    const run = drctl(["backup", "-f", s.file, "ds"]);
    let done = false;
    void run.then(() => (done = true));
    let sawDump = false;
    const leaks: string[] = [];
    while (!done) {
      for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        let cmd: string;
        try {
          cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          continue;
        }
        if (cmd.includes("mariadb-dump")) sawDump = true;
        if (cmd.includes(password)) leaks.push(cmd.replaceAll("\0", " "));
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    expect((await run).code).toBe(0);
    expect(sawDump).toBe(true); // the poll ran while the dump did
    expect(leaks).toEqual([]);
  }, 120_000);

  it("kill -9 of drctl backup mid-stream: no set listed; the next backup succeeds and the debris is gone", async () => {
    const s = await applied("kill9");
    const child = spawn(process.execPath, [distCli, "backup", "-f", s.file, "ds"], { stdio: "ignore" });
    const deadline = Date.now() + 60_000;
    let partial: string | undefined;
    while (Date.now() < deadline) {
      const d = newSetDirs(s)[0];
      const f = d && join(s.repo, "sets", "ds", d, "dump.sql.zst");
      if (f && existsSync(f) && statSync(f).size > 256 * 1024) {
        partial = d;
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(partial).toBeDefined();
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(await newSetIds(s)).toEqual([]);
    expect(newSetDirs(s)).toEqual([partial]); // debris, never listed

    const r = await drctl(["backup", "-f", s.file, "ds"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removed an interrupted attempt: ${join(s.repo, "sets", "ds", partial!)}`);
    const ids = await newSetIds(s);
    expect(ids).toHaveLength(1);
    expect(newSetDirs(s)).toEqual(ids);
    expect(readdirSync(join(s.repo, "staging"))).toEqual([]);
  }, 180_000);
});

describe("drctl verify", () => {
  it("passes intact sets; a flipped byte and a truncated file are exit 5 naming the file and the set", async () => {
    const s = await applied("verify", { databases: ["scoped"] });
    expect((await drctl(["backup", "-f", s.file, "ds"])).code).toBe(0);
    expect((await drctl(["backup", "-f", s.file, "ds"])).code).toBe(0);
    const [a, b] = await newSetIds(s);
    const ok = await drctl(["verify", "-f", s.file, "--deep"]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain("3 set(s) checked (deep): 3 ok, 0 failed");

    const dumpA = join(s.repo, "sets", "ds", a!, "dump.sql.zst");
    const fd = openSync(dumpA, "r+");
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, 40);
    byte[0] = byte[0]! ^ 0x01;
    writeSync(fd, byte, 0, 1, 40);
    closeSync(fd);
    const flipped = await drctl(["verify", "-f", s.file]);
    expect(flipped.code).toBe(5);
    expect(flipped.stdout).toMatch(new RegExp(`FAILED  ${a}  dump\\.sql\\.zst: sha256 [0-9a-f]{16}… differs`));
    expect(flipped.stdout).toContain(`ok      ${b}`);

    const dumpB = join(s.repo, "sets", "ds", b!, "dump.sql.zst");
    truncateSync(dumpB, statSync(dumpB).size - 7);
    const truncated = await drctl(["verify", "-f", s.file, b!]);
    expect(truncated.code).toBe(5);
    expect(truncated.stdout).toMatch(new RegExp(`FAILED  ${b}  dump\\.sql\\.zst: size \\d+ bytes, manifest says \\d+`));
    const journal = (await readJournal(s.state)).filter((j) => j.kind === "job" && j.data.command === "verify");
    expect(journal.map((j) => j.data.exitCode)).toEqual([0, 5, 5]);
  }, 120_000);

  it('encrypted sets: the backup host needs only the recipients; the wrong identity is a clear "cannot decrypt" ' +
    "(exit 5), the right one decodes", async () => {
    const right = join(dir, "right.key");
    const wrong = join(dir, "wrong.key");
    execFileSync("age-keygen", ["-o", right], { stdio: "ignore" });
    execFileSync("age-keygen", ["-o", wrong], { stdio: "ignore" });
    const recipient = /public key: (age1\S+)/.exec(readFileSync(right, "utf8"))![1]!;
    // the backup host has no identity: apply configures everything but cannot prove a restore here (skipped, exit 6)
    const absent = join(dir, "not-on-this-host.key");
    const s = spec("encrypted", {
      databases: ["scoped"],
      encryption: `encryption: { recipients: [${recipient}], identityFile: ${q(absent)} }`,
    });
    const a = await drctl(["apply", "-f", s.file, "--auto-approve"]);
    expect(a.code, a.stderr).toBe(6);
    expect(a.stderr).toContain(
      `skipped verification.ds: the backups are encrypted and the age identity ${absent} is not on this host`,
    );
    const b = await drctl(["backup", "-f", s.file, "ds"]);
    expect(b.code, b.stderr).toBe(0);
    writeFileSync(s.file, readFileSync(s.file, "utf8").replace(q(absent), q(wrong)));
    const [id] = await setIds(s.file);
    const m = JSON.parse(readFileSync(join(s.repo, "sets", "ds", id!, "manifest.json"), "utf8")) as {
      files: { name: string }[];
      encryption: { type: string; recipientFingerprints: string[] };
    };
    expect(m.files.map((f) => f.name)).toEqual(["dump.sql.zst.age", "accounts.json.zst.age"]);
    expect(m.encryption.type).toBe("age");
    expect(m.encryption.recipientFingerprints).toHaveLength(1);
    expect(
      readFileSync(join(s.repo, "sets", "ds", id!, "dump.sql.zst.age"))
        .subarray(0, 21)
        .toString(),
    ).toBe("age-encryption.org/v1");

    const bad = await drctl(["verify", "-f", s.file, "--deep"]);
    expect(bad.code).toBe(5);
    expect(bad.stdout).toMatch(
      /FAILED {2}\S+ {2}dump\.sql\.zst\.age: cannot decrypt: stage age exited 1: .*no identity matched/s,
    );
    expect(bad.stderr).not.toContain("internal error");

    writeFileSync(s.file, readFileSync(s.file, "utf8").replace(q(wrong), q(right)));
    const good = await drctl(["verify", "-f", s.file, "--deep"]);
    expect(good.code, good.stdout).toBe(0);
    // and the set restores with the right identity (decrypted on the restore host only)
    const restored = await drctl(["restore", "-f", s.file, "ds", "--to", "latest"], {
      env: { DRCTL_SANDBOX_HOME: join(dir, "sandboxes") },
    });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/restored ds to latest \(.*\) from /);
  }, 120_000);
});
