// Replication facts that are pure comparisons of GTID positions (MariaDB's "domain-server-seq"
// lists, one GTID per domain: the last event group of that domain). Pure.

import type { DrSpec } from "../spec/types.generated.js";

interface Position {
  domain: number;
  server: number;
  seq: bigint;
}

/** "0-1-5,1-2-9" → per domain; anything else is not a position this can judge (undefined). */
function parsePositions(text: string): Map<number, Position> | undefined {
  const out = new Map<number, Position>();
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
    if (!m?.[1] || !m[2] || !m[3]) return undefined;
    out.set(Number(m[1]), { domain: Number(m[1]), server: Number(m[2]), seq: BigInt(m[3]) });
  }
  return out;
}

const text = (p: Position) => `${p.domain}-${p.server}-${p.seq}`;

/**
 * GTIDs in a replica's binlog that its source does not have: transactions written on the replica
 * itself (errant), which a failover would carry into the new source's history, or which stop
 * replication under gtid_strict_mode. Per domain: the replica's last event group there is its own
 * and newer than what it applied by replication (gtid_slave_pos) — a demoted source keeps its own
 * GTIDs as its slave position, so its history is not errant —, or it is past the source's (a
 * higher sequence number, or the source's number from another server), or the source has never
 * seen the domain. Undefined when a position is not one this can read (MySQL's UUID sets).
 */
export function errantTransactions(replica: {
  binlogPos: string;
  slavePos: string;
  serverId: number;
  sourceBinlogPos: string;
}): string[] | undefined {
  const own = parsePositions(replica.binlogPos);
  const applied = parsePositions(replica.slavePos);
  const source = parsePositions(replica.sourceBinlogPos);
  if (!own || !applied || !source) return undefined;
  const out: string[] = [];
  for (const r of own.values()) {
    const a = applied.get(r.domain);
    const s = source.get(r.domain);
    const errant =
      (r.server === replica.serverId && (!a || r.seq > a.seq)) ||
      !s ||
      r.seq > s.seq ||
      (r.seq === s.seq && r.server !== s.server);
    if (errant) out.push(text(r));
  }
  return out;
}

/** Transactions of the source's binlog position a replica has not applied ("0-1-40" vs "0-1-28": 12). */
export function transactionsBehind(sourceBinlogPos: string, appliedPos: string): number | undefined {
  const source = parsePositions(sourceBinlogPos);
  const applied = parsePositions(appliedPos);
  if (!source || !applied) return undefined;
  let n = 0n;
  for (const s of source.values()) {
    const a = applied.get(s.domain)?.seq ?? 0n;
    if (s.seq > a) n += s.seq - a;
  }
  return Number(n);
}

/** The spec's servers that replicate directly from `source` (their replicaOf). */
export function replicasOf(spec: Pick<DrSpec, "servers">, source: string): string[] {
  return Object.entries(spec.servers)
    .filter(([, s]) => s.replicaOf === source)
    .map(([name]) => name)
    .sort();
}
