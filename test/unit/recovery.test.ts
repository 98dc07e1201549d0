// Recovery images and "what reaches time T?": pure, over hand-made manifests.
import { describe, expect, it } from "vitest";
import type { BackupManifest } from "../../src/core/manifest.generated.js";
import {
  clockDisagreements,
  failoverHole,
  inPointOrder,
  inSourceBinlogs,
  planRecovery,
  recoveryImages,
  timelineOfPoint,
} from "../../src/core/recovery.js";

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

function set(
  id: string,
  kind: "full" | "incremental",
  at: string,
  file: number,
  position: number,
  parent?: string,
  method: BackupManifest["method"] = "mariadb-backup",
): BackupManifest {
  return {
    ...base,
    id,
    kind,
    method,
    server,
    dataset: "ds",
    startedAt: at,
    finishedAt: at,
    consistentPoint: { file: bin(file), position },
    ...(parent ? { parent } : {}),
  } as BackupManifest;
}
function binlog(n: number, first: string, last: string, serverId = "1"): BackupManifest {
  return {
    ...base,
    id: `x-${n}`,
    kind: "binlog",
    method: "binlog",
    server: { ...server, serverId },
    startedAt: last,
    finishedAt: last,
    consistentPoint: { file: bin(n), position: 1000 },
    binlog: {
      file: bin(n),
      sequence: n,
      basename: "b",
      startPosition: 4,
      endPosition: 1000,
      firstEventAt: first,
      lastEventAt: last,
    },
  } as BackupManifest;
}

const F1 = set("f1", "full", "2026-11-20T02:00:00Z", 3, 500);
const I1 = set("i1", "incremental", "2026-11-20T08:00:00Z", 4, 200, "f1");
const I2 = set("i2", "incremental", "2026-11-20T14:00:00Z", 5, 300, "i1");
const F2 = set("f2", "full", "2026-11-21T02:00:00Z", 7, 100);
const B = [
  binlog(3, "2026-11-20T01:00:00Z", "2026-11-20T06:00:00Z"),
  binlog(4, "2026-11-20T06:00:01Z", "2026-11-20T12:00:00Z"),
  binlog(5, "2026-11-20T12:00:01Z", "2026-11-20T20:00:00Z"),
  binlog(6, "2026-11-20T20:00:01Z", "2026-11-21T01:00:00Z"),
  binlog(7, "2026-11-21T01:00:01Z", "2026-11-21T09:00:00Z"),
  binlog(8, "2026-11-21T09:00:01Z", "2026-11-21T10:00:00Z"),
];

describe("recoveryImages", () => {
  it("groups each full with its chain of incrementals and the binlogs up to the next full", () => {
    const images = recoveryImages([F2, I2, F1, I1], B);
    expect(
      images.map((i) => [i.full.id, i.incrementals.map((x) => x.id), i.binlogs.map((b) => b.binlog!.sequence), i.gap]),
    ).toEqual([
      ["f1", ["i1", "i2"], [3, 4, 5, 6, 7], undefined],
      ["f2", [], [7, 8], undefined],
    ]);
  });

  it("names the first binlog an image needs that the archive lacks, and how far the chain reaches", () => {
    const images = recoveryImages(
      [F1, F2],
      B.filter((b) => b.binlog!.sequence !== 5),
    );
    expect(images[0]!.gap).toEqual({ missing: "b.000005", reachableUntil: "2026-11-20T12:00:00Z" });
    expect(images[0]!.binlogs.map((b) => b.binlog!.sequence)).toEqual([3, 4]);
  });

  it("ignores binlogs of another server behind the same name", () => {
    const images = recoveryImages(
      [F2],
      [...B.slice(0, 4), binlog(7, "2026-11-21T01:00:01Z", "2026-11-21T09:00:00Z", "2"), B[5]!],
    );
    expect(images[0]!.gap?.missing).toBe("b.000007");
  });
});

