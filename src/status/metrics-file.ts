// The metrics file after every job (DESIGN §1 `metrics: { textfile: DIR }`): status and the
// journal's job results in the Prometheus text format, written whole or not at all (temp + rename:
// node_exporter never serves half a file), named drctl_<project>.prom.

import { join } from "node:path";
import { writeFileAtomic } from "../adapters/fs/atomic-write.js";
import { stateDirOf } from "../core/desired.js";
import { jobFacts, renderPrometheus } from "../render/prometheus.js";
import type { DrSpec } from "../spec/types.generated.js";
import { readJournal } from "../state/journal.js";
import type { StatusReport } from "../core/status.js";

/** The metrics text of a status report and the journal's job results: the file, and `status --prometheus`. */
export async function prometheusText(spec: DrSpec, report: StatusReport): Promise<string> {
  const journal = await readJournal(stateDirOf(spec)).catch(() => []);
  return renderPrometheus(spec.project, report, jobFacts(journal));
}

function metricsFileOf(spec: DrSpec, dir: string): string {
  // node_exporter reads *.prom; the project's name is already a plain name, kept to a safe file name anyway
  return join(dir, `drctl_${spec.project.replace(/[^A-Za-z0-9_.-]/g, "_")}.prom`);
}

/** Writes the metrics file of a status report when the spec asks for one; undefined when it does not. */
export async function writeMetricsFile(spec: DrSpec, report: StatusReport): Promise<string | undefined> {
  if (!spec.metrics) return undefined;
  const file = metricsFileOf(spec, spec.metrics.textfile);
  await writeFileAtomic(file, await prometheusText(spec, report), { mode: 0o644 });
  return file;
}
