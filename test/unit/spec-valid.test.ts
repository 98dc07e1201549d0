import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSpecText } from "../../src/spec/check.js";

const root = join(import.meta.dirname, "../..");
const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml"));
const noFiles = { stat: () => ({ mode: 0o100600, isFile: true }) };

describe("examples", () => {
  it("there are at least three", () => expect(examples.length).toBeGreaterThanOrEqual(3));

  it.each(examples)("%s is valid with no warnings when its secret files exist as 0600", (f) => {
    const check = checkSpecText(readFileSync(join(root, "examples", f), "utf8"), f, noFiles);
    expect(check.diagnostics).toEqual([]);
    expect(check.spec).toBeDefined();
  });

  it("one of them names databases outside ASCII", () => {
    const texts = examples.map((f) => readFileSync(join(root, "examples", f), "utf8"));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: "anything not ASCII" spans the control range
    expect(texts.some((t) => /databases:.*[^\x00-\x7f]/.test(t))).toBe(true);
  });
});

describe("secret files", () => {
  const spec = readFileSync(join(root, "examples/single-server-logical.yaml"), "utf8");

  it("warns when a credentials file is readable by others", () => {
    const check = checkSpecText(spec, "s.yaml", { stat: () => ({ mode: 0o100644, isFile: true }) });
    expect(check.spec).toBeDefined();
    expect(check.diagnostics).toHaveLength(1);
    expect(check.diagnostics[0]).toMatchObject({
      severity: "warning",
      path: "servers.db1.credentials",
      summary: "credentials file /etc/drctl/db1.cnf is readable by others (mode 0644)",
      position: { line: 14, col: 18 },
    });
  });

  it("warns when it is missing", () => {
    const check = checkSpecText(spec, "s.yaml", { stat: () => undefined });
    expect(check.diagnostics.map((d) => [d.severity, d.summary])).toEqual([
      ["warning", "credentials file /etc/drctl/db1.cnf does not exist (on this machine)"],
    ]);
  });
});

describe("semantic warnings", () => {
  it("warns when day of month and day of week are both set (cron ORs them)", () => {
    const spec = readFileSync(join(root, "examples/single-server-logical.yaml"), "utf8").replace(
      '"0 6 1 * *"',
      '"0 6 1-7 * mon"',
    );
    const check = checkSpecText(spec, "s.yaml", noFiles);
    expect(check.diagnostics.map((d) => `${d.position?.line}:${d.position?.col} ${d.path} ${d.severity}`)).toEqual([
      "33:15 drills.monthly.schedule warning",
    ]);
  });
});

describe("types", () => {
  it("src/spec/types.generated.ts matches schemas/drspec.schema.json", () => {
    expect(() =>
      execFileSync("node", [join(root, "scripts/gen-types.mjs"), "--check"], { stdio: "pipe" }),
    ).not.toThrow();
  });
});

describe("a spec that is not UTF-8 (issue 13)", () => {
  it("is refused naming file:line:col and the byte, never read with U+FFFD in a database name", async () => {
    const { decodeUtf8 } = await import("../../src/spec/load.js");
    const latin1 = Buffer.concat([
      Buffer.from('version: 1\ndatasets:\n  d:\n    databases: ["caf'),
      Buffer.from([0xe9]),
      Buffer.from('"]\n'),
    ]);
    expect(() => decodeUtf8(latin1, "s.yaml")).toThrow("s.yaml:4:21: byte 0xe9 is not UTF-8");
    expect(decodeUtf8(Buffer.from('databases: ["café", "学生"]\n'), "s.yaml")).toBe('databases: ["café", "学生"]\n');
  });
});
