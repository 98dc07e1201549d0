// Times a person types (`--to`, `--now`): ISO 8601 only, and UTC unless a zone is written. The
// help says UTC; reading "2026-11-25T14:03" in the host's zone (as Date.parse does) would restore
// to another instant on every machine not set to UTC (issue 13, defect 15).

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The instant `text` names, or undefined when it is not an ISO 8601 date-time. No zone: UTC. */
export function parseInstant(text: string): Date | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, date, time, zone] = m;
  const z =
    !zone || zone.toUpperCase() === "Z"
      ? "Z"
      : zone.length === 3
        ? `${zone}:00`
        : zone.includes(":")
          ? zone
          : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const d = new Date(`${date}T${time ?? "00:00:00"}${z}`);
  if (Number.isNaN(d.getTime())) return undefined;
  // Date rolls 2026-02-30 over into March: a day that does not exist is a typo, not a time
  if (new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) return undefined;
  return d;
}

/** Was a zone written? (The output says "read as UTC" when not.) */
export function hasZone(text: string): boolean {
  return ISO.exec(text.trim())?.[3] !== undefined;
}
