// The text renderer's exact output for each example spec, against a fixed observed state, runtime
// and clock: the stable form review comments in CI rely on. Update the .txt files deliberately.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderPlanText } from "../../src/render/text.js";
import { examplePlan } from "../helpers/example-plan.js";
import { repoRoot } from "../helpers/temp.js";

const examples = readdirSync(join(repoRoot, "examples")).filter((f) => f.endsWith(".yaml"));

describe("text renderer", () => {
  it.each(examples)("%s", (f) => {
    const { plan, cronTarget } = examplePlan(f);
    const rendered = `${renderPlanText(plan, { cronTarget })}\n`;
    const expectedFile = join(repoRoot, "test/fixtures/plan-text", f.replace(/\.yaml$/, ".txt"));
    if (process.env.UPDATE_FIXTURES) writeFileSync(expectedFile, rendered);
    expect(rendered).toBe(readFileSync(expectedFile, "utf8"));
  });
});
