// Generates src/spec/types.generated.ts from schemas/drspec.schema.json — the schema is the one source of truth.
// `--check` exits 1 when the committed file differs (used by the unit tests).
import { compileFromFile } from "json-schema-to-typescript";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}src/spec/types.generated.ts`;
const ts = await compileFromFile(`${root}schemas/drspec.schema.json`, {
  bannerComment: "/* Generated from schemas/drspec.schema.json by `npm run gen:types`. Do not edit. */",
  additionalProperties: false,
  unreachableDefinitions: true,
  style: { singleQuote: false },
});
if (process.argv.includes("--check")) {
  const current = readFileSync(out, "utf8");
  if (current !== ts) {
    console.error(`${out} is out of date: run npm run gen:types`);
    process.exit(1);
  }
} else {
  writeFileSync(out, ts);
}
