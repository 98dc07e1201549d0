// Generates TypeScript types from the JSON Schemas in schemas/ — the schemas are the one source of
// truth. `--check` exits 1 when a committed file differs (used by the unit tests).
import { compileFromFile } from "json-schema-to-typescript";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const targets = [
  ["schemas/drspec.schema.json", "src/spec/types.generated.ts"],
  ["schemas/plan.schema.json", "src/core/plan.generated.ts"],
  ["schemas/manifest.schema.json", "src/core/manifest.generated.ts"],
  ["schemas/evidence.schema.json", "src/evidence/evidence.generated.ts"],
];
let stale = false;
for (const [schema, out] of targets) {
  const ts = await compileFromFile(`${root}${schema}`, {
    bannerComment: `/* Generated from ${schema} by \`npm run gen:types\`. Do not edit. */`,
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { singleQuote: false },
  });
  if (process.argv.includes("--check")) {
    if (readFileSync(`${root}${out}`, "utf8") !== ts) {
      console.error(`${out} is out of date: run npm run gen:types`);
      stale = true;
    }
  } else {
    writeFileSync(`${root}${out}`, ts);
  }
}
process.exit(stale ? 1 : 0);
