/**
 * `pnpm examples [name…]`: runs the named examples (default: all of them) one after another and
 * prints a summary; exit code 1 when one failed. Each example is also a program of its own:
 * `pnpm exec tsx --conditions=@tinker-ts/source sft-basic/main.ts`.
 */
import { EXAMPLES } from "./index.js";

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in EXAMPLES));
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown example(s): ${unknown.join(", ")}. Examples: ${Object.keys(EXAMPLES).join(", ")}.\n`,
  );
  process.exit(2);
}
const outcomes: string[] = [];
for (const name of wanted.length > 0 ? wanted : Object.keys(EXAMPLES)) {
  process.stdout.write(`\n== ${name} ==\n`);
  const start = performance.now();
  try {
    await EXAMPLES[name as keyof typeof EXAMPLES]();
    outcomes.push(`PASS  ${name}  (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  } catch (error) {
    outcomes.push(`FAIL  ${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
process.stdout.write(`\n${outcomes.join("\n")}\n`);
