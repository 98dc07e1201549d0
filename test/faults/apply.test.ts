// apply over a plan that says something is wrong (docs/reliability.md, "Locks, cron, apply"):
// refused by default, naming the findings, nothing written — never "Apply complete!" over an error.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";
import { serverForFile } from "./harness.js";

const dir = tempDir("drctl-faults-apply-");
const server = serverForFile(dir, [
  "CREATE DATABASE shop",
  "CREATE TABLE shop.orders (id INT PRIMARY KEY)",
  "INSERT INTO shop.orders VALUES (1)",
]);

describe("apply and error findings", () => {
  it("apply-refuses-error-findings: a tier that cannot be met → exit 1 naming the finding, nothing written; " +
    "--allow-errors applies the rest", async () => {
    const root = join(dir, "tier");
    const file = join(dir, "tier.yaml");
    const cronFile = join(root, "cron");
    const repo = join(root, "repo");
    writeFileSync(
      file,
      datasetsSpec({
        project: "tier",
        state: join(root, "state"),
        repo,
        server: server.reach(),
        cronFile,
        tier: "{ rpo: 1d, rto: 1s }",
        datasets: { ds: { databases: ["shop"], method: "mysqldump", binlog: true } },
      }),
    );
    const r = await drctl(["apply", "-f", file, "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the plan has 1 error finding\(s\); nothing was applied:\n {2}- ds: RTO .* > bronze 1s/);
    expect(r.stderr).toContain("--allow-errors");
    expect(r.stdout).not.toContain("Apply complete!");
    expect(existsSync(cronFile) || existsSync(repo)).toBe(false);
    const forced = await drctl(["apply", "-f", file, "--auto-approve", "--allow-errors"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("Apply complete!");
    expect(existsSync(cronFile)).toBe(true);
  }, 180_000);
});
