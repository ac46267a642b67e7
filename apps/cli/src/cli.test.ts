import { FakeClock } from "@tinker-ts/test-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, runInProcess, startTestServer, type TestServer, testEnv } from "./cli.test-helpers.js";
import { expectAligned, stripAnsi, tableHeader, tableLines } from "./output/table.test-helpers.js";
import { expectSchema } from "./schema.test-helpers.js";
import { CLI_VERSION } from "./version.js";

let srv: TestServer;
let runId = "";

beforeAll(async () => {
  srv = await startTestServer();
  runId = await srv.model(await srv.session());
});

afterAll(async () => {
  await srv.close();
});

const env = () => testEnv(srv.url);

describe("help, version and usage errors", () => {
  it("prints help on stdout and exits 0", async () => {
    const { code, stdout, stderr } = await runInProcess(["--help"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("Usage: tinker [options] [command]");
    for (const command of [
      "version",
      "whoami",
      "run",
      "checkpoint",
      "session",
      "billing",
      "sample",
      "local",
    ]) {
      expect(stdout).toMatch(new RegExp(`\\n  ${command}\\b`));
    }
    const sub = await runInProcess(["checkpoint", "delete", "--help"]);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("--before <date>");
    expect(sub.stdout).not.toContain("help [command]");
  });

  it("prints the version as text, JSON or with --version", async () => {
    expect(await runInProcess(["version"])).toEqual({
      code: 0,
      stdout: `tinker ${CLI_VERSION}\n`,
      stderr: "",
    });
    expect(await runInProcess(["--version"])).toEqual({ code: 0, stdout: `${CLI_VERSION}\n`, stderr: "" });
    const json = JSON.parse((await runInProcess(["--json", "version"])).stdout);
    expectSchema("version", json);
    expect(json.version).toBe(CLI_VERSION);
  });

  it("exits 2 on an unknown command, option, or a group without its subcommand", async () => {
    const unknown = await runInProcess(["runs", "list"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain("Error: Unknown command 'runs'");
    expect(unknown.stderr).toContain("Did you mean run?");
    const option = await runInProcess(["run", "list", "--bogus"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Error: Unknown option '--bogus'");
    const group = await runInProcess(["checkpoint"]);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain("Usage: tinker checkpoint");
    expect(group.stderr).toContain("Error: A subcommand is required");
    const badFormat = await runInProcess(["--format", "yaml", "version"]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain("Allowed choices are table, json");
  });

  it("shows the help on stderr and exits 2 without a command", async () => {
    const { code, stdout, stderr } = await runInProcess([]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("Usage: tinker [options] [command]");
  });

  it("prints usage errors as JSON on stderr in JSON mode", async () => {
    const { code, stdout, stderr } = await runInProcess(["--format=json", "run", "list", "--limit", "-1"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const error = JSON.parse(stderr);
    expectSchema("error", error);
    expect(error.error).toMatchObject({ type: "UsageError", exit_code: 2, status: null, request_id: null });
    expect(error.error.message).toContain("--limit must be an integer ≥ 0");
  });

  it("refuses an API key given as a flag, without echoing it", async () => {
    for (const flag of [
      ["--api-key", "tml-secret-1"],
      ["--api-key=tml-secret-1"],
      ["--api_key", "tml-secret-1"],
    ]) {
      const { code, stdout, stderr } = await runInProcess([...flag, "run", "list"], { env: env() });
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain("Error: API keys are not accepted as command-line flags");
      expect(stderr).toContain("TINKER_API_KEY");
      expect(stderr).not.toContain("tml-secret-1");
    }
  });
});

describe("credentials", () => {
  it("fails with what to do when no key is set (exit 1, nothing sent)", async () => {
    const { code, stdout, stderr } = await runInProcess(["run", "list"], {
      env: { ...env(), TINKER_API_KEY: undefined },
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "Error: No API key found\nSet TINKER_API_KEY (or TINKER_CREDENTIAL_CMD), or pipe the key on stdin with --api-key-stdin. Keys are never taken as flags.\n",
    );
  });

  it("reads the key from the first line of stdin with --api-key-stdin", async () => {
    const ok = await runInProcess(["--api-key-stdin", "--json", "run", "info", runId], {
      env: { ...env(), TINKER_API_KEY: undefined },
      stdin: [`  ${API_KEY}  `],
    });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).training_run_id).toBe(runId);
    const empty = await runInProcess(["--api-key-stdin", "run", "list"], { env: env(), stdin: [] });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("Error: No API key on stdin");
  });

  it("maps a key the server rejects to 'Authentication failed' (401)", async () => {
    const { code, stdout, stderr } = await runInProcess(["run", "list"], {
      env: { ...env(), TINKER_API_KEY: "tml-wrong" },
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("Error: Authentication failed");
    expect(stderr).toContain("Please check your API key or authentication credentials (TINKER_API_KEY).");
    expect(stderr).not.toContain("tml-wrong");
  });

  it("maps a malformed key to a configuration error", async () => {
    const { code, stderr } = await runInProcess(["run", "list"], {
      env: { ...env(), TINKER_API_KEY: "sk-nope" },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Error: (Configuration error|Invalid input): /);
    expect(stderr).not.toContain("sk-nope");
  });
});

describe("--base-url", () => {
  it("takes precedence over TINKER_BASE_URL", async () => {
    const { code, stdout } = await runInProcess(["--json", "--base-url", srv.url, "run", "info", runId], {
      env: { ...env(), TINKER_BASE_URL: "http://127.0.0.1:9" },
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).training_run_id).toBe(runId);
  });
});

describe("server failures (the SDK's retries run on a fake clock, so they take no time)", () => {
  it("maps a server that is down to 'Connection failed'", async () => {
    const down = await startTestServer();
    const url = down.url;
    await down.close();
    const clock = new FakeClock();
    const { code, stdout, stderr } = await runInProcess(["run", "list"], { env: testEnv(url), clock });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("Error: Connection failed");
    expect(stderr).toContain("TINKER_BASE_URL");
    expect(clock.sleeps.length).toBeGreaterThan(5);
  });

  it("maps a 429 storm to 'Rate limit exceeded' once the retry budget is spent", async () => {
    const storm = await startTestServer({ faults: { seed: 1, rules: [{ endpoint: "*", rate_limit: 1 }] } });
    try {
      const clock = new FakeClock();
      const { code, stdout, stderr } = await runInProcess(["--json", "run", "list"], {
        env: testEnv(storm.url),
        clock,
      });
      expect(code).toBe(1);
      expect(stdout).toBe("");
      const error = JSON.parse(stderr);
      expectSchema("error", error);
      expect(error.error).toMatchObject({
        message: "Rate limit exceeded",
        status: 429,
        type: "RateLimitError",
      });
      expect(error.error.details).toContain("Please wait a moment before trying again.");
      expect(clock.sleeps.length).toBeGreaterThan(5);
    } finally {
      await storm.close();
    }
  });

  it("maps persistent 500s to 'Internal server error'", async () => {
    const broken = await startTestServer({
      faults: { seed: 2, rules: [{ endpoint: "*", server_error: 1 }] },
    });
    try {
      const { code, stderr } = await runInProcess(["run", "info", "x"], {
        env: testEnv(broken.url),
        clock: new FakeClock(),
      });
      expect(code).toBe(1);
      expect(stderr).toContain("Error: Internal server error");
      expect(stderr).toContain("The Tinker API encountered an internal error. Please try again later.");
    } finally {
      await broken.close();
    }
  });

  it("prints the stack trace only with --debug", async () => {
    const plain = await runInProcess(["run", "info", "missing"], { env: env() });
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await runInProcess(["--debug", "run", "info", "missing"], { env: env() });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/NotFoundError: .*\n\s+at /);
  });
});

describe("interruption", () => {
  it("cancels in-flight work on SIGINT and exits 130", async () => {
    const slow = await startTestServer({
      faults: {
        seed: 3,
        rules: [{ endpoint: "/api/v1/training_runs", latency_ms: 30_000, latency_probability: 1 }],
      },
    });
    try {
      const controller = new AbortController();
      const pending = runInProcess(["run", "list"], { env: testEnv(slow.url), signal: controller.signal });
      // Abort once the listing request is being held by the server.
      for (;;) {
        const faults = (await slow.call("GET", "/_admin/faults")) as {
          counters: { latency_injections: number };
        };
        if (faults.counters.latency_injections > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      controller.abort();
      const { code, stdout, stderr } = await pending;
      expect(code).toBe(130);
      expect(stdout).toBe("");
      expect(stderr).toBe("Error: Interrupted\n");
    } finally {
      await slow.close();
    }
  });
});

describe("tinker whoami", () => {
  it("shows the identity of the JWT the client holds", async () => {
    const jwt = await startTestServer({ jwtAuth: true });
    try {
      const { code, stdout } = await runInProcess(["whoami"], { env: testEnv(jwt.url) });
      expect(code).toBe(0);
      expect(tableLines(stdout)).toContainEqual(["Email", expect.stringMatching(/^user-\w+@tinker\.local$/)]);
      const json = JSON.parse((await runInProcess(["--json", "whoami"], { env: testEnv(jwt.url) })).stdout);
      expectSchema("whoami", json);
      expect(json.user_urn).toMatch(/^user-/);
    } finally {
      await jwt.close();
    }
  });

  it("fails clearly when the server has JWT auth off and the key is a plain key", async () => {
    const { code, stderr } = await runInProcess(["whoami"], { env: env() });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Error: .*whoami/i);
  });
});

describe("terminal output", () => {
  it("colours and fits tables on a terminal, and not with --no-color or NO_COLOR", async () => {
    const tty = { columns: 60 };
    const coloured = await runInProcess(["run", "list", "-c", "id,model,owner,updated"], { env: env(), tty });
    expect(coloured.stdout).toContain("\u001b[96m");
    expect(expectAligned(coloured.stdout)).toBeLessThanOrEqual(60);
    // 60 columns are too few for every header on one line: some wrap under themselves.
    expect(tableLines(coloured.stdout)[0]).not.toEqual(tableHeader(coloured.stdout));
    expect(tableHeader(coloured.stdout)).toEqual(["Run ID", "Base Model", "Owner", "Last Update"]);
    const plain = await runInProcess(["--no-color", "run", "list", "-c", "id,model,owner,updated"], {
      env: env(),
      tty,
    });
    expect(plain.stdout).not.toContain("\u001b");
    expect(plain.stdout).toBe(stripAnsi(coloured.stdout));
    const noColor = await runInProcess(["run", "list"], { env: { ...env(), NO_COLOR: "1" }, tty });
    expect(noColor.stdout).not.toContain("\u001b");
  });
});
