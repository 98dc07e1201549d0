// drctl drill run against a real MariaDB: a logical and a physical image restored into harmless
// sandboxes, verified at the set's point (tables, CHECK TABLE, objects, reference figures, views)
// and at the drill's point (GTIDs applied, queries); RTO/RPO measured and judged (exit 7 when a
// target is missed); a broken set (a flipped byte; a table cut out of a re-hashed dump) fails, exit 5.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { readJournal, verifyJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { distCli, tempDir } from "../helpers/temp.js";
import type { DrillRecord } from "../../src/drill/drill.js";

const dir = tempDir("drctl-drill-");
const spec = join(dir, "drctl.yaml");
const repo = join(dir, "repo");
const state = join(dir, "state");
let db: Sandbox;

async function sql(...statements: string[]) {
  const c = await db.connectRoot();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

const drills = async () =>
  (await readJournal(state)).filter((r) => r.kind === "drill").map((r) => r.data as unknown as DrillRecord);
// the drills' scratch (and sandboxes) under this file's own temp dir, so other test files' restores do not count
const tmp = join(dir, "tmp");
const env = { TMPDIR: tmp };
const sandboxProcesses = () =>
  execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes("mariadbd") && l.includes(tmp));

beforeAll(async () => {
  mkdirSync(tmp, { mode: 0o700 });
  db = await startSandbox({ baseDir: dir, binlog: true });
  await sql(
    "CREATE DATABASE uni",
    "CREATE TABLE uni.grades (id INT PRIMARY KEY, v VARCHAR(20))",
    "INSERT INTO uni.grades VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    "CREATE TABLE uni.`exam ``s`` ü` (id INT PRIMARY KEY, n INT)",
    "INSERT INTO uni.`exam ``s`` ü` VALUES (1, 10), (2, 20)",
    "CREATE VIEW uni.top AS SELECT id FROM uni.grades WHERE id > 1",
    // big enough that its restore takes more than the 1s RTO of the `instant` tier on any machine
    "CREATE DATABASE bulk",
    "CREATE TABLE bulk.t (id INT PRIMARY KEY, v INT, s VARCHAR(40))",
    "INSERT INTO bulk.t SELECT seq, seq * 7, MD5(seq) FROM bulk.seq_1_to_1500000",
    "CREATE DATABASE outside",
    "CREATE TABLE outside.noise (id INT PRIMARY KEY)",
  );
  writeFileSync(
    spec,
    datasetsSpec({
      project: "drill",
      state,
      repo,
      server: { port: db.port, credentials: db.clientOptionFile },
      cronFile: join(dir, "cron"),
      extraTiers: "  instant: { rpo: 1d, rto: 1s }\n",
      datasets: {
        logical: { databases: ["uni"], method: "mysqldump", binlog: true },
        physical: { databases: ["uni"], method: "mariadb-backup", binlog: true },
        tight: { databases: ["bulk"], method: "mysqldump", binlog: true, tier: "instant" },
      },
      drills: [
        "  logical-latest:",
        "    dataset: logical",
        '    schedule: "30 5 * * 0"',
        "    verify: [rowCounts, checksums, { query: 'SELECT COUNT(*) FROM uni.grades', expect: { min: 5 } }]",
        "  physical-random:",
        "    dataset: physical",
        '    schedule: "30 6 * * 0"',
        "    restoreTo: { randomWithin: 1h }",
        "  tight:",
        "    dataset: tight",
        '    schedule: "30 7 * * 0"',
        "  wrong-query:",
        "    dataset: logical",
        '    schedule: "30 8 * * 0"',
        "    verify: [rowCounts, { query: 'SELECT COUNT(*) FROM uni.grades', expect: { equals: 999 } }]",
      ].join("\n"),
    }),
  );
  // the tight tier (RTO 1s) cannot be met: the plan says so and apply goes on only when told to
  const refused = await drctl(["apply", "-f", spec, "--auto-approve"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(
    /the plan has \d+ error finding\(s\); nothing was applied:\n( {2}- .*\n)* {2}- tight: RTO .* > instant 1s/,
  );
  expect((await drctl(["apply", "-f", spec, "--auto-approve", "--allow-errors"])).code).toBe(0);
  for (const ds of ["logical", "physical", "tight"]) {
    const r = await drctl(["backup", "-f", spec, ds]);
    expect(r.code, r.stderr).toBe(0);
  }
  // transactions after the sets, in the dataset and outside it: the replay must apply exactly the dataset's
  await sql(
    "INSERT INTO uni.grades VALUES (4, 'd')",
    "INSERT INTO outside.noise VALUES (1)",
    "INSERT INTO uni.grades VALUES (5, 'e')",
    "UPDATE uni.`exam ``s`` ü` SET n = n + 1",
  );
  const a = await drctl(["binlog", "archive", "-f", spec, "db1"]);
  expect(a.code, a.stdout + a.stderr).toBe(0);
}, 240_000);

afterAll(async () => {
  await db?.stop();
});

describe("drctl drill run", () => {
  it("logical image to latest: every check passes at the set's point and at the drill's point; RTO/RPO measured " +
    "and met; journaled as verified", async () => {
    const r = await drctl(["drill", "run", "-f", spec, "logical-latest"], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // CHECK TABLE only where the pages came from the backup (a physical image)
    expect(r.stdout).toMatch(/^ {2}skip {2}\[set point\] CHECK TABLE: not run \(a logical load builds/m);
    for (const name of [
      "tables present",
      "schema objects",
      "views answer",
      "row counts",
      "checksums",
      "last applied GTID",
      "query: SELECT COUNT(*) FROM uni.grades",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`ok +\\[[a-z' ]+\\] ${name.replace(/[()*]/g, "\\$&")}`));
    }
    expect(r.stdout).toMatch(/\[set point\] row counts: 2 table\(s\), 5 rows, equal the reference figures/);
    expect(r.stdout).toMatch(
      /\[target\] last applied GTID: 3 transaction\(s\) replayed; the last applied is GTID 0-\d+-\d+/,
    );
    expect(r.stdout).toMatch(/returned 5\b/);
    expect(r.stdout).toMatch(
      new RegExp(
        "drill logical-latest passed: \\S+-full-\\S+ restored and verified; RTO \\d+\\.\\ds " +
          "\\(target 4h\\), RPO \\d+\\.\\ds \\(target 1d\\)",
      ),
    );
    // apply proved each dataset first (verification.<dataset>: its first set, at its own point)
    // (the instant tier's 1s RTO is missed already then: the data verified, so apply went on —
    // status and plan tell the rest)
    expect((await drills()).slice(0, 3).map((d) => [d.drill, d.result, d.verified, d.point.how])).toEqual(
      [
        ["logical", "ok"],
        ["physical", "ok"],
        ["tight", "target-missed"],
      ].map(([ds, result]) => [`verification.${ds}`, result, true, expect.stringMatching(/^fixed time /)]),
    );
    const rec = (await drills()).find((d) => d.drill === "logical-latest");
    expect(rec).toMatchObject({
      drill: "logical-latest",
      dataset: "logical",
      method: "mysqldump",
      result: "ok",
      verified: true,
      rto: { targetSeconds: 14400, met: true },
      rpo: { targetSeconds: 86400, met: true },
    });
    expect(rec!.rto!.measuredSeconds).toBeGreaterThan(0);
    expect(rec!.restoreBytesPerSecond).toBeGreaterThan(0);
    // the archived binlog's last transaction in the dataset is the one the sandbox applied last
    const gtids = execFileSync(
      "mariadb",
      [`--defaults-file=${db.clientOptionFile}`, "-N", "-e", "SELECT @@gtid_binlog_pos"],
      { encoding: "utf8" },
    ).trim();
    expect(rec!.replay!.lastGtid).toBe(gtids);
    expect(sandboxProcesses()).toEqual([]); // torn down
    expect((await verifyJournal(state)).ok).toBe(true);
    const b = await drctl(["backups", "-f", spec, "logical"]);
    expect(b.stdout).toMatch(/VERIFIED/);
    expect(b.stdout).toMatch(new RegExp(`${rec!.set}.*yes`));
  }, 180_000);

  it(
    "drctl status after that drill: OK now, AT RISK past 80 % of the RPO, BREACHED past it (exit 0 → 6 → 7), " +
      "as --now moves",
    async () => {
      const progress = JSON.parse(readFileSync(join(repo, "binlogs", "db1", "progress.json"), "utf8")) as {
        checkedAt: string;
      };
      const at = (hours: number) => new Date(Date.parse(progress.checkedAt) + hours * 3600_000).toISOString();
      const ok = await drctl(["status", "-f", spec, "logical", "--now", at(1 / 60)]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(
        /^logical\s+bronze\s+OK\s+\S+Z\s+\S+Z\s+1m\/1d\s+\S+Z ok RTO \d+\.\ds\/4h RPO \d+\.\ds\/1d$/m,
      );
      const risk = await drctl(["status", "-f", spec, "logical", "--now", at(20)]);
      expect(risk.code).toBe(6);
      expect(risk.stdout).toContain(
        `logical: AT RISK: exposure 20h is above 80% of RPO 1d (bronze), since ${progress.checkedAt} (the last ` +
          `complete binlog archive run)`,
      );
      const json = await drctl(["status", "-f", spec, "logical", "--now", at(25), "--json"]);
      expect(json.code).toBe(7);
      const report = JSON.parse(json.stdout) as {
        state: string;
        datasets: { dataset: string; state: string; exposureSeconds: number; lastDrill: { result: string } }[];
      };
      expect(report.state).toBe("BREACHED");
      expect(report.datasets[0]).toMatchObject({
        dataset: "logical",
        state: "BREACHED",
        exposureSeconds: 25 * 3600,
        lastDrill: { result: "ok" },
      });
    },
  );

  it(
    "plan's RTO proof now uses what the newest verified drill measured; every dataset verified, nothing left " +
      "to apply",
    async () => {
      const rec = (await drills()).find((d) => d.drill === "logical-latest" && d.verified)!;
      const r = await drctl(["plan", "-f", spec, "--json"]);
      const plan = JSON.parse(r.stdout) as {
        proofs: { dataset: string; rto: { basis: string; estimated: boolean } }[];
        resources: { address: string; action: string }[];
      };
      const proof = plan.proofs.find((p) => p.dataset === "logical")!;
      expect(proof.rto.estimated).toBe(false);
      expect(proof.rto.basis).toMatch(
        new RegExp(
          `: the drill of ${rec.startedAt} restored and verified \\S+ [kMG]?B in ` +
            `${rec.rto!.measuredSeconds.toFixed(1)}s, start-up included`,
        ),
      );
      // the physical dataset's only drill so far is apply's verification
      const verification = (await drills()).find((d) => d.drill === "verification.physical")!;
      expect(plan.proofs.find((p) => p.dataset === "physical")!.rto.basis).toContain(
        `the drill of ${verification.startedAt} restored`,
      );
      expect(
        plan.resources.filter((x) => x.address.startsWith("verification.")).map((x) => [x.address, x.action]),
      ).toEqual([
        ["verification.logical", "no-op"],
        ["verification.physical", "no-op"],
        ["verification.tight", "no-op"],
      ]);
    },
  );

  it("physical image to a seeded random point in the last hour: same seed, same point", async () => {
    const r = await drctl(["drill", "run", "-f", spec, "physical-random", "--seed", "fixed"], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const again = await drctl(["drill", "run", "-f", spec, "physical-random", "--seed", "fixed"], { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const recs = (await drills()).filter((d) => d.drill === "physical-random");
    expect(recs).toHaveLength(2);
    expect(recs[0]!.point.seed).toBe("fixed");
    expect(recs[0]!.point.how).toContain("random within 1h");
    expect(recs[0]!.checks.filter((c) => !c.ok)).toEqual([]);
    // a physical image's pages came from the backup: CHECK TABLE reads them all
    expect(r.stdout).toMatch(/^ {2}ok {4}\[set point\] CHECK TABLE: \d+ table\(s\) passed CHECK TABLE$/m);
    // where the time went, said and recorded (issue 17 §4)
    const phase = (name: string) => `${name} [\\d.]+ s`;
    expect(r.stderr).toMatch(
      new RegExp(
        `^ {2}phases: ${[
          "restore to the set's point",
          "checks at the set's point",
          "replay to the drill's point",
          "checks at the drill's point",
          "teardown",
        ]
          .map(phase)
          .join(" · ")}$`,
        "m",
      ),
    );
    expect(recs[0]!.phases?.map((p) => p.name)).toEqual([
      "restore to the set's point",
      "checks at the set's point",
      "replay to the drill's point",
      "checks at the drill's point",
      "teardown",
    ]);
    // the window is cut at the oldest full: both runs land inside [that set's point, now]
    const [a, b] = recs.map((x) => Date.parse(x.point.to));
    expect(Math.abs(a! - b!)).toBeLessThan(60_000);
  }, 240_000);

  it("a tier RTO smaller than the measured one: data verified, exit 7 with both figures", async () => {
    const r = await drctl(["drill", "run", "-f", spec, "tight"], { env });
    expect(r.code, r.stdout + r.stderr).toBe(7);
    expect(r.stderr).toMatch(/RTO measured \d+\.\ds > target 1s \(instant\): MISSED/);
    expect(r.stdout).toMatch(/drill tight verified the data but MISSED the tier: .*RTO \d+\.\ds \(target 1s, MISSED\)/);
    const rec = (await drills()).at(-1)!;
    expect(rec).toMatchObject({
      drill: "tight",
      result: "target-missed",
      verified: true,
      rto: { targetSeconds: 1, met: false },
    });
  }, 180_000);

  it("a drill query that returns something else fails the drill: exit 5, the query named", async () => {
    const r = await drctl(["drill", "run", "-f", spec, "wrong-query"], { env });
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout).toMatch(
      /FAIL {2}\[target\] query: SELECT COUNT\(\*\) FROM uni.grades: returned 5, expected = 999/,
    );
    expect(r.stdout).toMatch(/drill wrong-query FAILED: 1 check\(s\) failed/);
  }, 180_000);

  describe("a broken set", () => {
    const newestSet = () => {
      const sets = join(repo, "sets", "logical");
      const id = readdirSync(sets)
        .filter((n) => n.includes("-full-"))
        .sort()
        .at(-1)!;
      return join(sets, id);
    };

    it("one payload byte flipped: exit 5 naming the set and the file; nothing marked verified", async () => {
      const set = newestSet();
      const file = join(set, readdirSync(set).find((n) => n.startsWith("dump.sql"))!);
      const original = readFileSync(file);
      const bad = Buffer.from(original);
      bad[Math.floor(bad.length / 2)]! ^= 0x01;
      writeFileSync(file, bad);
      try {
        const r = await drctl(["drill", "run", "-f", spec, "logical-latest"], { env });
        expect(r.code, r.stdout + r.stderr).toBe(5);
        expect(r.stdout).toMatch(
          new RegExp(
            "FAIL {2}\\[set point\\] restore: the stored bytes differ from their manifests: " +
              "set \\S+ file dump\\.sql\\S*: sha256 ",
          ),
        );
        const rec = (await drills()).at(-1)!;
        expect(rec).toMatchObject({ result: "failed", verified: false });
      } finally {
        writeFileSync(file, original);
      }
    }, 120_000);

    it("a table cut out of the dump (re-hashed, so only the restored data can tell): exit 5, the table and its " +
      "rows named", async () => {
      const set = newestSet();
      const manifestFile = join(set, "manifest.json");
      const manifestText = readFileSync(manifestFile, "utf8");
      const manifest = JSON.parse(manifestText) as { files: { name: string; bytes: number; sha256: string }[] };
      const entry = manifest.files.find((f) => f.name.startsWith("dump.sql"))!;
      const file = join(set, entry.name);
      const original = readFileSync(file);
      const sqlText = execFileSync("zstd", ["-dc"], { input: original }).toString("utf8");
      // drop the hostile-named table's structure and data sections (the view does not need it: the dump still loads)
      const cut = sqlText.replace(/--\n-- Table structure for table `exam[\s\S]*?UNLOCK TABLES;\n/, "");
      expect(cut.length).toBeLessThan(sqlText.length);
      const bad = execFileSync("zstd", ["-c", "-q"], { input: Buffer.from(cut, "utf8") });
      writeFileSync(file, bad);
      entry.bytes = bad.length;
      entry.sha256 = createHash("sha256").update(bad).digest("hex");
      writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
      try {
        const r = await drctl(["drill", "run", "-f", spec, "logical-latest"], { env });
        expect(r.code, r.stdout + r.stderr).toBe(5);
        expect(r.stdout).toContain(
          "FAIL  [set point] tables present: 1 of 2 table(s) the set holds are missing after the restore: " +
            "uni.exam `s` ü",
        );
        expect(r.stdout).toContain(
          "FAIL  [set point] row counts: 1 table(s) differ from the reference figures: uni.exam `s` ü: " +
            "missing (reference 2 rows)",
        );
        // a logical image's tables were all built by the load: CHECK TABLE is not run (the checks above find it)
        expect(r.stdout).toMatch(/^ {2}skip {2}\[set point\] CHECK TABLE: not run \(a logical load builds/m);
        // the binlog's UPDATE of that table cannot be replayed either: named, not hidden
        expect(r.stdout).toMatch(
          /FAIL {2}\[target\] restore: stage mariadb exited 1: .*Table 'uni\.exam `s` ü' doesn't exist/s,
        );
        expect(r.stdout).toMatch(
          /drill logical-latest FAILED: 3 check\(s\) failed on \S+-full-\S+ \(dataset logical\)/,
        );
        expect((await drills()).at(-1)).toMatchObject({ result: "failed", verified: false });
      } finally {
        writeFileSync(file, original);
        writeFileSync(manifestFile, manifestText);
      }
    }, 180_000);
  });

  it("drill list shows each drill's last run with measured vs target figures", async () => {
    const r = await drctl(["drill", "list", "-f", spec]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/logical-latest\s+logical\s+30 5 \* \* 0\s+latest\s+\S+Z\s+failed/);
    expect(r.stdout).toMatch(/tight\s+tight\s+.*target-missed\s+\d+\.\ds\/1s/);
  });

  it("a drill SIGKILLed mid-restore leaves its sandbox running; the next restore or drill stops it and removes " +
    "its files", async () => {
    const child = spawn(process.execPath, [distCli, "drill", "run", "-f", spec, "tight"], {
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    let orphan: string | undefined;
    for (let i = 0; i < 600 && !orphan; i++) {
      orphan = sandboxProcesses()[0];
      if (!orphan) await new Promise((r) => setTimeout(r, 50));
    }
    expect(orphan, "the drill's sandbox server").toBeDefined();
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await new Promise((r) => setTimeout(r, 500));
    expect(sandboxProcesses()).toEqual([orphan]); // no exit hook ran: the server is still there
    const scratch = readdirSync(tmp).filter((n) => n.startsWith("drctl-restore-"));
    expect(scratch).toHaveLength(1);
    const r = await drctl(["drill", "run", "-f", spec, "logical-latest"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `removed a sandbox and scratch files left by a killed restore or drill (pid ${child.pid}): ` +
        `${join(tmp, scratch[0]!)}`,
    );
    expect(sandboxProcesses()).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.startsWith("drctl-restore-"))).toEqual([]);
  }, 180_000);
});

describe("drctl evidence export / verify (on the drills above)", () => {
  const bundle = join(dir, "evidence-1");
  let keptHead = "";

  it("exports a bundle that verifies; the HTML report, rendered by headless Chromium, states the datasets, " +
    "measured RTO/RPO and pass/fail", async () => {
    const r = await drctl(["evidence", "export", "-f", spec, "--since", "1d", "--out", bundle]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    keptHead = /--expect-head (\d+:[0-9a-f]{64})/.exec(r.stdout)![1]!;
    for (const f of [
      "evidence.json",
      "report.md",
      "report.html",
      "journal.jsonl",
      "spec.yaml",
      "runbook/logical.md",
      "runbook/logical.html",
    ])
      expect(existsSync(join(bundle, f)), f).toBe(true);
    const v = await drctl(["evidence", "verify", bundle]);
    expect(v.code, v.stdout + v.stderr).toBe(0);

    const dom = execFileSync(
      "chromium",
      ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", `file://${join(bundle, "report.html")}`],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 },
    );
    // what the page shows, as text, row by row
    const rows = [...dom.matchAll(/<tr(?: class="(\w+)")?>([\s\S]*?)<\/tr>/g)].map((m) => ({
      cls: m[1],
      cells: [...m[2]!.matchAll(/<t[dh]>([\s\S]*?)<\/t[dh]>/g)].map((c) =>
        c[1]!.replace(/&amp;/g, "&").replace(/&gt;/g, ">"),
      ),
    }));
    const recs = await drills();
    const passed = recs.find((d) => d.drill === "logical-latest" && d.result === "ok")!;
    const passedRow = rows.find((r) => r.cells[0] === passed.startedAt)!;
    expect(passedRow.cls).toBe("pass");
    expect(passedRow.cells).toContain("PASSED");
    expect(passedRow.cells.join(" ")).toContain(`${passed.rto!.measuredSeconds.toFixed(1)}s measured / 4h target: met`);
    expect(passedRow.cells.join(" ")).toContain(`${passed.rpo!.measuredSeconds.toFixed(1)}s measured / 1d target: met`);
    const missed = recs.find((d) => d.drill === "tight")!;
    const missedRow = rows.find((r) => r.cells[0] === missed.startedAt)!;
    expect(missedRow.cells).toContain("data verified, target MISSED");
    expect(missedRow.cells.join(" ")).toContain(
      `${missed.rto!.measuredSeconds.toFixed(1)}s measured / 1s target: MISSED`,
    );
    // the broken set's drill: failed, and what failed
    const broken = recs
      .filter((d) => d.result === "failed" && d.failures.some((f) => f.includes("tables present")))
      .at(-1)!;
    const brokenRow = rows.find((r) => r.cells[0] === broken.startedAt)!;
    expect(brokenRow.cls).toBe("fail");
    expect(brokenRow.cells).toContain("FAILED");
    expect(brokenRow.cells.join(" ")).toContain(
      "tables present: 1 of 2 table(s) the set holds are missing after the restore: uni.exam `s` ü",
    );
    for (const name of ["Dataset logical", "Dataset physical", "Dataset tight"]) expect(dom).toContain(`>${name}</h2>`);
  }, 120_000);

  it("one record of the bundle's journal edited, or deleted: verify exits 5 naming it", async () => {
    const copy = join(dir, "evidence-edited");
    execFileSync("cp", ["-r", bundle, copy]);
    const file = join(copy, "journal.jsonl");
    const lines = readFileSync(file, "utf8").split("\n");
    const i = lines.findIndex((l) => l.includes('"kind":"drill"') && l.includes('"result":"failed"'));
    const seq = (JSON.parse(lines[i]!) as { seq: number }).seq;
    writeFileSync(
      file,
      [...lines.slice(0, i), lines[i]!.replace('"result":"failed"', '"result":"ok"'), ...lines.slice(i + 1)].join("\n"),
    );
    const v = await drctl(["evidence", "verify", copy]);
    expect(v.code).toBe(5);
    expect(v.stdout).toContain(`journal.jsonl: record seq ${seq} (line ${i + 1}) was modified`);

    const deleted = join(dir, "evidence-deleted");
    execFileSync("cp", ["-r", bundle, deleted]);
    writeFileSync(join(deleted, "journal.jsonl"), [...lines.slice(0, i), ...lines.slice(i + 1)].join("\n"));
    const d = await drctl(["evidence", "verify", deleted]);
    expect(d.code).toBe(5);
    expect(d.stdout).toContain(`journal.jsonl: record seq ${seq} is missing before line ${i + 1} (deleted)`);
  });

  it(
    "a report edited and its digest recomputed in evidence.json: verify exits 5 (the report no longer matches " +
      "the journal)",
    async () => {
      const copy = join(dir, "evidence-report");
      execFileSync("cp", ["-r", bundle, copy]);
      const html = readFileSync(join(copy, "report.html"), "utf8").replaceAll(">FAILED<", ">PASSED<");
      writeFileSync(join(copy, "report.html"), html);
      const ev = JSON.parse(readFileSync(join(copy, "evidence.json"), "utf8")) as { files: Record<string, string> };
      ev.files["report.html"] = createHash("sha256").update(html).digest("hex");
      writeFileSync(join(copy, "evidence.json"), JSON.stringify(ev, null, 2));
      const v = await drctl(["evidence", "verify", copy]);
      expect(v.code).toBe(5);
      expect(v.stdout).toContain("FAILED: report.html does not match the evidence it was made from");
    },
  );

  it("the live journal rewritten and fully re-hashed: the next bundle verifies on its own, but not against the " +
    "head kept from the first", async () => {
    const live = join(state, "journal.jsonl");
    const original = readFileSync(live, "utf8");
    const headOriginal = readFileSync(join(state, "journal.head"), "utf8");
    try {
      // turn the failed drills into passes and re-chain every record after them
      let prev = "0".repeat(64);
      const rewritten = original
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => {
          const rec = JSON.parse(l) as { prev: string; kind: string; data: Record<string, unknown> };
          rec.prev = prev;
          if (rec.kind === "drill" && rec.data.result === "failed")
            Object.assign(rec.data, { result: "ok", verified: true, failures: [] });
          const text = JSON.stringify(rec);
          prev = createHash("sha256").update(text).digest("hex");
          return text;
        });
      writeFileSync(live, `${rewritten.join("\n")}\n`);
      const last = JSON.parse(rewritten.at(-1)!) as { seq: number };
      writeFileSync(join(state, "journal.head"), `${JSON.stringify({ seq: last.seq, sha256: prev })}\n`);
      const second = join(dir, "evidence-2");
      const r = await drctl(["evidence", "export", "-f", spec, "--since", "1d", "--out", second]);
      expect(r.code, r.stderr).toBe(0);
      expect((await drctl(["evidence", "verify", second])).code).toBe(0); // consistent with itself
      const v = await drctl(["evidence", "verify", second, "--expect-head", keptHead]);
      expect(v.code).toBe(5);
      expect(v.stdout).toMatch(
        new RegExp(
          `record ${keptHead.split(":")[0]} is not the one the expected head names: .* the journal was ` +
            `rewritten since that head was taken`,
        ),
      );
      // the untouched first bundle still verifies against its own head
      expect(
        (
          await drctl([
            "evidence",
            "verify",
            bundle,
            "--expect-head",
            `${Number(keptHead.split(":")[0]) - 1}:${createHash("sha256")
              .update(original.split("\n")[Number(keptHead.split(":")[0]) - 2]!)
              .digest("hex")}`,
          ])
        ).code,
      ).toBe(0);
    } finally {
      writeFileSync(live, original);
      writeFileSync(join(state, "journal.head"), headOriginal);
    }
  }, 60_000);

  it("a broken live journal is refused (exit 5), and nothing is written", async () => {
    const live = join(state, "journal.jsonl");
    const original = readFileSync(live, "utf8");
    try {
      writeFileSync(live, original.replace('"result":"target-missed"', '"result":"ok"'));
      const out = join(dir, "evidence-refused");
      const r = await drctl(["evidence", "export", "-f", spec, "--out", out]);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/the journal in .* fails its chain check: record seq \d+ \(line \d+\) was modified/);
      expect(
        readdirSync(dir).filter((n) => n.startsWith("evidence-refused") || n.startsWith(".evidence-refused")),
      ).toEqual([]);
    } finally {
      writeFileSync(live, original);
    }
  });

  it(
    "drctl runbook writes each dataset's runbook with the exact commands, hostile names " + "quoted for the shell",
    async () => {
      const out = join(dir, "runbooks");
      const r = await drctl(["runbook", "-f", spec, "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      const md = readFileSync(join(out, "logical.md"), "utf8");
      expect(md).toContain("# Disaster-recovery runbook: drill / logical");
      expect(md).toContain(
        `drctl restore -f ${spec} logical --to latest --before 'DROP TABLE grades' --target db1 --tables ` +
          `uni.grades --yes`,
      );
      expect(md).toMatch(/\| bronze \| 1d \| 4h \| \S+ at \S+: \S+ \|/);
      expect(readFileSync(join(out, "logical.html"), "utf8")).toContain("<h2>Scenario: a table was dropped</h2>");
    },
  );

  it("--controls: a failed latest drill shows BREACHED and the restore-test controls not met; the report draws each " +
    "drill's RTO/RPO against the target and a calendar (headless Chromium: DOM and a screenshot)", async () => {
    const bad = await drctl(["evidence", "export", "-f", spec, "--out", join(dir, "nope"), "--controls", "soc2,pci"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain(
      "--controls soc2,pci: unknown framework(s) pci: choose from soc2, iso27001, nist, dora",
    );
    // the newest drill of dataset logical fails (its query expects 999 rows)
    expect((await drctl(["drill", "run", "-f", spec, "wrong-query"], { env })).code).toBe(5);
    const out = join(dir, "evidence-controls");
    const r = await drctl([
      "evidence",
      "export",
      "-f",
      spec,
      "--since",
      "1d",
      "--out",
      out,
      "--controls",
      "soc2,iso27001,nist,dora",
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await drctl(["evidence", "verify", out])).code).toBe(0);
    const e = JSON.parse(readFileSync(join(out, "evidence.json"), "utf8")) as {
      datasets: { name: string; verdict: { state: string } }[];
      controls: { framework: string; id: string; status: string; facts: string[] }[];
    };
    expect(e.datasets.find((d) => d.name === "logical")!.verdict.state).toBe("BREACHED");
    const ctl = (id: string) => e.controls.find((c) => c.id === id)!;
    for (const id of ["A1.3", "A.8.13", "CP-4", "CP-10", "Art. 11"]) {
      expect(ctl(id).status, id).toBe("not met");
    }
    expect(ctl("CP-4").facts.join(" ")).toMatch(
      /logical: \d+ drill\(s\), \d+ passed; the latest \(wrong-query, .*\) FAILED: /,
    );
    expect(ctl("CP-9").facts.join(" ")).toContain("NOT encrypted"); // this spec has no encryption
    expect(ctl("Art. 12").facts.join(" ")).toContain("no offsite copy in the spec");

    const page = `file://${join(out, "report.html")}`;
    const chromium = ["--headless", "--no-sandbox", "--disable-gpu"];
    const dom = execFileSync("chromium", [...chromium, "--dump-dom", page], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 60_000,
    });
    const rows = [...dom.matchAll(/<tr(?: class="(\w+)")?>([\s\S]*?)<\/tr>/g)].map((m) => ({
      cls: m[1],
      cells: [...m[2]!.matchAll(/<t[dh]>([\s\S]*?)<\/t[dh]>/g)].map((c) => c[1]!),
    }));
    const summary = rows.find((x) => x.cells[0] === "logical" && x.cells[1] === "BREACHED")!;
    expect(summary.cls).toBe("fail");
    for (const id of ["A1.3 Recovery plan testing", "CP-4 Contingency plan testing"]) {
      const row = rows.find((x) => x.cells[1] === id)!;
      expect(row.cls, id).toBe("fail");
      expect(row.cells[3]).toBe("not met");
    }
    expect(rows.find((x) => x.cells[1] === "A1.2 Backup and recovery infrastructure")!.cells[3]).toBe("met");
    // the pictures: the failed drill is a red mark on logical's RTO chart; the calendar marks today's drills
    const rto = /<svg[^>]*class="chart drill-rto" data-dataset="logical"[\s\S]*?<\/svg>/.exec(dom)![0];
    expect(rto).toMatch(/data-drill="wrong-query" data-at="[^"]+" data-result="failed"/);
    expect(rto).toMatch(/class="target" data-target="14400"/);
    const cal = /<svg[^>]*class="chart calendar" data-dataset="logical"[\s\S]*?<\/svg>/.exec(dom)![0];
    expect(cal).toMatch(/data-row="drills" data-day="[\d-]+" data-mark="failed"/);
    expect(cal).toMatch(/data-row="backups" data-day="[\d-]+" data-mark="ok"/);
    const shot = join(out, "..", "report.png");
    execFileSync("chromium", [...chromium, "--window-size=1280,4000", `--screenshot=${shot}`, page], {
      stdio: "ignore",
      timeout: 60_000,
    });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(20_000);

    // drctl report: the same report on its own, nothing journaled
    const before = (await readJournal(state)).length;
    const lone = join(dir, "lone-report.html");
    const rep = await drctl(["report", "-f", spec, "--since", "1d", "--out", lone, "--controls", "soc2"]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/^report of drill from .*: BREACHED — written to .*lone-report\.html$/m);
    const html = readFileSync(lone, "utf8");
    expect(html).toContain('class="chart drill-rto" data-dataset="logical"');
    expect(html).toContain("<td>A1.3 Recovery plan testing</td>");
    expect(html).not.toContain("CP-4");
    expect((await readJournal(state)).length).toBe(before);
  }, 180_000);
});