describe("planRecovery", () => {
  const images = recoveryImages([F1, I1, I2, F2], B);
  it(
    "a time between the incrementals: the full, the incrementals before it, then binlogs from the last one's " +
      "point through the file that reaches the time",
    () => {
      const p = planRecovery(images, "2026-11-20T10:00:00Z");
      expect(p.ok).toBe(true);
      if (!p.ok) return;
      expect(p.sets.map((s) => s.id)).toEqual(["f1", "i1"]);
      expect(p.from).toEqual({ file: "b.000004", position: 200 });
      expect(p.binlogs.map((b) => b.binlog!.sequence)).toEqual([4]);
    },
  );

  it("latest: the newest image and every archived binlog after its point", () => {
    const p = planRecovery(images, "latest");
    expect(p.ok && [p.sets.map((s) => s.id), p.binlogs.map((b) => b.binlog!.sequence)]).toEqual([["f2"], [7, 8]]);
  });

  it("a time later than the newest archived event is refused with the newest reachable time", () => {
    expect(planRecovery(images, "2026-11-21T11:00:00Z")).toEqual({
      ok: false,
      reason: "2026-11-21T11:00:00Z is later than the newest archived event (2026-11-21T10:00:00Z)",
      newestReachable: "2026-11-21T10:00:00Z",
    });
  });

  it(
    "an idle server's quiet time is reachable up to the last archive run that left nothing " + "behind, and no further",
    () => {
      const ok = planRecovery(images, "2026-11-21T11:00:00Z", { coveredUntil: "2026-11-21T12:00:00Z" });
      expect(ok).toMatchObject({ ok: true });
      expect(planRecovery(images, "2026-11-21T12:30:00Z", { coveredUntil: "2026-11-21T12:00:00Z" })).toEqual({
        ok: false,
        reason:
          "2026-11-21T12:30:00Z is later than the last archive run that left nothing behind (2026-11-21T12:00:00Z)",
        newestReachable: "2026-11-21T12:00:00Z",
      });
      // a coverage older than the newest archived event changes nothing
      expect(planRecovery(images, "2026-11-21T11:00:00Z", { coveredUntil: "2026-11-21T09:00:00Z" })).toMatchObject({
        ok: false,
        newestReachable: "2026-11-21T10:00:00Z",
      });
    },
  );

  it("a time behind a gap is refused naming the missing file and the newest reachable time", () => {
    const broken = recoveryImages(
      [F1, I1, I2, F2],
      B.filter((b) => b.binlog!.sequence !== 5),
    );
    expect(planRecovery(broken, "2026-11-20T16:00:00Z")).toEqual({
      ok: false,
      reason: "binlog b.000005 is missing from the archive",
      missing: "b.000005",
      newestReachable: "2026-11-20T12:00:00Z",
    });
    // before the gap is fine
    expect(planRecovery(broken, "2026-11-20T11:00:00Z").ok).toBe(true);
    // and "latest" behind a gap in the newest image is refused too, never a silent early stop
    const newestBroken = recoveryImages(
      [F1, F2],
      B.filter((b) => b.binlog!.sequence !== 8).concat(binlog(9, "2026-11-21T10:00:01Z", "2026-11-21T11:00:00Z")),
    );
    expect(planRecovery(newestBroken, "latest")).toMatchObject({
      ok: false,
      missing: "b.000008",
      newestReachable: "2026-11-21T09:00:00Z",
    });
  });

  it("a time before any full is refused; so is PITR from a set without coordinates", () => {
    expect(planRecovery(images, "2026-11-19T00:00:00Z").ok).toBe(false);
    const noBinlog = {
      ...set("f9", "full", "2026-11-22T02:00:00Z", 1, 0, undefined, "mysqldump"),
      consistentPoint: {},
    } as BackupManifest;
    const p = planRecovery(recoveryImages([noBinlog], []), "2026-11-22T03:00:00Z");
    expect(p).toMatchObject({ ok: false, newestReachable: "2026-11-22T02:00:00Z" });
    expect(planRecovery(recoveryImages([noBinlog], []), "2026-11-22T02:00:00Z").ok).toBe(true);
    // a dataset that archives no binlogs: latest is its newest set; a later time is refused with that set's point
    const sets = [F1, I1, I2, F2];
    const p2 = planRecovery(recoveryImages(sets, []), "latest", { binlogs: false });
    expect(p2.ok && [p2.sets.map((x) => x.id), p2.binlogs]).toEqual([["f2"], []]);
    expect(planRecovery(recoveryImages(sets, []), "2026-11-21T05:00:00Z", { binlogs: false })).toMatchObject({
      ok: false,
      newestReachable: "2026-11-21T02:00:00Z",
    });
  });
});

