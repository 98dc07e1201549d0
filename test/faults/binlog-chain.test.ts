// Faults in the binlog chain (docs/reliability.md, "Binlog chain"): an idle server after a backup,
// a purge gap that one clean archive run must not hide. Each case has its own server (they purge
// and rotate), real archive runs, and restore and status asked the same question.
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { tempDir } from "../helpers/temp.js";
import { expectNothingLost, faultProject, queryKeptSandbox, setIds, type FaultProject } from "./harness.js";

const dir = tempDir("drctl-faults-binlog-");
let db: Sandbox | undefined;

afterEach(async () => {
  await db?.stop();
  db = undefined;
});

async function sql(...stmts: string[]): Promise<void> {
  const c = await db!.connectRoot();
  try {
    for (const s of stmts) await c.query(s);
  } finally {
    await c.end();
  }
}

async function setup(name: string, drills?: string): Promise<FaultProject> {
  db = await startSandbox({ baseDir: dir, binlog: true });
  await sql(
    "CREATE DATABASE shop",
    "CREATE TABLE shop.orders (id INT PRIMARY KEY, what VARCHAR(40))",
    "INSERT INTO shop.orders VALUES (1, 'first')",
  );
  return faultProject(
    dir,
    name,
    { port: db.port, credentials: db.clientOptionFile },
    { ds: { databases: ["shop"], method: "mysqldump", binlog: true } },
    { tier: "{ rpo: 1h, rto: 4h }", ...(drills ? { drills } : {}) },
  );
}

async function ok(p: FaultProject, args: string[], code = 0) {
  const r = await p.run(args);
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(code);
  return r;
}

