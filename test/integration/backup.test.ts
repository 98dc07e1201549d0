// drctl backup against a real MariaDB: every method carries the hostile fixture through a restore
// unharmed (CHECKSUM TABLE of every table, normalized SHOW CREATE of every object, the view still
// answers); incrementals record their parent and restore to their own point; mydumper refuses
// names it would break; the catalog lists only published sets.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { quoteIdent } from "../../src/adapters/mysql/sql.js";
import type { BackupManifest } from "../../src/core/manifest.generated.js";
import { loadLogicalSet, loadMydumperSet, restorePhysicalChain, type StoredSet } from "../../src/restore/load.js";
import { readJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { fingerprint, HOSTILE_DB, loadHostileFixture, type Fingerprint } from "../helpers/hostile-fixture.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-backup-");
const MD_DB = "dr_ünïcode mydumper";
let source: Sandbox;
let specFile: string;
const repo = join(dir, "repo");
const state = join(dir, "state");

beforeAll(async () => {
  source = await startSandbox({ baseDir: dir, binlog: true });
  const c = await source.connectRoot();
  await loadHostileFixture(c, HOSTILE_DB, { backtickTable: true });
  await loadHostileFixture(c, MD_DB, { backtickTable: false });
  await c.end();
  specFile = join(dir, "drctl.yaml");
  writeFileSync(
    specFile,
    datasetsSpec({
      project: "backups",
      state,
      repo,
      server: { port: source.port, credentials: source.clientOptionFile },
      cronFile: join(dir, "cron"),
      tier: "{ rpo: 2d, rto: 4h }",
      datasets: {
        logical: { databases: [HOSTILE_DB], method: "mysqldump" },
        physical: { databases: [HOSTILE_DB], method: "mariadb-backup", incremental: "mariadb-backup" },
        parallel: { databases: [MD_DB], method: "mydumper" },
        parallel_hostile: { databases: [HOSTILE_DB], method: "mydumper" },
      },
    }),
  );
  // the plan predicts that the mydumper dataset with a backtick table can never be backed up (and
  // blames only that one: the other mydumper dataset's databases hold no such name), so apply refuses
  const refused = await drctl(["apply", "-f", specFile, "--auto-approve"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    "the plan has 1 error finding(s); nothing was applied:\n  - parallel_hostile: Debian's mydumper 0.10 " +
      "writes broken files for names holding a backtick or a quote: dr_ünïcode.back`tick",
  );
  // told to go on, apply takes and proves each dataset's first backup; the hostile one fails as predicted
  const a = await drctl(["apply", "-f", specFile, "--auto-approve", "--allow-errors"]);
  expect(a.code, a.stderr).toBe(1);
  expect(a.stderr).toContain(
    "apply stopped at verification.parallel_hostile: the first backup of parallel_hostile exited 3",
  );
  expect(a.stderr).toContain(
    "mydumper 0.10 writes broken SQL for names holding a backtick or a quote; dataset parallel_hostile has: " +
      "dr_ünïcode.back`tick",
  );
  for (const ds of ["logical", "physical", "parallel"]) applied.push(...(await sets(ds)).map((x) => x.id));
  expect(applied).toHaveLength(3);
}, 180_000);

afterAll(async () => {
  await source?.stop();
});

/** apply's first (verification) sets: the tests below look at the sets they take themselves. */
const applied: string[] = [];

async function sets(dataset: string): Promise<{ id: string; kind: string; parent?: string; dir: string }[]> {
  const r = await drctl(["backups", "-f", specFile, dataset, "--json"]);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { sets: { id: string; kind: string; parent?: string; dir: string }[] }).sets.filter(
    (x) => !applied.includes(x.id),
  );
}

function stored(dirPath: string): StoredSet {
  return { dir: dirPath, manifest: JSON.parse(readFileSync(join(dirPath, "manifest.json"), "utf8")) as BackupManifest };
}

async function fingerprintOf(s: Sandbox, db: string): Promise<Fingerprint> {
  const c = await s.connectRoot();
  try {
    return await fingerprint(c, db);
  } finally {
    await c.end();
  }
}

function expectFixtureShape(f: Fingerprint, withBacktick: boolean, viewRows = 3) {
  // a fingerprint of nothing would compare equal to nothing: make sure the fixture is all there
  expect(Object.keys(f.checksums).sort()).toEqual(
    ["audit", ...(withBacktick ? ["back`tick"] : []), "blobs", "tbl with space", "学生"].sort(),
  );
  expect(f.objects.map((o) => `${o.type} ${o.name}`).sort()).toEqual([
    "event ev ü",
    "procedure proc ü",
    "trigger trg ü",
    "view v ü",
  ]);
  expect(f.viewRows).toHaveLength(viewRows);
}

