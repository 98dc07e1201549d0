// A small document model for what drctl writes for people to read outside a terminal — the
// evidence report and the runbook — rendered to Markdown and to self-contained HTML from the same
// blocks, so the two forms can never say different things.

export type Block =
  | { h: 1 | 2 | 3; text: string; id?: string }
  | { p: string }
  | { ul: string[] }
  | { code: string }
  | { table: { head: string[]; rows: string[][]; classes?: (string | undefined)[] } }
  /** A picture drctl drew itself (inline SVG, trusted: its text is escaped where it is made); `alt` for Markdown. */
  | { svg: string[]; alt: string };

export interface Doc {
  title: string;
  blocks: Block[];
}

/** Markdown table cells: pipes escaped, line breaks flattened. */
const mdCell = (s: string) => s.replaceAll("\\", "\\\\").replaceAll("|", "\\|").replace(/\r?\n/g, " ");

export function toMarkdown(doc: Doc): string {
  const out: string[] = [];
  for (const b of doc.blocks) {
    if ("h" in b) out.push(`${"#".repeat(b.h)} ${b.text}`, "");
    else if ("p" in b) out.push(b.p, "");
    else if ("ul" in b) out.push(...b.ul.map((i) => `- ${i.replace(/\r?\n/g, " ")}`), "");
    else if ("svg" in b) out.push(`*(${b.alt}: see report.html)*`, "");
    else if ("code" in b) {
      // a fence longer than any backtick run inside, so no content can close it
      const fence = "`".repeat(Math.max(3, ...[...b.code.matchAll(/`+/g)].map((m) => m[0].length + 1)));
      out.push(`${fence}sh`, b.code, fence, "");
    } else {
      const { head, rows } = b.table;
      out.push(
        `| ${head.map(mdCell).join(" | ")} |`,
        `|${head.map(() => "---").join("|")}|`,
        ...rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`),
        "",
      );
    }
  }
  return out.join("\n");
}

function escapeHtml(s: string): string {
  return s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{border-bottom:2px solid #333}h2{margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}tr.fail td{background:#fde2e2}tr.warn td{background:#fff4d6}tr.pass td{background:#e6f6e6}
pre{background:#f6f6f6;padding:.5rem;overflow-x:auto}code{font-family:ui-monospace,monospace}
figure.charts{margin:.5rem 0 1rem;display:flex;flex-wrap:wrap;gap:1rem}figure.charts svg{max-width:100%;height:auto}
@media print{figure.charts{break-inside:avoid}}`;

/** Self-contained HTML (no scripts, no external resources): readable offline, printable, archivable. */
export function toHtml(doc: Doc): string {
  const body: string[] = [];
  for (const b of doc.blocks) {
    if ("h" in b) body.push(`<h${b.h}${b.id ? ` id="${escapeHtml(b.id)}"` : ""}>${escapeHtml(b.text)}</h${b.h}>`);
    else if ("p" in b) body.push(`<p>${escapeHtml(b.p)}</p>`);
    else if ("ul" in b) body.push(`<ul>${b.ul.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`);
    else if ("code" in b) body.push(`<pre><code>${escapeHtml(b.code)}</code></pre>`);
    else if ("svg" in b) body.push(`<figure class="charts">${b.svg.join("")}</figure>`);
    else {
      const { head, rows, classes } = b.table;
      body.push(
        `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows
          .map(
            (r, i) =>
              `<tr${classes?.[i] ? ` class="${classes[i]}"` : ""}>` +
              `${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`,
          )
          .join("")}</tbody></table>`,
      );
    }
  }
  const head = `<head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head>`;
  return `<!DOCTYPE html>\n<html lang="en">${head}\n<body>\n${body.join("\n")}\n</body></html>\n`;
}