describe("list flags", () => {
  it("split at commas, except escaped ones (table names may hold a comma)", async () => {
    const { splitList } = await import("../../src/cli/main.js");
    expect(splitList("uni.a,uni.b\\,c,uni.d")).toEqual(["uni.a", "uni.b,c", "uni.d"]);
    expect(splitList("uni.x")).toEqual(["uni.x"]);
  });
});

describe("the open binlog at the last clean archive run (issue 13, defect 6)", () => {
  const withGtid = (m: BackupManifest, gtid: string) =>
    ({ ...m, consistentPoint: { ...m.consistentPoint, gtid } }) as BackupManifest;
  const F = withGtid(set("f", "full", "2026-11-22T02:00:00Z", 9, 400, undefined, "mysqldump"), "0-1-50");
  const archive = [...B, binlog(8, "2026-11-21T09:00:01Z", "2026-11-21T10:00:00Z")];
  it("is no gap when the set's point lies in it with the GTID position the clean run recorded", () => {
    const images = recoveryImages([F], archive, { serverId: "1", file: bin(9), gtid: "0-1-50" });
    expect(images[0]!.gap).toBeUndefined();
    expect(planRecovery(images, "latest", { coveredUntil: "2026-11-22T05:00:00Z" })).toMatchObject({
      ok: true,
      binlogs: [],
      reaches: "2026-11-22T05:00:00Z",
    });
  });
  it(
    "is still a gap when anything was written after the set's point (another GTID), on another server, or in " +
      "another file",
    () => {
      for (const open of [
        { serverId: "1", file: bin(9), gtid: "0-1-51" },
        { serverId: "2", file: bin(9), gtid: "0-1-50" },
        { serverId: "1", file: bin(10), gtid: "0-1-50" },
        undefined,
      ]) {
        expect(recoveryImages([F], archive, open)[0]!.gap).toEqual({ missing: bin(9) });
      }
    },
  );
});

describe("a clock that moved back (issue 13, defect 5)", () => {
  // the second full was taken later (further along the binlog) by a host whose clock had gone back a day
  const early = set("early", "full", "2026-11-21T02:00:00Z", 7, 100, undefined, "mysqldump");
  const later = set("later", "full", "2026-11-20T02:00:00Z", 8, 50, undefined, "mysqldump");
  it("latest is the set furthest along the binlog, not the one with the newest clock", () => {
    const p = planRecovery(recoveryImages([early, later], [], undefined), "latest", { binlogs: false });
    expect(p).toMatchObject({ ok: true, sets: [{ id: "later" }] });
  });
  it("the disagreement is said, naming both sets", () => {
    expect(clockDisagreements([early, later])).toEqual([
      expect.stringContaining(
        "set later (2026-11-20T02:00:00Z) comes after early (2026-11-21T02:00:00Z) in the binlog, yet its " +
          "clock says earlier",
      ),
    ]);
    expect(clockDisagreements([F1, F2])).toEqual([]);
  });
  it("sets of different servers (or without coordinates) fall back to their clocks", () => {
    const other = { ...later, server: { ...later.server, serverId: "9" } } as BackupManifest;
    expect(inPointOrder([other, early]).map((m) => m.id)).toEqual(["later", "early"]);
  });
});

