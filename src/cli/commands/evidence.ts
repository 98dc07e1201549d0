// drctl evidence export | verify, and drctl runbook.

import { damagedNewestFulls } from "../../backup/verify.js";
import { parseInstant } from "../../core/instant.js";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../../adapters/fs/atomic-write.js";
import { readCatalog } from "../../backup/catalog.js";
import { stateDirOf } from "../../core/desired.js";
import { parseDuration } from "../../core/duration.js";
import { lastDrills } from "../../drill/records.js";
import { assembleEvidence, exportEvidence, verifyEvidence } from "../../evidence/bundle.js";
import { DrError } from "../../errors.js";
import { toHtml, toMarkdown } from "../../render/document.js";
import { runbookDoc, runbookFacts } from "../../runbook/runbook.js";
import { loadSpec } from "../../spec/check.js";
import { parseFrameworks } from "../../evidence/controls.js";
import { readJournal, sha256 } from "../../state/journal.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

function parseNow(now?: string): Date {
  const d = now === undefined ? new Date() : parseInstant(now);
  if (!d) throw new DrError("invalid", `--now ${now}: expected an ISO time such as 2026-11-25T04:00:00Z`);
  return d;
}

/** "90d" (back from now) or an ISO time. */
function parseSince(text: string, now: Date): Date {
  const seconds = parseDuration(text);
  if (seconds !== undefined) return new Date(now.getTime() - seconds * 1000);
  const d = parseInstant(text);
  if (!d)
    throw new DrError(
      "invalid",
      `--since ${text}: expected a duration such as 90d or an ISO time such as 2026-09-01T00:00:00Z`,
    );
  return d;
}

/** A path as one word for sh: single-quoted unless it is plain. */
const shellWord = (s: string) => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

/** The spec, its text, the period and the frameworks an export or a report reads the journal for. */
async function evidenceRequest(flags: { file: string; since: string; now?: string; controls?: string }) {
  const frameworks = flags.controls === undefined ? undefined : parseFrameworks(flags.controls);
  if (typeof frameworks === "string") throw new DrError("invalid", `--controls ${flags.controls}: ${frameworks}`);
  const { spec } = await loadSpec(flags.file);
  const now = parseNow(flags.now);
  return {
    spec,
    specFile: resolve(flags.file),
    specText: await readFile(flags.file, "utf8"),
    since: parseSince(flags.since, now),
    now,
    ...(frameworks ? { controls: frameworks } : {}),
  };
}

export async function evidenceExportCommand(
  flags: { file: string; out: string; since: string; now?: string; controls?: string },
  io: Io,
): Promise<number> {
  const r = await exportEvidence({ ...(await evidenceRequest(flags)), out: flags.out });
  const e = r.evidence;
  io.out(`evidence of ${e.project} from ${e.since} written to ${r.dir}`);
  io.out(`  report: ${join(r.dir, "report.html")} (and report.md)`);
  for (const d of e.datasets) {
    const last = d.lastSuccessfulDrill;
    io.out(
      `  ${d.name}: ${d.backups.length} backup(s), ${d.drills.length} drill(s), last passed drill ` +
        (last
          ? `${last.at} (RTO ${last.rto?.measuredSeconds ?? "?"}s of ${last.rto?.targetSeconds ?? "?"}s)`
          : "none") +
        ", " +
        `${d.failures.length} failure(s), ${d.gaps.length} gap(s)`,
    );
  }
  io.out(
    `  journal records ${e.journal.firstSeq}–${e.journal.lastSeq}, ` +
      `chain head ${e.journal.head.seq}:${e.journal.head.sha256}`,
  );
  io.out(`check this bundle:           drctl evidence verify ${shellWord(r.dir)}`);
  io.out(
    `keep this head for the next: drctl evidence verify NEXT_BUNDLE_DIR --expect-head ${r.head.seq}:${r.head.sha256}`,
  );
  io.out(
    "  (the journal's head after recording this export: a later bundle that lacks it, or holds another " +
      "record there, was made from a rewritten journal)",
  );
  return EXIT.ok;
}

export async function evidenceVerifyCommand(dir: string, flags: { expectHead?: string }, io: Io): Promise<number> {
  const r = await verifyEvidence(dir, flags.expectHead);
  if (r.ok) {
    io.out(
      `ok: ${dir}: every file matches evidence.json, the journal copy's chain holds (${r.records} record(s), ` +
        `head ${r.head?.seq}:${r.head?.sha256}), the report matches the journal` +
        (flags.expectHead ? ", and the expected head is in the chain" : ""),
    );
    return EXIT.ok;
  }
  for (const p of r.problems) io.out(`FAILED: ${p}`);
  io.err(`drctl: evidence in ${dir} failed verification: ${r.problems.length} problem(s)`);
  return EXIT.integrity;
}

export async function runbookCommand(flags: { file: string; out: string; dataset?: string }, io: Io): Promise<number> {
  const { spec } = await loadSpec(flags.file);
  if (flags.dataset && !spec.datasets[flags.dataset])
    throw new DrError("invalid", `the spec has no dataset ${JSON.stringify(flags.dataset)}`, {
      hint: `datasets: ${Object.keys(spec.datasets).join(", ")}`,
    });
  const specText = await readFile(flags.file, "utf8");
  const journal = await readJournal(stateDirOf(spec)).catch(() => []);
  const drills = [...lastDrills(journal).values()];
  const cat = await readCatalog(spec);
  await mkdir(flags.out, { recursive: true, mode: 0o755 });
  const generatedAt = new Date().toISOString();
  for (const name of flags.dataset ? [flags.dataset] : Object.keys(spec.datasets)) {
    const doc = runbookDoc(
      spec,
      name,
      runbookFacts(name, {
        specFile: resolve(flags.file),
        specSha256: sha256(specText),
        generatedAt,
        drills,
        catalog: cat.sets,
        damaged: await damagedNewestFulls(cat.sets, name),
      }),
    );
    await writeFileAtomic(join(flags.out, `${name}.md`), toMarkdown(doc));
    await writeFileAtomic(join(flags.out, `${name}.html`), toHtml(doc));
    io.out(`runbook of ${name}: ${join(flags.out, `${name}.md`)} and .html`);
  }
  return EXIT.ok;
}

/**
 * drctl report: the evidence report alone (report.html, or Markdown for a .md name) for the period,
 * with its verdicts, charts and, with --controls, the controls — for a look, not an audit: no bundle,
 * no journal copy, nothing journaled.
 */
export async function reportCommand(
  flags: { file: string; out: string; since: string; now?: string; controls?: string },
  io: Io,
): Promise<number> {
  const { evidence, md, html } = await assembleEvidence(await evidenceRequest(flags));
  const out = resolve(flags.out);
  await writeFileAtomic(out, out.endsWith(".md") ? md : html, { mode: 0o644 });
  io.out(`report of ${evidence.project} from ${evidence.since}: ${evidence.verdict.state} — written to ${out}`);
  return EXIT.ok;
}
