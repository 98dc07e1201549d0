// `drctl evidence export` and `evidence verify`. The bundle: evidence.json (schemas/evidence.schema.json),
// report.md + report.html, the runbooks, a copy of the spec and of the journal for the period. The
// export checks the live journal's chain first and records itself in the journal; verify recomputes
// the copy's chain (from the record before it), every file's sha256, and derives the report again
// from the copy — so an edited record, an edited report, or (given a chain head kept from an
// earlier export) a journal rewritten and fully re-hashed, is named.

import { damagedNewestFulls } from "../backup/verify.js";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { fsyncDir } from "../adapters/fs/atomic-write.js";
import { packageFile } from "../adapters/fs/package-files.js";
import { readCatalog, storedBytes } from "../backup/catalog.js";
import { stateDirOf } from "../core/desired.js";
import { parseDuration } from "../core/duration.js";
import { pointTime } from "../core/recovery.js";
import { lastDrills, verifiedSets } from "../drill/records.js";
import { DrError, must } from "../errors.js";
import { toHtml, toMarkdown } from "../render/document.js";
import { runbookDoc, runbookFacts } from "../runbook/runbook.js";
import type { DrSpec } from "../spec/types.generated.js";
import {
  appendJournal,
  GENESIS,
  headFile,
  journalFile,
  sha256,
  verifyJournal,
  verifyJournalText,
  type JournalHead,
  type JournalRecord,
} from "../state/journal.js";
import type { Evidence } from "./evidence.generated.js";
import { controlsFor, type FrameworkKey } from "./controls.js";
import { applyEvidence, datasetEvidence, projectVerdict, tiersOf } from "./model.js";
import { reportDoc } from "./report.js";

const EVIDENCE = "evidence.json";
const JOURNAL_COPY = "journal.jsonl";
const SPEC_COPY = "spec.yaml";

const digest = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

export interface ExportRequest {
  spec: DrSpec;
  specFile: string;
  specText: string;
  out: string;
  since: Date;
  now?: Date;
  /** Frameworks whose controls the report reads the evidence against. */
  controls?: FrameworkKey[];
}

export interface ExportOutcome {
  dir: string;
  evidence: Evidence;
  /** The live journal's head after the export recorded itself: what an auditor keeps. */
  head: JournalHead;
}

/** The reports rendered from the evidence (without their own digests, which cannot be inside them). */
function reports(e: Evidence): { md: string; html: string } {
  const doc = reportDoc(e);
  return { md: toMarkdown(doc), html: toHtml(doc) };
}