describe("drctl backup", () => {
  it("mysqldump: the hostile fixture round-trips through a restore, with the consistent point, DEFINER accounts " +
    "and reference figures in the manifest", async () => {
    const r = await drctl(["backup", "-f", specFile, "logical"]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const [set] = await sets("logical");
    const s = stored(set!.dir);
    const m = s.manifest;
    expect(m.method).toBe("mysqldump");
    expect(m.consistentPoint.file).toMatch(/^mariadb-bin\.\d+$/);
    expect(m.consistentPoint.position).toBeGreaterThan(0);
    expect(m.consistentPoint.gtid).toMatch(/^0-\d+-\d+$/);
    expect(m.tables!.map((t) => t.table).sort()).toEqual(["audit", "back`tick", "blobs", "tbl with space", "学生"]);
    expect(m.reference!.tables.find((t) => t.table === "tbl with space")!.rows).toBe(3);
    expect(m.rebuild!.accounts).toContain("definer_ü@localhost");
    expect(m.rebuild!.objects.map((o) => o.type).sort()).toEqual(["event", "procedure", "trigger", "view"]);
    expect(m.rebuild!.variables.binlog_format).toBe("ROW"); // the sandbox's config sets it
    expect(m.rebuild!.plugins.some((p) => p.name === "InnoDB")).toBe(true);
    expect(m.files.map((f) => f.name)).toEqual(["dump.sql.zst", "accounts.json.zst"]);

    const want = await fingerprintOf(source, HOSTILE_DB);
    expectFixtureShape(want, true);
    const target = await startSandbox({ baseDir: dir });
    try {
      await loadLogicalSet(s, target);
      expect(await fingerprintOf(target, HOSTILE_DB)).toEqual(want);
    } finally {
      await target.stop();
    }
  }, 120_000);

  it(
    "mydumper refuses a dataset with a table name holding a backtick (exit 3, naming it) and " + "publishes nothing",
    async () => {
      const r = await drctl(["backup", "-f", specFile, "parallel_hostile"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("dr_ünïcode.back`tick");
      expect(await sets("parallel_hostile")).toEqual([]);
    },
  );

  it("mydumper: the fixture without such names round-trips through myloader", async () => {
    const r = await drctl(["backup", "-f", specFile, "parallel"]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const [set] = await sets("parallel");
    const s = stored(set!.dir);
    expect(s.manifest.consistentPoint.file).toMatch(/^mariadb-bin\.\d+$/);
    // the tool's file names carry the identifiers; the stored names are slugs
    expect(
      s.manifest.files.filter((f) => f.role === "mydumper").every((f) => /^mydumper\/[0-9a-z.]+$/.test(f.name)),
    ).toBe(true);
    expect(s.manifest.files.some((f) => f.source === `${MD_DB}.tbl with space.sql`)).toBe(true);

    const want = await fingerprintOf(source, MD_DB);
    expectFixtureShape(want, false);
    const target = await startSandbox({ baseDir: dir });
    try {
      await loadMydumperSet(s, target, join(dir, "scratch"));
      expect(await fingerprintOf(target, MD_DB)).toEqual(want);
    } finally {
      await target.stop();
    }
  }, 120_000);

  it("mariadb-backup: full + incremental, the incremental records its parent and LSN; restored together they " +
    "give the data at the incremental's point", async () => {
    const full = await drctl(["backup", "-f", specFile, "physical", "--kind", "full"]);
    expect(full.code).toBe(0);
    const c = await source.connectRoot();
    await c.query(`INSERT INTO ${quoteIdent(HOSTILE_DB)}.\`tbl with space\` VALUES (10, 'after the full 🦊')`);
    await c.query(`UPDATE ${quoteIdent(HOSTILE_DB)}.\`学生\` SET \`名前\` = '更新' WHERE id = 1`);
    await c.end();
    const inc = await drctl(["backup", "-f", specFile, "physical", "--kind", "incremental"]);
    expect(inc.stderr).not.toMatch(/error/i);
    expect(inc.code).toBe(0);
    const want = await fingerprintOf(source, HOSTILE_DB);
    expectFixtureShape(want, true, 4);

    const list = await sets("physical");
    expect(list.map((s) => s.kind)).toEqual(["full", "incremental"]);
    const [f, i] = list.map((s) => stored(s.dir));
    expect(i!.manifest.parent).toBe(f!.manifest.id);
    expect(i!.manifest.lsn!.from).toBe(f!.manifest.lsn!.to);
    // to_lsn is the checkpoint: it may not move
    expect(BigInt(i!.manifest.lsn!.last!)).toBeGreaterThan(BigInt(f!.manifest.lsn!.last!));
    expect(i!.manifest.consistentPoint.position).toBeGreaterThan(f!.manifest.consistentPoint.position!);

    const target = await startSandbox({
      baseDir: dir,
      harmless: true,
      populate: (datadir) => restorePhysicalChain([f!, i!], join(dir, "prepare"), datadir),
    });
    try {
      expect(await fingerprintOf(target, HOSTILE_DB)).toEqual(want);
    } finally {
      await target.stop();
    }
  }, 180_000);

  it("journals every backup with its set id and consistent point", async () => {
    const jobs = (await readJournal(state)).filter((r) => r.kind === "job" && r.data.command === "backup");
    const ok = jobs.filter((r) => r.data.exitCode === 0);
    expect(ok.length).toBeGreaterThanOrEqual(4);
    for (const j of ok)
      expect((j.data.details as { set: string }).set).toMatch(/^\d{8}T\d{6}Z-(full|incremental)-[0-9a-f]{6}$/);
    expect(jobs.some((r) => r.data.exitCode === 3 && r.data.subject === "parallel_hostile")).toBe(true);
  });
});
