#!/usr/bin/env node
// The drctl executable. `--version` answers before the command line parser is even loaded (a
// monitoring probe or a packaging check should not pay for it); everything else goes through main.
import { VERSION } from "./cli/version.js";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const [{ tolerateClosedOutput }, { runCli }] = await Promise.all([import("./cli/io.js"), import("./cli/main.js")]);
  tolerateClosedOutput();
  process.exitCode = await runCli(args);
}
