import type { AllowList } from "./allow-list.js";
import { type LocatedDiff, passed, type ScenarioOutcome } from "./outcome.js";

/**
 * Writes REPORT.md: the run's facts (SDK versions, timings), one row per scenario, the
 * allow-list entries that were used (with their reasons), and every unexplained difference with
 * both values.
 */

/** Facts about a whole run. */
export interface RunFacts {
  pythonSdkVersion: string;
  /** The `sdk_version` @tinker-ts/clients reports (the protocol it implements). */
  tsSdkVersion: string;
  /** How the Python side ran forward_backward_custom: `sdk` (PyTorch present) or `composition`. */
  customLossMode: string;
  generatedAt: string;
  totalSeconds: number;
  venvSetupSeconds: number;
}

const statusText: Record<ScenarioOutcome["status"], string> = {
  identical: "identical",
  explained: "identical except allow-listed differences",
  different: "UNEXPLAINED DIFFERENCES",
  "python-error": "PYTHON SDK ERROR",
  "ts-error": "TYPESCRIPT SDK ERROR",
  "ts-missing": "TS SIDE MISSING",
};

/** A value as it appears in a table cell: JSON, shortened, pipes escaped. */
export function cell(value: unknown, max = 160): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const short = text.length > max ? `${text.slice(0, max)}…` : text;
  return `\`${short.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\n/g, " ")}\``;
}

function firstLines(text: string, lines = 12): string {
  const all = text.trim().split("\n");
  return all.length > lines
    ? [...all.slice(0, 3), "…", ...all.slice(-(lines - 4))].join("\n")
    : all.join("\n");
}

function diffTable(diffs: readonly LocatedDiff[]): string[] {
  const rows = ["| where | field | Python | TypeScript |", "|---|---|---|---|"];
  for (const d of diffs)
    rows.push(`| ${cell(d.where, 80)} | ${cell(d.field, 80)} | ${cell(d.python)} | ${cell(d.ts)} |`);
  return rows;
}

/** Renders the whole report as Markdown. */
export function renderReport(
  facts: RunFacts,
  outcomes: readonly ScenarioOutcome[],
  allowList: AllowList,
): string {
  const failed = outcomes.filter((o) => !passed(o));
  const out: string[] = [
    "# Wire parity: official Python SDK vs @tinker-ts/clients",
    "",
    "Written by `pnpm --filter @tinker-ts/parity parity` (tools/parity). Each scenario of",
    "`scenarios/scenarios.json` runs once with each SDK against its own fresh `tinker-local`",
    "(null backend); the requests the server recorded are normalized and diffed, and so are the",
    "results the SDKs returned and the shape of their telemetry.",
    "",
    `- Python SDK: \`tinker==${facts.pythonSdkVersion}\` (python/requirements.txt)`,
    `- TypeScript: @tinker-ts/clients, protocol \`sdk_version\` ${facts.tsSdkVersion}`,
    `- Python forward_backward_custom: ${
      facts.customLossMode === "sdk"
        ? "the SDK's own method (PyTorch installed)"
        : "PyTorch is not installed, so the driver performs the SDK's two-phase algorithm with its public forward/forward_backward calls"
    }`,
    `- Generated: ${facts.generatedAt}; run time ${facts.totalSeconds.toFixed(1)} s` +
      (facts.venvSetupSeconds > 0
        ? ` (of which ${facts.venvSetupSeconds.toFixed(1)} s venv setup)`
        : " (venv reused)"),
    `- Verdict: **${failed.length === 0 ? "PASS" : `FAIL (${failed.length} of ${outcomes.length} scenarios)`}**`,
    "",
    "## Scenarios",
    "",
    "| scenario | result | requests Py / TS | matching pairs | allowed diffs | unexplained | time Py / TS (s) |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const o of outcomes) {
    const allowed = o.diffs.filter((d) => d.allowedBy !== undefined).length;
    const unexplained = o.diffs.length - allowed;
    out.push(
      `| ${o.name} | ${statusText[o.status]} | ${o.pythonRequests} / ${o.tsRequests} | ${o.matchingPairs} of ${o.comparedPairs} | ${allowed} | ${unexplained} | ${o.seconds.python.toFixed(1)} / ${o.seconds.ts.toFixed(1)} |`,
    );
  }
  const usage = new Map<string, number>();
  for (const o of outcomes)
    for (const d of o.diffs) if (d.allowedBy) usage.set(d.allowedBy, (usage.get(d.allowedBy) ?? 0) + 1);
  out.push("", "## Allow-listed differences", "", "| id | field | times | reason |", "|---|---|---|---|");
  for (const entry of allowList.entries) {
    out.push(
      `| ${entry.id} | ${cell(entry.field, 60)} | ${usage.get(entry.id) ?? 0} | ${entry.reason.replace(/\|/g, "\\|")} |`,
    );
  }
  out.push("", "## Details", "");
  for (const o of outcomes) {
    out.push(`### ${o.name} — ${statusText[o.status]}`, "", o.summary, "");
    if (o.pythonError) out.push("Python SDK error:", "", "```", firstLines(o.pythonError), "```", "");
    if (o.tsError) out.push("TypeScript error:", "", "```", firstLines(o.tsError), "```", "");
    const unexplained = o.diffs.filter((d) => d.allowedBy === undefined);
    if (unexplained.length > 0) out.push("Unexplained differences:", "", ...diffTable(unexplained), "");
    else if (!o.pythonError && !o.tsError) out.push("No unexplained difference.", "");
  }
  return `${out.join("\n")}\n`;
}
