// The interactive plan: three panes (resources, RPO/RTO, findings), a summary, keyboard navigation.
// Drawing and key routing only; what is shown comes from ./model.ts.

import { Box, Text, useApp, useInput, useStdout } from "ink";
import { useEffect, useMemo, useReducer, useRef } from "react";
import type { Plan } from "../../core/plan.generated.js";
import { summaryLine } from "../text.js";
import {
  commandFor,
  findingRows,
  initialView,
  itemSpan,
  orderedFindings,
  orderedResources,
  proofRows,
  reduceView,
  resourceRows,
  scrollTo,
  type Command,
  type PaneName,
  type Row,
  type ViewState,
} from "./model.js";
import { must } from "../../errors.js";

const COLOR: Record<string, string | undefined> = {
  add: "green",
  remove: "red",
  change: "yellow",
  hunk: "cyan",
  note: "gray",
  context: undefined,
  delete: "red",
  restart: "magenta",
  update: "yellow",
  create: "green",
  unknown: "cyan",
  "no-op": "gray",
  error: "red",
  warning: "yellow",
  info: "blue",
  met: "green",
  tight: "yellow",
  missed: "red",
};

export interface PlanAppProps {
  plan: Plan;
  /** Terminal size; taken from stdout when not given. */
  height?: number;
  width?: number;
  onExit?: () => void;
}

interface PaneView {
  name: PaneName;
  title: string;
  rows: Row[];
  items: number;
  height: number;
}

export function PlanApp({ plan, height, width, onExit }: PlanAppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  // a pseudo-terminal nobody sized reports 0 × 0
  const rowsTotal = height ?? (stdout?.rows || 24);
  const cols = width ?? (stdout?.columns || 80);

  const pageRows = useRef(10);
  const [view, dispatch] = useReducer(
    (s: ViewState, cmd: Command) => reduceView(plan, s, cmd, pageRows.current),
    undefined,
    initialView,
  );
  const tops = useRef<Record<PaneName, number>>({ resources: 0, proofs: 0, findings: 0 });
  const { focus, cursor, expanded, expandedProofs, showUnchanged } = view;

  const resources = useMemo(() => orderedResources(plan, showUnchanged), [plan, showUnchanged]);
  const findings = useMemo(() => orderedFindings(plan), [plan]);
  const rRows = useMemo(() => resourceRows(resources, expanded), [resources, expanded]);
  const pRows = useMemo(() => proofRows(plan, expandedProofs), [plan, expandedProofs]);
  const fRows = useMemo(() => findingRows(findings, cols), [findings, cols]);

  // Height budget: header 2, footer 1, one title per pane; the rest shared, resources first.
  const panesShown = 1 + (plan.proofs.length ? 1 : 0) + (findings.length ? 1 : 0);
  const free = Math.max(6, rowsTotal - 3 - panesShown - 1);
  const proofH = Math.min(pRows.length, Math.max(2, Math.floor(free / 5)));
  const findingH = Math.min(fRows.length, Math.max(3, Math.floor(free / 3)));
  const resourceH = Math.max(3, free - proofH - findingH);

  const panes: PaneView[] = [
    {
      name: "resources",
      title: `Resources (${resources.length}${showUnchanged ? "" : ` changed, ${plan.summary.noop} unchanged`})`,
      rows: rRows,
      items: resources.length,
      height: resourceH,
    },
    ...(plan.proofs.length
      ? [
          {
            name: "proofs" as const,
            title: `RPO/RTO (${plan.proofs.length} dataset(s))`,
            rows: pRows,
            items: plan.proofs.length,
            height: proofH,
          },
        ]
      : []),
    ...(findings.length
      ? [
          {
            name: "findings" as const,
            title:
              `Findings (${plan.summary.errors} error(s), ${plan.summary.warnings} warning(s), ` +
              `${findings.length - plan.summary.errors - plan.summary.warnings} info)`,
            rows: fRows,
            items: findings.length,
            height: findingH,
          },
        ]
      : []),
  ];
  pageRows.current = (panes.find((p) => p.name === focus) ?? must(panes[0])).height;

  useEffect(() => {
    if (view.quit) {
      onExit?.();
      exit();
    }
  }, [view.quit, onExit, exit]);

  useInput((input, key) => {
    const cmd = commandFor(input, key);
    if (cmd) dispatch(cmd);
  });

  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>drctl plan</Text> · project <Text bold>{plan.project}</Text> ·{" "}
        <Text color="gray">{plan.specFile}</Text>
      </Text>
      <Text wrap="truncate-end" color={plan.summary.errors ? "red" : plan.hasChanges ? "yellow" : "green"}>
        {summaryLine(plan)}
      </Text>
      {panes.map((p) => {
        const c = Math.max(0, Math.min(cursor[p.name], p.items - 1));
        const [start, end] = p.items ? itemSpan(p.rows, c) : [0, 0];
        const top = scrollTo(tops.current[p.name], start, end, p.height, p.rows.length);
        tops.current[p.name] = top;
        const visible = p.rows.slice(top, top + p.height);
        const focused = p.name === focus;
        const more = p.rows.length > p.height ? `  ${top + 1}–${top + visible.length} of ${p.rows.length} lines` : "";
        return (
          <Box key={p.name} flexDirection="column">
            <Text bold={focused} underline={focused} color={focused ? undefined : "gray"} wrap="truncate-end">
              {p.title}
              {more}
            </Text>
            {p.name === "resources" && p.items === 0 ? (
              <Text color="green"> No changes. The live state matches the spec.</Text>
            ) : null}
            {visible.map((row, i) => {
              const selected = focused && row.lead === true && row.item === c;
              return (
                <Text
                  // biome-ignore lint/suspicious/noArrayIndexKey: a row IS its position in the scrolled pane
                  key={`${top + i}`}
                  wrap="truncate-end"
                  color={COLOR[row.tone]}
                  inverse={selected}
                  bold={row.item === null}
                >
                  {selected ? "›" : " "} {row.text}
                </Text>
              );
            })}
          </Box>
        );
      })}
      <Text color="gray" wrap="truncate-end">
        ↑↓/jk move · ⏎/space expand · a all · u unchanged · tab next pane · q quit
      </Text>
    </Box>
  );
}
