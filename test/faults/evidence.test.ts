// What the auditor reads after things went wrong (docs/reliability.md, "Evidence"): operator
// refusals are not failures, a verify that found damage and a drill's refused run are; the verdict
// comes from the latest drill, never an older pass; the runbook never calls a corrupt set "newest".
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Evidence } from "../../src/evidence/evidence.generated.js";
import { drctl } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";
import { faultProject, flipByte, serverForFile } from "./harness.js";

const dir = tempDir("drctl-faults-evidence-");
const server = serverForFile(dir, [
  "CREATE DATABASE shop",
  "CREATE TABLE shop.orders (id INT PRIMARY KEY, what VARCHAR(40))",
  "INSERT INTO shop.orders VALUES (1, 'first')",
]);

describe("evidence after failures", () => {
  it("evidence-failures-verdict: refusals left out, verify exit 5 and a drill's exit-3 run listed, BREACHED " +
    "from the latest failed drill, runbook skips the corrupt full; the password in no output or file", async () => {
    const drills = [
      '  weekly:\n    dataset: ds\n    schedule: "0 5 * * 0"\n    restoreTo: latest\n    verify: [rowCounts]',
      '  ancient:\n    dataset: ds\n    schedule: "0 6 * * 0"\n    restoreTo: "2020-01-01T00:00:00Z"\n    ' +
        "verify: [rowCounts]",
    ].join("\n");
    const p = faultProject(
      dir,
      "audit",
      server.reach(),
      { ds: { databases: ["shop"], method: "mysqldump" } },
      { drills },
    );
    const said: string[] = [];
    const run = async (args: string[], code: number) => {
      const r = await p.run(args);
      said.push(r.stdout, r.stderr);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(code);
      return r;
    };
    const older = /^backup (\S+):/m.exec((await run(["backup", "ds"], 0)).stdout)![1]!;
    const newer = /^backup (\S+):/m.exec((await run(["backup", "ds"], 0)).stdout)![1]!;
    await run(["drill", "run", "weekly"], 0);
    // an operator's refused request: a live write without --yes
    await run(
      [
        "restore",
        "ds",
        "--to",
        "latest",
        "--target",
        "db1",
        "--tables",
        "shop.orders",
        "--rename",
        "shop.orders=orders_back",
      ],
      3,
    );
    // a drill whose point no set reaches: refused, a scheduled run that did nothing
    await run(["drill", "run", "ancient"], 3);
    flipByte(join(p.repo, "sets", "ds", newer, "dump.sql.zst"));
    await run(["verify"], 5);
    await run(["drill", "run", "weekly"], 5);

    const out = join(p.root, "bundle");
    const exported = await run(["evidence", "export", "--out", out], 0);
    const e = JSON.parse(readFileSync(join(out, "evidence.json"), "utf8")) as Evidence;
    const ds = e.datasets[0]!;
    expect(e.verdict.state).toBe("BREACHED");
    expect(ds.verdict.state).toBe("BREACHED");
    expect(ds.verdict.reasons[0]).toMatch(/^the latest drill \(weekly, .*\) FAILED/);
    expect(ds.lastDrill?.result).toBe("failed");
    const failed = ds.failures.map((f) => `${f.command}:${f.exitCode}`);
    expect(failed).toEqual(["drill run:3", "verify:5", "drill run:5"]);
    expect(failed).not.toContain("restore:3");
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toMatch(/^Verdict: BREACHED \(ds: BREACHED\)\.$/m);
    expect(md).toMatch(/\| ds \| BREACHED \| bronze \| 2\/2 \| 1\/2 \| .*: FAILED \| — \| — \|/);
    const runbook = readFileSync(join(out, "runbook", "ds.md"), "utf8");
    expect(runbook).toContain(`Newest intact full set when this was written: ${older}`);
    expect(runbook).toContain(
      `DAMAGED (fails its check against its manifest; restores skip it): full set ${newer}: dump.sql.zst: sha256`,
    );
    const verified = await drctl(["evidence", "verify", out]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    // the printed hints work as printed: this bundle verifies as told, the kept head checks the next bundle
    expect(exported.stdout).toContain(`check this bundle:           drctl evidence verify ${out}\n`);
    const keep = /keep this head for the next: drctl evidence verify NEXT_BUNDLE_DIR (--expect-head \S+)/
      .exec(exported.stdout)![1]!
      .split(" ");
    const same = await drctl(["evidence", "verify", out, ...keep]);
    expect(same.code).toBe(5);
    expect(same.stdout + same.stderr).toContain(
      "is the record of this very export, journaled after the bundle was written: it checks LATER bundles",
    );
    const next = join(p.root, "bundle-2");
    await run(["evidence", "export", "--out", next], 0);
    const later = await drctl(["evidence", "verify", next, ...keep]);
    expect(later.code, later.stdout + later.stderr).toBe(0);

    // no secret anywhere: the server's password is in no output, journal, log, set, manifest, report or runbook
    const password = /^password=(.*)$/m.exec(readFileSync(server.db.clientOptionFile, "utf8"))![1]!.trim();
    expect(password.length).toBeGreaterThan(8);
    for (const text of said) expect(text).not.toContain(password);
    const files = (readdirSync(p.root, { recursive: true }) as string[])
      .map((f) => join(p.root, f))
      .filter((f) => statSync(f).isFile());
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(readFileSync(f).includes(password), f).toBe(false);
  }, 240_000);
});
