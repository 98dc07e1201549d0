// `drctl status` on a terminal: the same table as the text form, the state coloured, drawn once.

import { Box, Text } from "ink";
import type { StatusReport, StatusState } from "../../core/status.js";
import { offsiteLines, STATUS_HEAD, statusRows } from "../status-text.js";
import { must } from "../../errors.js";

const colour: Record<StatusState, string> = { OK: "green", "AT RISK": "yellow", BREACHED: "red" };

export function StatusApp({ report }: { report: StatusReport }) {
  const rows = statusRows(report);
  const widths = STATUS_HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => must(r[i]).length)) + 2);
  return (
    <Box flexDirection="column">
      <Box>
        {STATUS_HEAD.map((h, i) => (
          <Box key={h} width={widths[i]} flexShrink={0}>
            <Text bold>{h}</Text>
          </Box>
        ))}
      </Box>
      {rows.map((r, k) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a table row is its position (the header has no id)
        <Box key={k}>
          {r.map((c, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a cell is its column
            <Box key={i} width={widths[i]} flexShrink={0}>
              <Text {...(i === 2 ? { color: colour[must(report.datasets[k]).state] } : {})}>{c}</Text>
            </Box>
          ))}
        </Box>
      ))}
      {report.datasets.flatMap((d) =>
        d.reasons.map((why, j) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the reasons of one dataset are a fixed list
          <Text key={`${d.dataset}-${j}`} color={colour[d.state]}>
            {d.dataset}: {why}
          </Text>
        )),
      )}
      {offsiteLines(report).map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a table line is its position
        <Text key={`offsite-${i}`}>{line}</Text>
      ))}
      <Text>
        overall: <Text color={colour[report.state]}>{report.state}</Text>
      </Text>
    </Box>
  );
}

export async function showStatusTui(report: StatusReport): Promise<void> {
  const { render } = await import("ink");
  const app = render(<StatusApp report={report} />);
  app.unmount();
  await app.waitUntilExit();
}
