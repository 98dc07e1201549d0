// apply over a plan that says something is wrong (docs/reliability.md, "Locks, cron, apply"):
// refused by default, naming the findings, nothing written — never "Apply complete!" over an error.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-faults-apply-");
let db: Sandbox;

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir, binlog: true });
  const c = await db.connectRoot();
  await c.query("CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY); INSERT INTO shop.orders VALUES (1)");
  await c.end();
}, 300_000);

afterAll(async () => {
  await db?.stop();
});

describe("apply and error findings", () => {
  it("apply-refuses-error-findings: a tier that cannot be met → exit 1 naming the finding, nothing written; --allow-errors applies the rest", async () => {
    const root = join(dir, "tier");
    const file = join(dir, "tier.yaml");
    const cronFile = join(root, "cron");
    const repo = join(root, "repo");
    writeFileSync(file, datasetsSpec({ project: "tier", state: join(root, "state"), repo, server: { port: db.port, credentials: db.clientOptionFile }, cronFile, tier: "{ rpo: 1d, rto: 1s }", datasets: { ds: { databases: ["shop"], method: "mysqldump", binlog: true } } }));
    const r = await drctl(["apply", "-f", file, "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the plan has 1 error finding\(s\); nothing was applied:\n  - ds: RTO .* > bronze 1s/);
    expect(r.stderr).toContain("--allow-errors");
    expect(r.stdout).not.toContain("Apply complete!");
    expect(existsSync(cronFile) || existsSync(repo)).toBe(false);
    const forced = await drctl(["apply", "-f", file, "--auto-approve", "--allow-errors"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("Apply complete!");
    expect(existsSync(cronFile)).toBe(true);
  }, 180_000);
});
