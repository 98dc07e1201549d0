#!/usr/bin/env node
// The drctl executable. `--version` and help requests answer before the command line parser is even
// loaded (a monitoring probe, a packaging check or a person typing --help should not pay for it);
// everything else goes through main.
import { readFileSync } from "node:fs";
import { VERSION } from "./cli/version.js";

/** "plan" for `drctl plan --help` or `drctl help plan`, "" for `drctl --help`; undefined otherwise. */
function helpRequest(args: string[]): string | undefined {
  const words = (a: string[]) => (a.every((w) => /^[a-z]+$/.test(w)) ? a.join(" ") : undefined);
  if (args[0] === "help") return words(args.slice(1));
  const last = args.at(-1);
  return last === "--help" || last === "-h" ? words(args.slice(0, -1)) : undefined;
}

/** The help the build rendered with the parser itself (helpPages in cli/main.ts); none: ask the parser. */
function storedHelp(key: string): string[] | undefined {
  try {
    const pages = JSON.parse(readFileSync(new URL("./cli/help.json", import.meta.url), "utf8")) as Record<
      string,
      string[]
    >;
    return Object.hasOwn(pages, key) ? pages[key] : undefined;
  } catch {
    return undefined;
  }
}

const args = process.argv.slice(2);
const help = helpRequest(args);
const page = help === undefined ? undefined : storedHelp(help);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${VERSION}\n`);
} else if (page) {
  process.stdout.write(page.map((l) => `${l}\n`).join(""));
} else {
  const [{ tolerateClosedOutput, writeStdoutThrough }, { runCli }] = await Promise.all([
    import("./cli/io.js"),
    import("./cli/main.js"),
  ]);
  tolerateClosedOutput();
  writeStdoutThrough();
  // node ends a run whose every pending operation was dropped (a peer that vanished without an
  // answer) silently with exit 13: say so, and fail like any other failure, never look like success
  let finished = false;
  process.once("beforeExit", () => {
    if (finished) return;
    process.stderr.write(
      "drctl: bug: the run stopped with work unfinished (an operation was never answered, nor failed); " +
        "nothing it was doing can be trusted\n",
    );
    process.exitCode = 1;
  });
  process.exitCode = await runCli(args);
  finished = true;
}
