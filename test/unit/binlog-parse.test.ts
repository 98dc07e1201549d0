// The binlog reader over synthetic event bytes, GTID continuity, and when the archiver rotates.
import { describe, expect, it } from "vitest";
import { gapsBefore, newEventsSince } from "../../src/binlog/archive.js";
import {
  BINLOG_MAGIC,
  BinlogParser,
  EVENT,
  formatGtid,
  gtidContinuity,
  gtidListText,
  normalizeStatement,
  parseGtidList,
  stopAt,
  unqualified,
} from "../../src/binlog/parse.js";

function event(type: number, ts: number, serverId: number, body: Buffer): Buffer {
  const h = Buffer.alloc(19);
  h.writeUInt32LE(ts, 0);
  h[4] = type;
  h.writeUInt32LE(serverId, 5);
  h.writeUInt32LE(19 + body.length, 9);
  return Buffer.concat([h, body]);
}
const gtidEvent = (ts: number, server: number, domain: number, seq: bigint) => {
  const b = Buffer.alloc(13);
  b.writeBigUInt64LE(seq, 0);
  b.writeUInt32LE(domain, 8);
  return event(EVENT.GTID, ts, server, b);
};
const gtidList = (ts: number, list: [number, number, bigint][]) => {
  const b = Buffer.alloc(4 + 16 * list.length);
  b.writeUInt32LE(list.length, 0);
  list.forEach(([d, s, q], i) => {
    b.writeUInt32LE(d, 4 + i * 16);
    b.writeUInt32LE(s, 8 + i * 16);
    b.writeBigUInt64LE(q, 12 + i * 16);
  });
  return event(EVENT.GTID_LIST, ts, 7, b);
};

const FILE = Buffer.concat([
  BINLOG_MAGIC,
  event(EVENT.FORMAT_DESCRIPTION, 100, 7, Buffer.alloc(40)),
  gtidList(100, [[0, 7, 41n]]),
  gtidEvent(200, 7, 0, 42n),
  event(2, 200, 7, Buffer.from("query")),
  event(EVENT.XID, 201, 7, Buffer.alloc(8)),
  gtidEvent(300, 9, 1, 5n),
  event(EVENT.XID, 305, 9, Buffer.alloc(8)),
  event(EVENT.ROTATE, 400, 7, Buffer.from("mysql-bin.000002")),
]);

describe("BinlogParser", () => {
  it("summarises a binlog whichever way it arrives in chunks", () => {
    for (const size of [1, 3, 19, 64, FILE.length]) {
      const p = new BinlogParser();
      for (let i = 0; i < FILE.length; i += size) p.push(FILE.subarray(i, i + size));
      const s = p.finish();
      expect(s.error).toBeUndefined();
      expect(s.size).toBe(FILE.length);
      expect(s.serverId).toBe(7);
      expect(s.gtidListAtStart!.map(formatGtid)).toEqual(["0-7-41"]);
      expect(formatGtid(s.firstGtid!)).toBe("0-7-42");
      expect([...s.lastPerDomain.values()].map(formatGtid)).toEqual(["0-7-42", "1-9-5"]);
      expect(s.transactions).toBe(2);
      expect([s.firstEventAt, s.lastEventAt]).toEqual([200, 305]);
      expect(s.closed).toBe(true);
    }
  });

  it("indexes the same groups and databases whichever way big row events are cut into chunks", () => {
    // a Table_map (read: it names the database) and row events of many kilobytes (passed over unread)
    const tableMap = (db: string) => {
      const name = Buffer.from(db);
      return event(
        EVENT.TABLE_MAP,
        500,
        7,
        Buffer.concat([Buffer.alloc(8), Buffer.from([name.length]), name, Buffer.from([0, 1, 0x74, 0])]),
      );
    };
    const rows = (n: number) => event(31, 501, 7, Buffer.alloc(n, 0xab)); // UPDATE_ROWS, an opaque body
    const big = Buffer.concat([
      BINLOG_MAGIC,
      event(EVENT.FORMAT_DESCRIPTION, 100, 7, Buffer.alloc(40)),
      gtidEvent(500, 7, 0, 1n),
      tableMap("shop"),
      rows(70_000),
      rows(3),
      event(EVENT.XID, 502, 7, Buffer.alloc(8)),
      gtidEvent(600, 7, 0, 2n),
      tableMap("données"),
      rows(150_000),
      event(EVENT.XID, 603, 7, Buffer.alloc(8)),
    ]);
    const whole = new BinlogParser({ index: true });
    whole.push(big);
    const expected = whole.finish();
    expect(expected.error).toBeUndefined();
    expect(expected.groups!.map((g) => [g.position, g.timestamp, g.databases])).toEqual([
      [4 + 19 + 40, 500, ["shop"]],
      [expect.any(Number), 600, ["données"]],
    ]);
    expect(expected.lastEventAt).toBe(603);
    for (const size of [1, 7, 19, 20, 1000, 65_536, 70_100]) {
      const p = new BinlogParser({ index: true });
      for (let i = 0; i < big.length; i += size) p.push(big.subarray(i, i + size));
      expect(p.finish(), `chunks of ${size}`).toEqual(expected);
    }
    // cut inside a body that is passed over: still a file that ends inside an event
    const cut = new BinlogParser({ index: true });
    cut.push(big.subarray(0, big.length - 100_000));
    expect(cut.finish().error).toMatch(/ends inside an event at offset \d+ \(\d+ bytes short\)/);
  });

  it("says what is wrong with bytes that are not a whole binlog", () => {
    const bad = new BinlogParser();
    bad.push(Buffer.from("hello world"));
    expect(bad.finish().error).toMatch(/bad magic/);
    const cut = new BinlogParser();
    cut.push(FILE.subarray(0, FILE.length - 5));
    expect(cut.finish().error).toMatch(/ends inside an event/);
  });
});

