import { runCli } from "./cli.js";

// The only place that exits the process (STYLE.md, CLI).
process.exitCode = await runCli(process.argv.slice(2));
