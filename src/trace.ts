// DRCTL_TRACE=1: how long each phase of a long command took, as lines through its own `say` (where a
// slow backup, restore or drill spends its time). Off: a no-op. Each line also gives the CPU time, the
// peak RSS and the page faults so far: on a VM a fresh page can cost ~20 µs, so memory touched is time.
export function tracer(say: (line: string) => void): (what: string) => void {
  if (!process.env.DRCTL_TRACE) return () => {};
  const t0 = Date.now();
  return (what) => {
    const u = process.resourceUsage();
    const cpu = `${Math.round(u.userCPUTime / 1000)} ms user + ${Math.round(u.systemCPUTime / 1000)} ms system`;
    say(
      `trace +${Date.now() - t0} ms: ${what} (${cpu}, peak rss ${Math.round(u.maxRSS / 1024)} MB, ` +
        `${u.minorPageFault} page faults)`,
    );
  };
}
