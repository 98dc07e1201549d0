// runTool (adapters/process/run.ts) on real child processes: what the callers rely on.
import { describe, expect, it } from "vitest";
import { describeExit, runTool } from "../../src/adapters/process/run.js";

describe("runTool", () => {
  it("hands back exit code, stdout with its final newline, stderr, and both interleaved", async () => {
    const r = await runTool("sh", ["-c", "echo out; echo err >&2; exit 3"]);
    expect(r).toMatchObject({ exitCode: 3, signal: null, stdout: "out\n", stderr: "err\n" });
    expect(r.all).toBe("out\nerr\n");
    expect(describeExit(r)).toBe("exited 3");
  });

  it("adds env to this process's environment instead of replacing it", async () => {
    const r = await runTool("sh", ["-c", 'printf "%s|%s" "$DRCTL_T" "$PATH"'], { env: { DRCTL_T: "x y" } });
    expect(r.stdout).toBe(`x y|${process.env.PATH}`);
  });

  it("passes every argument as one word, never through a shell", async () => {
    const hostile = "a b; $(touch /tmp/never) `id` 'q\" %";
    const r = await runTool("printf", ["%s", hostile]);
    expect(r.stdout).toBe(hostile);
  });

  it("a missing tool: no exit code, the reason", async () => {
    const r = await runTool("drctl-no-such-tool", []);
    expect(r.exitCode).toBeNull();
    expect(describeExit(r)).toMatch(/^could not start: .*ENOENT/);
  });

  it("past its timeout the tool is killed and says so", async () => {
    const t0 = Date.now();
    const r = await runTool("sleep", ["30"], { timeoutMs: 200 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGTERM");
    expect(describeExit(r)).toBe("timed out and was killed");
  });
});
