import { type CliIo, runCli } from "@tinker-ts/cli";
import { ServiceClient } from "@tinker-ts/clients";
import { startLocalServer } from "@tinker-ts/local-server";
import { check, type Stage } from "../stage.js";

function captured(
  env: Record<string, string>,
): CliIo & { stdout: { text: string }; stderr: { text: string } } {
  const stream = () => {
    const sink = {
      text: "",
      isTTY: false,
      columns: undefined,
      write: (t: string) => {
        sink.text += t;
      },
    };
    return sink;
  };
  return {
    stdout: stream(),
    stderr: stream(),
    stdinIsTTY: false,
    readLine: async () => undefined,
    readAll: async () => "",
    env,
    cwd: process.cwd(),
    now: () => Date.now(),
  };
}

/** The `tinker` command in-process against an embedded tinker-local: JSON output and exit codes. */
export const cliStage: Stage = {
  name: "cli",
  description:
    "`tinker version`, `run list`, `checkpoint list` (JSON) and a usage error's exit code 2, in-process",
  async run() {
    const server = await startLocalServer({ port: 0, logLevel: "silent" });
    const env = { TINKER_BASE_URL: server.url, TINKER_API_KEY: "tml-smoke" };
    const service = new ServiceClient({
      baseUrl: server.url,
      apiKey: env.TINKER_API_KEY,
      env: {},
      credentialsFile: false,
      telemetry: false,
    });
    try {
      const training = await service.createLoraTrainingClient({ baseModel: "Qwen/Qwen3-8B", rank: 4 });
      const saved = await training.saveState("smoke-cli");
      const runId = saved.path.split("/")[2]!;

      const version = captured(env);
      check((await runCli(["version"], version)) === 0, "`tinker version` failed");
      check(
        version.stdout.text.startsWith("tinker "),
        `unexpected version output ${JSON.stringify(version.stdout.text)}`,
      );

      const runs = captured(env);
      check(
        (await runCli(["--format", "json", "run", "list"], runs)) === 0,
        `\`tinker run list\` failed: ${runs.stderr.text}`,
      );
      const runList = JSON.parse(runs.stdout.text) as { runs: Array<{ training_run_id: string }> };
      check(
        runList.runs.some((r) => r.training_run_id === runId),
        `run list does not show ${runId}`,
      );

      const checkpoints = captured(env);
      check(
        (await runCli(["--format", "json", "checkpoint", "list", "--run-id", runId], checkpoints)) === 0,
        `\`tinker checkpoint list\` failed: ${checkpoints.stderr.text}`,
      );
      const listed = JSON.parse(checkpoints.stdout.text) as { checkpoints: Array<{ tinker_path: string }> };
      check(
        listed.checkpoints.some((c) => c.tinker_path === saved.path),
        `checkpoint list does not show ${saved.path}`,
      );

      const usage = captured(env);
      check((await runCli(["run", "list", "--limit", "many"], usage)) === 2, "a bad --limit did not exit 2");
      return `version, run list (${runList.runs.length} run), checkpoint list (${listed.checkpoints.length}) as JSON; usage error exits 2`;
    } finally {
      await service.close();
      await server.close();
    }
  },
};
