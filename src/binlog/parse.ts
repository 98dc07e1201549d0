// Reads a binlog file's event headers (and the few event bodies that matter for archiving): the
// time of its first and last transaction, its Gtid_list (the GTID state before it), the GTIDs it
// holds and the server that wrote it. Pure over bytes; the binary layout is MariaDB's and MySQL's
// v4 format: a 4-byte magic, then events with a 19-byte header (timestamp, type, server id, size, next position, flags).

export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
const HEADER = 19;

export const EVENT = {
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  MYSQL_GTID: 33,
  MYSQL_PREVIOUS_GTIDS: 35,
  ANNOTATE_ROWS: 160,
  BINLOG_CHECKPOINT: 161,
  GTID: 162,
  GTID_LIST: 163,
} as const;

export interface Gtid {
  domain: number;
  server: number;
  seq: bigint;
}

export function formatGtid(g: Gtid): string {
  return `${g.domain}-${g.server}-${g.seq}`;
}

/** "0-1-5,1-2-9" → per-domain map (MariaDB's gtid_binlog_pos form). */
export function parseGtidList(text: string): Map<number, Gtid> {
  const out = new Map<number, Gtid>();
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
    if (!m) throw new Error(`not a MariaDB GTID: ${part}`);
    out.set(Number(m[1]), { domain: Number(m[1]), server: Number(m[2]), seq: BigInt(m[3]!) });
  }
  return out;
}

export function gtidListText(list: Iterable<Gtid>): string {
  return [...list].sort((a, b) => a.domain - b.domain).map(formatGtid).join(",");
}

export interface BinlogSummary {
  serverId?: number;
  /** Bytes read: the file's size when it parsed to the end. */
  size: number;
  /** The Gtid_list event: the GTID state before this file's first transaction (MariaDB). */
  gtidListAtStart?: Gtid[];
  firstGtid?: Gtid;
  lastGtid?: Gtid;
  /** Per domain, the last GTID this file holds. */
  lastPerDomain: Map<number, Gtid>;
  transactions: number;
  /** Unix seconds of the first and last event of a transaction. */
  firstEventAt?: number;
  lastEventAt?: number;
  /** The file ends with a Rotate or Stop event (a closed binlog) rather than mid-write. */
  closed: boolean;
  /** Set when the bytes do not parse as a binlog: where and why. */
  error?: string;
  /** With `{ index: true }`: every transaction (GTID group) — where it starts and when it was written. */
  groups?: TransactionGroup[];
}

export interface TransactionGroup {
  gtid?: Gtid;
  /** File offset of the group's GTID event: replay stops before it with --stop-position. */
  position: number;
  /** Unix seconds of the GTID event (UTC). */
  timestamp: number;
}

/**
 * Where a replay up to `targetSeconds` stops in a file: before the first transaction written after
 * the target (a GTID-group boundary — never inside a transaction). No stop position: the whole
 * file is at or before the target.
 */
export function stopAt(groups: TransactionGroup[], targetSeconds: number): { stopPosition?: number; lastApplied?: TransactionGroup } {
  const cut = groups.findIndex((g) => g.timestamp > targetSeconds);
  if (cut < 0) return groups.length ? { lastApplied: groups.at(-1)! } : {};
  return { stopPosition: groups[cut]!.position, ...(cut > 0 ? { lastApplied: groups[cut - 1]! } : {}) };
}

/** Incremental parser: push chunks in file order, then `finish()`. Keeps at most one event in memory. */
export class BinlogParser {
  private buf: Buffer = Buffer.alloc(0);
  private offset = 0; // file offset of buf[0]
  private started = false;
  private inTransaction = false;
  readonly s: BinlogSummary = { size: 0, lastPerDomain: new Map(), transactions: 0, closed: false };

  constructor(opts: { index?: boolean } = {}) {
    if (opts.index) this.s.groups = [];
  }

  push(chunk: Buffer): void {
    if (this.s.error) return;
    this.s.size += chunk.length;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.started) {
      if (this.buf.length < 4) return;
      if (!this.buf.subarray(0, 4).equals(BINLOG_MAGIC)) {
        this.s.error = "not a binlog file (bad magic number)";
        return;
      }
      this.started = true;
      this.buf = this.buf.subarray(4);
      this.offset = 4;
    }
    while (this.buf.length >= HEADER) {
      const size = this.buf.readUInt32LE(9);
      if (size < HEADER) {
        this.s.error = `event at ${this.offset} has an impossible size ${size}`;
        return;
      }
      if (this.buf.length < size) return;
      this.event(this.buf.subarray(0, size), this.offset);
      this.buf = this.buf.subarray(size);
      this.offset += size;
    }
  }

  finish(): BinlogSummary {
    if (!this.s.error && this.buf.length) this.s.error = `the file ends inside an event at offset ${this.offset} (${this.buf.length} bytes)`;
    return this.s;
  }

  private event(ev: Buffer, position: number): void {
    const ts = ev.readUInt32LE(0);
    const type = ev[4]!;
    const serverId = ev.readUInt32LE(5);
    const body = ev.subarray(HEADER);
    switch (type) {
      case EVENT.FORMAT_DESCRIPTION:
        this.s.serverId ??= serverId;
        return;
      case EVENT.GTID_LIST: {
        const count = body.readUInt32LE(0) & 0x0fffffff;
        const list: Gtid[] = [];
        for (let i = 0; i < count; i++) {
          const o = 4 + i * 16;
          list.push({ domain: body.readUInt32LE(o), server: body.readUInt32LE(o + 4), seq: body.readBigUInt64LE(o + 8) });
        }
        this.s.gtidListAtStart ??= list;
        return;
      }
      case EVENT.GTID: {
        const g: Gtid = { seq: body.readBigUInt64LE(0), domain: body.readUInt32LE(8), server: serverId };
        this.s.firstGtid ??= g;
        this.s.lastGtid = g;
        this.s.lastPerDomain.set(g.domain, g);
        this.s.transactions++;
        this.s.firstEventAt ??= ts;
        this.s.lastEventAt = ts;
        this.inTransaction = true;
        this.s.groups?.push({ gtid: g, position, timestamp: ts });
        return;
      }
      case EVENT.MYSQL_GTID:
        this.s.groups?.push({ position, timestamp: ts });
        this.s.transactions++;
        this.s.firstEventAt ??= ts;
        this.s.lastEventAt = ts;
        this.inTransaction = true;
        return;
      case EVENT.ROTATE:
      case 3: // STOP
        this.s.closed = true;
        return;
      default:
        if (this.inTransaction && ts) this.s.lastEventAt = ts;
    }
  }
}

/**
 * Does `next` continue `prev` without a hole? The GTID state `next` starts from must be, per
 * domain, exactly where `prev` started plus what `prev` holds. Returns what is missing, if anything.
 */
export function gtidContinuity(prevStart: Gtid[], prevLast: Map<number, Gtid>, nextStart: Gtid[]): string | undefined {
  const expected = new Map<number, Gtid>();
  for (const g of prevStart) expected.set(g.domain, g);
  for (const [d, g] of prevLast) expected.set(d, g);
  for (const g of nextStart) {
    const e = expected.get(g.domain);
    if (!e) {
      if (g.seq > 0n) return `domain ${g.domain} starts at ${formatGtid(g)} but the previous binlog never reached it`;
      continue;
    }
    if (g.seq !== e.seq) return `GTID state jumps from ${formatGtid(e)} to ${formatGtid(g)} in domain ${g.domain}`;
  }
  return undefined;
}
