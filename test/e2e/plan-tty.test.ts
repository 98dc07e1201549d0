// `drctl plan` on a real pseudo-terminal (util-linux script(1)): the TUI is drawn, keys reach it,
// q quits with the plan's exit code. Off a terminal, or with --no-tui, the same plan is plain text.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { checkSpecFile } from "../../src/spec/check.js";
import { observedForExample } from "../helpers/example-plan.js";
import { writeSpecFile } from "../helpers/spec-files.js";
import { distCli, repoRoot, tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-tty-");
const spec = join(repoRoot, "examples/multi-dataset-offsite.yaml");
const state = join(dir, "state.json");
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function recordState() {
  const checked = await checkSpecFile(spec);
  writeFileSync(state, JSON.stringify(observedForExample(checked.spec!)));
}

/** Runs drctl under script(1) so stdin and stdout are a TTY; `keys` are typed once `ready` shows. */
function onTerminal(args: string[], ready: string, keys: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, distCli, ...args].map(shellQuote).join(" ");
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color" };
    delete env.CI;
    delete env.CONTINUOUS_INTEGRATION;
    // script's pseudo-terminal has no size when script itself has no terminal: give it one
    const child = spawn("script", ["-qfec", `stty rows 40 cols 120; exec ${command}`, "/dev/null"], { env });
    let screen = "";
    let typed = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no exit; screen so far:\n${screen}`));
    }, 20_000);
    child.stdout.on("data", async (d: Buffer) => {
      screen += d.toString();
      if (!typed && screen.includes(ready)) {
        typed = true;
        // the first frame is drawn just before Ink puts the terminal in raw mode
        await new Promise((r) => setTimeout(r, 400));
        for (const k of keys) {
          child.stdin.write(k);
          await new Promise((r) => setTimeout(r, 150));
        }
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe("drctl plan on a terminal", () => {
  it("draws the TUI, takes keys, quits on q with the plan's exit code", async () => {
    await recordState();
    const r = await onTerminal(["plan", "-f", spec, "--observed", state], "q quit", ["\r", "q"]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's escape sequences
    const plain = r.screen.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, "");
    expect(plain).toContain("Resources (22 changed, 0 unchanged)");
    expect(plain).toContain("▾ ± server.orders-primary.binlog");
    expect(plain).toContain("log-bin = mysql-bin");
    expect(r.code).toBe(1); // the plan has error findings
  });

  it("--no-tui on a terminal prints the text plan and exits by itself", async () => {
    await recordState();
    const r = await onTerminal(["plan", "-f", spec, "--observed", state, "--no-tui"], "\u0000never", []);
    expect(r.screen).toContain("Resources:");
    expect(r.screen).toContain("Option-file drop-ins:");
    expect(r.screen).not.toContain("q quit");
    expect(r.code).toBe(1);
  });

  it("off a terminal the output is the text plan", async () => {
    await recordState();
    const out = await promisify(execFile)(process.execPath, [distCli, "plan", "-f", spec, "--observed", state]).catch(
      (e: { stdout: string; code: number }) => e,
    );
    expect(out.stdout).toContain("Resources:");
    expect(out.stdout).not.toContain("q quit");
  });
});

describe("a big --json answer on a pipe", () => {
  it("reaches a reader that starts late, whole, and the process ends with the plan's exit code", async () => {
    // the example's datasets, 60 times over: ~1.5 MB of JSON, many pipe-fulls (stdout on a pipe is
    // written synchronously: nothing may be left queued, or cut, when the process ends)
    const text = readFileSync(spec, "utf8");
    const [head, rest] = text.split("\ndatasets:\n") as [string, string];
    const [datasets, tail] = rest.split("\ndrills:\n") as [string, string];
    const copies = Array.from({ length: 60 }, (_, i) => datasets.replace(/^ {2}([a-z]+):$/gm, `  $1-${i}:`));
    const big = join(dir, "big.yaml");
    const scheduler = /^scheduler:.*$/m.exec(tail)?.[0] ?? "";
    writeFileSync(big, `${head}\ndatasets:\n${copies.join("\n")}\n${scheduler}\n`);
    const checked = await checkSpecFile(big);
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const bigState = join(dir, "big-state.json");
    writeFileSync(bigState, JSON.stringify(observedForExample(checked.spec!)));
    const out = join(dir, "big-plan.json");
    const command = [process.execPath, distCli, "plan", "-f", big, "--observed", bigState, "--json"].map(shellQuote);
    const r = await promisify(execFile)("bash", [
      "-c",
      `${command.join(" ")} | (sleep 1; cat > ${shellQuote(out)}); echo "exit \${PIPESTATUS[0]}"`,
    ]);
    expect(r.stdout.trim()).toBe("exit 1"); // the plan has error findings
    const plan = JSON.parse(readFileSync(out, "utf8")) as { proofs: unknown[]; resources: unknown[] };
    expect(readFileSync(out).length).toBeGreaterThan(1_000_000);
    expect(plan.proofs).toHaveLength(180);
  });
});

describe("drctl apply on a terminal", () => {
  /** A spec whose only server is down: the rest (repository, cron block) can still be applied. */
  function offlineSpec(name: string): { file: string; root: string } {
    const root = join(dir, name);
    mkdirSync(root, { recursive: true });
    const cnf = join(root, "client.cnf");
    writeFileSync(cnf, "[client]\nuser=drctl\npassword=not-used\n", { mode: 0o600 });
    return { file: writeSpecFile({ project: name, root, sandbox: { port: 1, clientOptionFile: cnf } }).file, root };
  }

  it("asks; anything but yes cancels (exit 1) and changes nothing", async () => {
    const s = offlineSpec("ttyno");
    const r = await onTerminal(["apply", "-f", s.file, "--allow-errors"], "Only 'yes' will be accepted:", ["no\r"]);
    expect(r.screen).toContain("Apply cancelled; nothing was changed.");
    expect(r.code).toBe(1);
    expect(existsSync(join(s.root, "repo")) || existsSync(join(s.root, "cron.d"))).toBe(false);
  });

  it("yes applies what it can; the unreachable server's resource is skipped and named (exit 6)", async () => {
    const s = offlineSpec("ttyyes");
    const r = await onTerminal(["apply", "-f", s.file, "--allow-errors"], "Only 'yes' will be accepted:", ["yes\r"]);
    expect(r.screen).toContain("Apply complete! Resources: 4 added, 0 changed, 0 destroyed.");
    expect(r.screen, r.screen).toMatch(/skipped server\.db1\.binlog: cannot connect to server db1 \(127\.0\.0\.1:1\)/);
    expect(r.code).toBe(6);
    expect(readFileSync(join(s.root, "cron.d", "drctl-ttyyes"), "utf8")).toContain(
      "# drctl:schedule.dataset.university.full",
    );
  });
});
