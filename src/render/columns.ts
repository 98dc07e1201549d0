// Plain-text tables (backups, drill list, status): left-aligned columns two spaces apart, as wide as
// their widest cell, no trailing blanks.

import { must } from "../errors.js";

export function formatColumns(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [head, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(must(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}
