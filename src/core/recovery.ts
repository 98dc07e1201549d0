// Recovery images (MySQL HA ch. 15; DESIGN §4): a full set, the incrementals built on it, and the
// archived binlogs that carry it forward to the next full. Pure: from the catalog's manifests to
// "which sets and which binlog files reach time T?" and "where is the archive broken?".

import type { BackupManifest, BinlogPoint } from "./manifest.generated.js";
import { must } from "../errors.js";
import { isPhysical } from "./methods.js";

export interface RecoveryImage {
  full: BackupManifest;
  /** Incrementals in apply order; each one's parent is the one before it (the first's is the full). */
  incrementals: BackupManifest[];
  /** Archived binlogs from the full's consistent point up to the next full's (or the newest). */
  binlogs: BackupManifest[];
  /** The first binlog the image needs that the archive does not have (the chain stops before it). */
  gap?: { missing: string; reachableUntil?: string };
  /**
   * Where the chain crosses to another server's archive (a failover, issue 16 §4): the binlog set it
   * continues with, and the GTID position reached before it — that file's transactions up to it were
   * already replayed from the previous server's files.
   */
  joins?: { at: string; after: string }[];
  /** The binlog timeline the full's point lies in (BinlogFileFacts.timeline). */
  timeline: number;
}

/** [sequence, position] of a binlog point, comparable; undefined without coordinates. */
export function pointKey(p: BinlogPoint): [number, number] | undefined {
  if (!p.file) return undefined;
  const m = /\.(\d+)$/.exec(p.file);
  return m ? [Number(m[1]), p.position ?? 0] : undefined;
}

/**
 * When the set's data stands: a dump's snapshot is taken at its start, a physical backup's
 * consistent point is reached at its end.
 */
export function pointTime(m: BackupManifest): string {
  return isPhysical(m.method) ? m.finishedAt : m.startedAt;
}

const seqOf = (m: BackupManifest) => must(m.binlog).sequence;

/**
 * Sets in the order their data came to be (issue 13, defect 5: a clock moved back made "latest" an
 * older set). Sets of one server and binlog series with coordinates are ordered by their consistent
 * point (binlog file sequence, position); the clock decides only where the binlog cannot.
 */
export function inPointOrder(
  sets: BackupManifest[],
  timelineOfSet: (m: BackupManifest) => number = () => 0,
): BackupManifest[] {
  const byTime = [...sets].sort((a, b) => pointTime(a).localeCompare(pointTime(b)) || a.id.localeCompare(b.id));
  const series = (m: BackupManifest) => `${m.server.serverId}/${m.consistentPoint.file?.replace(/\.\d+$/, "") ?? ""}`;
  const keyed =
    byTime.every((m) => pointKey(m.consistentPoint) && timelineOfSet(m) >= 0) && new Set(byTime.map(series)).size === 1;
  if (!keyed) return byTime;
  // a later binlog timeline (after a RESET MASTER) comes after every position of an earlier one
  return byTime.sort((a, b) => {
    const [ka, kb] = [must(pointKey(a.consistentPoint)), must(pointKey(b.consistentPoint))];
    return timelineOfSet(a) - timelineOfSet(b) || ka[0] - kb[0] || ka[1] - kb[1];
  });
}

/** Pairs of sets whose clock order contradicts their binlog order: the host's clock moved (said, not hidden). */
export function clockDisagreements(sets: BackupManifest[], timelineOfSet?: (m: BackupManifest) => number): string[] {
  const ordered = inPointOrder(sets, timelineOfSet);
  const out: string[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const [a, b] = [must(ordered[i - 1]), must(ordered[i])];
    if (pointTime(b) < pointTime(a))
      out.push(
        `set ${b.id} (${pointTime(b)}) comes after ${a.id} (${pointTime(a)}) in the binlog, yet its clock ` +
          `says earlier: the host's clock moved back; sets are ordered by their binlog position`,
      );
  }
  return out;
}

/**
 * The file the server was writing at the last archive run that left nothing behind, and its GTID
 * position then (the archive's progress.json). Every transaction up to `gtid` is in archived files,
 * so this file held nothing newer at that run: a set whose point lies in it with that very GTID has
 * nothing to replay — the file is not a gap, however long the server stays idle (issue 13, defect 6).
 */
export interface OpenBinlog {
  serverId: string;
  file: string;
  gtid: string;
  /** The binlog timeline the server was on (0 before any RESET MASTER). */
  timeline?: number;
}

