// Where a drill restores to: `latest`, a fixed time, or a random point within a window — seeded,
// so the same seed picks the same point again (a failed drill can be re-run exactly).

import { createHash } from "node:crypto";
import { parseDuration } from "../core/duration.js";
import { must } from "../errors.js";

export type RestoreTo = "latest" | string | { randomWithin: string };

export interface DrillPoint {
  /** What restore gets: "latest" or an ISO time. */
  to: string;
  /** The time RPO is measured against: the point itself, or the drill's start for latest. */
  targetTime: string;
  how: string;
  seed?: string;
}

/** A number in [0, 1) from the seed: the first 48 bits of its sha256. */
export function seededFraction(seed: string): number {
  const h = createHash("sha256").update(seed, "utf8").digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * `earliest`/`latest`: the oldest and newest times the catalog can restore to (the oldest full's
 * point; the archive's reach): the window is cut to them, so a drill never asks for the impossible.
 * `points`: a dataset without binlog archiving restores to its sets' own points only — the random
 * pick is among those in the window (the newest when none is).
 */
export function drillPoint(
  restoreTo: RestoreTo | undefined,
  opts: { now: Date; seed: string; earliest?: string; latest?: string; points?: string[] },
): DrillPoint {
  const now = opts.now;
  if (restoreTo === undefined || restoreTo === "latest")
    return { to: "latest", targetTime: now.toISOString(), how: "latest" };
  if (typeof restoreTo === "string") {
    const t = new Date(restoreTo).toISOString();
    return { to: t, targetTime: t, how: `fixed time ${t}` };
  }
  const window = must(parseDuration(restoreTo.randomWithin)) * 1000;
  const end = Math.min(now.getTime(), opts.latest ? Date.parse(opts.latest) : Infinity);
  const start = Math.max(now.getTime() - window, opts.earliest ? Date.parse(opts.earliest) : -Infinity);
  const how = `random within ${restoreTo.randomWithin} (seed ${opts.seed})`;
  const r = seededFraction(opts.seed);
  if (opts.points) {
    const sorted = [...opts.points].sort();
    const inWindow = sorted.filter((p) => Date.parse(p) >= start && Date.parse(p) <= end);
    const t = inWindow.length ? must(inWindow[Math.floor(r * inWindow.length)]) : must(sorted.at(-1));
    return { to: t, targetTime: t, how: `${how}: a set's own point (no binlog archive)`, seed: opts.seed };
  }
  // whole seconds, rounded up into the window: binlog event times have 1-second resolution
  const at = Math.ceil((start + r * Math.max(0, end - start)) / 1000) * 1000;
  const t = new Date(Math.max(start, Math.min(at, Math.floor(end / 1000) * 1000))).toISOString();
  return { to: t, targetTime: t, how, seed: opts.seed };
}