describe("binlog timelines after a RESET MASTER (issue 13, defect 8)", () => {
  const tl = (m: BackupManifest, timeline: number) =>
    ({ ...m, id: `${m.id}-t${timeline}`, binlog: { ...m.binlog!, timeline } }) as BackupManifest;
  // timeline 0: files 1..3 until the reset on the 21st; timeline 1: files 1..2 after it
  const old = [
    binlog(1, "2026-11-20T00:00:00Z", "2026-11-20T08:00:00Z"),
    binlog(2, "2026-11-20T08:00:01Z", "2026-11-20T16:00:00Z"),
    binlog(3, "2026-11-20T16:00:01Z", "2026-11-21T00:00:00Z"),
  ];
  const fresh = [
    tl(binlog(1, "2026-11-21T01:00:00Z", "2026-11-21T05:00:00Z"), 1),
    tl(binlog(2, "2026-11-21T05:00:01Z", "2026-11-21T09:00:00Z"), 1),
  ];
  const before = set("before", "full", "2026-11-20T10:00:00Z", 2, 100, undefined, "mysqldump");
  const after = set("after", "full", "2026-11-21T03:00:00Z", 1, 300, undefined, "mysqldump");
  it("a set's point is placed in the timeline whose file of that name was being written then", () => {
    expect(timelineOfPoint(before, [...old, ...fresh], 1)).toBe(0);
    expect(timelineOfPoint(after, [...old, ...fresh], 1)).toBe(1);
  });
  it("each image replays only its own timeline's files", () => {
    const [a, b] = recoveryImages([before, after], [...old, ...fresh]);
    expect(a!.binlogs.map((m) => m.id)).toEqual(["x-2", "x-3"]);
    expect(b!.binlogs.map((m) => m.id)).toEqual(["x-1-t1", "x-2-t1"]);
  });
  it("a point no timeline's times fit is refused, never replayed from another history", () => {
    const skewed = set("skewed", "full", "2026-11-25T00:00:00Z", 1, 10, undefined, "mysqldump");
    expect(timelineOfPoint(skewed, [...old, ...fresh], 1)).toBe(-1);
    expect(planRecovery(recoveryImages([skewed], [...old, ...fresh]), "latest")).toMatchObject({ ok: false });
  });
  it("a set in the new timeline whose file is archived only in the old one is not replayed from the old file", () => {
    const withStart = (m: BackupManifest, gtidListAtStart: string) =>
      ({ ...m, binlog: { ...m.binlog!, gtidListAtStart } }) as BackupManifest;
    const oldTwo = withStart(old[1]!, "0-1-40");
    const newOne = fresh[0]!;
    const b = {
      ...set("b", "full", "2026-11-21T03:00:00Z", 2, 389, undefined, "mysqldump"),
      consistentPoint: { file: bin(2), position: 389, gtid: "0-1-1" },
    } as BackupManifest;
    expect(timelineOfPoint(b, [old[0]!, oldTwo, newOne], 1)).toBe(1);
    const [image] = recoveryImages([b], [old[0]!, oldTwo, newOne], {
      serverId: "1",
      file: bin(3),
      gtid: "0-1-2",
      timeline: 1,
    });
    expect(image!.binlogs).toEqual([]);
    expect(image!.gap?.missing).toBe(bin(2));
  });
  it(
    "a set taken in a file before that file's first transaction (and one from before the reset whose file name " +
      "the new timeline reuses) lands in the right timeline",
    () => {
      const f = (n: number, at: string, gtidStart: string, timeline: number) =>
        ({
          ...binlog(n, at, at),
          id: `f${n}-t${timeline}`,
          binlog: { ...binlog(n, at, at).binlog!, gtidListAtStart: gtidStart, timeline },
        }) as BackupManifest;
      const files = [
        f(1, "2026-11-21T10:00:00Z", "", 0),
        f(2, "2026-11-21T10:00:02Z", "0-1-4", 0),
        f(1, "2026-11-21T10:00:05Z", "", 1),
        f(2, "2026-11-21T10:00:09Z", "0-1-1", 1),
      ];
      const at = (id: string, time: string, file: number, gtid: string) =>
        ({
          ...set(id, "full", time, file, 300, undefined, "mysqldump"),
          consistentPoint: { file: bin(file), position: 300, gtid },
        }) as BackupManifest;
      expect(timelineOfPoint(at("a", "2026-11-21T10:00:00.500Z", 1, "0-1-3"), files, 1)).toBe(0);
      // written after the reset, before the first transaction of the file its point lies in
      expect(timelineOfPoint(at("b", "2026-11-21T10:00:07Z", 2, "0-1-1"), files, 1)).toBe(1);
    },
  );
});