const timelineOf = (m: BackupManifest) => m.binlog?.timeline ?? 0;

/** A GTID position per domain: its newest GTID, the server id kept. */
type Position = Map<number, { server: string; seq: bigint }>;

/**
 * GTID lists → per domain the newest GTID. A binlog state lists a GTID per domain AND server (after
 * a failover "0-1-5,0-2-7"): the domain is at its newest, the highest sequence.
 */
function gtidPosition(...texts: (string | undefined)[]): Position {
  const pos: Position = new Map();
  for (const text of texts)
    for (const part of (text ?? "").split(",")) {
      const m = /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(part);
      if (!m) continue;
      const [d, g] = [Number(m[1]), { server: must(m[2]), seq: BigInt(must(m[3])) }];
      if ((pos.get(d)?.seq ?? -1n) < g.seq) pos.set(d, g);
    }
  return pos;
}

/** "0-1-5,1-1-9" → domain → sequence (the newest, when a domain is listed per server). */
function gtidSeqs(text: string | undefined): Map<number, bigint> {
  return new Map([...gtidPosition(text)].map(([d, g]) => [d, g.seq]));
}

/**
 * Which binlog timeline a set's point lies in. After a RESET MASTER two timelines hold files of the
 * same names: the point belongs to the one whose file of that name was being written when the set's
 * data stood — its GTID position at or past the file's starting GTID state (GTIDs start over at a
 * reset), its time between the file's first transaction and the next file's (or the next timeline's
 * start). A set taken in the current timeline in a file not archived yet belongs to the current one
 * (its missing file is then refused loudly); a point nothing fits is -1: refused, never replayed
 * from another history.
 */
export function timelineOfPoint(set: BackupManifest, own: BackupManifest[], current: number): number {
  const seq = pointKey(set.consistentPoint)?.[0];
  if (seq === undefined) return current;
  const timelines = [...new Set(own.map(timelineOf))].sort((a, b) => a - b);
  const holding = timelines.filter((tl) => own.some((b) => timelineOf(b) === tl && seqOf(b) === seq));
  if (!holding.length) return Math.max(current, 0);
  if (holding.length === 1 && holding[0] === current && timelines.length === 1) return current;
  // binlog event times have whole seconds: compared at that grain
  const sec = (iso: string | undefined) => iso?.slice(0, 19);
  const t = must(sec(pointTime(set)));
  const startOf = (tl: number) =>
    own
      .filter((b) => timelineOf(b) === tl)
      .map((b) => sec(must(b.binlog).firstEventAt))
      .filter((x): x is string => !!x)
      .sort()[0];
  const setGtids = gtidSeqs(set.consistentPoint.gtid);
  const endOf = (tl: number) =>
    own
      .filter((b) => timelineOf(b) === tl)
      .map((b) => sec(must(b.binlog).lastEventAt))
      .filter((x): x is string => !!x)
      .sort()
      .at(-1);
  const fits = holding.filter((tl) => {
    const files = own.filter((b) => timelineOf(b) === tl).sort((a, b) => seqOf(a) - seqOf(b));
    const file = must(files.find((b) => seqOf(b) === seq));
    const prev = files.filter((b) => seqOf(b) < seq).at(-1);
    const next = files.find((b) => seqOf(b) > seq);
    // in time: after what came before the file (the previous file's last transaction, or the previous
    // timeline's end) and before what came after it (the next file's first, or the next timeline's start)
    const lower = prev ? sec(must(prev.binlog).lastEventAt) : tl > 0 ? endOf(tl - 1) : undefined;
    const upper = next ? sec(must(next.binlog).firstEventAt) : tl < current ? startOf(tl + 1) : undefined;
    const timeFits = (lower === undefined || lower <= t) && (upper === undefined || upper >= t);
    // in GTIDs: at or past the file's starting state, not past the next file's
    const fromStart = [...gtidSeqs(must(file.binlog).gtidListAtStart)].every(([d, n]) => (setGtids.get(d) ?? -1n) >= n);
    const beforeNext =
      !next?.binlog?.gtidListAtStart ||
      [...gtidSeqs(next.binlog.gtidListAtStart)].every(([d, n]) => (setGtids.get(d) ?? n) <= n);
    return timeFits && (!set.consistentPoint.gtid || (fromStart && beforeNext));
  });
  const currentStart = startOf(current);
  if (!holding.includes(current) && currentStart !== undefined && currentStart <= t) fits.push(current);
  return fits.length ? Math.max(...fits) : -1;
}