describe("GTID continuity", () => {
  const list = (t: string) => [...parseGtidList(t).values()];
  it("accepts the next file starting exactly where the previous one ended, per domain", () => {
    expect(gtidContinuity(list("0-1-10"), parseGtidList("0-1-15,1-2-3"), list("0-1-15,1-2-3"))).toBeUndefined();
    expect(gtidContinuity(list("0-1-10"), new Map(), list("0-1-10"))).toBeUndefined();
  });
  it("names the jump when transactions are missing between two files", () => {
    expect(gtidContinuity(list("0-1-10"), parseGtidList("0-1-15"), list("0-1-18"))).toBe(
      "GTID state jumps from 0-1-15 to 0-1-18 in domain 0",
    );
    expect(gtidContinuity([], new Map(), list("3-1-4"))).toMatch(/domain 3 starts at 3-1-4/);
  });
  it("after a failover a binlog state lists a domain once per server: its position is the newest", () => {
    // db2, promoted at 0-1-5, wrote 0-2-6 and 0-2-7; its next file's Gtid_list holds both servers' entries
    expect(gtidListText(parseGtidList("0-2-7,0-1-5").values())).toBe("0-2-7");
    expect(gtidContinuity(list("0-1-5"), parseGtidList("0-2-7"), [...list("0-1-5"), ...list("0-2-7")])).toBeUndefined();
    expect(gtidContinuity(list("0-1-5"), parseGtidList("0-2-7"), [...list("0-1-5"), ...list("0-2-9")])).toBe(
      "GTID state jumps from 0-2-7 to 0-2-9 in domain 0",
    );
  });
  it("rejects text that is not a MariaDB GTID list", () => {
    expect(() => parseGtidList("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5")).toThrow(/not a MariaDB GTID/);
  });
});

describe("rotation", () => {
  const at = (gtid: string, file = "b.000002", position = 389) => ({
    serverId: "1",
    gtid,
    current: { file, position },
  });
  const progress = (gtid: string, file = "b.000002", position = 389) => ({
    server: "db1",
    serverId: "1",
    basename: "b",
    checkedAt: "",
    serverAt: { file, position, gtid },
    complete: true,
  });
  it("only when the GTID state moved (an idle server's checkpoint event is no news)", () => {
    expect(newEventsSince(progress("0-1-30"), at("0-1-30", "b.000002", 430))).toBe(false);
    expect(newEventsSince(progress("0-1-30"), at("0-1-31"))).toBe(true);
    expect(newEventsSince(undefined, at(""))).toBe(false);
    expect(newEventsSince(undefined, at("0-1-1"))).toBe(true);
    expect(newEventsSince({ ...progress("0-1-30"), serverId: "2" }, at("0-1-30"))).toBe(true);
    expect(newEventsSince(progress(""), at("", "b.000002", 900))).toBe(true); // no GTIDs: positions decide
  });
});

describe("gaps the archive already has", () => {
  const manifest = (file: string, serverId = "1", basename = "b") =>
    ({
      binlog: { file, sequence: Number(file.split(".")[1]), basename, startPosition: 4, endPosition: 100 },
      server: { name: "db1", serverId, version: "", flavor: "mariadb" },
    }) as unknown as Parameters<typeof gapsBefore>[0][number];
  const state = (logs: string[], serverId = "1") => ({
    serverId,
    basename: "b",
    gtid: "",
    current: { file: logs.at(-1)!, position: 4 },
    logs: logs.map((name) => ({ name, size: 100 })),
  });
  it("names every file purged from the server between the archive's last and the server's oldest", () => {
    const last = manifest("b.000003");
    expect(gapsBefore([last], last, state(["b.000006", "b.000007"]), "db1").map((g) => g.detail)).toEqual([
      "b.000004 was purged from db1 before it was archived",
      "b.000005 was purged from db1 before it was archived",
    ]);
    expect(gapsBefore([last], last, state(["b.000003", "b.000004"]), "db1")).toEqual([]);
  });
  it("another server behind the name", () => {
    const old = manifest("b.000009", "7");
    expect(gapsBefore([old], undefined, state(["b.000001"], "8"), "db1").map((g) => g.kind)).toEqual([
      "server-changed",
    ]);
  });
});

