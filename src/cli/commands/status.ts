// drctl status [--json]: per dataset OK / AT RISK / BREACHED, for people and for monitoring (exit 0/6/7).

import { parseInstant } from "../../core/instant.js";
import { DrError } from "../../errors.js";
import { renderStatusText } from "../../render/status-text.js";
import { loadSpec } from "../../spec/check.js";
import { gatherStatus } from "../../status/gather.js";
import { prometheusText } from "../../status/metrics-file.js";
import { stateDirOf } from "../../core/desired.js";
import { readJournal } from "../../state/journal.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

export async function statusCommand(
  flags: { file: string; json: boolean; prometheus?: boolean; tui: boolean; now?: string; dataset?: string },
  io: Io,
): Promise<number> {
  const { spec } = await loadSpec(flags.file);
  const now = flags.now === undefined ? new Date() : parseInstant(flags.now);
  if (!now) throw new DrError("invalid", `--now ${flags.now}: expected an ISO time such as 2026-11-25T04:00:00Z`);
  if (flags.dataset && !spec.datasets[flags.dataset])
    throw new DrError("invalid", `the spec has no dataset ${JSON.stringify(flags.dataset)}`, {
      hint: `datasets: ${Object.keys(spec.datasets).join(", ")}`,
    });
  if (flags.json && flags.prometheus) throw new DrError("invalid", "--json and --prometheus: choose one");
  const journal = await readJournal(stateDirOf(spec)).catch(() => []);
  const report = await gatherStatus(spec, now, flags.dataset, journal);
  if (flags.prometheus) {
    io.out(prometheusText(spec, report, journal).trimEnd());
  } else if (flags.json) io.out(JSON.stringify(report, null, 2));
  else if (flags.tui && io.interactive) {
    const { showStatusTui } = await import("../../render/tui/StatusApp.js");
    await showStatusTui(report);
  } else io.out(renderStatusText(report));
  return report.state === "OK" ? EXIT.ok : report.state === "AT RISK" ? EXIT.degraded : EXIT.targetMissed;
}
