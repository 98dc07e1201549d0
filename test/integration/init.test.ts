// drctl init (issue 18 §3) against a live server with several databases — one with a MyISAM table, one
// with a hostile name: the spec it writes validates and plans, and apply + a drill on it pass.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { drctl } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-init-");
const hostile = 'we"ird `db` ü';
let db: Sandbox;

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir, binlog: true });
  const c = await db.connectRoot();
  const h = `\`${hostile.replaceAll("`", "``")}\``;
  await c.query(
    "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(9,2)); " +
      "INSERT INTO shop.orders VALUES (1, 9.5), (2, 20); " +
      "CREATE DATABASE legacy; CREATE TABLE legacy.hits (id INT PRIMARY KEY, n INT) ENGINE=MyISAM; " +
      "INSERT INTO legacy.hits VALUES (1, 7); " +
      `CREATE DATABASE ${h}; CREATE TABLE ${h}.\`t'1\` (id INT PRIMARY KEY); INSERT INTO ${h}.\`t'1\` VALUES (1)`,
  );
  await c.end();
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

describe("drctl init", () => {
  it("writes a commented spec from the server that validates, plans, applies and drills", async () => {
    const out = join(dir, "drctl.yaml");
    const args = [
      "init",
      "--server",
      db.clientOptionFile,
      "--out",
      out,
      "--project",
      "inited",
      "--repository",
      join(dir, "repo"),
      "--state",
      join(dir, "state"),
      "--cron-file",
      join(dir, "cron.d-inited"),
    ];
    const r = await drctl(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*drctl\.yaml: 3 database\(s\) in dataset db1/);
    const text = readFileSync(out, "utf8");
    expect(statSync(out).mode & 0o777).toBe(0o644);
    // what a DBA must see: the databases (hostile name quoted), the method and why, the MyISAM table, TODOs
    expect(text).toContain(`- ${JSON.stringify(hostile)}`);
    expect(text).toMatch(/full: \{ method: mysqldump, schedule: "0 2 \* \* \*" \}/);
    expect(text).toMatch(/binlog: \{ archive: true, interval: 1m \}/);
    expect(text).toMatch(/tier: gold/);
    expect(text).toMatch(/NOTE: 1 table\(s\) are not transactional/);
    expect(text).toContain('"legacy"."hits" (MyISAM)');
    expect(text).toMatch(/# TODO: a name for this DR setup/);

    // never over an existing spec
    const again = await drctl(args);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/exists: init never overwrites a spec/);

    const v = await drctl(["validate", "-f", out]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const p = await drctl(["plan", "-f", out, "--detailed-exitcode"]);
    expect(p.code, p.stdout + p.stderr).toBe(2); // changes to make, no error findings
    const a = await drctl(["apply", "-f", out, "--auto-approve"]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    // the archive job cron would run every minute: once, so the drill can replay to "latest"
    const arch = await drctl(["binlog", "archive", "-f", out, "db1"]);
    expect(arch.code, arch.stderr).toBe(0);
    const d = await drctl(["drill", "run", "-f", out, "weekly"]);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    const again2 = await drctl(["plan", "-f", out, "--detailed-exitcode"]);
    expect(again2.code, again2.stdout).toBe(0);
  }, 300_000);

  it("an option file that does not reach a server: a clear error, nothing written", async () => {
    const bad = join(dir, "bad.cnf");
    const { writeFileSync, existsSync } = await import("node:fs");
    writeFileSync(bad, "[client]\nhost=127.0.0.1\nport=1\nuser=x\npassword=y\n", { mode: 0o600 });
    const out = join(dir, "nothing.yaml");
    const r = await drctl(["init", "--server", bad, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect with .*bad\.cnf: .*ECONNREFUSED/);
    expect(r.stderr).not.toContain("password=y");
    expect(existsSync(out)).toBe(false);
  });
});
