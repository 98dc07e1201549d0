// The built drctl binary as a user runs it: exit codes (DESIGN §7) and exact output.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { drctl as drctlCli } from "../helpers/cli.js";
import { processesMentioning } from "../helpers/procs.js";
import { distCli, repoRoot, tempDir } from "../helpers/temp.js";

const home = tempDir("drctl-e2e-");

const run = promisify(execFile);
const drctl = (args: string[], env: Record<string, string> = {}) =>
  drctlCli(args, { env: { DRCTL_SANDBOX_HOME: home, ...env } });

beforeAll(() => {
  if (!existsSync(distCli)) throw new Error("run `npm run build` first (npm test does)");
});

describe("drctl validate", () => {
  it.each(readdirSync(join(repoRoot, "examples")).filter((f) => f.endsWith(".yaml")))(
    "examples/%s → exit 0",
    async (f) => {
      const r = await drctl(["validate", `examples/${f}`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^examples/${f}: valid: project \\S+, `));
    },
  );

  it("-f works like the positional FILE", async () => {
    const r = await drctl(["validate", "-f", "examples/single-server-logical.yaml"]);
    expect(r.code).toBe(0);
  });

  it("reports every error as FILE:LINE:COL: path: message, exit 3, no stack trace", async () => {
    const r = await drctl(["validate", "test/fixtures/invalid/dangling-server-and-copy.yaml"]);
    expect(r.code).toBe(3);
    const errors = r.stderr.split("\n").filter((l) => l && !l.includes(": warning: "));
    expect(errors).toEqual([
      "test/fixtures/invalid/dangling-server-and-copy.yaml:23:13: datasets.shop.server: unknown server " +
        '"db9"; did you mean "db1"?',
      "test/fixtures/invalid/dangling-server-and-copy.yaml:31:14: datasets.shop.copies[0]: unknown " +
        'repository "valut"; did you mean "vault"?',
      "test/fixtures/invalid/dangling-server-and-copy.yaml: invalid: 2 errors, 2 warnings",
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("every invalid fixture exits 3 without a stack trace", async () => {
    const dir = join(repoRoot, "test/fixtures/invalid");
    for (const f of readdirSync(dir)) {
      const r = await drctl(["validate", join("test/fixtures/invalid", f)]);
      expect(r.code, f).toBe(3);
      expect(r.stderr, f).not.toMatch(/\n\s+at |internal error/);
    }
  });

  it("a missing spec file is exit 3 with a hint", async () => {
    const r = await drctl(["validate"], {});
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "drctl: error: cannot read spec ./drctl.yaml: no such file\n  hint: pass the spec with -f FILE " +
        "(default ./drctl.yaml)\n",
    );
  });

  it("a binary file is refused cleanly", async () => {
    const f = join(home, "binary.yaml");
    writeFileSync(f, Buffer.from([0, 1, 2, 255, 254, 10, 0]));
    const r = await drctl(["validate", f]);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe("flags", () => {
  it("an unknown command is exit 3 with a suggestion", async () => {
    const r = await drctl(["valdate"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown command 'valdate'/);
    expect(r.stderr).toMatch(/Did you mean validate\?/);
  });

  it("an unknown option is exit 3", async () => {
    const r = await drctl(["validate", "--frobnicate"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it("a bad port is exit 3", async () => {
    const r = await drctl(["sandbox", "up", "--port", "99999"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("drctl: error: --port 99999: expected a TCP port (1-65535)\n");
  });

  it("--version is package.json's version, whatever npm script runs drctl", async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    const r = await drctl(["--version"], { npm_package_version: "9.9.9" });
    expect([r.code, r.stdout]).toEqual([0, `${version}\n`]);
  });

  it("--help is exit 0", async () => {
    const r = await drctl(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/validate/);
  });
});

// the CLI's own command tree and parser, as built (npm test builds first)
const { commandTree, runCli } = await import("../../dist/cli/main.js");

describe("help", () => {
  // the executable answers help requests from what the build rendered (dist/cli/help.json); what it
  // prints must be exactly what the parser prints for the same request
  const parserHelp = async (args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, { out: (l: string) => lines.push(l), err: () => {}, interactive: false });
    return { code, stdout: lines.map((l) => `${l}\n`).join("") };
  };
  const paths = (commandTree() as [string[]][]).map(([p]) => p);

  it("covers the top level and every command", () => {
    expect(paths.length).toBeGreaterThan(20);
    expect(paths).toContainEqual(["drill", "run"]);
  });

  it.each(paths.map((p) => [p.join(" ") || "(top level)", p]))(
    "%s: --help as the parser prints it, with examples",
    async (_, p) => {
      const fast = await drctl([...(p as string[]), "--help"]);
      expect(fast.code).toBe(0);
      expect(fast.stderr).toBe("");
      expect(fast.stdout).toBe((await parserHelp([...(p as string[]), "--help"])).stdout);
      if ((p as string[]).length) expect(fast.stdout).toMatch(/\nExamples:\n {2}\$ drctl /);
    },
  );

  it("`drctl help plan` is `drctl plan --help`; an unknown command's help goes to the parser", async () => {
    expect((await drctl(["help", "plan"])).stdout).toBe((await drctl(["plan", "--help"])).stdout);
    const r = await drctl(["nosuch", "--help"]);
    const parser = await parserHelp(["nosuch", "--help"]);
    expect([r.code, r.stdout]).toEqual([parser.code, parser.stdout]);
  });
});

describe("drctl sandbox", () => {
  it("up prints connection details and a 0600 option file; down removes everything", async () => {
    const up = await drctl(["sandbox", "up", "--binlog", "--name", "e2e", "--json"]);
    expect(up.code, up.stderr).toBe(0);
    const info = JSON.parse(up.stdout) as {
      dir: string;
      pid: number;
      port: number;
      clientOptionFile: string;
      binlog: boolean;
    };
    expect(info.binlog).toBe(true);
    expect(statSync(info.clientOptionFile).mode & 0o777).toBe(0o600);
    expect(processesMentioning(info.dir)).toEqual([info.pid]);
    // the server outlives the command that started it, and the client connects with the option file
    const q = await run("mariadb", [
      `--defaults-file=${info.clientOptionFile}`,
      "-N",
      "-e",
      "SELECT @@log_bin, @@port",
    ]);
    expect(q.stdout.trim().split(/\s+/)).toEqual(["1", String(info.port)]);
    // the password is in the file, never on a command line
    const again = await drctl(["sandbox", "up", "--name", "e2e"]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/sandbox "e2e" is already up/);
    const list = await drctl(["sandbox", "list"]);
    expect(list.stdout).toMatch(/^e2e\tup\t127\.0\.0\.1:\d+/m);
    const down = await drctl(["sandbox", "down", "--name", "e2e"]);
    expect(down.code).toBe(0);
    expect(down.stdout).toBe('sandbox "e2e" stopped and removed\n');
    expect(processesMentioning(info.dir)).toEqual([]);
    expect(existsSync(info.dir)).toBe(false);
  });

  it("down of a sandbox that is not up is a no-op, exit 0", async () => {
    const r = await drctl(["sandbox", "down", "--name", "nothing-here"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('sandbox "nothing-here" is not up; nothing to do\n');
  });
});