describe("binlog chain", () => {
  it("idle-after-backup: archive, backup, nothing written, archive again → restore --to latest and a latest " +
    "drill work (the open file holds nothing past the set)", async () => {
    const p = await setup(
      "idle",
      '  latest:\n    dataset: ds\n    schedule: "0 5 * * 0"\n    restoreTo: latest\n    verify: [rowCounts]',
    );
    await ok(p, ["binlog", "archive", "db1"]);
    await ok(p, ["backup", "ds"]);
    await new Promise((r) => setTimeout(r, 1100));
    const quiet = await ok(p, ["binlog", "archive", "db1"]);
    expect(quiet.stdout + quiet.stderr).not.toMatch(/gap/i);
    const r = await ok(p, ["restore", "ds", "--to", "latest"]);
    expect(r.stdout).toMatch(/restored ds to latest \(the set's own point\)/);
    const d = await ok(p, ["drill", "run", "latest"]);
    expect(d.stdout).toContain("drill latest passed");
    const s = await p.run(["status", "--json"]);
    const ds = (JSON.parse(s.stdout) as { datasets: { recoverableUntil: string; reasons: string[] }[] }).datasets[0]!;
    expect(ds.reasons.join("\n")).not.toMatch(/missing from the archive/);
    await expectNothingLost(p, await setIds(p));
  }, 180_000);

  it("purge-gap-then-clean-run: status and restore read one truth — status AT RISK naming the missing binlog, " +
    "its recoverable-until the time restore names", async () => {
    const p = await setup("purge-gap");
    await ok(p, ["backup", "ds"]);
    await ok(p, ["binlog", "archive", "db1"]);
    await sql("INSERT INTO shop.orders VALUES (2, 'archived')");
    await ok(p, ["binlog", "archive", "db1"]);
    // two files written and purged before any archive run saw them
    await sql(
      "INSERT INTO shop.orders VALUES (3, 'lost')",
      "FLUSH BINARY LOGS",
      "INSERT INTO shop.orders VALUES (4, 'lost too')",
      "FLUSH BINARY LOGS",
    );
    const c = await db!.connectRoot();
    const [[st]] = (await c.query("SHOW MASTER STATUS")) as unknown as [[{ File: string }]];
    await c.query(`PURGE BINARY LOGS TO '${st.File}'`);
    await c.end();
    const gap = await ok(p, ["binlog", "archive", "db1"], 6);
    expect(gap.stdout + gap.stderr).toMatch(/purged from db1 before it was archived/);
    await sql("INSERT INTO shop.orders VALUES (5, 'after the gap')");
    await ok(p, ["binlog", "archive", "db1"]); // a clean run: nothing left behind THIS time
    const refused = await ok(p, ["restore", "ds", "--to", "latest"], 3);
    const missing = /binlog (\S+) is missing from the archive/.exec(refused.stderr)![1]!;
    const reachable = /the newest time that can be reached is (\S+)/.exec(refused.stderr)![1]!;
    const s = await p.run(["status", "--json"]);
    expect(s.code).not.toBe(0);
    const ds = (JSON.parse(s.stdout) as { datasets: { state: string; recoverableUntil: string; reasons: string[] }[] })
      .datasets[0]!;
    expect(ds.state).not.toBe("OK");
    expect(ds.reasons.join("\n")).toContain(`binlog ${missing} is missing from the archive`);
    expect(ds.recoverableUntil).toBe(reachable);
    // a fresh full starts a new chain: restore and status agree again
    await ok(p, ["backup", "ds"]);
    await ok(p, ["binlog", "archive", "db1"]);
    await ok(p, ["restore", "ds", "--to", "latest"]);
    const after = JSON.parse((await p.run(["status", "--json"])).stdout) as { datasets: { reasons: string[] }[] };
    expect(after.datasets[0]!.reasons.join("\n")).not.toContain("missing from the archive");
  }, 180_000);

  it("reset-master-timeline: RESET MASTER → archive exit 6 naming it, the new files archived as timeline 1 " +
    "beside the old ones (none overwritten); a new full restores through them to the last row", async () => {
    const p = await setup("reset");
    await ok(p, ["backup", "ds"]);
    await sql("INSERT INTO shop.orders VALUES (2, 'old timeline')");
    await ok(p, ["binlog", "archive", "db1"]);
    await sql("INSERT INTO shop.orders VALUES (3, 'old timeline too')");
    await ok(p, ["binlog", "archive", "db1"]);
    await sql("RESET MASTER", "INSERT INTO shop.orders VALUES (4, 'new timeline')");
    const seen = await ok(p, ["binlog", "archive", "db1"], 6);
    expect(seen.stdout + seen.stderr).toMatch(/RESET MASTER\?\): the archive starts binlog timeline 1/);
    // a time after the reset cannot be reached from the old full: refused, not replayed from the old files
    const refused = await ok(p, ["restore", "ds", "--to", new Date(Date.now() + 60_000).toISOString()], 3);
    expect(refused.stderr).toMatch(/cannot restore ds to/);
    await ok(p, ["backup", "ds"]);
    // a second later: the file the new full's point lies in gets its first transaction after the full
    await new Promise((r) => setTimeout(r, 1100));
    await sql("INSERT INTO shop.orders VALUES (5, 'after the new full')");
    await ok(p, ["binlog", "archive", "db1"]);
    const r = await ok(p, ["restore", "ds", "--to", "latest", "--keep"]);
    expect(await queryKeptSandbox(p, r.stdout, "SELECT GROUP_CONCAT(id ORDER BY id) FROM shop.orders")).toBe(
      "1,2,3,4,5",
    );
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const base = join(p.repo, "binlogs", "db1");
    const files = readdirSync(base)
      .filter((d) => d !== "progress.json")
      .map(
        (d) =>
          JSON.parse(readFileSync(join(base, d, "manifest.json"), "utf8")) as {
            binlog: { file: string; timeline?: number };
          },
      );
    const first = files.filter((f) => f.binlog.file.endsWith(".000001"));
    expect(first.map((f) => f.binlog.timeline ?? 0).sort()).toEqual([0, 1]);
  }, 180_000);
});
