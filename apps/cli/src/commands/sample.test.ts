import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNullBackend } from "@tinker-ts/local-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess, startTestServer, type TestServer, testEnv } from "../cli.test-helpers.js";
import { qwenHfHome } from "../hf-cache.test-helpers.js";
import { expectSchema } from "../schema.test-helpers.js";
import { checkSampleFlags, samplingParams } from "./sample.js";

let srv: TestServer;
let work: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  srv = await startTestServer();
  work = await mkdtemp(join(tmpdir(), "tinker-cli-sample-"));
  env = testEnv(srv.url, qwenHfHome());
});

afterAll(async () => {
  await srv.close();
  await rm(work, { recursive: true, force: true });
});

const run = (args: string[], stdin?: string[]) =>
  runInProcess(args, { env, cwd: work, ...(stdin ? { stdin } : {}) });

describe("tinker sample's text", () => {
  it("leaves out special tokens such as <|im_end|> unless --keep-special-tokens", async () => {
    // A backend whose every sample is "Hello" then Qwen3's end-of-turn token.
    const backend = createNullBackend();
    backend.sample = async () => [
      { tokens: Int32Array.of(9707, 151645), logprobs: Float32Array.of(-1, -1), stop_reason: "stop" },
    ];
    const server = await startTestServer({ backend });
    try {
      const args = ["sample", "--base-model", "Qwen/Qwen3-8B", "--prompt", "Hi"];
      const envHere = testEnv(server.url, qwenHfHome());
      const plain = await runInProcess(args, { env: envHere, cwd: work });
      expect(plain.stderr).toBe("");
      expect(plain.stdout).toBe("Hello\n");
      const kept = await runInProcess([...args, "--keep-special-tokens"], { env: envHere, cwd: work });
      expect(kept.stdout).toBe("Hello<|im_end|>\n");
    } finally {
      await server.close();
    }
  });
});

describe("tinker sample", () => {
  it("tokenizes with the model's tokenizer, samples and prints the decoded text", async () => {
    const { code, stdout, stderr } = await run([
      "sample",
      "--base-model",
      "Qwen/Qwen3-8B",
      "--prompt",
      "Hello, world",
      "--max-tokens",
      "8",
      "--seed",
      "3",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(1);
    const json = JSON.parse(
      (
        await run([
          "--json",
          "sample",
          "--base-model",
          "Qwen/Qwen3-8B",
          "--prompt",
          "Hello, world",
          "--max-tokens",
          "8",
          "--seed",
          "3",
        ])
      ).stdout,
    );
    expectSchema("sample", json);
    // Qwen3's ids for "Hello, world" (no BOS token for Qwen).
    expect(json.prompt_tokens).toEqual([9707, 11, 1879]);
    expect(json.samples).toHaveLength(1);
    expect(json.samples[0].tokens).toHaveLength(8);
    expect(json.samples[0].logprobs).toHaveLength(8);
    // The same seed gives the same text in both formats.
    expect(stdout).toBe(`${json.samples[0].text}\n`);
  });

  it("draws several samples, reading the prompt from a file or stdin", async () => {
    await writeFile(join(work, "prompt.txt"), "Once upon a time");
    const { code, stdout } = await run([
      "sample",
      "--base-model",
      "Qwen/Qwen3-8B",
      "--prompt-file",
      "prompt.txt",
      "--num-samples",
      "2",
      "--max-tokens",
      "4",
      "--temperature",
      "0.7",
      "--top-p",
      "0.9",
      "--top-k",
      "50",
      "--stop",
      "\n",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^--- sample 1 \((length|stop)\) ---\n[\s\S]*\n--- sample 2 \((length|stop)\) ---\n/,
    );
    const fromStdin = JSON.parse(
      (
        await run(
          ["--json", "sample", "--base-model", "Qwen/Qwen3-8B", "--prompt-file", "-", "--max-tokens", "2"],
          ["Once upon a time"],
        )
      ).stdout,
    );
    expect(fromStdin.prompt_tokens).toEqual([12522, 5193, 264, 882]);
  });

  it("samples from a sampler checkpoint given by --model-path", async () => {
    const session = await srv.session();
    const model = await srv.model(session);
    const path = await srv.save(model, "policy", "sampler");
    const json = JSON.parse(
      (await run(["--json", "sample", "--model-path", path, "--prompt", "Hi", "--max-tokens", "3"])).stdout,
    );
    expectSchema("sample", json);
    expect(json).toMatchObject({ base_model: null, model_path: path });
  });

  it("refuses flag combinations that cannot work (exit 2)", async () => {
    const cases: [string[], string][] = [
      [["--prompt", "x"], "Specify exactly one of --base-model and --model-path"],
      [
        ["--base-model", "m", "--model-path", "tinker://r/sampler_weights/a", "--prompt", "x"],
        "exactly one of --base-model",
      ],
      [["--base-model", "m"], "Specify exactly one of --prompt and --prompt-file"],
      [["--model-path", "r/sampler_weights/a", "--prompt", "x"], "Invalid model path"],
      [["--base-model", "m", "--prompt", ""], "The prompt is empty"],
      [["--base-model", "m", "--prompt", "x", "--max-tokens", "0"], "--max-tokens must be an integer ≥ 1"],
      [["--base-model", "m", "--prompt", "x", "--temperature", "hot"], "--temperature must be a number"],
    ];
    for (const [args, message] of cases) {
      const result = await run(["sample", ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it("maps a model the server does not have", async () => {
    const { code, stderr } = await run(["sample", "--base-model", "nobody/none", "--prompt", "x"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Error: (Invalid request|Resource not found)/);
  });
});

describe("sample helpers", () => {
  it("passes only the sampling parameters that were given", () => {
    expect(samplingParams({ numSamples: 1 })).toEqual({});
    expect(samplingParams({ numSamples: 1, maxTokens: 5, topK: -1, stop: ["x"], seed: 0 })).toEqual({
      max_tokens: 5,
      top_k: -1,
      stop: ["x"],
      seed: 0,
    });
    expect(checkSampleFlags({ numSamples: 1, baseModel: "m", prompt: "p" })).toEqual({ baseModel: "m" });
  });
});
