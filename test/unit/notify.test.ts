// When a notification goes out (core/notify.ts): on a change only, once per change and target, again
// after the reminder interval while it stays bad, only to targets listening to that kind.

import { describe, expect, it } from "vitest";
import { emptyNotifyState, evaluateNotify, messageSubject, type NotifyState } from "../../src/core/notify.js";
import type { DatasetStatus, StatusReport, StatusState } from "../../src/core/status.js";
import type { NotifyTarget } from "../../src/spec/types.generated.js";

const ds = (state: StatusState, extra: Partial<DatasetStatus> = {}): DatasetStatus => ({
  dataset: "shop",
  tier: "gold",
  state,
  reasons: state === "OK" ? [] : ["exposure 2d > RPO 1d"],
  rpoTargetSeconds: 86400,
  rtoTargetSeconds: 3600,
  ...extra,
});
const report = (d: DatasetStatus, at: string): StatusReport => ({ now: at, state: d.state, datasets: [d] });
const hook: NotifyTarget = { type: "webhook", url: "http://127.0.0.1:1/h" };
const onlyBreaches: NotifyTarget = {
  type: "email",
  to: "a@b.c",
  smtp: "/x",
  on: ["breached", "recovered"],
  reminder: "2h",
};
const backup = (exitCode: number) => ({ job: "backup_full", subject: "shop", exitCode, error: "cannot connect\nmore" });

function run(state: NotifyState, d: DatasetStatus, at: string, job?: ReturnType<typeof backup>) {
  return evaluateNotify(state, report(d, at), job, [hook, onlyBreaches], new Date(at));
}
const kinds = (events: { kind: string; reminder?: boolean }[]) => events.map((e) => e.kind + (e.reminder ? "*" : ""));

describe("evaluateNotify", () => {
  it("says nothing about a new dataset that is OK or a job that succeeds, and nothing twice", () => {
    const a = run(emptyNotifyState(), ds("OK"), "2026-12-01T00:00:00Z", backup(0));
    expect(a.events).toEqual([[], []]);
    const b = run(a.next, ds("OK"), "2026-12-01T01:00:00Z", backup(0));
    expect(b.events).toEqual([[], []]);
  });

  it("a failing job: one message, none while it keeps failing, again after the reminder, then its recovery", () => {
    const a = run(emptyNotifyState(), ds("OK"), "2026-12-01T00:00:00Z", backup(1));
    expect(a.events[0]).toEqual([
      { kind: "failure", subject: "backup_full shop", text: "backup_full shop FAILED (exit 1): cannot connect" },
    ]);
    expect(a.events[1]).toEqual([]); // that target does not listen to failures
    const b = run(a.next, ds("OK"), "2026-12-01T00:01:00Z", backup(1));
    expect(b.events).toEqual([[], []]);
    const c = run(b.next, ds("OK"), "2026-12-02T00:00:00Z", backup(5));
    expect(kinds(c.events[0]!)).toEqual(["failure*"]);
    expect(c.events[0]![0]!.text).toMatch(/still so after 1d\)$/);
    const locked = run(c.next, ds("OK"), "2026-12-02T00:01:00Z", backup(4)); // did not run: no news
    expect(locked.events).toEqual([[], []]);
    const d = run(locked.next, ds("OK"), "2026-12-02T00:02:00Z", backup(0));
    expect(d.events[0]).toEqual([
      { kind: "recovered", subject: "backup_full shop", text: "backup_full shop succeeded again" },
    ]);
    expect(run(d.next, ds("OK"), "2026-12-02T00:03:00Z", backup(6)).events).toEqual([[], []]); // 6: done
  });

  it("status transitions: AT RISK, BREACHED, back to OK — each once, to the targets that listen", () => {
    const a = run(emptyNotifyState(), ds("OK"), "2026-12-01T00:00:00Z");
    const b = run(a.next, ds("AT RISK"), "2026-12-01T00:10:00Z");
    expect(b.events.map(kinds)).toEqual([["at-risk"], []]);
    const c = run(b.next, ds("BREACHED"), "2026-12-01T00:20:00Z");
    expect(c.events.map(kinds)).toEqual([["breached"], ["breached"]]);
    expect(c.events[0]![0]!.text).toBe("shop is BREACHED (tier gold): exposure 2d > RPO 1d");
    // the email target's reminder is 2h, the webhook's the default 24h
    const d = run(c.next, ds("BREACHED"), "2026-12-01T02:30:00Z");
    expect(d.events.map(kinds)).toEqual([[], ["breached*"]]);
    const e = run(d.next, ds("OK"), "2026-12-01T03:00:00Z");
    expect(e.events.map(kinds)).toEqual([["recovered"], ["recovered"]]);
    expect(e.events[0]![0]!.text).toBe("shop is OK again (was BREACHED)");
  });

  it("a new dataset that is already bad is news; a binlog gap is news once", () => {
    const a = run(
      emptyNotifyState(),
      ds("AT RISK", { binlog: { missing: "mariadb-bin.000007" } }),
      "2026-12-01T00:00:00Z",
    );
    expect(a.events.map(kinds)).toEqual([["at-risk", "gap"], []]);
    const b = run(a.next, ds("AT RISK", { binlog: { missing: "mariadb-bin.000007" } }), "2026-12-01T00:05:00Z");
    expect(b.events).toEqual([[], []]);
  });

  it("the subject names the first bad event and how many more", () => {
    const a = run(emptyNotifyState(), ds("BREACHED"), "2026-12-01T00:00:00Z", backup(1));
    expect(messageSubject("uni", a.events[0]!)).toBe("[drctl uni] backup_full shop FAILED (exit 1) (+1 more)");
  });
});
