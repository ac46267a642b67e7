import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseAllowList } from "../src/allow-list.js";
import { parseRecords } from "../src/normalize.js";
import { compareScenario, passed, type ScenarioOutcome, type SideRun } from "../src/outcome.js";
import { renderReport } from "../src/report.js";
import type { DriverResults } from "../src/results.js";
import { parseDescription, type Scenario, type ScenarioDescription } from "../src/scenario.js";
import { runPythonDriver } from "./python-side.js";
import { startScenarioServer } from "./server.js";
import { runTsDriver, tsProtocolVersion } from "./ts-driver.js";
import { ensurePythonEnv, type PythonEnv } from "./venv.js";

/**
 * The parity run: for every scenario, a fresh tinker-local recording every request, the official
 * Python SDK (python/driver.py in the harness's venv), then another fresh tinker-local and
 * @tinker-ts/clients (scripts/ts-driver.ts); then the normalizer, the diffs and the allow-list
 * judge the pair, and REPORT.md is written. Exit code 0 only when every scenario passed.
 *
 * Options: `--only a,b` runs some scenarios (the report then covers only those; do not commit
 * it), `--keep DIR` keeps the record and result files, `--report FILE` writes elsewhere.
 */

const root = new URL("..", import.meta.url).pathname;

/** Timing-dependent request paths per scenario (compared as sets; see src/diff.ts). */
const scenarioSetPaths: Record<string, string[]> = {
  // How many try_again replies a poll gets depends on when it lands inside the pause.
  try_again: ["/api/v1/retrieve_future"],
};

function log(line: string): void {
  process.stderr.write(`[parity] ${line}\n`);
}

function readResults(file: string): DriverResults | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DriverResults) : undefined;
}

function readRecords(file: string): SideRun["records"] {
  return existsSync(file) ? parseRecords(readFileSync(file, "utf8")) : [];
}

async function runPythonSide(
  env: PythonEnv,
  description: ScenarioDescription,
  scenariosFile: string,
  scenario: Scenario,
  dir: string,
): Promise<SideRun> {
  const recordFile = join(dir, `${scenario.name}.python.jsonl`);
  const out = join(dir, `${scenario.name}.python.json`);
  // The recorder appends; a kept directory may hold an earlier run's files.
  rmSync(recordFile, { force: true });
  rmSync(out, { force: true });
  const { server, adminToken } = await startScenarioServer(scenario.server ?? {}, recordFile);
  let run: Awaited<ReturnType<typeof runPythonDriver>>;
  try {
    run = await runPythonDriver({
      python: env.python,
      driver: join(root, "python", "driver.py"),
      scenarios: scenariosFile,
      scenario: scenario.name,
      baseUrl: server.url,
      apiKey: description.api_key,
      adminToken,
      out,
    });
  } finally {
    await server.close();
  }
  const side: SideRun = { records: readRecords(recordFile), results: readResults(out), seconds: run.seconds };
  if (!side.results) side.failure = `driver exited with ${run.exitCode} and wrote no results:\n${run.stderr}`;
  return side;
}

async function runTsSide(
  description: ScenarioDescription,
  scenario: Scenario,
  dir: string,
): Promise<SideRun> {
  const recordFile = join(dir, `${scenario.name}.ts.jsonl`);
  rmSync(recordFile, { force: true });
  const started = performance.now();
  const { server, adminToken } = await startScenarioServer(scenario.server ?? {}, recordFile);
  let results: DriverResults;
  try {
    results = await runTsDriver({ description, scenario, baseUrl: server.url, adminToken });
  } finally {
    await server.close();
  }
  writeFileSync(join(dir, `${scenario.name}.ts.json`), JSON.stringify(results, null, 1));
  return { records: readRecords(recordFile), results, seconds: (performance.now() - started) / 1000 };
}

/** Keeps the caller's Tinker settings and caches out of the in-process TypeScript side. */
function isolateEnvironment(): string {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith("TINKER_") || name.startsWith("CLOUDFLARE_ACCESS_")) delete process.env[name];
  }
  const home = mkdtempSync(join(tmpdir(), "parity-ts-home-"));
  process.env["HOME"] = home;
  process.env["HF_HOME"] = join(home, "hf");
  process.env["HF_HUB_OFFLINE"] = "1";
  return home;
}

/** Runs the harness; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { only: { type: "string" }, keep: { type: "string" }, report: { type: "string" } },
  });
  const started = performance.now();
  const home = isolateEnvironment();
  const scenariosFile = join(root, "scenarios", "scenarios.json");
  const description = parseDescription(JSON.parse(readFileSync(scenariosFile, "utf8")));
  const allowList = parseAllowList(JSON.parse(readFileSync(join(root, "allow-list.json"), "utf8")));
  const only = values.only?.split(",").filter((s) => s !== "");
  const scenarios = description.scenarios.filter((s) => !only || only.includes(s.name));
  if (only && scenarios.length !== only.length) {
    log(`unknown scenario in --only; known: ${description.scenarios.map((s) => s.name).join(", ")}`);
    return 2;
  }
  const env = ensurePythonEnv(join(root, ".venv"), join(root, "python", "requirements.txt"), log);
  log(`tinker ${env.tinkerVersion} (PyTorch ${env.hasTorch ? "present" : "absent"})`);
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), "parity-run-"));
  mkdirSync(dir, { recursive: true });
  const outcomes: ScenarioOutcome[] = [];
  let tsVersion = "?";
  let customLossMode = env.hasTorch ? "sdk" : "composition";
  try {
    for (const scenario of scenarios) {
      const python = await runPythonSide(env, description, scenariosFile, scenario, dir);
      const ts = await runTsSide(description, scenario, dir);
      if (tsVersion === "?") tsVersion = tsProtocolVersion(ts.records);
      if (python.results?.custom_loss_mode) customLossMode = python.results.custom_loss_mode;
      const outcome = compareScenario({
        name: scenario.name,
        summary: scenario.summary,
        python,
        ts,
        allowList,
        ...(scenarioSetPaths[scenario.name] ? { setPaths: scenarioSetPaths[scenario.name] } : {}),
      });
      const unexplained = outcome.diffs.filter((d) => d.allowedBy === undefined).length;
      log(
        `${scenario.name}: ${outcome.status} (${unexplained} unexplained of ${outcome.diffs.length} differences)`,
      );
      outcomes.push(outcome);
    }
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const report = renderReport(
    {
      pythonSdkVersion: env.tinkerVersion,
      tsSdkVersion: tsVersion,
      customLossMode,
      generatedAt: new Date().toISOString(),
      totalSeconds,
      venvSetupSeconds: env.setupSeconds,
    },
    outcomes,
    allowList,
  );
  const reportFile = values.report ?? join(root, "REPORT.md");
  writeFileSync(reportFile, report);
  const failed = outcomes.filter((o) => !passed(o));
  log(
    `report: ${reportFile}; ${outcomes.length - failed.length} of ${outcomes.length} scenarios passed in ${totalSeconds.toFixed(1)} s`,
  );
  return failed.length === 0 ? 0 : 1;
}
