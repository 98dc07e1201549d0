// The metrics file after every job (DESIGN §1 `metrics: { textfile: DIR }`): status and the
// journal's job results in the Prometheus text format, written whole or not at all (temp + rename:
// node_exporter never serves half a file), named drctl_<project>.prom.

import { join } from "node:path";
import { writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { jobFacts, renderPrometheus } from "../render/prometheus.js";
import type { DrSpec } from "../spec/types.generated.js";
import type { JournalRecord } from "../state/journal.js";
import type { StatusReport } from "../core/status.js";

/** The metrics text of a status report and the journal's job results: the file, and `status --prometheus`. */
export function prometheusText(spec: DrSpec, report: StatusReport, journal: JournalRecord[]): string {
  return renderPrometheus(spec.project, report, jobFacts(journal));
}

function metricsFileOf(spec: DrSpec, dir: string): string {
  // node_exporter reads *.prom; the project's name is already a plain name, kept to a safe file name anyway
  return join(dir, `drctl_${spec.project.replace(/[^A-Za-z0-9_.-]/g, "_")}.prom`);
}

/** Writes the metrics file of a status report when the spec asks for one; undefined when it does not. */
export async function writeMetricsFile(
  spec: DrSpec,
  report: StatusReport,
  journal: JournalRecord[],
): Promise<string | undefined> {
  if (!spec.metrics) return undefined;
  const file = metricsFileOf(spec, spec.metrics.textfile);
  await writeFileAtomic(file, prometheusText(spec, report, journal), { mode: 0o644 });
  return file;
}
