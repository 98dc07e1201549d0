// Retention: property tests over generated catalogs (fast-check) and one exact example.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BackupManifest } from "../../src/core/manifest.generated.js";
import { recoveryImages } from "../../src/core/recovery.js";
import { isoWeek, selectRetention } from "../../src/core/retention.js";

const base = {
  formatVersion: 1,
  project: "p",
  host: "h",
  files: [],
  compression: "zstd",
  encryption: { type: "none", recipientFingerprints: [] },
  tools: {},
} as const;
const server = { name: "db1", version: "10.11", flavor: "mariadb", serverId: "1", binlogBasename: "b" } as const;
const bin = (n: number) => `b.${String(n).padStart(6, "0")}`;
const T0 = Date.parse("2026-08-01T00:00:00Z");
const iso = (h: number) => new Date(T0 + h * 3600_000).toISOString();

/**
 * A catalog: fulls at the given hours (binlog file = hour), each with `incs` incrementals 1 h apart,
 * binlogs for every hour.
 */
function catalog(fullHours: number[], incs: number[], lastHour: number) {
  const sets: BackupManifest[] = [];
  fullHours.forEach((h, i) => {
    const f = {
      ...base,
      id: `f${h}`,
      kind: "full",
      method: "mariadb-backup",
      server,
      dataset: "ds",
      startedAt: iso(h),
      finishedAt: iso(h),
      consistentPoint: { file: bin(h + 1), position: 100 },
    } as BackupManifest;
    sets.push(f);
    let parent = f.id;
    for (let k = 1; k <= (incs[i] ?? 0); k++) {
      const inc = {
        ...f,
        id: `i${h}-${k}`,
        kind: "incremental",
        startedAt: iso(h + k),
        finishedAt: iso(h + k),
        consistentPoint: { file: bin(h + k + 1), position: 100 },
        parent,
      } as BackupManifest;
      sets.push(inc);
      parent = inc.id;
    }
  });
  const binlogs: BackupManifest[] = [];
  for (let n = 1; n <= lastHour + 1; n++) {
    binlogs.push({
      ...base,
      id: `x${n}`,
      kind: "binlog",
      method: "binlog",
      server,
      startedAt: iso(n),
      finishedAt: iso(n),
      consistentPoint: { file: bin(n), position: 900 },
      binlog: {
        file: bin(n),
        sequence: n,
        basename: "b",
        startPosition: 4,
        endPosition: 900,
        firstEventAt: iso(n - 1),
        lastEventAt: iso(n),
      },
    } as BackupManifest);
  }
  return { sets, binlogs };
}

const arbCatalog = fc
  .uniqueArray(fc.integer({ min: 0, max: 60 * 24 }), { minLength: 1, maxLength: 40 })
  .chain((hours) => {
    const fullHours = [...hours].sort((a, b) => a - b).filter((h, i, a) => i === 0 || h - a[i - 1]! > 6);
    return fc.record({
      fullHours: fc.constant(fullHours),
      incs: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: fullHours.length, maxLength: fullHours.length }),
      policy: fc.record({
        daily: fc.integer({ min: 0, max: 10 }),
        weekly: fc.integer({ min: 0, max: 6 }),
        monthly: fc.integer({ min: 0, max: 4 }),
        binlogSeconds: fc.option(fc.integer({ min: 3600, max: 30 * 86400 }), { nil: undefined }),
      }),
      verifiedPick: fc.array(fc.nat(), { maxLength: 3 }),
    });
  });