/** GTID lists as sets: "0-1-5,1-1-9" equals "1-1-9, 0-1-5". */
function sameGtids(a: string | undefined, b: string | undefined): boolean {
  const norm = (t: string) =>
    t
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean)
      .sort()
      .join(",");
  return a !== undefined && b !== undefined && norm(a) === norm(b);
}

/** The archived binlogs, in sequence, from the file holding `from` on; stops at the first missing sequence. */
function binlogsFrom(
  binlogs: BackupManifest[],
  from: BinlogPoint,
  until?: BinlogPoint,
  open?: OpenBinlog,
): { files: BackupManifest[]; gap?: { missing: string; reachableUntil?: string } } {
  const start = pointKey(from);
  if (!start) return { files: [] };
  const end = until ? pointKey(until) : undefined;
  const bySeq = new Map(binlogs.filter((b) => b.binlog).map((b) => [seqOf(b), b]));
  const files: BackupManifest[] = [];
  const basename = must(from.file).replace(/\.\d+$/, "");
  const last = Math.max(start[0], ...bySeq.keys());
  for (let seq = start[0]; seq <= (end ? end[0] : last); seq++) {
    const b = bySeq.get(seq);
    if (!b) {
      // the set's own file, still open and empty past the set's point at the last clean archive run
      if (
        seq === start[0] &&
        !files.length &&
        open &&
        open.file === from.file &&
        sameGtids(open.gtid, from.gtid) &&
        ![...bySeq.keys()].some((k) => k > seq)
      )
        return { files };
      // a file the image needs is not archived: the chain reaches only as far as the one before
      const prev = files.at(-1);
      return {
        files,
        gap: {
          missing: `${basename}.${String(seq).padStart(6, "0")}`,
          ...(prev?.binlog?.lastEventAt ? { reachableUntil: prev.binlog.lastEventAt } : {}),
        },
      };
    }
    files.push(b);
  }
  return { files };
}

/**
 * A set taken on a replica (issue 16 §3) has its consistent point in the replica's own binlog, which
 * is not archived; its GTID position, though, names transactions of the source, whose binlogs are.
 * Placed in the source's archive: the file holding that GTID position (the last whose starting GTID
 * state it has reached), with no byte position — the replay starts after the set's GTIDs instead.
 * A set of a server whose own binlogs are archived, or without a GTID, stays as it is (a replica set
 * then finds no binlogs and is refused loudly, never replayed from the wrong place).
 */
export function inSourceBinlogs(set: BackupManifest, binlogs: BackupManifest[]): BackupManifest {
  const gtid = set.consistentPoint.gtid;
  if (!gtid || binlogs.some((b) => b.server.serverId === set.server.serverId)) return set;
  const have = gtidSeqs(gtid);
  const files = binlogs
    .filter((b) => b.binlog?.gtidListAtStart !== undefined)
    .sort((a, b) => timelineOf(a) - timelineOf(b) || seqOf(a) - seqOf(b));
  const reached = (b: BackupManifest) =>
    [...gtidSeqs(b.binlog?.gtidListAtStart)].every(([d, n]) => (have.get(d) ?? -1n) >= n);
  const holding = files.filter(reached).at(-1);
  if (!holding?.binlog) return set;
  return {
    ...set,
    server: { ...set.server, serverId: holding.server.serverId },
    consistentPoint: { file: holding.binlog.file, gtid },
  };
}

/** The chain's position after `files`, from the set's GTIDs on. */
const reachedAfter = (start: string | undefined, files: BackupManifest[]): Position =>
  gtidPosition(start, ...files.map((f) => f.binlog?.lastGtid));

/** A position as a GTID list ("0-1-104,1-2-7"). */
function positionText(pos: Position): string {
  return [...pos]
    .sort(([a], [b]) => a - b)
    .map(([d, g]) => `${d}-${g.server}-${g.seq}`)
    .join(",");
}

const seriesKey = (m: BackupManifest) => `${m.server.serverId}/${m.binlog?.basename ?? ""}/${timelineOf(m)}`;

/**
 * The archived file of another binlog series that carries the chain on from `pos` (a failover, issue
 * 16 §4): in each series, the last file that starts at or before `pos` (per GTID domain) — nothing
 * between is missing — if it holds transactions after `pos`. Of several such series (a failback, two
 * promoted servers) the one written most recently. Undefined when none continues; `hole` then names
 * the first archived file holding later transactions, which would be past a real gap.
 */
