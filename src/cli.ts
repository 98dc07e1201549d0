#!/usr/bin/env node
// The drctl executable.
import { tolerateClosedOutput } from "./cli/io.js";
import { runCli } from "./cli/main.js";

tolerateClosedOutput();
process.exitCode = await runCli(process.argv.slice(2));
