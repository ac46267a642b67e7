// B5 — footprint (bench/README.md).
//
//   - cold import of @tinker-ts/clients (dist): a fresh `node` that imports it, wall time of the
//     whole process and the import alone, next to `node -e 0` (Node's own start, the floor) and,
//     for scale, a fresh Python that runs `import tinker` (the official SDK 0.38.0);
//   - `tinker --help` and `tinker version` start time (apps/cli/dist/bin.js; skipped with a note when
//     it is not built), next to the official SDK's `tinker --help`;
//   - browser bundle of @tinker-ts/types (dist): esbuild, ESM, minified, then gzip (zlib default
//     level 6), without and with `@tinker-ts/types/proto`.
// Every start-up figure is min/median/max over --runs runs after one warm-up run.
//
//   node bench/b5-footprint.mjs [--runs 20]

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import {
  arg,
  envInt,
  fmt,
  fmtRange,
  load1,
  machineInfo,
  printTable,
  pythonVersionOf,
  root,
  summary,
  writeResults,
} from "./lib/common.mjs";
import { driverEnv, ensurePython, requireBuilt } from "./lib/processes.mjs";

const CLI_BIN = join(root, "apps/cli/dist/bin.js");
const CLIENTS = pathToFileURL(join(root, "packages/clients/dist/index.js")).href;
const TYPES = join(root, "packages/types/dist/index.js");
const TYPES_PROTO = join(root, "packages/types/dist/proto.js");

/** Wall ms of one run of `command args`; `stdout` when asked. */
function timeOnce(command, args, env) {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"], env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** min/median/max wall ms (and of the number the child prints, when `reports`) over `runs`. */
function measure(label, command, args, runs, env, reports = false) {
  timeOnce(command, args, env);
  const wall = [];
  const inner = [];
  const loads = [];
  for (let i = 0; i < runs; i++) {
    loads.push(load1());
    const { ms, stdout } = timeOnce(command, args, env);
    wall.push(ms);
    if (reports) inner.push(Number(stdout.trim().split("\n").at(-1)));
  }
  return {
    label,
    wall_ms: summary(wall),
    ...(reports ? { inner_ms: summary(inner) } : {}),
    load1: summary(loads),
  };
}

async function gzippedBundle(entries) {
  const contents = entries.map((e) => `export * from ${JSON.stringify(e)};`).join("\n");
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { minified_bytes: code.length, gzip_bytes: gzipSync(code).length };
}

export async function runB5() {
  requireBuilt([
    "packages/clients/dist/index.js",
    "packages/types/dist/index.js",
    "packages/types/dist/proto.js",
  ]);
  const runs = Number(arg("runs", envInt("BENCH_B5_RUNS", 20)));
  const python = ensurePython();
  const { env, cleanup } = driverEnv();
  const node = process.execPath;
  const importClients = `const t = performance.now(); await import(${JSON.stringify(CLIENTS)}); console.log(performance.now() - t);`;
  const importTinker =
    "import time; t = time.perf_counter(); import tinker; print((time.perf_counter() - t) * 1000)";
  const pythonTinkerBin = join(python, "..", "tinker");
  const rows = [];
  try {
    rows.push(measure("node -e 0 (floor)", node, ["-e", "0"], runs, env));
    rows.push(
      measure(
        "node: import @tinker-ts/clients",
        node,
        ["--input-type=module", "-e", importClients],
        runs,
        env,
        true,
      ),
    );
    rows.push(measure("python -c pass (floor)", python, ["-c", "pass"], runs, env));
    rows.push(measure("python: import tinker (official SDK)", python, ["-c", importTinker], runs, env, true));
    if (existsSync(CLI_BIN)) {
      rows.push(measure("tinker --help (ours)", node, [CLI_BIN, "--help"], runs, env));
      rows.push(measure("tinker version (ours)", node, [CLI_BIN, "version"], runs, env));
    } else {
      rows.push({
        label: "tinker --help (ours)",
        skipped: `${CLI_BIN} is missing: pnpm --filter @tinker-ts/cli build`,
      });
    }
    if (existsSync(pythonTinkerBin))
      rows.push(
        measure("tinker --help (official Python SDK)", pythonTinkerBin, ["--help"], Math.min(runs, 5), env),
      );
  } finally {
    cleanup();
  }
  const bundles = {
    types: await gzippedBundle([TYPES]),
    types_with_proto: await gzippedBundle([TYPES, TYPES_PROTO]),
  };

  printTable(
    [
      { title: "start-up", align: "left" },
      { title: "wall ms min / median / max" },
      { title: "import alone ms (median)" },
      { title: "load1 min / med / max" },
    ],
    rows.map((r) =>
      r.skipped
        ? [r.label, `skipped: ${r.skipped}`, "", ""]
        : [
            r.label,
            fmtRange(r.wall_ms, 1),
            r.inner_ms ? fmt(r.inner_ms.median, 1) : "",
            fmtRange(r.load1, 2),
          ],
    ),
  );
  console.log();
  printTable(
    [
      { title: "@tinker-ts/types browser bundle", align: "left" },
      { title: "minified bytes" },
      { title: "gzip bytes" },
    ],
    [
      ["without /proto", fmt(bundles.types.minified_bytes), fmt(bundles.types.gzip_bytes)],
      ["with /proto", fmt(bundles.types_with_proto.minified_bytes), fmt(bundles.types_with_proto.gzip_bytes)],
    ],
  );
  const help = rows.find((r) => r.label === "tinker --help (ours)");
  const targets = {
    tinker_help_ms: help?.wall_ms
      ? { value: help.wall_ms.median, target: "<= 150 ms", met: help.wall_ms.median <= 150 }
      : { skipped: help?.skipped },
    types_gzip_bytes_without_proto: {
      value: bundles.types.gzip_bytes,
      target: "<= 25 kB (25,000 bytes)",
      met: bundles.types.gzip_bytes <= 25_000,
    },
  };
  for (const [name, t] of Object.entries(targets))
    console.log(
      `target ${name}: ${t.skipped ? `skipped (${t.skipped})` : `${fmt(t.value, 1)} (${t.target}) ${t.met ? "met" : "NOT met"}`}`,
    );
  const result = {
    benchmark: "B5 footprint",
    date: new Date().toISOString(),
    machine: machineInfo(pythonVersionOf(python)),
    settings: { runs, gzip_level: 6 },
    startup: rows,
    bundles,
    targets,
  };
  console.log(`wrote ${writeResults("b5-footprint", result)}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runB5();