function continuation(
  pos: Position,
  binlogs: BackupManifest[],
  eligible: (b: BackupManifest) => boolean,
): { next?: BackupManifest; hole?: BackupManifest } {
  const startsBy = (b: BackupManifest) =>
    [...gtidSeqs(b.binlog?.gtidListAtStart)].every(([d, n]) => (pos.get(d)?.seq ?? 0n) >= n);
  const holdsLater = (b: BackupManifest) =>
    [...gtidSeqs(b.binlog?.lastGtid)].some(([d, n]) => n > (pos.get(d)?.seq ?? 0n));
  const series = new Map<string, BackupManifest[]>();
  for (const b of binlogs)
    if (b.binlog?.gtidListAtStart !== undefined && eligible(b))
      series.set(seriesKey(b), [...(series.get(seriesKey(b)) ?? []), b]);
  const found: BackupManifest[] = [];
  let hole: BackupManifest | undefined;
  for (const files of series.values()) {
    files.sort((a, b) => seqOf(a) - seqOf(b));
    const from = files.filter(startsBy).at(-1);
    if (from && holdsLater(from)) found.push(from);
    else {
      const later = files.find((b) => !startsBy(b) && holdsLater(b));
      if (later && (!hole || (later.binlog?.firstEventAt ?? "") < (hole.binlog?.firstEventAt ?? ""))) hole = later;
    }
  }
  const newest = (b: BackupManifest) =>
    (series.get(seriesKey(b)) ?? [])
      .map((f) => f.binlog?.lastEventAt ?? "")
      .sort()
      .at(-1) ?? "";
  const next = found.sort((a, b) => newest(b).localeCompare(newest(a)))[0];
  return next ? { next } : hole ? { hole } : {};
}

/**
 * The chain from `from` through `own` (one server's series), carried on by GTID into other series
 * whenever it ends or breaks (issue 16 §4: a promoted replica's binlogs continue the source's). A gap
 * stays a gap when no archive continues past it; archived transactions past a point no file reaches
 * from the chain are a gap too (the files between were never archived).
 */
function chainAcross(
  binlogs: BackupManifest[],
  own: BackupManifest[],
  from: BinlogPoint,
  until: BinlogPoint | undefined,
  open: OpenBinlog | undefined,
  start: { serverId: string; timeline: number },
): {
  files: BackupManifest[];
  gap?: { missing: string; reachableUntil?: string };
  joins: { at: string; after: string }[];
} {
  const first = binlogsFrom(own, from, until, open);
  const files = [...first.files];
  let gap = first.gap;
  const joins: { at: string; after: string }[] = [];
  if ((until && !gap) || (!from.gtid && !files.length)) return { files, ...(gap ? { gap } : {}), joins };
  // only ANOTHER server's archive continues a chain: the same server's other timeline is the history
  // after a RESET MASTER (its GTIDs start over), never a continuation; a server already visited (a
  // failback) only with later files of the timeline the chain used
  const startSeq = pointKey(from)?.[0] ?? 0;
  const visited = new Map<string, { timeline: number; seq: number }>();
  const visit = (serverId: string, timeline: number, seq: number) => visited.set(serverId, { timeline, seq });
  visit(start.serverId, start.timeline, Math.max(startSeq - 1, ...files.map(seqOf)));
  let current = start.serverId;
  const eligible = (b: BackupManifest) => {
    if (b.server.serverId === current) return false;
    const v = visited.get(b.server.serverId);
    return !v || (timelineOf(b) === v.timeline && seqOf(b) > v.seq);
  };
  for (let step = 0; step < binlogs.length; step++) {
    const pos = reachedAfter(from.gtid, files);
    if (!pos.size) break;
    const { next, hole } = continuation(pos, binlogs, eligible);
    if (!next) {
      if (hole && !gap) {
        const prev = files.at(-1);
        gap = {
          missing:
            `transactions after GTID ${positionText(pos)} (the archive of ${hole.server.name}, server_id ` +
            `${hole.server.serverId}, resumes at ${must(hole.binlog).file})`,
          ...(prev?.binlog?.lastEventAt ? { reachableUntil: prev.binlog.lastEventAt } : {}),
        };
      }
      break;
    }
    const series = binlogs.filter((b) => seriesKey(b) === seriesKey(next));
    const seg = binlogsFrom(series, { file: must(next.binlog).file }, undefined, undefined);
    joins.push({ at: next.id, after: positionText(pos) });
    files.push(...seg.files);
    gap = seg.gap;
    current = next.server.serverId;
    visit(current, timelineOf(next), Math.max(...seg.files.map(seqOf), seqOf(next)));
  }
  return { files, ...(gap ? { gap } : {}), joins };
}

