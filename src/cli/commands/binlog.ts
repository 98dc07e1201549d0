// drctl binlog archive <server>: what the binlog cron line runs. Gaps are loud: listed, journaled, exit 6.

import { archiveBinlogs } from "../../binlog/archive.js";
import { formatBytes } from "../../core/units.js";
import type { DrSpec } from "../../spec/types.generated.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { JobResult } from "./job.js";

export async function binlogArchiveWork(spec: DrSpec, server: string, io: Io): Promise<JobResult> {
  const outcomes = await archiveBinlogs(spec, server, { say: (l) => io.err(l) });
  const gaps = outcomes.flatMap((o) => o.gaps.map((g) => ({ repository: o.repository, ...g })));
  for (const o of outcomes) {
    const bytes = o.archived.reduce((n, a) => n + a.bytes, 0);
    const at = o.progress.serverAt;
    io.out(
      `${o.repository}: ` +
        (o.archived.length
          ? `archived ${o.archived.map((a) => a.file).join(", ")} (${formatBytes(bytes)})`
          : "nothing new to archive") +
        (o.rotated ? "; rotated the binlog" : "") +
        `; ${o.progress.complete ? "archived up to" : "server at"} ${at.file}:${at.position}` +
        (at.gtid ? `, GTID ${at.gtid}` : ""),
    );
    for (const g of o.gaps) io.out(`GAP (${g.kind}): ${g.detail}`);
  }
  const details = {
    rotated: outcomes.some((o) => o.rotated),
    archived: outcomes.flatMap((o) => o.archived.map((a) => ({ repository: o.repository, ...a }))),
    serverAt: outcomes[0]?.progress.serverAt,
    gaps,
  };
  if (gaps.length) {
    io.err(`drctl: ${gaps.length} gap(s) in the binlog archive of ${server}: point-in-time recovery cannot cross them`);
    return { code: EXIT.degraded, details, error: gaps.map((g) => g.detail).join("; ") };
  }
  return { code: EXIT.ok, details };
}