describe("a set taken on a replica, placed in its source's binlogs by GTID", () => {
  const source = (n: number, startGtid: string) => {
    const b = binlog(n, `2026-11-2${n}T00:00:00.000Z`, `2026-11-2${n}T23:00:00.000Z`);
    return { ...b, binlog: { ...b.binlog!, gtidListAtStart: startGtid } } as BackupManifest;
  };
  const archive = [source(1, "0-1-0"), source(2, "0-1-40"), source(3, "0-1-60")];
  const onReplica = (gtid?: string) =>
    ({
      ...set("r", "full", "2026-11-22T12:00:00.000Z", 7, 555),
      server: { ...server, name: "db2", serverId: "2" },
      consistentPoint: { file: "r.000007", position: 555, ...(gtid ? { gtid } : {}) },
    }) as BackupManifest;

  it("lands in the file holding its GTID position, with no byte position (replay starts after its GTIDs)", () => {
    const placed = inSourceBinlogs(onReplica("0-1-50"), archive);
    expect(placed.consistentPoint).toEqual({ file: bin(2), gtid: "0-1-50" });
    expect(placed.server.serverId).toBe("1");
    expect(inSourceBinlogs(onReplica("0-1-60"), archive).consistentPoint.file).toBe(bin(3));
  });
  it("and its image replays the source's files from there", () => {
    const [image] = recoveryImages([onReplica("0-1-50")], archive);
    expect(image?.binlogs.map((b) => b.binlog?.file)).toEqual([bin(2), bin(3)]);
    expect(image?.gap).toBeUndefined();
  });
  it("stays as it is without a GTID, before the archive's first file, or when its own server is archived", () => {
    expect(inSourceBinlogs(onReplica(), archive).consistentPoint.file).toBe("r.000007");
    expect(inSourceBinlogs(onReplica("0-1-50"), []).consistentPoint.file).toBe("r.000007");
    const late = archive.map((b) => ({ ...b, binlog: { ...b.binlog!, gtidListAtStart: "0-1-100" } }));
    expect(inSourceBinlogs(onReplica("0-1-50"), late as BackupManifest[]).consistentPoint.file).toBe("r.000007");
    const own = set("s", "full", "2026-11-22T12:00:00.000Z", 2, 900);
    expect(inSourceBinlogs({ ...own, consistentPoint: { ...own.consistentPoint, gtid: "0-1-50" } }, archive)).toEqual({
      ...own,
      consistentPoint: { ...own.consistentPoint, gtid: "0-1-50" },
    });
  });
});