/**
 * After a failover: does the newly archived server's archive (`next`) carry on where the previous
 * source's (`prev`) ends — one of its files starting at or before that GTID position? The hole when
 * its archived transactions start later, undefined when it continues or holds nothing newer.
 */
export function failoverHole(prev: BackupManifest[], next: BackupManifest[]): string | undefined {
  const pos = reachedAfter(undefined, prev);
  if (!pos.size) return undefined;
  const { next: joined, hole } = continuation(pos, next, () => true);
  if (joined || !hole) return undefined;
  return (
    `the archive of ${prev[0]?.server.name ?? "?"} ends at GTID ${positionText(pos)}; ${hole.server.name}'s ` +
    `archived binlogs start later (${must(hole.binlog).file}, after GTID ${hole.binlog?.gtidListAtStart || "?"}): ` +
    "the transactions between were never archived"
  );
}

/** How a gap reads in messages: a missing file is "binlog NAME", a hole between archives says itself. */
export function describeMissing(missing: string): string {
  return missing.includes(" ") ? missing : `binlog ${missing}`;
}

/** "binlog NAME is missing" / "transactions after GTID … are missing". */
export function missingText(missing: string): string {
  return `${describeMissing(missing)} ${missing.includes(" ") ? "are" : "is"} missing`;
}

/** Groups a dataset's sets and its server's archived binlogs into recovery images, oldest first. */
export function recoveryImages(sets: BackupManifest[], binlogs: BackupManifest[], open?: OpenBinlog): RecoveryImage[] {
  sets = sets.map((s) => inSourceBinlogs(s, binlogs));
  const currentTimeline = Math.max(open?.timeline ?? 0, ...binlogs.map(timelineOf));
  const seriesOf = (m: BackupManifest) =>
    binlogs.filter(
      (b) =>
        b.server.serverId === m.server.serverId && b.binlog?.basename === m.consistentPoint.file?.replace(/\.\d+$/, ""),
    );
  const timelines = new Map(sets.map((s) => [s.id, timelineOfPoint(s, seriesOf(s), currentTimeline)]));
  const fulls = inPointOrder(
    sets.filter((s) => s.kind === "full"),
    (m) => timelines.get(m.id) ?? 0,
  );
  const children = new Map<string, BackupManifest[]>();
  for (const s of sets)
    if (s.kind === "incremental" && s.parent) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);
  return fulls.map((full, i) => {
    // follow the chain: each step the newest child of the previous set
    const incrementals: BackupManifest[] = [];
    for (let at = full.id; ; ) {
      const next = inPointOrder(children.get(at) ?? [], (m) => timelines.get(m.id) ?? 0).at(-1);
      if (!next) break;
      incrementals.push(next);
      at = next.id;
    }
    const nextFull = fulls[i + 1];
    // only the binlogs of the server the full came from (another server behind the name is another history)
    const basename = full.consistentPoint.file?.replace(/\.\d+$/, "");
    const series = binlogs.filter((b) => b.server.serverId === full.server.serverId && b.binlog?.basename === basename);
    // one timeline's files only: after a RESET MASTER the same names hold another history
    const timeline = timelines.get(full.id) ?? 0;
    const own = series.filter((b) => timelineOf(b) === timeline);
    const sameTimelineNext = nextFull && timelines.get(nextFull.id) === timeline ? nextFull.consistentPoint : undefined;
    const openHere =
      open && open.serverId === full.server.serverId && (open.timeline ?? 0) === timeline ? open : undefined;
    const chain = chainAcross(binlogs, own, full.consistentPoint, sameTimelineNext, openHere, {
      serverId: full.server.serverId,
      timeline,
    });
    return {
      full,
      incrementals,
      binlogs: chain.files,
      timeline,
      ...(chain.gap ? { gap: chain.gap } : {}),
      ...(chain.joins.length ? { joins: chain.joins } : {}),
    };
  });
}

export type RecoveryPlan =
  | {
      ok: true;
      image: RecoveryImage;
      /** The full, then the incrementals to apply (those whose point is at or before the target). */
      sets: BackupManifest[];
      /** Binlog files to replay from the last set's consistent point. */
      binlogs: BackupManifest[];
      from: BinlogPoint;
      /** The newest time this image's archive reaches (what "latest" restores to; status's recoverable-until). */
      reaches: string;
    }
  | { ok: false; reason: string; missing?: string; newestReachable?: string };