export async function exportEvidence(req: ExportRequest): Promise<ExportOutcome> {
  const { spec } = req;
  const stateDir = stateDirOf(spec);
  const out = resolve(req.out);
  if (existsSync(out) && (await readdir(out)).length)
    throw new DrError(
      "invalid",
      `--out ${req.out} exists and is not empty: an evidence bundle is never written over another`,
      { hint: "name a new directory" },
    );
  const { evidence, md, html, journalCopy, runbooks, copyHead } = await assembleEvidence(req);

  // written into a temp dir beside the target and renamed into place: no half bundle under its name
  await mkdir(dirname(out), { recursive: true });
  const tmp = await mkdtemp(join(dirname(out), `.${basename(out)}.tmp-`));
  try {
    await mkdir(join(tmp, "runbook"), { mode: 0o700 });
    const write = async (f: string, body: string) => writeFile(join(tmp, f), body, { mode: 0o644, flush: true });
    await write(JOURNAL_COPY, journalCopy);
    await write(SPEC_COPY, req.specText);
    for (const [f, body] of runbooks) await write(f, body);
    await write("report.md", md);
    await write("report.html", html);
    await write(EVIDENCE, `${JSON.stringify(evidence, null, 2)}\n`);
    await fsyncDir(join(tmp, "runbook"));
    await fsyncDir(tmp);
    if (existsSync(out)) await rm(out, { recursive: true }); // an empty dir (checked above)
    await rename(tmp, out);
    await fsyncDir(dirname(out));
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const rec = await appendJournal(stateDir, "evidence.export", {
    out,
    since: evidence.since,
    evidenceSha256: digest(`${JSON.stringify(evidence, null, 2)}\n`),
    copy: { firstSeq: evidence.journal.firstSeq, lastSeq: evidence.journal.lastSeq, head: copyHead },
  });
  const head = JSON.parse(await readFile(headFile(stateDir), "utf8")) as JournalHead;
  return { dir: out, evidence, head: head.seq === rec.seq ? head : { seq: rec.seq, sha256: head.sha256 } };
}

export interface VerifyOutcome {
  ok: boolean;
  problems: string[];
  head?: JournalHead;
  records: number;
}

/** "SEQ:SHA256" or a bare sha256. */
function parseHead(text: string): { seq?: number; sha256: string } {
  const m = /^(?:(\d+):)?([0-9a-f]{64})$/.exec(text.trim());
  if (!m)
    throw new DrError(
      "invalid",
      `--expect-head ${text}: expected SEQ:SHA256 (as export printed it) or a 64-hex sha256`,
    );
  return { ...(m[1] ? { seq: Number(m[1]) } : {}), sha256: must(m[2]) };
}

let validator: ((e: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

async function validateEvidence(e: unknown): Promise<string[]> {
  if (!validator) {
    const schema = JSON.parse(await readFile(packageFile("schemas/evidence.schema.json"), "utf8")) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    validator = ajv.compile(schema);
  }
  return validator(e)
    ? []
    : (validator.errors ?? []).map((x) => `evidence.json${x.instancePath}: ${x.message ?? "invalid"}`);
}

export async function verifyEvidence(dir: string, expectHead?: string): Promise<VerifyOutcome> {
  const expected = expectHead === undefined ? undefined : parseHead(expectHead);
  const problems: string[] = [];
  let evidence: Evidence;
  try {
    evidence = JSON.parse(await readFile(join(dir, EVIDENCE), "utf8")) as Evidence;
  } catch (e) {
    throw new DrError("integrity", `${join(dir, EVIDENCE)} cannot be read as JSON: ${(e as Error).message}`);
  }
  const invalid = await validateEvidence(evidence);
  if (invalid.length) return { ok: false, problems: invalid, records: 0 };

  // every file, byte for byte
  for (const [f, want] of Object.entries(evidence.files)) {
    if (f.includes("..") || f.startsWith("/")) {
      problems.push(`evidence.json lists a file outside the bundle: ${f}`);
      continue;
    }
    try {
      const got = digest(await readFile(join(dir, f)));
      if (got !== want)
        problems.push(
          `${f} was modified: its sha256 ${got.slice(0, 16)}… differs from the ${want.slice(0, 16)}… ` +
            `evidence.json records`,
        );
    } catch {
      problems.push(`${f} is missing from the bundle`);
    }
  }

  // the journal copy's chain, from the record before it
  const text = await readFile(join(dir, evidence.journal.file), "utf8").catch(() => "");
  const chain = verifyJournalText(text, evidence.journal.head, {
    seq: evidence.journal.firstSeq - 1,
    sha256: evidence.journal.anchor,
  });
  for (const p of chain.problems) problems.push(`${evidence.journal.file}: ${p.message}`);
  const lines = text.split("\n").filter((l) => l !== "");
  let records: JournalRecord[] = [];
  try {
    records = lines.map((l) => JSON.parse(l) as JournalRecord);
  } catch {
    /* named by the chain check */
  }

  // the report says what the journal says: derived again from the copy and the spec copy
  if (chain.ok) {
    try {
      const spec = parseYaml(await readFile(join(dir, evidence.spec.file), "utf8")) as DrSpec;
      const sections = { datasets: datasetEvidence(spec, records), applies: applyEvidence(records) };
      if (JSON.stringify(projectVerdict(sections.datasets)) !== JSON.stringify(evidence.verdict))
        problems.push("evidence.json's overall verdict differs from what the journal copy records");
      if (JSON.stringify(sections.datasets) !== JSON.stringify(evidence.datasets))
        problems.push(
          "evidence.json's datasets differ from what the journal copy records (backups, drills, failures or " +
            "gaps were edited)",
        );
      if (JSON.stringify(sections.applies) !== JSON.stringify(evidence.applies))
        problems.push("evidence.json's applies differ from what the journal copy records");
      const { "report.md": _md, "report.html": _html, ...others } = evidence.files;
      const again = reports({ ...evidence, files: others });
      if (digest(again.md) !== evidence.files["report.md"])
        problems.push("report.md does not match the evidence it was made from");
      if (digest(again.html) !== evidence.files["report.html"])
        problems.push("report.html does not match the evidence it was made from");
    } catch (e) {
      problems.push(`the spec copy ${evidence.spec.file} cannot be read: ${(e as Error).message}`);
    }
  }

  // a head kept from an earlier export: the record it names must be in this chain, unchanged
  if (expected) {
    const hashes = lines.map((l) => sha256(l));
    const bySeq = (seq: number) =>
      seq === evidence.journal.firstSeq - 1
        ? evidence.journal.anchor
        : records.find((r) => r.seq === seq)
          ? hashes[records.findIndex((r) => r.seq === seq)]
          : undefined;
    if (expected.seq !== undefined) {
      const have = bySeq(expected.seq);
      if (have === undefined && expected.seq === evidence.journal.lastSeq + 1)
        problems.push(
          `the expected head (record ${expected.seq}) is the record of this very export, journaled after the ` +
            `bundle was written: it checks LATER bundles (this bundle verifies without --expect-head)`,
        );
      else if (have === undefined)
        problems.push(
          `the expected head (record ${expected.seq}) is outside this bundle's journal copy (records ` +
            `${evidence.journal.firstSeq}–${evidence.journal.lastSeq}): it cannot be confirmed; export with a ` +
            `longer --since`,
        );
      else if (have !== expected.sha256)
        problems.push(
          `record ${expected.seq} is not the one the expected head names: its sha256 is ${have.slice(0, 16)}…, ` +
            `the kept head says ${expected.sha256.slice(0, 16)}… — the journal was rewritten since that head ` +
            `was taken`,
        );
    } else if (!hashes.includes(expected.sha256) && evidence.journal.anchor !== expected.sha256) {
      problems.push(
        `no record of this bundle's journal copy has the expected head's sha256 ` +
          `${expected.sha256.slice(0, 16)}…: the journal was rewritten, or the head is outside the copy`,
      );
    }
  }
  return { ok: problems.length === 0, problems, head: chain.head, records: lines.length };
}

/**
 * The evidence of the period from the journal (its chain checked first), with its reports and
 * runbooks: what the bundle holds, and what `drctl report` draws.
 */
export async function assembleEvidence(req: Omit<ExportRequest, "out">) {
  const { spec } = req;
  const now = req.now ?? new Date();
  const stateDir = stateDirOf(spec);
  // the evidence is only as good as the chain it comes from
  const chain = await verifyJournal(stateDir);
  if (!chain.ok) {
    throw new DrError(
      "integrity",
      `the journal in ${stateDir} fails its chain check: ${chain.problems.map((p) => p.message).join("; ")}`,
      { hint: "the journal was altered: keep it as it is and investigate; no evidence is exported from it" },
    );
  }
  const text = existsSync(journalFile(stateDir)) ? await readFile(journalFile(stateDir), "utf8") : "";
  const lines = text.split("\n").filter((l) => l !== "");
  const records = lines.map((l) => JSON.parse(l) as JournalRecord);
  const first = records.findIndex((r) => r.ts >= req.since.toISOString());
  const range = first < 0 ? [] : records.slice(first);
  const rangeLines = first < 0 ? [] : lines.slice(first);
  const anchor =
    first < 0
      ? chain.head
      : first === 0
        ? { seq: 0, sha256: GENESIS }
        : { seq: must(records[first - 1]).seq, sha256: sha256(must(lines[first - 1])) };
  const journalCopy = rangeLines.map((l) => `${l}\n`).join("");
  const copyHead = range.length ? { seq: must(range.at(-1)).seq, sha256: sha256(must(rangeLines.at(-1))) } : anchor;

  const cat = await readCatalog(spec);
  const verified = verifiedSets(records);
  const drills = lastDrills(records);
  const generatedAt = now.toISOString();
  const specSha = digest(req.specText);

  const files: Record<string, string> = { [JOURNAL_COPY]: digest(journalCopy), [SPEC_COPY]: digest(req.specText) };
  const runbooks: [string, string][] = [];
  for (const name of Object.keys(spec.datasets)) {
    const doc = runbookDoc(
      spec,
      name,
      runbookFacts(name, {
        specFile: req.specFile,
        specSha256: specSha,
        generatedAt,
        drills: [...drills.values()],
        catalog: cat.sets,
        damaged: await damagedNewestFulls(cat.sets, name),
      }),
    );
    runbooks.push([`runbook/${name}.md`, toMarkdown(doc)], [`runbook/${name}.html`, toHtml(doc)]);
  }
  for (const [f, body] of runbooks) files[f] = digest(body);

  const base: Evidence = {
    formatVersion: 1,
    project: spec.project,
    generatedAt,
    since: req.since.toISOString(),
    spec: { file: SPEC_COPY, sha256: specSha },
    tiers: tiersOf(spec, parseDuration),
    ...(() => {
      const datasets = datasetEvidence(spec, range);
      return { verdict: projectVerdict(datasets), datasets };
    })(),
    applies: applyEvidence(range),
    catalog: cat.sets.map((s) => ({
      dataset: s.manifest.dataset ?? "",
      id: s.manifest.id,
      kind: s.manifest.kind,
      method: s.manifest.method,
      at: pointTime(s.manifest),
      bytes: storedBytes(s.manifest),
      verified: verified.has(s.manifest.id),
      server: s.manifest.server.name,
      ...(s.manifest.replication ? { replicaLagSeconds: s.manifest.replication.lagSeconds } : {}),
      ...(s.manifest.sourcePoint?.gtid ? { sourceGtid: s.manifest.sourcePoint.gtid } : {}),
    })),
    journal: {
      file: JOURNAL_COPY,
      firstSeq: range[0]?.seq ?? anchor.seq + 1,
      lastSeq: range.at(-1)?.seq ?? anchor.seq,
      anchor: anchor.sha256,
      head: copyHead,
    },
    files,
  };
  // the controls are read from the evidence above, so they can never say more than it does
  if (req.controls?.length)
    base.controls = controlsFor(req.controls, base, { encrypted: spec.encryption !== undefined });
  const { md, html } = reports(base);
  const evidence: Evidence = { ...base, files: { ...files, "report.md": digest(md), "report.html": digest(html) } };

  return { evidence, md, html, journalCopy, runbooks, copyHead };
}
