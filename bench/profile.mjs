// CPU profile of one of our benchmark drivers: runs bench/drivers/ours.mjs (or raw-sample.mjs)
// under `node --cpu-prof` against a tinker-local in another process, then prints where the
// client's CPU went — self time by package/area and the top functions — so that a gap to a target
// can be explained with numbers (bench/README.md, "Profiles").
//
//   node bench/profile.mjs [--driver ours|raw] [--mode sample|pipeline] [--n 5000] [--concurrency 512]
//                          [--top 25] [--keep DIR]

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { arg, fmt, load1, printTable, root } from "./lib/common.mjs";
import { driverEnv, runDriver, startServer } from "./lib/processes.mjs";

/** Which part of the client a script URL belongs to. */
function area(url) {
  if (!url) return "(native / GC / idle)";
  const pkg = /packages\/([^/]+)\/dist/.exec(url);
  if (pkg) return `@tinker-ts/${pkg[1]}`;
  const dep = /node_modules\/\.pnpm\/([^/]+?)@/.exec(url) ?? /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1].replace("+", "/");
  if (url.startsWith("node:")) return "node internals";
  if (url.includes("bench/drivers")) return "benchmark driver";
  return url;
}

/** Self time per node of a V8 .cpuprofile, in ms; each node gets a `parent` link. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const child of n.children ?? []) byId.get(child).parent = n;
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  return [...self].map(([id, ms]) => ({ node: byId.get(id), ms }));
}

export async function profile() {
  const driver = arg("driver", "ours");
  const mode = arg("mode", "sample");
  const n = Number(arg("n", 5000));
  const concurrency = Number(arg("concurrency", 512));
  const top = Number(arg("top", 25));
  const dir = arg("keep") ?? mkdtempSync(join(tmpdir(), "tinker-bench-prof-"));
  const script = join(root, "bench/drivers", driver === "raw" ? "raw-sample.mjs" : "ours.mjs");
  const server = await startServer();
  const { env, cleanup } = driverEnv();
  const load = load1();
  try {
    await runDriver(
      process.execPath,
      ["--cpu-prof", "--cpu-prof-dir", dir, script],
      {
        mode,
        base_url: server.url,
        n,
        concurrency,
        warmup: 500,
        steps: 100,
        reps: 1,
        datums: 8,
        tokens: 256,
      },
      { env },
    );
  } finally {
    cleanup();
    await server.close();
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  const data = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const entries = selfTimes(data).filter((e) => e.node.callFrame.functionName !== "(idle)");
  const total = entries.reduce((s, e) => s + e.ms, 0);

  const byArea = new Map();
  const byFunction = new Map();
  const byOwnCaller = new Map();
  const label = (frame) =>
    `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*?packages\//, "packages/")}:${frame.lineNumber + 1}`;
  for (const { node, ms } of entries) {
    // Charge the sample to the nearest frame of our own packages on its stack: what our code caused.
    let own = node;
    while (own && !/packages\/[^/]+\/dist/.test(own.callFrame.url)) own = own.parent;
    const ownKey = own ? label(own.callFrame) : "(no @tinker-ts frame on the stack)";
    byOwnCaller.set(ownKey, (byOwnCaller.get(ownKey) ?? 0) + ms);
    const { functionName, url, lineNumber } = node.callFrame;
    const a = ["(garbage collector)", "(program)"].includes(functionName) ? functionName : area(url);
    byArea.set(a, (byArea.get(a) ?? 0) + ms);
    const key = `${functionName || "(anonymous)"} ${url ? `${url.replace(/^.*?(packages|node_modules|bench)\//, "$1/")}:${lineNumber + 1}` : ""}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
  }
  console.log(
    `profile of ${driver} ${mode}, n=${n}, concurrency ${concurrency}, load ${load}: ${fmt(total, 0)} ms of non-idle CPU samples on the main thread`,
  );
  const rows = (map, limit) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([k, ms]) => [k, fmt(ms, 0), fmt((100 * ms) / total, 1)]);
  printTable([{ title: "area", align: "left" }, { title: "self ms" }, { title: "%" }], rows(byArea, 20));
  console.log();
  printTable(
    [{ title: "function", align: "left" }, { title: "self ms" }, { title: "%" }],
    rows(byFunction, top),
  );
  console.log();
  printTable(
    [
      { title: "nearest @tinker-ts frame (inclusive of callees)", align: "left" },
      { title: "ms" },
      { title: "%" },
    ],
    rows(byOwnCaller, top),
  );
  if (!arg("keep")) rmSync(dir, { recursive: true, force: true });
  else console.log(`profile kept in ${dir}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await profile();
