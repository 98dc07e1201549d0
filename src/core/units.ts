// Sizes and times as a person reads them (pure: the plan's proofs and the commands' output use them alike).

const IEC = ["B", "KiB", "MiB", "GiB", "TiB"];
const SI = ["B", "kB", "MB", "GB", "TB"];

/** 1536 → "1.5 KiB"; with `si` (plan figures, rates of a tier): 1500 → "1.5 kB", 150 MB → "150 MB". */
export function formatBytes(n: number, opts: { si?: boolean } = {}): string {
  const step = opts.si ? 1000 : 1024;
  const units = opts.si ? SI : IEC;
  let v = n;
  let i = 0;
  while (v >= step && i < units.length - 1) {
    v /= step;
    i++;
  }
  if (i === 0) return `${Math.round(v)} B`;
  return `${opts.si ? v.toFixed(v < 10 ? 1 : 0) : v.toFixed(1)} ${units[i]}`;
}

/** 75 s → 1:15, 3725 s → 1:02:05. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
