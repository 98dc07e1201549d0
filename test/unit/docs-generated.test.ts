// The reference pages are generated from the code (scripts/docs.mjs); a checked-in page that differs
// from what the code renders now is a drift, and a spec key without a description or an example
// would leave a hole in docs/spec.md.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { specAjv } from "../../src/spec/validate.js";
import { repoRoot } from "../helpers/temp.js";
// @ts-expect-error a plain .mjs script
const { render } = await import("../../scripts/docs.mjs");

const schema = JSON.parse(readFileSync(join(repoRoot, "schemas/drspec.schema.json"), "utf8"));

/** Every property of the spec schema, as [JSON pointer, its schema]. */
function properties(): [string, { description?: string; examples?: unknown[]; $ref?: string }][] {
  const out: [string, { description?: string; examples?: unknown[] }][] = [];
  const walk = (node: { properties?: Record<string, object> }, pointer: string) => {
    for (const [key, p] of Object.entries(node.properties ?? {})) {
      out.push([`${pointer}/properties/${key}`, p]);
      walk(p, `${pointer}/properties/${key}`);
    }
  };
  walk(schema, "");
  for (const [name, def] of Object.entries(schema.definitions)) walk(def as object, `/definitions/${name}`);
  return out;
}

describe("generated reference", () => {
  it.each(["docs/commands.md", "docs/spec.md"])(
    "%s is what scripts/docs.mjs renders (run `npm run docs`)",
    async (file) => {
      const pages = (await render()) as Record<string, string>;
      expect(readFileSync(join(repoRoot, file), "utf8")).toBe(pages[file]);
    },
  );

  it("every command has examples, and every entry of command-docs.ts names a command", async () => {
    const { commandTree } = await import("../../dist/cli/main.js");
    const { COMMAND_DOCS } = await import("../../dist/cli/command-docs.js");
    const paths = (commandTree() as [string[]][]).map(([p]) => p.join(" ")).filter(Boolean);
    expect(Object.keys(COMMAND_DOCS).sort()).toEqual([...paths].sort());
    for (const p of paths) expect(COMMAND_DOCS[p].examples.length, p).toBeGreaterThan(0);
  });

  it("every spec key has a description (its own or its type's) and an example that the schema accepts", () => {
    const ajv = specAjv();
    ajv.addSchema(schema);
    const props = properties();
    expect(props.length).toBeGreaterThan(70);
    for (const [pointer, p] of props) {
      const described =
        p.description ?? (p.$ref ? schema.definitions[p.$ref.split("/").at(-1)!]?.description : undefined);
      expect(described, `${pointer}: no description`).toBeTruthy();
      expect(p.examples, `${pointer}: no example`).toHaveLength(1);
      const validate = ajv.compile({ $ref: `${schema.$id}#${pointer}` });
      expect(validate(p.examples![0]), `${pointer}: example rejected: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it("a bad example is caught (the check above can fail)", () => {
    const ajv = specAjv();
    ajv.addSchema(schema);
    expect(ajv.compile({ $ref: `${schema.$id}#/definitions/Tier/properties/rpo` })("5 minutes")).toBe(false);
  });
});
