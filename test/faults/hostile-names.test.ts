// Hostile names on the same server (docs/reliability.md, "Hostile names"): another database's name
// holding a quote must not break a mydumper dataset that has none; where it would (several databases
// through mydumper's --regex), plan predicts exactly that dataset's refusal, and the backup refuses
// with the name (exit 3) instead of mydumper's raw SQL error.
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp.js";
import { expectNothingLost, faultProject, serverForFile } from "./harness.js";

const dir = tempDir("drctl-faults-names-");
const server = serverForFile(dir, [
  "CREATE DATABASE okdb",
  "CREATE TABLE okdb.t (id INT PRIMARY KEY)",
  "INSERT INTO okdb.t VALUES (1), (2)",
  "CREATE DATABASE okdb2",
  "CREATE TABLE okdb2.u (id INT PRIMARY KEY)",
  "INSERT INTO okdb2.u VALUES (3)",
  "CREATE DATABASE `o'reilly ``books```",
  "CREATE TABLE `o'reilly ``books```.x (id INT PRIMARY KEY)",
]);

describe("hostile names elsewhere on the server", () => {
  it("mydumper-other-db: a one-database mydumper dataset is backed up and restored although another database's " +
    "name holds a quote; plan blames nobody", async () => {
    const p = faultProject(
      dir,
      "md-one",
      server.reach(),
      { ds: { databases: ["okdb"], method: "mydumper" } },
      { tier: "{ rpo: 2d, rto: 4h }" },
    );
    const plan = await p.run(["plan", "--no-tui"]);
    expect(plan.stdout).not.toContain("mydumper 0.10 writes broken files");
    const b = await p.run(["backup", "ds"]);
    expect(b.code, b.stderr).toBe(0);
    const id = /^backup (\S+):/m.exec(b.stdout)![1]!;
    const r = await p.run(["restore", "ds", "--to", "latest"]);
    expect(r.code, r.stderr).toBe(0);
    await expectNothingLost(p, [id]);
  }, 120_000);

  it("mydumper-multi-db-refused: a two-database mydumper dataset → plan names the other database, the backup " +
    "refuses (exit 3) naming it, nothing published", async () => {
    const p = faultProject(
      dir,
      "md-two",
      server.reach(),
      { ds: { databases: ["okdb", "okdb2"], method: "mydumper" } },
      { tier: "{ rpo: 2d, rto: 4h }" },
    );
    const plan = await p.run(["plan", "--no-tui"]);
    expect(plan.stdout).toContain(
      "ds: Debian's mydumper 0.10 writes broken files for names holding a backtick or a quote: o'reilly " +
        "`books` (another database on db1",
    );
    const b = await p.run(["backup", "ds"]);
    expect(b.code).toBe(3);
    expect(b.stderr).toContain(
      `fails on names holding a backtick or a quote: "o'reilly \`books\`" (not in dataset ds)`,
    );
    expect(b.stderr).not.toContain("CRITICAL");
    await expectNothingLost(p, []);
  }, 120_000);

  it("mydumper-hostile-db-name: a dataset whose own database name holds a quote is flagged by plan even with " +
    "the server down", async () => {
    const p = faultProject(
      dir,
      "md-own",
      { port: 1, credentials: server.db.clientOptionFile },
      { ds: { databases: ["o'reilly `books`"], method: "mydumper" } },
      { tier: "{ rpo: 2d, rto: 4h }" },
    );
    const plan = await p.run(["plan", "--no-tui"]);
    expect(plan.stdout).toContain(
      "ds: Debian's mydumper 0.10 writes broken files for names holding a backtick or a quote: o'reilly " +
        "`books` (the database's own name)",
    );
  }, 60_000);
});
