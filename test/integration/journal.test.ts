// The journal's hash chain on real files: every kind of tampering is detected and named.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  appendJournal,
  GENESIS,
  headFile,
  journalFile,
  readJournal,
  sha256,
  verifyJournal,
} from "../../src/state/journal.js";
import { tempDir } from "../helpers/temp.js";

const root = tempDir();
let n = 0;
let dir: string;

async function fiveRecords(): Promise<void> {
  for (let i = 1; i <= 5; i++) await appendJournal(dir, "test", { i, note: `record ${i} — ünïcode ✓` });
}

const lines = () => readFileSync(journalFile(dir), "utf8").split("\n").filter(Boolean);
const writeLines = (ls: string[]) => writeFileSync(journalFile(dir), ls.map((l) => `${l}\n`).join(""));

beforeEach(() => {
  dir = join(root, `state-${++n}`);
});

describe("journal", () => {
  it("chains each record to the one before and keeps the head", async () => {
    await fiveRecords();
    const recs = await readJournal(dir);
    expect(recs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(recs[0]!.prev).toBe(GENESIS);
    const ls = lines();
    for (let i = 1; i < 5; i++) expect(recs[i]!.prev).toBe(sha256(ls[i - 1]!));
    const head = JSON.parse(readFileSync(headFile(dir), "utf8"));
    expect(head).toEqual({ seq: 5, sha256: sha256(ls[4]!) });
    const v = await verifyJournal(dir);
    expect(v).toMatchObject({ ok: true, count: 5, problems: [], head });
  });

  it("names an edited record", async () => {
    await fiveRecords();
    const ls = lines();
    ls[2] = ls[2]!.replace('"i":3', '"i":33');
    writeLines(ls);
    const v = await verifyJournal(dir);
    expect(v.ok).toBe(false);
    expect(v.problems[0]).toMatchObject({ seq: 3, line: 3 });
    expect(v.problems[0]!.message).toBe(
      "record seq 3 (line 3) was modified: its sha256 no longer matches the one record seq 4 stored",
    );
  });

  it("names an edited newest record (caught by journal.head)", async () => {
    await fiveRecords();
    const ls = lines();
    ls[4] = ls[4]!.replace('"i":5', '"i":6');
    writeLines(ls);
    const v = await verifyJournal(dir);
    expect(v.problems[0]).toMatchObject({
      seq: 5,
      message: "record seq 5 (line 5, the newest) was modified: its sha256 no longer matches journal.head",
    });
  });

  it("names a deleted record", async () => {
    await fiveRecords();
    const ls = lines();
    ls.splice(1, 1);
    writeLines(ls);
    const v = await verifyJournal(dir);
    expect(v.problems[0]).toMatchObject({ seq: 2, message: "record seq 2 is missing before line 2 (deleted)" });
  });

  it("names a deleted newest record", async () => {
    await fiveRecords();
    writeLines(lines().slice(0, 4));
    const v = await verifyJournal(dir);
    expect(v.problems[0]!.message).toBe("record seq 5 is missing at the end (journal.head says the newest is seq 5)");
  });

  it("names reordered records", async () => {
    await fiveRecords();
    const ls = lines();
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    writeLines(ls);
    const v = await verifyJournal(dir);
    expect(v.problems[0]).toMatchObject({
      line: 2,
      seq: 2,
      message: "records were reordered: line 2 holds seq 3, but seq 2 belongs there (found at line 3)",
    });
  });

  it("names a duplicated record", async () => {
    await fiveRecords();
    const ls = lines();
    ls.splice(3, 0, ls[2]!);
    writeLines(ls);
    const v = await verifyJournal(dir);
    expect(v.problems[0]!.message).toBe("record at line 4 has seq 3, expected 4: records were reordered or duplicated");
  });

  it("names a record that is no longer JSON", async () => {
    await fiveRecords();
    const ls = lines();
    ls[1] = ls[1]!.slice(0, 20);
    writeLines(ls);
    const v = await verifyJournal(dir);
    expect(v.problems[0]!.message).toBe("record at line 2 is not valid JSON: it was edited or corrupted");
  });

  it("sets a torn final append aside and carries on with an intact chain", async () => {
    await fiveRecords();
    const before = readFileSync(journalFile(dir), "utf8");
    writeFileSync(journalFile(dir), `${before}{"seq":6,"ts":"2026-`);
    await appendJournal(dir, "test", { i: 6 });
    const v = await verifyJournal(dir);
    expect(v).toMatchObject({ ok: true, count: 6 });
    expect((await readJournal(dir)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("concurrent appenders never break the chain", async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendJournal(dir, "parallel", { i })));
    const v = await verifyJournal(dir);
    expect(v).toMatchObject({ ok: true, count: 20 });
  });

  it("an empty state dir verifies as an empty chain", async () => {
    const v = await verifyJournal(dir);
    expect(v).toMatchObject({ ok: true, count: 0 });
    expect(existsSync(dir)).toBe(false);
  });
});
