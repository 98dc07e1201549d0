// drctl notify test: a test message to each of the spec's notify: targets, each delivery journaled.

import { DrError } from "../../errors.js";
import { notifyTest } from "../../notify/notify.js";
import { loadSpec } from "../../spec/check.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

export async function notifyTestCommand(flags: { file: string }, io: Io): Promise<number> {
  const { spec } = await loadSpec(flags.file);
  if (!spec.notify?.length)
    throw new DrError("invalid", `${flags.file} has no notify: targets`, {
      hint: "add e.g. notify: [{ type: webhook, url: https://hooks.example.org/drctl }] (docs/spec.md)",
    });
  const sent = await notifyTest(spec);
  for (const d of sent)
    io.out(
      d.ok
        ? `${d.target}: delivered`
        : `${d.target}: FAILED after ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}: ${d.error}`,
    );
  return sent.every((d) => d.ok) ? EXIT.ok : EXIT.failed;
}
