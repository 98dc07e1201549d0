// The throwaway-server harness against a real mariadbd: it starts, answers, honours extra option
// files, and always leaves no process and no datadir behind — also when things fail.
import { execFileSync } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { startSandbox, withSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { clientOptions, parseOptionFile, renderOptionFile } from "../../src/adapters/mysql/option-file.js";
import { processesMentioning } from "../helpers/procs.js";
import { tempDir } from "../helpers/temp.js";

const scratch = tempDir();

async function variables(s: Sandbox, names: string[]): Promise<Record<string, string>> {
  const conn = await mysql.createConnection({ ...clientOptions(s.clientOptionFile) });
  try {
    const [rows] = await conn.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)", [names]);
    return Object.fromEntries(
      (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]),
    );
  } finally {
    await conn.end();
  }
}

function gone(s: { pid: number; dir: string }): void {
  expect(processesMentioning(s.dir)).toEqual([]);
  expect(existsSync(s.dir)).toBe(false);
}

describe("sandbox harness", () => {
  it("starts with binlog on, over TCP with its 0600 option file, and tears down completely", async () => {
    const s = await startSandbox({ binlog: true, baseDir: scratch });
    try {
      expect(statSync(s.clientOptionFile).mode & 0o777).toBe(0o600);
      expect(s.port).toBeGreaterThan(1024);
      expect(s.port).not.toBe(3306);
      const v = await variables(s, [
        "log_bin",
        "binlog_format",
        "server_id",
        "port",
        "bind_address",
        "character_set_server",
      ]);
      expect(v).toEqual({
        log_bin: "ON",
        binlog_format: "ROW",
        server_id: String(s.serverId),
        port: String(s.port),
        bind_address: "127.0.0.1",
        character_set_server: "utf8mb4",
      });
      // no passwordless root over TCP
      const conn = await s.connectRoot();
      const [rows] = await conn.query("SELECT Host FROM mysql.user WHERE User = 'root'");
      await conn.end();
      expect(rows).toEqual([{ Host: "localhost" }]);
      await expect(mysql.createConnection({ host: "127.0.0.1", port: s.port, user: "root" })).rejects.toThrow(
        /Access denied/,
      );
    } finally {
      await s.stop();
    }
    gone(s);
  });

  it("starts with binlog off when not asked", async () => {
    await withSandbox({ baseDir: scratch }, async (s) => {
      expect((await variables(s, ["log_bin"])).log_bin).toBe("OFF");
    });
  });

  it("reads an extra option file after its own settings, and keeps it across a restart", async () => {
    const dropIn = join(scratch, "90-drctl.cnf");
    writeFileSync(
      dropIn,
      renderOptionFile({ mariadbd: { "server-id": 4242, "binlog-format": "MIXED", "expire-logs-days": 3 } }),
    );
    await withSandbox({ binlog: true, baseDir: scratch, extraOptionFiles: [dropIn] }, async (s) => {
      expect(await variables(s, ["server_id", "binlog_format", "expire_logs_days"])).toEqual({
        server_id: "4242",
        binlog_format: "MIXED",
        expire_logs_days: "3.000000",
      });
      const conn = await s.connectRoot();
      await conn.query("CREATE DATABASE keepme");
      await conn.end();
      const oldPid = s.pid;
      await s.restart();
      expect(s.pid).not.toBe(oldPid);
      expect(processesMentioning(s.dir)).toEqual([s.pid]);
      const after = await s.connectRoot();
      const [dbs] = await after.query("SHOW DATABASES LIKE 'keepme'");
      await after.end();
      expect((dbs as object[]).length).toBe(1);
      expect((await variables(s, ["server_id"])).server_id).toBe("4242");
    });
  });

  it("leaves nothing behind when the work inside it fails", async () => {
    let seen: Sandbox | undefined;
    await expect(
      withSandbox({ baseDir: scratch }, async (s) => {
        seen = s;
        throw new Error("the test body failed");
      }),
    ).rejects.toThrow("the test body failed");
    expect(seen).toBeDefined();
    gone(seen!);
  });

  it("leaves nothing behind when the server cannot start, and says why from its error log", async () => {
    const bad = join(scratch, "bad.cnf");
    writeFileSync(bad, "[mariadbd]\nno-such-option-at-all=1\n");
    const err = await startSandbox({ baseDir: join(scratch, "bad-start"), extraOptionFiles: [bad] }).catch(
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/mariadbd exited during start-up/);
    expect(err.message).toMatch(/no-such-option-at-all/);
    // only this start's processes: other test files start sandboxes of their own meanwhile
    expect(processesMentioning(join(scratch, "bad-start"))).toEqual([]);
    expect(execFileSync("ls", ["-A", join(scratch, "bad-start")]).toString()).toBe("");
  });

  it("runs two servers side by side on different ports", async () => {
    await withSandbox({ baseDir: scratch }, async (a) =>
      withSandbox({ baseDir: scratch }, async (b) => {
        expect(a.port).not.toBe(b.port);
        expect(a.serverId).not.toBe(b.serverId);
        expect((await variables(b, ["port"])).port).toBe(String(b.port));
      }),
    );
  });
});

describe("option files", () => {
  it("round-trips hostile values exactly as the server's own parser reads them", () => {
    const values = [
      'pa ss"word',
      "back\\slash",
      "hash#not-a-comment",
      "  spaced  ",
      "quote's",
      "tab\there",
      "ünïcode ✓ 表",
    ];
    const file = join(scratch, "hostile.cnf");
    const opts: Record<string, string> = {};
    for (const [i, v] of values.entries()) opts[`opt${i}`] = v;
    writeFileSync(file, renderOptionFile({ client: opts }), { mode: 0o600 });
    // my_print_defaults is mysys' own option-file reader: what it prints is what the server and clients get
    const printed = execFileSync("my_print_defaults", [`--defaults-file=${file}`, "client"])
      .toString("utf8")
      .split("\n")
      .filter(Boolean);
    expect(printed).toEqual(values.map((v, i) => `--opt${i}=${v}`));
    const parsed = parseOptionFile(file).get("client")!;
    expect(values.map((_, i) => parsed.get(`opt${i}`))).toEqual(values);
  });
});
