// drctl prune on a catalog laid out on disk: the dry run's exact words, the real run deleting just
// those sets (manifest first), the journal record, and the refusals — a held lock, a failed backup.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import type { BackupManifest } from "../../src/core/manifest.generated.js";
import { appendJournal, readJournal } from "../../src/state/journal.js";
import { acquireLock } from "../../src/state/lock.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-prune-");
const repo = join(dir, "repo");
const state = join(dir, "state");
const spec = join(dir, "drctl.yaml");
let db: Sandbox;
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function put(
  parent: string,
  m: Partial<BackupManifest> & Pick<BackupManifest, "id" | "kind" | "startedAt" | "consistentPoint">,
) {
  const d = join(parent, m.id);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "payload.zst"), "");
  // a full also carries a file one level down, as a mydumper set does: its directory goes with it
  const nested =
    m.kind === "full" ? [{ name: "mydumper/ds.t.00000.sql.zst", role: "mydumper", bytes: 0, sha256: EMPTY }] : [];
  if (nested.length) mkdirSync(join(d, "mydumper"));
  for (const f of nested) writeFileSync(join(d, f.name), "");
  const manifest = {
    formatVersion: 1,
    project: "prune",
    method: m.kind === "binlog" ? "binlog" : "mariadb-backup",
    server: { name: "db1", version: "10.11", flavor: "mariadb", serverId: "7", binlogBasename: "b" },
    host: "h",
    finishedAt: m.startedAt,
    files: [
      { name: "payload.zst", role: m.kind === "binlog" ? "binlog" : "xbstream", bytes: 0, sha256: EMPTY },
      ...nested,
    ],
    compression: "zstd",
    encryption: { type: "none", recipientFingerprints: [] },
    tools: {},
    ...m,
  };
  writeFileSync(join(d, "manifest.json"), JSON.stringify(manifest));
}

const bin = (n: number) => `b.${String(n).padStart(6, "0")}`;

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir });
  writeFileSync(
    spec,
    datasetsSpec({
      project: "prune",
      state,
      repo,
      server: { port: db.port, credentials: db.clientOptionFile },
      cronFile: join(dir, "cron"),
      datasets: {
        ds: {
          databases: ["ds"],
          method: "mariadb-backup",
          incremental: "mariadb-backup",
          binlog: true,
          retention: "{ full: { daily: 2 }, binlogs: 2d }",
        },
      },
    }),
  );
  // the repository as apply leaves it (apply has its own tests, and its first backup would be a
  // real set in this hand-made catalog): the directory with drctl's marker
  mkdirSync(repo, { mode: 0o700 });
  writeFileSync(join(repo, ".drctl-repository.json"), JSON.stringify({ project: "prune", repository: "local" }));
  // fulls at 02:00 on 20–23 Nov (binlog file = day), an incremental at 14:00 each day, one binlog per half day
  const sets = join(repo, "sets", "ds");
  for (const d of [20, 21, 22, 23]) {
    put(sets, {
      id: `202611${d}T020000Z-full-00000${d - 20}`,
      kind: "full",
      dataset: "ds",
      startedAt: `2026-11-${d}T02:00:00.000Z`,
      consistentPoint: { file: bin(d * 2), position: 100 },
    });
    put(sets, {
      id: `202611${d}T140000Z-incremental-00000${d - 20}`,
      kind: "incremental",
      dataset: "ds",
      startedAt: `2026-11-${d}T14:00:00.000Z`,
      consistentPoint: { file: bin(d * 2 + 1), position: 100 },
      parent: `202611${d}T020000Z-full-00000${d - 20}`,
    });
  }
  const binlogs = join(repo, "binlogs", "db1");
  for (let n = 40; n <= 47; n++) {
    const day = Math.floor(n / 2);
    const start = `2026-11-${day}T${n % 2 ? "12" : "00"}:00:00.000Z`;
    const end = `2026-11-${day}T${n % 2 ? "23:59:59" : "11:59:59"}.000Z`;
    put(binlogs, {
      id: `202611${day}T${n % 2 ? "23" : "11"}5959Z-binlog-${String(n).padStart(8, "0")}`,
      kind: "binlog",
      startedAt: end,
      consistentPoint: { file: bin(n), position: 900 },
      binlog: {
        file: bin(n),
        sequence: n,
        basename: "b",
        startPosition: 4,
        endPosition: 900,
        firstEventAt: start,
        lastEventAt: end,
      },
    });
  }
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

