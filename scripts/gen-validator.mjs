// Compiles schemas/drspec.schema.json into standalone validation code at build time (ajv
// standalone), so `drctl validate` does not spend ~100 ms compiling the schema on every run.
import standaloneCode from "ajv/dist/standalone/index.js";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// the same ajv the checker uses (tsc has just emitted it), with its code kept for the standalone output
const { specAjv } = await import("../dist/spec/validate.js");
const root = fileURLToPath(new URL("..", import.meta.url));
const ajv = specAjv({ code: { source: true } });
const validate = ajv.compile(JSON.parse(readFileSync(`${root}schemas/drspec.schema.json`, "utf8")));
mkdirSync(`${root}dist/spec`, { recursive: true });
writeFileSync(`${root}dist/spec/drspec-validator.cjs`, standaloneCode.default(ajv, validate));