/**
 * Which sets and binlog files reach `target` (ISO time, UTC) — or the newest archived point with
 * "latest". A target beyond the newest archived event (or `coveredUntil`, the time of the last
 * archive run that left nothing behind), or behind a gap, is refused with the newest time that can
 * be reached: never a silent early stop.
 */
export function planRecovery(
  images: RecoveryImage[],
  target: string | "latest",
  opts: { binlogs?: boolean; coveredUntil?: string; coveredTimeline?: number; coveredServerId?: string } = {},
): RecoveryPlan {
  // a dataset that does not archive binlogs restores to its sets' own points only
  if (opts.binlogs === false) images = images.map(({ gap: _g, ...im }) => ({ ...im, binlogs: [] }));
  if (!images.length) return { ok: false, reason: "no full backup set to start from" };
  const image = target === "latest" ? must(images.at(-1)) : images.filter((im) => pointTime(im.full) <= target).at(-1);
  if (!image) return { ok: false, reason: `no full backup set is older than ${target}`, newestReachable: undefined };
  const sets = [image.full, ...image.incrementals.filter((s) => target === "latest" || pointTime(s) <= target)];
  // incrementals must be applied in order without holes: cut at the first one after the target
  const applied: BackupManifest[] = [image.full];
  let top = image.full; // the last set applied
  for (const s of sets.slice(1))
    if (s.parent === top.id) {
      applied.push(s);
      top = s;
    }
  const from = top.consistentPoint;
  const start = opts.binlogs === false ? undefined : pointKey(from);
  if (!start) {
    if (target !== "latest" && target > pointTime(top)) {
      const why = opts.binlogs === false ? "the dataset does not archive binlogs" : "it has no binlog coordinates";
      return {
        ok: false,
        reason: `set ${top.id} restores to its own point (${pointTime(top)}) only: ${why}`,
        newestReachable: pointTime(top),
      };
    }
    return { ok: true, image, sets: applied, binlogs: [], from, reaches: pointTime(top) };
  }
  // from the file holding the last applied set's point on (after a failover the chain goes on in
  // another server's files, whose numbers say nothing about this one's)
  const own = image.binlogs.findIndex((b) => b.server.serverId === top.server.serverId && seqOf(b) >= start[0]);
  // or, the set's own file never archived, from the start of the archive that carries it on
  const at = own < 0 && image.joins?.some((j) => j.at === image.binlogs[0]?.id) ? 0 : own;
  const files = at < 0 ? [] : image.binlogs.slice(at);
  const lastEvent = files.at(-1)?.binlog?.lastEventAt ?? pointTime(top);
  const lastFile = files.at(-1);
  // the newest image's archive reaches as far as the last archive run that found nothing left behind:
  // an idle server's quiet time after its last event is covered too
  // (and only on the timeline that run saw: an image of the binlogs before a RESET MASTER ends with them)
  const covered =
    image === images.at(-1) &&
    !image.gap &&
    (lastFile ? timelineOf(lastFile) : image.timeline) === (opts.coveredTimeline ?? 0) &&
    (opts.coveredServerId === undefined || (lastFile ?? top).server.serverId === opts.coveredServerId) &&
    opts.coveredUntil !== undefined &&
    opts.coveredUntil > lastEvent
      ? opts.coveredUntil
      : undefined;
  const newest = covered ?? lastEvent;
  // "latest" behind a missing binlog would stop early without a word: refused like any target past the gap
  if (image.gap && (target === "latest" || target > newest)) {
    return {
      ok: false,
      reason: `${missingText(image.gap.missing)} from the archive`,
      missing: image.gap.missing,
      newestReachable: image.gap.reachableUntil ?? newest,
    };
  }
  if (target !== "latest" && target > newest) {
    const what = covered
      ? `the last archive run that left nothing behind (${newest})`
      : `the newest archived event (${newest})`;
    return { ok: false, reason: `${target} is later than ${what}`, newestReachable: newest };
  }
  // replay only as far as needed: through the first file whose last event reaches the target
  const needed: BackupManifest[] = [];
  for (const f of files) {
    needed.push(f);
    if (target !== "latest" && (f.binlog?.lastEventAt ?? "") >= target) break;
  }
  return { ok: true, image, sets: applied, binlogs: needed, from, reaches: newest };
}
