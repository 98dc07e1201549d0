// Locks across real processes: a kill -9'd holder never blocks the next run; a live holder is
// never bypassed, and whoever is refused is told who holds it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DrError } from "../../src/errors.js";
import { acquireLock, readHolder } from "../../src/state/lock.js";
import { repoRoot, tempDir } from "../helpers/temp.js";

const dir = tempDir();
const lockModule = join(repoRoot, "dist/state/lock.js");
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(lockModule)) throw new Error("run `npm run build` first (npm test does)");
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

/** Another process that takes the lock and holds it until killed. */
async function holder(lockPath: string): Promise<ChildProcess> {
  const code = `
    const { acquireLock } = await import(${JSON.stringify(lockModule)});
    await acquireLock(${JSON.stringify(lockPath)}, { command: "drctl backup shop (test holder)" });
    process.stdout.write("held\\n");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (c) => reject(new Error(`holder exited ${c}`)));
  });
  return child;
}

describe("lock", () => {
  it("is refused while a live process holds it, naming the holder", async () => {
    const path = join(dir, "live.lock");
    const h = await holder(path);
    const err = await acquireLock(path, { purpose: "apply for project shop" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrError);
    expect((err as DrError).kind).toBe("locked");
    expect((err as DrError).message).toMatch(
      new RegExp(
        `^apply for project shop is locked by pid ${h.pid} on .+ \\(drctl backup shop \\(test holder\\)\\), ` +
          `since \\d{4}-`,
      ),
    );
    // waiting does not bypass it either
    const started = Date.now();
    const waited = await acquireLock(path, { waitMs: 700 }).catch((e: unknown) => e);
    expect((waited as DrError).kind).toBe("locked");
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
  });

  it("tells a waiter who holds it, then hands over as soon as the holder ends", async () => {
    const path = join(dir, "handover.lock");
    const h = await holder(path);
    const seen: (number | undefined)[] = [];
    setTimeout(() => h.kill("SIGTERM"), 300);
    const lock = await acquireLock(path, { waitMs: 10_000, onWait: (who) => seen.push(who?.pid) });
    expect(seen).toEqual([h.pid]);
    expect(readHolder(path)?.pid).toBe(process.pid);
    await lock.release();
  });

  it("a holder killed with SIGKILL leaves nothing that blocks the next run", async () => {
    const path = join(dir, "killed.lock");
    const h = await holder(path);
    h.kill("SIGKILL");
    await new Promise((r) => h.once("exit", r));
    // the kernel drops the flock when the holder's pipe closes; allow the helper a moment to exit
    const lock = await acquireLock(path, { waitMs: 5_000 });
    expect(readHolder(path)?.pid).toBe(process.pid);
    await lock.release();
    expect(readHolder(path)).toBeUndefined();
  });

  it("a process with nothing else to do still waits for its release and exits 0 (no unsettled await)", async () => {
    // the handles are unref'd while held; release must keep the process alive until flock is gone
    const script = `import { acquireLock } from ${JSON.stringify(join(repoRoot, "dist/state/lock.js"))};
      const a = await acquireLock(${JSON.stringify(join(dir, "solo-a.lock"))});
      const b = await acquireLock(${JSON.stringify(join(dir, "solo-b.lock"))});
      await b.release(); await a.release(); console.log("released");`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const code = await new Promise((r) => child.once("exit", r));
    expect(out.trim()).toBe("released");
    expect(code).toBe(0);
  });

  it("is reusable within one process after release", async () => {
    const path = join(dir, "reuse.lock");
    for (let i = 0; i < 3; i++) {
      const lock = await acquireLock(path);
      await expect(acquireLock(path)).rejects.toMatchObject({ kind: "locked" });
      await lock.release();
    }
  });
});