describe("selectRetention (properties)", () => {
  it(
    "no kept set misses its parent; kept images in the PITR window keep every binlog; the newest verified " +
      "image stays; GFS counts hold",
    () => {
      fc.assert(
        fc.property(arbCatalog, ({ fullHours, incs, policy, verifiedPick }) => {
          const last = fullHours.at(-1)! + 10;
          const { sets, binlogs } = catalog(fullHours, incs, last);
          const fullIds = sets.filter((s) => s.kind === "full").map((s) => s.id);
          const verified = new Set(verifiedPick.map((i) => fullIds[i % fullIds.length]!));
          const now = new Date(T0 + last * 3600_000);
          const r = selectRetention(sets, binlogs, policy, now, verified);
          if (r.refused) {
            expect(policy.daily + policy.weekly + policy.monthly === 0 && verified.size === 0).toBe(true);
            return;
          }
          const kept = new Set(r.decisions.filter((d) => d.keep).map((d) => d.set.id));
          expect(r.decisions).toHaveLength(sets.length + binlogs.length);
          for (const s of sets)
            if (kept.has(s.id) && s.parent)
              expect(kept.has(s.parent), `${s.id} kept without its parent ${s.parent}`).toBe(true);
          const images = recoveryImages(sets, binlogs);
          const newestVerified = [...images].reverse().find((im) => verified.has(im.full.id));
          if (newestVerified)
            for (const s of [newestVerified.full, ...newestVerified.incrementals]) expect(kept.has(s.id)).toBe(true);
          if (policy.binlogSeconds !== undefined) {
            const windowStart = new Date(now.getTime() - policy.binlogSeconds * 1000).toISOString();
            // every point in the window is reachable: from the newest kept full at or before its
            // start, all binlogs stay
            const keptFulls = images.filter((im) => kept.has(im.full.id));
            const anchor = keptFulls.filter((im) => im.full.startedAt <= windowStart).at(-1) ?? keptFulls[0]!;
            for (const im of keptFulls.filter((k) => k.full.startedAt >= anchor.full.startedAt))
              for (const b of im.binlogs) expect(kept.has(b.id), `${b.id} of ${im.full.id}`).toBe(true);
          }
          for (const [label, bucket, n] of [
            ["daily", (s: string) => s.slice(0, 10), policy.daily],
            ["weekly", isoWeek, policy.weekly],
            ["monthly", (s: string) => s.slice(0, 7), policy.monthly],
          ] as const) {
            const buckets = new Set(sets.filter((s) => s.kind === "full").map((s) => bucket(s.startedAt)));
            const byRule = r.decisions.filter((d) => d.keep && d.why.some((w) => w.startsWith(`${label} `)));
            expect(byRule).toHaveLength(Math.min(n, buckets.size));
          }
        }),
        { numRuns: 200 },
      );
    },
  );
});

describe("selectRetention (example)", () => {
  it(
    "daily 2 keeps the two newest days' fulls with their chains and binlogs from the anchor; says why for " +
      "every set",
    () => {
      // fulls on 3 days at 02:00, one incremental each
      const { sets, binlogs } = catalog([2, 26, 50], [1, 1, 1], 60);
      const r = selectRetention(
        sets,
        binlogs,
        { daily: 2, binlogSeconds: 30 * 3600 },
        new Date(T0 + 60 * 3600_000),
        new Set(),
      );
      const show = r.decisions
        .filter((d) => d.set.kind !== "binlog")
        .map((d) => `${d.keep ? "keep" : "drop"} ${d.set.id}: ${d.why.join("; ")}`);
      expect(show).toEqual([
        "drop f2: outside every daily/weekly/monthly slot",
        "drop i2-1: its full f2 goes",
        "keep f26: daily 2026-08-02",
        "keep i26-1: chain of f26",
        "keep f50: daily 2026-08-03",
        "keep i50-1: chain of f50",
      ]);
      const keptBinlogs = r.decisions
        .filter((d) => d.set.kind === "binlog" && d.keep)
        .map((d) => d.set.binlog!.sequence);
      // from f26's consistent point (file 27): the window starts 30 h ago, after f26
      expect(Math.min(...keptBinlogs)).toBe(27);
      expect(r.decisions.find((d) => d.set.id === "x10")!.why).toEqual([`before the PITR window (${iso(30)})`]);
    },
  );

  it("refuses a policy that would keep no full", () => {
    const { sets, binlogs } = catalog([2], [0], 5);
    expect(selectRetention(sets, binlogs, {}, new Date(T0 + 5 * 3600_000), new Set()).refused).toMatch(
      /would keep none of the 1 full set/,
    );
  });
});