describe("stopping a replay at a time", () => {
  it("indexes every transaction's start position and time", () => {
    const p = new BinlogParser({ index: true });
    p.push(FILE);
    const s = p.finish();
    const fd = 4 + 19 + 40;
    const gl = 19 + 4 + 16;
    expect(s.groups!.map((g) => [g.gtid && formatGtid(g.gtid), g.position, g.timestamp])).toEqual([
      ["0-7-42", fd + gl, 200],
      ["1-9-5", fd + gl + (19 + 13) + (19 + 5) + (19 + 8), 300],
    ]);
  });

  it("stops before the first transaction written after the target, never inside one", () => {
    const groups = [
      { position: 100, timestamp: 10 },
      { position: 300, timestamp: 10 },
      { position: 500, timestamp: 12 },
    ];
    expect(stopAt(groups, 9)).toEqual({ stopPosition: 100, stoppedBy: groups[0] });
    expect(stopAt(groups, 10)).toEqual({ stopPosition: 500, stoppedBy: groups[2], lastApplied: groups[1] });
    expect(stopAt(groups, 11)).toEqual({ stopPosition: 500, stoppedBy: groups[2], lastApplied: groups[1] });
    // a matching statement (--before) stops the replay before its transaction, whatever the time
    const matched = [groups[0]!, { ...groups[1]!, matched: "DROP TABLE grades" }, groups[2]!];
    expect(stopAt(matched, 99)).toEqual({ stopPosition: 300, stoppedBy: matched[1], lastApplied: matched[0] });
    expect(stopAt(groups, 12)).toEqual({ lastApplied: groups[2] });
    expect(stopAt([], 12)).toEqual({});
  });
});

describe("statements as --before matches them", () => {
  it("drops the server's comments, backticks and database qualifiers, never a decimal", () => {
    expect(normalizeStatement("DROP TABLE `grades` /* generated by server */")).toBe("DROP TABLE grades");
    expect(unqualified(normalizeStatement("DROP TABLE `uni`.`exams` /* generated by server */"))).toBe(
      "DROP TABLE exams",
    );
    expect(unqualified("UPDATE uni.students SET gpa = 3.90 WHERE s.id = 1")).toBe(
      "UPDATE students SET gpa = 3.90 WHERE id = 1",
    );
    expect(unqualified("SELECT t.* FROM dr_ünïcode.学生 t")).toBe("SELECT * FROM 学生 t");
  });
});

describe("the databases a transaction changes (what a drill's GTID check and mysqlbinlog --database go by)", () => {
  const query = (ts: number, db: string, sql: string) => {
    const head = Buffer.alloc(13);
    head[8] = Buffer.byteLength(db);
    return event(EVENT.QUERY, ts, 7, Buffer.concat([head, Buffer.from(db), Buffer.from([0]), Buffer.from(sql)]));
  };
  const tableMap = (ts: number, db: string, table: string) => {
    const post = Buffer.alloc(8);
    const dbName = Buffer.from(db);
    const t = Buffer.from(table);
    return event(
      EVENT.TABLE_MAP,
      ts,
      7,
      Buffer.concat([
        post,
        Buffer.from([dbName.length]),
        dbName,
        Buffer.from([0]),
        Buffer.from([t.length]),
        t,
        Buffer.from([0]),
      ]),
    );
  };

  it("from Table_map events and statements' default database, not from BEGIN", () => {
    const file = Buffer.concat([
      BINLOG_MAGIC,
      event(EVENT.FORMAT_DESCRIPTION, 100, 7, Buffer.alloc(40)),
      gtidEvent(200, 7, 0, 1n),
      query(200, "elsewhere", "BEGIN"),
      tableMap(200, "dr_ünïcode", "tbl with space"),
      event(EVENT.XID, 200, 7, Buffer.alloc(8)),
      gtidEvent(210, 7, 0, 2n),
      query(210, "uni", "DROP TABLE `grades` /* generated by server */"),
      gtidEvent(220, 7, 0, 3n),
      query(220, "", "BEGIN"),
      tableMap(220, "uni", "a"),
      tableMap(220, "shop", "b"),
      tableMap(220, "uni", "c"),
      event(EVENT.XID, 220, 7, Buffer.alloc(8)),
    ]);
    const p = new BinlogParser({ index: true });
    p.push(file);
    expect(p.finish().groups!.map((g) => [formatGtid(g.gtid!), g.databases])).toEqual([
      ["0-7-1", ["dr_ünïcode"]],
      ["0-7-2", ["uni"]],
      ["0-7-3", ["uni", "shop"]],
    ]);
  });
});
