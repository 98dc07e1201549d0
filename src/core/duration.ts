// Durations as the spec writes them (30s 5m 1h 1d 1w) and as humans read them back.

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;
const DURATION = /^([1-9][0-9]*)([smhdw])$/;

/** Seconds in a spec duration, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const seconds = n * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

/** Compact human form: 90 → "1m30s", 93600 → "1d2h". Zero is "0s". */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.round(totalSeconds);
  if (rest === 0) return "0s";
  const sign = rest < 0 ? "-" : "";
  rest = Math.abs(rest);
  // plain arithmetic: a plan of 1,000 datasets formats ~8,000 durations
  const d = Math.floor(rest / 86400);
  rest -= d * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${sign}${d ? `${d}d` : ""}${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
}

/** A --lock-timeout value in ms: a spec duration or zero ("0", "0s"); undefined when it is neither. */
export function parseWaitMs(text: string): number | undefined {
  if (/^0[smhdw]?$/.test(text)) return 0;
  const s = parseDuration(text);
  return s === undefined ? undefined : s * 1000;
}

/** A measured time (a drill's RTO/RPO): tenths of a second below a minute, else the compact form. */
export function formatMeasured(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)}s` : formatDuration(Math.round(seconds));
}