describe("drctl prune", () => {
  const now = "2026-11-24T06:00:00Z";

  it("--dry-run lists exactly what would go and why each kept set stays, and deletes nothing", async () => {
    const r = await drctl(["prune", "-f", spec, "ds", "--dry-run", "--now", now]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "prune ds (dry run): 8 set(s) would be deleted, 8 kept, 0 B would be freed",
        "  delete  20261120T020000Z-full-000000         full         outside every daily/weekly/monthly slot",
        "  delete  20261120T140000Z-incremental-000000  incremental  its full 20261120T020000Z-full-000000 goes",
        "  delete  20261121T020000Z-full-000001         full         outside every daily/weekly/monthly slot",
        "  delete  20261121T140000Z-incremental-000001  incremental  its full 20261121T020000Z-full-000001 goes",
        "  delete  20261120T115959Z-binlog-00000040     binlog       before the PITR window (2026-11-22T06:00:00.000Z)",
        "  delete  20261120T235959Z-binlog-00000041     binlog       before the PITR window (2026-11-22T06:00:00.000Z)",
        "  delete  20261121T115959Z-binlog-00000042     binlog       before the PITR window (2026-11-22T06:00:00.000Z)",
        "  delete  20261121T235959Z-binlog-00000043     binlog       before the PITR window (2026-11-22T06:00:00.000Z)",
        "  keep    20261122T020000Z-full-000002         full         daily 2026-11-22",
        "  keep    20261122T140000Z-incremental-000002  incremental  chain of 20261122T020000Z-full-000002",
        "  keep    20261123T020000Z-full-000003         full         daily 2026-11-23",
        "  keep    20261123T140000Z-incremental-000003  incremental  chain of 20261123T020000Z-full-000003",
        "  keep    20261122T115959Z-binlog-00000044     binlog       PITR window from 20261122T020000Z-full-000002",
        "  keep    20261122T235959Z-binlog-00000045     binlog       PITR window from 20261122T020000Z-full-000002",
        "  keep    20261123T115959Z-binlog-00000046     binlog       PITR window from 20261122T020000Z-full-000002",
        "  keep    20261123T235959Z-binlog-00000047     binlog       PITR window from 20261122T020000Z-full-000002",
        "",
      ].join("\n"),
    );
    expect(readdirSync(join(repo, "sets", "ds"))).toHaveLength(8);
  });

  it(
    "refuses while a backup or a drill of the dataset holds its lock (exit 4), and after a " + "failed backup (exit 1)",
    async () => {
      const held = await acquireLock(join(state, "locks", "dataset.ds.backup.lock"), { command: "drctl backup ds" });
      const locked = await drctl(["prune", "-f", spec, "ds", "--now", now]);
      await held.release();
      expect(locked.code).toBe(4);
      expect(locked.stderr).toContain("drctl backup ds");
      const drill = await acquireLock(join(state, "locks", "dataset.ds.drill.lock"), {
        command: "drctl drill run weekly",
      });
      const drilling = await drctl(["prune", "-f", spec, "ds", "--now", now]);
      await drill.release();
      expect(drilling.code).toBe(4);
      expect(drilling.stderr).toContain("drills of dataset ds is locked by");

      await appendJournal(state, "job", { command: "backup", subject: "ds", exitCode: 1, result: "failed" });
      const after = await drctl(["prune", "-f", spec, "ds", "--now", now]);
      expect(after.code).toBe(1);
      expect(after.stderr).toContain("retention does not run after a failed backup");
      await appendJournal(state, "job", { command: "backup", subject: "ds", exitCode: 0, result: "ok" });
      expect(readdirSync(join(repo, "sets", "ds"))).toHaveLength(8);
    },
  );

  it("the real run deletes exactly what the dry run listed and journals it", async () => {
    // a file the manifest does not name, inside a set that goes: the set's directory goes whole
    writeFileSync(join(repo, "sets", "ds", "20261120T020000Z-full-000000", "core.12345"), "x");
    const r = await drctl(["prune", "-f", spec, "ds", "--now", now]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("prune ds: 8 set(s) deleted, 8 kept, 0 B freed");
    expect(readdirSync(join(repo, "sets", "ds")).sort()).toEqual([
      "20261122T020000Z-full-000002",
      "20261122T140000Z-incremental-000002",
      "20261123T020000Z-full-000003",
      "20261123T140000Z-incremental-000003",
    ]);
    expect(existsSync(join(repo, "binlogs", "db1", "20261121T235959Z-binlog-00000043"))).toBe(false);
    expect(existsSync(join(repo, "binlogs", "db1", "20261122T115959Z-binlog-00000044"))).toBe(true);
    expect(readdirSync(join(repo, "sets", "ds", "20261122T020000Z-full-000002", "mydumper"))).toHaveLength(1);
    // nothing half-removed is left for the catalog to call a stray
    const listed = await drctl(["backups", "-f", spec]);
    expect([listed.code, listed.stderr]).toEqual([0, ""]);
    const job = (await readJournal(state)).filter((j) => j.kind === "job" && j.data.command === "prune").at(-1)!;
    expect(job.data.exitCode).toBe(0);
    expect((job.data.details as { deleted: string[] }).deleted).toHaveLength(8);
    const again = await drctl(["prune", "-f", spec, "ds", "--now", now]);
    expect(again.stdout.split("\n")[0]).toBe("prune ds: 0 set(s) deleted, 8 kept, 0 B freed");
  });

  it("copy of a dataset without copies is refused (exit 3) and journaled as refused", async () => {
    const r = await drctl(["copy", "-f", spec, "ds"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("dataset ds has no copies: nothing to copy");
    const job = (await readJournal(state)).filter((j) => j.kind === "job").at(-1)!;
    expect([job.data.command, job.data.exitCode, job.data.result]).toEqual(["copy", 3, "refused"]);
  });
});
