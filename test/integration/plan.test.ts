// drctl plan against real MariaDB servers, run as the built CLI: the diff, the exit codes, an
// unreachable server, privileges, JSON against its schema, and no secret in any output.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { clientOptions } from "../../src/adapters/mysql/option-file.js";
import { freePort } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import type { Plan } from "../../src/core/plan.generated.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { drctl } from "../helpers/cli.js";
import { repoRoot, tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-plan-");
let off: Sandbox; // log_bin OFF
let on: Sandbox; // log_bin ON, ROW, sync_binlog=1

function writeSpec(name: string, s: Sandbox, extraServers = "", tier = "{ rpo: 2d, rto: 1h }"): string {
  return writeSpecFile({
    project: name,
    root: join(dir, name),
    sandbox: s,
    extraServers,
    tier,
    databases: ["university", "dr_ünïcode"],
  }).file;
}

async function seed(s: Sandbox): Promise<void> {
  const c = await s.connectRoot();
  await c.query(
    "CREATE DATABASE university; CREATE TABLE university.grades (id INT PRIMARY KEY, grade CHAR(2)); INSERT " +
      "INTO university.grades VALUES (1, 'A');",
  );
  await c.query("CREATE DATABASE `dr_ünïcode`; CREATE TABLE `dr_ünïcode`.`tbl with space` (id INT PRIMARY KEY);");
  await c.end();
}

beforeAll(async () => {
  [off, on] = await Promise.all([startSandbox({ baseDir: dir }), startSandbox({ binlog: true, baseDir: dir })]);
  await Promise.all([seed(off), seed(on)]);
});

afterAll(async () => {
  await Promise.all([off?.stop(), on?.stop()]);
});

describe("drctl plan", () => {
  it("log_bin OFF and an empty crontab: binlog update (restart required), schedules to create, exit 2", async () => {
    const spec = writeSpec("offsrv", off);
    const r = await drctl(["plan", "-f", spec, "--detailed-exitcode"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(2);
    const out = r.stdout;
    expect(out).toContain("~ server.db1.binlog  (update in place, restart required)");
    expect(out).toContain('~ log_bin: "OFF" → "ON"  (restart required)');
    expect(out).toContain('~ binlog_format: "MIXED" → "ROW"');
    expect(out).toContain("+ repository.local  (create)");
    for (const job of ["full", "binlog", "prune"])
      expect(out).toContain(`+ schedule.dataset.university.${job}  (create)`);
    expect(out).toContain("+ verification.university  (create)");
    expect(out).toContain("no drill has verified this dataset yet");
    expect(out).toMatch(/^Plan: 5 to add, 1 to change, 0 to destroy\. 1 restart\(s\) required\./m);
    // without --detailed-exitcode, changes are still success
    expect((await drctl(["plan", "-f", spec])).code).toBe(0);
  });

  it("a world that already matches: No changes, exit 0", async () => {
    const spec = writeSpec("matching", on);
    const first = JSON.parse((await drctl(["plan", "-f", spec, "--json"])).stdout) as Plan;
    // bring the world to the plan by hand (apply has its own tests): drop-in, repository, cron block
    const root = join(dir, "matching");
    const binlog = first.resources.find((x) => x.address === "server.db1.binlog")!;
    expect(binlog.attributes.map((a) => a.name)).toEqual(["configDropIn"]); // the live server is right already
    writeFileSync(join(root, "90-drctl.cnf"), binlog.textAfter!);
    mkdirSync(join(root, "repo"), { mode: 0o700 });
    writeFileSync(join(root, "repo", ".drctl-repository.json"), JSON.stringify({ project: "matching", id: "test" }));
    const lines = first.resources
      .filter((x) => x.kind === "schedule")
      .flatMap((x) => [`# drctl:${x.address}`, x.textAfter!]);
    mkdirSync(join(root, "cron.d"));
    writeFileSync(
      join(root, "cron.d", "drctl-matching"),
      ["# a line of someone else's", "# BEGIN drctl matching", ...lines, "# END drctl matching", ""].join("\n"),
    );
    // all that is left is the proof: a first backup restored and verified
    const pending = await drctl(["plan", "-f", spec, "--detailed-exitcode"]);
    expect(pending.code).toBe(2);
    expect(pending.stdout).toMatch(/^Plan: 1 to add, 0 to change, 0 to destroy\.$/m);
    expect((await drctl(["backup", "-f", spec, "university"])).code).toBe(0);
    const verified = await drctl(["drill", "verify", "-f", spec, "university"]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const r = await drctl(["plan", "-f", spec, "--detailed-exitcode"]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^No changes\. The live state matches the spec\./m);
    expect(r.stdout).toContain("university (bronze): RPO 1m of 2d");
  });

  it("one server down: the rest is still planned, the unreachable one is named, exit 1", async () => {
    const dead = await freePort();
    const spec = writeSpec(
      "onedown",
      on,
      `  db9: { host: 127.0.0.1, port: ${dead}, credentials: ${on.clientOptionFile} }`,
    );
    const r = await drctl(["plan", "-f", spec, "--detailed-exitcode"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("+ schedule.dataset.university.full  (create)");
    expect(r.stdout).toMatch(
      new RegExp(`error +cannot connect to server db9 \\(127\\.0\\.0\\.1:${dead}\\): .*ECONNREFUSED`),
    );
  });

  it("names each privilege the backup account lacks", async () => {
    const c = await on.connectRoot();
    await c.query(
      "CREATE USER 'weak'@'127.0.0.1' IDENTIFIED BY 'weak-pw-123'; GRANT SELECT, RELOAD ON *.* TO 'weak'@'127.0.0.1'",
    );
    await c.end();
    const cnf = join(dir, "weak.cnf");
    writeFileSync(cnf, "[client]\nuser=weak\npassword=weak-pw-123\n", { mode: 0o600 });
    const spec = writeSpec("weak", on);
    writeFileSync(spec, readFileSync(spec, "utf8").replace(on.clientOptionFile, cnf));
    const r = await drctl(["plan", "-f", spec]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `university: the account in ${cnf} lacks SHOW VIEW, TRIGGER, LOCK TABLES, EVENT, BINLOG MONITOR on ` +
        `db1, which mysqldump needs`,
    );
    expect(r.stdout).toContain(
      `university: the account in ${cnf} lacks REPLICATION SLAVE on db1, which binlog archiving needs`,
    );
  });

  it("--json validates against schemas/plan.schema.json, -out saves it, and no output holds the password", async () => {
    const spec = writeSpec("json", off);
    const out = join(dir, "json", "plan.json");
    const r = await drctl(["plan", "-f", spec, "--json", "-out", out]);
    const plan = JSON.parse(r.stdout) as Plan;
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, "schemas/plan.schema.json"), "utf8")));
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(plan);
    const password = clientOptions(off.clientOptionFile).password!;
    const text = await drctl(["plan", "-f", spec]);
    for (const s of [r.stdout, r.stderr, text.stdout, text.stderr, readFileSync(out, "utf8")])
      expect(s).not.toContain(password);
  });
});
