// DRCTL_TRACE=1: how long each phase of a long command took, as lines through its own `say` (where a
// slow backup, restore or drill spends its time). Off: a no-op.
export function tracer(say: (line: string) => void): (what: string) => void {
  if (!process.env.DRCTL_TRACE) return () => {};
  const t0 = Date.now();
  return (what) => say(`trace +${Date.now() - t0} ms: ${what}`);
}
