// `npm run demo` end to end on real sandboxes: the whole tour (plan → apply → backup → binlog
// archive → restore → drill → status → evidence export) runs green and says where the report is.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot, tempDir } from "../helpers/temp.js";

const run = promisify(execFile);
const keep = tempDir("drctl-demo-test-");

describe("npm run demo", () => {
  it("tours every stage on a sandbox and exits 0; the evidence report it points at exists and verifies", async () => {
    const { stdout } = await run("bash", ["scripts/demo.sh"], {
      cwd: repoRoot,
      env: { ...process.env, DRCTL_DEMO_PREPARED: "1", DRCTL_DEMO_KEEP_IN: keep, CI: "1" },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's escape sequences
    const plain = stdout.replace(/\x1b\[[0-9;]*m/g, "");
    for (const step of [
      "4b. drctl init",
      "6. drctl plan",
      "7. drctl apply",
      "10. drctl backup",
      "11. drctl binlog archive",
      "15. drctl restore",
      "17. drctl drill run",
      "19. drctl status",
      "19b. drctl status --prometheus",
      "20. drctl evidence export",
    ])
      expect(plain).toContain(`== ${step}`);
    expect(plain).toMatch(/drill unicode-weekly passed: \S+ restored and verified; RTO \d+\.\ds \(target 4h\)/);
    expect(plain).toMatch(/drill university-nightly passed/);
    expect(plain).toMatch(/^# drctl spec written by `drctl init` from /m);
    expect(plain).toMatch(
      /^drctl_dataset_rpo_exposure_seconds\{project="demo",dataset="unicode",tier="bronze"\} \d+$/m,
    );
    expect(plain).toMatch(/^unicode\s+bronze\s+OK\s/m);
    expect(plain).toMatch(/^ok: .*every file matches evidence\.json/m);
    const report = /== the report: (\S+report\.html)/.exec(plain)?.[1];
    expect(report).toBeDefined();
    expect(existsSync(report!)).toBe(true);
    expect(readFileSync(report!, "utf8")).toContain(">Dataset unicode</h2>");
    const bundle = join(report!, "..");
    const verify = await run(process.execPath, [join(repoRoot, "dist", "cli.js"), "evidence", "verify", bundle]);
    expect(verify.stdout).toMatch(/^ok: /);
  }, 600_000);
});