describe("one chain across a failover (issue 16 §4): joined by GTID, not by file names", () => {
  // db1 (server_id 1) archived b.000001-2; db2 (server_id 2, log_slave_updates) was promoted at 0-1-60
  // and wrote 0-2-61 on; its archive holds its own b.000001-3, the same names as db1's
  const file = (serverId: string, n: number, day: number, start: string, last: string) => {
    const b = binlog(n, `2026-11-${day}T00:00:00.000Z`, `2026-11-${day}T23:00:00.000Z`, serverId);
    return {
      ...b,
      id: `s${serverId}-${n}`,
      server: { ...b.server, name: `db${serverId}` },
      binlog: { ...b.binlog!, gtidListAtStart: start, lastGtid: last },
    } as BackupManifest;
  };
  const db1 = [file("1", 1, 20, "", "0-1-40"), file("1", 2, 21, "0-1-40", "0-1-55")];
  const db2 = [
    file("2", 1, 20, "", "0-1-50"),
    file("2", 2, 22, "0-1-50", "0-2-70"),
    file("2", 3, 23, "0-2-70", "0-2-90"),
  ];
  const full = {
    ...set("f", "full", "2026-11-20T12:00:00.000Z", 1, 300),
    consistentPoint: { file: bin(1), position: 300, gtid: "0-1-20" },
  };

  it("continues from db1's last file in the db2 file holding the next transaction, after the GTID reached", () => {
    const [image] = recoveryImages([full as BackupManifest], [...db1, ...db2]);
    expect(image?.binlogs.map((b) => b.id)).toEqual(["s1-1", "s1-2", "s2-2", "s2-3"]);
    expect(image?.joins).toEqual([{ at: "s2-2", after: "0-1-55" }]);
    expect(image?.gap).toBeUndefined();
    const plan = planRecovery(image ? [image] : [], "2026-11-23T12:00:00.000Z");
    expect(plan.ok && plan.binlogs.map((b) => b.id)).toEqual(["s1-1", "s1-2", "s2-2", "s2-3"]);
  });

  it("a file of db1 never archived (the source died) is carried by db2's copy of those transactions", () => {
    const [image] = recoveryImages([full as BackupManifest], [must1(db1[0]), ...db2]);
    expect(image?.binlogs.map((b) => b.id)).toEqual(["s1-1", "s2-1", "s2-2", "s2-3"]);
    expect(image?.joins).toEqual([{ at: "s2-1", after: "0-1-40" }]);
  });

  it("a real hole stays a gap: db2's archive starts after the last GTID db1's reached", () => {
    const late = [file("2", 3, 23, "0-2-70", "0-2-90")];
    const [image] = recoveryImages([full as BackupManifest], [...db1, ...late]);
    expect(image?.binlogs.map((b) => b.id)).toEqual(["s1-1", "s1-2"]);
    expect(image?.gap?.missing).toMatch(
      /^transactions after GTID 0-1-55 \(the archive of db2, server_id 2, resumes at b\.000003\)$/,
    );
    const plan = planRecovery(image ? [image] : [], "latest");
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.reason).toContain("transactions after GTID 0-1-55");
    expect(!plan.ok && plan.reason).toContain("are missing from the archive");
    expect(failoverHole(db1, late)).toContain("the archive of db1 ends at GTID 0-1-55");
    expect(failoverHole(db1, db2)).toBeUndefined();
  });

  it("the same server's history before a RESET MASTER (another timeline) never continues a chain", () => {
    const tl = (m: BackupManifest, timeline: number) =>
      ({ ...m, id: `${m.id}-t${timeline}`, binlog: { ...m.binlog!, timeline } }) as BackupManifest;
    const before = [tl(file("1", 1, 20, "", "0-1-40"), 0), tl(file("1", 2, 21, "0-1-40", "0-1-55"), 0)];
    const after = [tl(file("1", 1, 22, "", "0-1-3"), 1)];
    const newFull = {
      ...set("g", "full", "2026-11-22T12:00:00.000Z", 1, 300),
      consistentPoint: { file: bin(1), position: 300, gtid: "0-1-1" },
    } as BackupManifest;
    const images = recoveryImages([newFull], [...before, ...after], undefined);
    const image = images.find((im) => im.full.id === "g");
    expect(image?.binlogs.map((b) => b.id)).toEqual(["s1-1-t1"]);
    expect(image?.joins).toBeUndefined();
  });

  it("a lone server's chain is untouched: no joins, a purged file still a gap", () => {
    const [image] = recoveryImages([full as BackupManifest], db1);
    expect(image?.joins).toBeUndefined();
    const [gapped] = recoveryImages([full as BackupManifest], [must1(db1[0]), file("1", 3, 22, "0-1-70", "0-1-80")]);
    expect(gapped?.gap?.missing).toBe(bin(2));
  });
});

function must1<T>(x: T | undefined): T {
  if (x === undefined) throw new Error("missing");
  return x;
}
