// Prometheus metrics (issue 18 §1): after every job the textfile collector's file is rewritten whole; a
// real node_exporter serves it, promtool accepts the file and the documented alert rules, and its values
// are status --json's at the same instant. A failed job shows as a failure; an unwritable metrics
// directory is a warning that leaves the job's exit code alone.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { repoRoot, tempDir } from "../helpers/temp.js";

const run = promisify(execFile);
const dir = tempDir("drctl-metrics-");
const textfiles = join(dir, "textfile");
const dataset = "shop";
const database = 'sh"op `ü';
let db: Sandbox;
let exporter: ChildProcess;
let exporterPort: number;
let specFile: string;

/** `name{labels…} value` lines of a metric, as a map from the label text to the value. */
function samples(text: string, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? "", m[3] ?? "");
  }
  return out;
}

/** Every drctl sample as name{labels in sorted order} → its value as a number. */
function parsed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(drctl_[a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = [...(m[2] ?? "").matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}=${l[2]}`).sort();
    out.set(`${m[1]}{${labels.join(",")}}`, m[3] === "+Inf" ? Infinity : Number(m[3]));
  }
  return out;
}

async function scrape(): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${exporterPort}/metrics`);
  expect(r.status).toBe(200);
  return await r.text();
}

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir, binlog: true });
  const c = await db.connectRoot();
  const q = '`sh"op ``ü`';
  await c.query(
    `CREATE DATABASE ${q}; CREATE TABLE ${q}.t (id INT PRIMARY KEY); INSERT INTO ${q}.t VALUES (1),(2),(3)`,
  );
  await c.end();
  mkdirSync(textfiles, { recursive: true });
  specFile = join(dir, "drctl.yaml");
  writeFileSync(
    specFile,
    `${datasetsSpec({
      project: "metrics",
      state: join(dir, "state"),
      repo: join(dir, "repo"),
      server: { port: db.port, credentials: db.clientOptionFile },
      cronFile: join(dir, "cron"),
      tier: "{ rpo: 1d, rto: 4h }",
      datasets: { [dataset]: { databases: [database], method: "mysqldump", binlog: true } },
      drills: `  weekly: { dataset: ${dataset}, schedule: "30 5 * * 0", verify: [rowCounts] }`,
    })}metrics: { textfile: ${JSON.stringify(textfiles)} }\n`,
  );
  exporterPort = await freePort();
  exporter = spawn(
    "prometheus-node-exporter",
    [
      "--collector.disable-defaults",
      "--collector.textfile",
      `--collector.textfile.directory=${textfiles}`,
      `--web.listen-address=127.0.0.1:${exporterPort}`,
    ],
    { stdio: "ignore" },
  );
  let failed: Error | undefined;
  exporter.on("error", (e) => (failed = e));
  for (let i = 0; i < 100 && !failed; i++) {
    try {
      await fetch(`http://127.0.0.1:${exporterPort}/metrics`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (failed)
    throw new Error(`prometheus-node-exporter did not start: ${failed.message} (scripts/ensure-deps.sh installs it)`);
}, 120_000);

afterAll(async () => {
  exporter?.kill();
  await db?.stop();
});

describe("metrics textfile", () => {
  it("after apply, backup, drill: node_exporter serves the file, promtool accepts it, status's values", async () => {
    const a = await drctl(["apply", "-f", specFile, "--auto-approve"]);
    expect(a.code, a.stderr).toBe(0);
    const b = await drctl(["backup", "-f", specFile, dataset]);
    expect(b.code, b.stderr).toBe(0);
    const archive = await drctl(["binlog", "archive", "-f", specFile, "db1"]);
    expect(archive.code, archive.stderr).toBe(0);
    const d = await drctl(["drill", "run", "-f", specFile, "weekly"]);
    expect(d.code, d.stdout + d.stderr).toBe(0);

    // one file, whole: no temporary left beside it for the collector to read
    expect(readdirSync(textfiles).filter((f) => !f.startsWith("."))).toEqual(["drctl_metrics.prom"]);
    const file = join(textfiles, "drctl_metrics.prom");
    const text = readFileSync(file, "utf8");
    const lint = await new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      p.stdout.on("data", (x) => (out += x));
      p.stderr.on("data", (x) => (out += x));
      p.on("close", (code) => resolve({ code: code ?? -1, out }));
      p.stdin.end(text);
    });
    expect(lint, lint.out).toEqual({ code: 0, out: "" });

    // node_exporter serves exactly the file's drctl samples (it sorts labels and prints floats its own way)
    const served = await scrape();
    expect(parsed(served)).toEqual(parsed(text));
    expect(parsed(text).size).toBeGreaterThan(20);
    expect(served).toMatch(/^node_textfile_scrape_error 0$/m);

    // the same values as status --json at the instant the file was written
    const generated = Number([...samples(text, "drctl_metrics_generated_timestamp_seconds").values()][0]);
    const s = await drctl(["status", "-f", specFile, "--json", "--now", new Date(generated * 1000).toISOString()]);
    const report = JSON.parse(s.stdout) as {
      state: string;
      datasets: {
        dataset: string;
        state: string;
        exposureSeconds: number;
        rpoTargetSeconds: number;
        rtoTargetSeconds: number;
        lastDrill: { drill: string; result: string; rto: { measuredSeconds: number } };
        binlog: { lagSeconds: number };
        storedBytes: { sets: number; binlogs: number };
      }[];
    };
    const st = report.datasets[0]!;
    const l = `project="metrics",dataset="shop",tier="bronze"`;
    expect(samples(text, "drctl_dataset_state").get(`${l},state="${st.state}"`)).toBe("1");
    expect(samples(text, "drctl_dataset_rpo_exposure_seconds").get(l)).toBe(String(st.exposureSeconds));
    expect(samples(text, "drctl_dataset_rpo_target_seconds").get(l)).toBe(String(st.rpoTargetSeconds));
    expect(samples(text, "drctl_dataset_rto_target_seconds").get(l)).toBe(String(st.rtoTargetSeconds));
    const dl = `project="metrics",dataset="shop",drill="weekly"`;
    expect(st.lastDrill.result).toBe("ok");
    expect(samples(text, "drctl_dataset_last_drill_result").get(`${dl},result="ok"`)).toBe("1");
    expect(samples(text, "drctl_dataset_last_drill_rto_seconds").get(dl)).toBe(
      String(st.lastDrill.rto.measuredSeconds),
    );
    expect(samples(text, "drctl_binlog_archive_lag_seconds").get(`project="metrics",dataset="shop"`)).toBe(
      String(st.binlog.lagSeconds),
    );
    const bytes = samples(text, "drctl_dataset_stored_bytes");
    expect(bytes.get(`project="metrics",dataset="shop",what="sets"`)).toBe(String(st.storedBytes.sets));
    expect(st.storedBytes.sets).toBeGreaterThan(0);
    // every job that ran has its last success; none failed
    const ok = samples(text, "drctl_job_last_success_timestamp_seconds");
    for (const job of ["backup_full", "binlog_archive", "drill_run"])
      expect(
        [...ok.keys()].some((k) => k.includes(`job="${job}"`)),
        job,
      ).toBe(true);
    expect(samples(text, "drctl_job_last_failure_timestamp_seconds").size).toBe(0);
    // and status --prometheus prints the same text for that instant
    const p = await drctl([
      "status",
      "-f",
      specFile,
      "--prometheus",
      "--now",
      new Date(generated * 1000).toISOString(),
    ]);
    expect(p.stdout).toBe(text);
  }, 300_000);

  it("a failing backup shows as the job's last failure, exit code unchanged; unwritable directory warns", async () => {
    const broken = join(dir, "broken.cnf");
    writeFileSync(broken, "[client]\nuser=nobody_here\npassword=wrong\n", { mode: 0o600 });
    const bad = readFileSync(specFile, "utf8").replace(JSON.stringify(db.clientOptionFile), JSON.stringify(broken));
    const badSpec = join(dir, "bad.yaml");
    writeFileSync(badSpec, bad);
    const f = await drctl(["backup", "-f", badSpec, dataset]);
    expect(f.code).toBe(1);
    const text = readFileSync(join(textfiles, "drctl_metrics.prom"), "utf8");
    const failed = samples(text, "drctl_job_last_failure_timestamp_seconds");
    const key = `project="metrics",job="backup_full",subject="shop"`;
    expect(Number(failed.get(key))).toBeGreaterThan(
      Number(samples(text, "drctl_job_last_success_timestamp_seconds").get(key)),
    );
    expect(samples(text, "drctl_job_last_exit_code").get(key)).toBe("1");
    expect(text).not.toContain("wrong"); // no secret, no option file content
    expect(parsed(await scrape()).get("drctl_job_last_exit_code{job=backup_full,project=metrics,subject=shop}")).toBe(
      1,
    );

    // the textfile "directory" is a file: the metrics cannot be written, the backup still succeeds
    const notADir = join(dir, "not-a-dir");
    writeFileSync(notADir, "");
    const elsewhere = join(dir, "elsewhere.yaml");
    writeFileSync(
      elsewhere,
      readFileSync(specFile, "utf8").replace(JSON.stringify(textfiles), JSON.stringify(notADir)),
    );
    const b = await drctl(["backup", "-f", elsewhere, dataset]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/drctl: warning: metrics not written to .*not-a-dir: /);
  }, 120_000);

  it("the alert rules in docs/metrics.md pass promtool check rules", async () => {
    const doc = readFileSync(join(repoRoot, "docs/metrics.md"), "utf8");
    const block = /## Alerts[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toContain("alert: DrctlRpoBreached");
    const rules = join(dir, "rules.yml");
    writeFileSync(rules, block ?? "");
    const r = await run("promtool", ["check", "rules", rules]);
    expect(r.stdout).toMatch(/SUCCESS: 8 rules found/);
  });
});
