// Draws the plan TUI on the process's terminal until the user quits. Loaded lazily: Ink and React
// cost start-up time that plain-text and JSON runs should not pay.

import { render } from "ink";
import type { Plan } from "../../core/plan.generated.js";
import { PlanApp } from "./PlanApp.js";

export async function showPlanTui(plan: Plan): Promise<void> {
  const app = render(<PlanApp plan={plan} />, { exitOnCtrlC: true });
  await app.waitUntilExit();
}
