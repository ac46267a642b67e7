#!/usr/bin/env node
// `node tools/ci/no-warnings.mjs <command> [args…]`: runs the command, shows its output as it
// comes, and fails when the command fails or printed a warning (tools/ci/warnings.mjs), listing
// them. .ci/run wraps the fresh install and the first build with it: both must be silent.
import { spawn } from "node:child_process";
import { warningLines } from "./warnings.mjs";

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  console.error("usage: node tools/ci/no-warnings.mjs <command> [args…]");
  process.exit(2);
}
let output = "";
const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
child.stdout.on("data", (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.stderr.on("data", (chunk) => {
  output += chunk;
  process.stderr.write(chunk);
});
child.on("close", (code, signal) => {
  const warnings = warningLines(output);
  const what = [command, ...args].join(" ");
  if (code !== 0) {
    console.error(`[no-warnings] ${what} failed (${signal ?? `exit ${code}`})`);
    process.exit(1);
  }
  if (warnings.length > 0) {
    console.error(`[no-warnings] ${what} printed ${warnings.length} warning line(s):`);
    for (const line of warnings) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`[no-warnings] ${what}: no warnings`);
});
