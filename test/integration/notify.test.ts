// Notifications (issue 18 §2) to a webhook on a loopback HTTP server and to an SMTP server on loopback:
// a failing backup sends exactly one message (a second failure none), its recovery one, a status
// transition (a drill that fails: BREACHED) one, the way back one; an unreachable target is journaled,
// shown by status, and leaves the job's exit code alone; no secret in any message; `notify test`.
import { createServer, type Server } from "node:http";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startSandbox, type Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";
import { readJournal } from "../../src/state/journal.js";
import { drctl } from "../helpers/cli.js";
import { datasetsSpec } from "../helpers/spec-files.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("drctl-notify-");
const TOKEN = "T0KEN-s3cret-hook";
const SMTP_PASSWORD = "smtp-pa55word";
const WRONG_DB_PASSWORD = "wr0ng-db-pa55";
let db: Sandbox;
let http: Server;
let smtp: SMTPServer;
const posts: { path: string; body: Record<string, unknown> }[] = [];
const mails: { from: string; to: string; raw: string }[] = [];

interface Project {
  file: string;
  state: string;
}

function project(name: string, credentials: string, notify: string): Project {
  const file = join(dir, `${name}.yaml`);
  const state = join(dir, "state"); // one state dir: the variants are one project seen by different runs
  writeFileSync(
    file,
    `${datasetsSpec({
      project: "shopdr",
      state,
      repo: join(dir, "repo"),
      server: { port: db.port, credentials },
      cronFile: join(dir, "cron"),
      tier: "{ rpo: 2d, rto: 4h }",
      datasets: { shop: { databases: ["shop"], method: "mysqldump" } },
      drills:
        '  weekly:\n    dataset: shop\n    schedule: "30 5 * * 0"\n' +
        "    verify: [rowCounts, { query: 'SELECT COUNT(*) FROM shop.t', expect: { min: 4 } }]",
    })}notify:\n${notify}`,
  );
  return { file, state };
}

async function sql(q: string): Promise<void> {
  const c = await db.connectRoot();
  await c.query(q);
  await c.end();
}

/** A mail's body as text (nodemailer sends it quoted-printable). */
function mailText(raw: string): string {
  const body = raw.slice(raw.indexOf("\r\n\r\n") + 4).replace(/=\r?\n/g, "");
  const bytes = body.replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}
