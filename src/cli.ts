#!/usr/bin/env node
// The drctl executable.
import { runCli } from "./cli/main.js";

process.exitCode = await runCli(process.argv.slice(2));
