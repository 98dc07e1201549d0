// Compiles schemas/drspec.schema.json into standalone validation code at build time (ajv
// standalone), so `drctl validate` does not spend ~100 ms compiling the schema on every run.
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import standaloneCode from "ajv/dist/standalone/index.js";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  discriminator: true,
  strict: true,
  strictTuples: false,
  allowUnionTypes: true,
  code: { source: true },
});
addFormats(ajv);
ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
const validate = ajv.compile(JSON.parse(readFileSync(`${root}schemas/drspec.schema.json`, "utf8")));
mkdirSync(`${root}dist/spec`, { recursive: true });
writeFileSync(`${root}dist/spec/drspec-validator.cjs`, standaloneCode.default(ajv, validate));