const everything = () => JSON.stringify(posts) + JSON.stringify(mails.map((m) => mailText(m.raw)));
/** What each receiver got since `mark`: the webhook's bodies' event kinds and the mails' subjects. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 200)); // the SMTP server finishes its end of the session
}

let good: Project;
let badCreds: Project;

beforeAll(async () => {
  db = await startSandbox({ baseDir: dir, binlog: true });
  await sql(
    "CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY); INSERT INTO shop.t VALUES (1),(2),(3),(4)",
  );
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      posts.push({ path: req.url ?? "", body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  const httpPort = await freePort();
  await new Promise<void>((r) => http.listen(httpPort, "127.0.0.1", r));
  smtp = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === "drctl" && auth.password === SMTP_PASSWORD) cb(null, { user: "drctl" });
      else cb(new Error("bad credentials"));
    },
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (d: Buffer) => (raw += d.toString()));
      stream.on("end", () => {
        mails.push({
          from: String(session.envelope.mailFrom?.address),
          to: session.envelope.rcptTo.map((r) => r.address).join(","),
          raw,
        });
        cb();
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, "127.0.0.1", r));
  const hookFile = join(dir, "hook.url");
  writeFileSync(hookFile, `http://127.0.0.1:${httpPort}/hook/${TOKEN}\n`, { mode: 0o600 });
  const smtpFile = join(dir, "smtp.cnf");
  writeFileSync(
    smtpFile,
    `host = 127.0.0.1\nport = ${smtpPort}\ntls = none\nfrom = drctl@db.example\n` +
      `user = drctl\npassword = ${SMTP_PASSWORD}\n`,
    { mode: 0o600 },
  );
  const notify =
    `  - { type: webhook, urlFile: ${JSON.stringify(hookFile)} }\n` +
    `  - { type: email, to: dba@example.org, smtp: ${JSON.stringify(smtpFile)}, on: [failure, breached, recovered] }\n`;
  good = project("good", db.clientOptionFile, notify);
  const broken = join(dir, "broken.cnf");
  writeFileSync(broken, `[client]\nuser=nobody\npassword=${WRONG_DB_PASSWORD}\n`, { mode: 0o600 });
  badCreds = project("bad", broken, notify);
}, 120_000);

afterAll(async () => {
  await new Promise((r) => http?.close(r));
  await new Promise((r) => smtp?.close(() => r(undefined)));
  await db?.stop();
});

describe("notify", () => {
  it("one message per failure, recovery and status transition, to both targets; none twice; no secret", async () => {
    const applied = await drctl(["apply", "-f", good.file, "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const drill = await drctl(["drill", "run", "-f", good.file, "weekly"]);
    expect(drill.code, drill.stderr).toBe(0);
    // apply's first set, not yet drilled: AT RISK (to the webhook; the email target does not listen to
    // at-risk), then the drill: OK again (to the webhook, which heard of the trouble)
    expect(posts.map((p) => (p.body.events as { text: string }[]).map((e) => e.text))).toEqual([
      ["shop is AT RISK (tier bronze): never drilled: recoverability not yet proven"],
      ["shop is OK again (was AT RISK)"],
    ]);
    expect(mails).toHaveLength(0);
    posts.length = 0;

    // a failing backup: exactly one message to each target; failing again: none
    const f1 = await drctl(["backup", "-f", badCreds.file, "shop"]);
    expect(f1.code).toBe(1);
    await settle();
    expect([posts.length, mails.length]).toEqual([1, 1]);
    expect(posts[0]!.path).toBe(`/hook/${TOKEN}`);
    expect(posts[0]!.body.text).toMatch(
      /^\[drctl shopdr\] backup_full shop FAILED \(exit 1\)\n- FAILURE: backup_full shop FAILED/,
    );
    expect(posts[0]!.body.events).toEqual([expect.objectContaining({ kind: "failure", subject: "backup_full shop" })]);
    expect(mails[0]!.to).toBe("dba@example.org");
    expect(mails[0]!.raw).toMatch(/Subject: \[drctl shopdr\] backup_full shop FAILED \(exit 1\)/);
    const f2 = await drctl(["backup", "-f", badCreds.file, "shop"]);
    expect(f2.code).toBe(1);
    await settle();
    expect([posts.length, mails.length]).toEqual([1, 1]);

    // it works again: one message
    await sql("DELETE FROM shop.t WHERE id = 4"); // (the next drill's query will find 3 rows, not 4)
    expect((await drctl(["backup", "-f", good.file, "shop"])).code).toBe(0);
    await settle();
    expect([posts.length, mails.length]).toEqual([2, 2]);
    expect(posts[1]!.body.events).toEqual([
      expect.objectContaining({ kind: "recovered", text: "backup_full shop succeeded again" }),
    ]);

    // a status transition: the drill fails its query → the dataset is BREACHED — one message with both
    const bad = await drctl(["drill", "run", "-f", good.file, "weekly"]);
    expect(bad.code).toBe(5);
    await settle();
    expect([posts.length, mails.length]).toEqual([3, 3]);
    expect((posts[2]!.body.events as { kind: string }[]).map((e) => e.kind).sort()).toEqual(["breached", "failure"]);
    expect(mailText(mails[2]!.raw)).toMatch(/BREACHED: shop is BREACHED \(tier bronze\): the last drill \(weekly/);
    expect(mailText(mails[2]!.raw)).toMatch(/FAILURE: drill_run weekly FAILED \(exit 5\): .*returned 3, expected ≥ 4/);

    // the way back: the row again, a backup (no news: it already worked), a drill that passes → one message
    await sql("INSERT INTO shop.t VALUES (4)");
    expect((await drctl(["backup", "-f", good.file, "shop"])).code).toBe(0);
    await settle();
    expect([posts.length, mails.length]).toEqual([3, 3]);
    const back = await drctl(["drill", "run", "-f", good.file, "weekly"]);
    expect(back.code, back.stderr).toBe(0);
    await settle();
    expect([posts.length, mails.length]).toEqual([4, 4]);
    expect((posts[3]!.body.events as { text: string }[]).map((e) => e.text).sort()).toEqual([
      "drill_run weekly succeeded again",
      "shop is OK again (was BREACHED)",
    ]);

    // no secret anywhere: not the hook's token (only its path carried it), the SMTP or the database password
    const all = everything().replaceAll(`"path":"/hook/${TOKEN}"`, "");
    for (const secret of [TOKEN, SMTP_PASSWORD, WRONG_DB_PASSWORD]) expect(all).not.toContain(secret);
    const journal = JSON.stringify(await readJournal(good.state));
    for (const secret of [TOKEN, SMTP_PASSWORD, WRONG_DB_PASSWORD]) expect(journal).not.toContain(secret);
    expect(journal).toContain('"target":"webhook 127.0.0.1:');

    // notify test: one test message to each
    const t = await drctl(["notify", "test", "-f", good.file]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^webhook 127\.0\.0\.1:\d+: delivered\nemail to dba@example\.org: delivered\n$/);
    await settle();
    expect([posts.length, mails.length]).toEqual([5, 5]);
    expect(mails[4]!.raw).toMatch(/Subject: \[drctl shopdr\] test message/);
  }, 300_000);

  it("a job that fails before any status can be read (no repository) is still news", async () => {
    const hook = readFileSync(join(dir, "hook.url"), "utf8").trim();
    const norepo = join(dir, "norepo.yaml");
    writeFileSync(
      norepo,
      readFileSync(good.file, "utf8")
        .replace(/notify:\n[\s\S]*$/, `notify:\n  - { type: webhook, url: ${JSON.stringify(hook)} }\n`)
        .replace(JSON.stringify(join(dir, "state")), JSON.stringify(join(dir, "state-norepo")))
        .replace(JSON.stringify(join(dir, "repo")), JSON.stringify(join(dir, "no-such-repo"))),
    );
    const before = posts.length;
    const r = await drctl(["backup", "-f", norepo, "shop"]);
    expect(r.code).toBe(3); // the repository is not set up: refused, as without notifications
    expect(r.stderr).toMatch(/drctl: warning: no status for metrics and notifications: repository local/);
    expect(posts.length).toBe(before + 1);
    expect(posts.at(-1)!.body.events).toEqual([
      expect.objectContaining({
        kind: "failure",
        subject: "backup_full shop",
        text: expect.stringMatching(/FAILED \(exit 3\)/),
      }),
    ]);
  });

  it("an unreachable target: the job's exit code unchanged, the failure journaled and shown by status", async () => {
    const closed = await freePort();
    const lost = join(dir, "lost.yaml");
    writeFileSync(
      lost,
      readFileSync(badCreds.file, "utf8")
        .replace(/notify:\n[\s\S]*$/, `notify:\n  - { type: webhook, url: "http://127.0.0.1:${closed}/x" }\n`)
        .replace(JSON.stringify(join(dir, "state")), JSON.stringify(join(dir, "state-lost"))),
    );
    const f = await drctl(["backup", "-f", lost, "shop"]);
    expect(f.code, f.stderr).toBe(1); // as without notifications: the backup failed, that is all
    expect(f.stderr).toMatch(/drctl: warning: notification to webhook 127\.0\.0\.1:\d+ failed after 3 attempts: /);
    const records = (await readJournal(join(dir, "state-lost"))).filter((r) => r.kind === "notify");
    expect(records, JSON.stringify(records)).toHaveLength(1);
    expect(records[0]!.data).toMatchObject({ ok: false, attempts: 3 });
    expect(records[0]!.data.events).toContain("failure");
    const s = await drctl(["status", "-f", lost]);
    expect(s.stdout).toMatch(/notify: the last message to webhook 127\.0\.0\.1:\d+ \(.*\) could not be delivered: /);
    const t = await drctl(["notify", "test", "-f", lost]);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/FAILED after 3 attempts/);

    // the target reachable again: the next run (failing again: no news of its own) brings what was not delivered
    const before = posts.length;
    const hook = readFileSync(join(dir, "hook.url"), "utf8").trim();
    writeFileSync(lost, readFileSync(lost, "utf8").replace(`http://127.0.0.1:${closed}/x`, hook));
    const again = await drctl(["backup", "-f", lost, "shop"]);
    expect(again.code).toBe(1);
    expect(again.stderr).not.toMatch(/notification .* failed/);
    expect(posts.length).toBe(before + 1);
    expect((posts.at(-1)!.body.events as { kind: string }[]).map((e) => e.kind)).toContain("failure");
  }, 120_000);
});
