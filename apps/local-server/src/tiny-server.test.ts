import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTokenizer, type Tokenizer } from "@tinker-ts/tokenizer";
import { extract, list as listTar } from "tar";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors } from "./backend/safetensors.js";
import type { LocalServerOptions } from "./options.js";
import { ceDatum, startTestApi, type TestApi } from "./server.test-helpers.js";
import { tinyModelConfig } from "./tiny/config.js";
import { QWEN3_REPO, seedHubCache, tempHfHome, tokenizerFiles } from "./tokenizer.test-helpers.js";

/**
 * The tiny backend behind the real server, driven over plain HTTP as a client would: resuming
 * training from a checkpoint across a restart, stop strings decoded with the base model's real
 * tokenizer, checkpoint archives, and context windows that agree with the catalogue. Tokenizers
 * come from a temporary Hugging Face cache, read offline.
 */

const hf = tempHfHome();
let qwen: Tokenizer;
const scratch: string[] = [];
let api: TestApi | undefined;

beforeAll(async () => {
  const files = tokenizerFiles("qwen3");
  seedHubCache(hf.cacheDir, QWEN3_REPO, files);
  qwen = await loadTokenizer({
    tokenizerJson: files["tokenizer.json"]!,
    tokenizerConfig: files["tokenizer_config.json"],
  });
});
afterEach(async () => {
  await api?.server.close();
  api = undefined;
});
afterAll(async () => {
  hf.remove();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tinker-local-tiny-"));
  scratch.push(dir);
  return dir;
}

/** A server on the tiny backend whose tokenizers come from `cacheDir`, offline. */
async function tinyApi(cacheDir: string, options: LocalServerOptions = {}): Promise<TestApi> {
  api = await startTestApi({ backend: "tiny", tokenizers: { hub: { cacheDir, offline: true } }, ...options });
  return api;
}

async function newSession(a: TestApi): Promise<string> {
  const session = await a.post("/api/v1/create_session", {
    tags: [],
    user_metadata: {},
    sdk_version: "0.38.0",
  });
  return session.json.session_id as string;
}

async function futureResult(a: TestApi, submitted: { json: { request_id: string } }) {
  const result = await a.result(submitted.json.request_id);
  expect(result.json.error).toBeUndefined();
  return result.json;
}

/** Tiny models over a 256-id vocabulary, d = 16: the server path at a fraction of the cost. */
const small: LocalServerOptions = {
  tiny: { configFor: () => tinyModelConfig(256, { hiddenSize: 16, intermediateSize: 32 }) },
};

const batch = [ceDatum([11, 22, 33, 44, 55, 66, 77]), ceDatum([5, 4, 3, 2, 1])];
const adam = {
  learning_rate: 0.05,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weight_decay: 0.01,
  grad_clip_norm: 0,
};

/** forward_backward and optim_step submitted back to back (seq ids `seq`, `seq + 1`); the loss. */
async function step(a: TestApi, modelId: string, seq: number): Promise<number> {
  const fb = await a.fwdbwd(modelId, seq, batch);
  const optim = await a.post("/api/v1/optim_step", { model_id: modelId, seq_id: seq + 1, adam_params: adam });
  const loss = (await futureResult(a, fb)).metrics["loss:sum"] as number;
  await futureResult(a, optim);
  return loss;
}

/** Creates a model from a checkpoint (create-via-load, seq_id 0) and returns its id. */
async function loadModel(a: TestApi, path: string, optimizer: boolean, modelSeqId: number): Promise<string> {
  const sessionId = await newSession(a);
  const load = await a.post("/api/v1/load_weights", {
    session_id: sessionId,
    model_seq_id: modelSeqId,
    path,
    optimizer,
  });
  return (await futureResult(a, load)).model_id as string;
}

function expectFloat32Equal(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(2 ** -23 * Math.abs(expected));
}

describe("tiny backend through the server", () => {
  it("resumes after save_state and a restart exactly as the uninterrupted run continues", async () => {
    const dataDir = await tempDir();
    let a = await tinyApi(hf.cacheDir, { ...small, dataDir });
    const { modelId } = await a.model("Qwen/Qwen3-8B");
    const losses = [await step(a, modelId, 1), await step(a, modelId, 3)];
    const save = await a.post("/api/v1/save_weights", { model_id: modelId, path: "mid", seq_id: 5 });
    const path = (await futureResult(a, save)).path as string;
    const uninterrupted = [await step(a, modelId, 6), await step(a, modelId, 8)];
    expect(uninterrupted[0]).toBeLessThan(losses[0]!);
    await a.server.close();

    a = await tinyApi(hf.cacheDir, { ...small, dataDir });
    const resumed = await loadModel(a, path, true, 0);
    const next = [await step(a, resumed, 1), await step(a, resumed, 3)];
    expectFloat32Equal(next[0]!, uninterrupted[0]!);
    expectFloat32Equal(next[1]!, uninterrupted[1]!);
    // Control: the same weights with a fresh optimizer agree on the first loss only.
    const weightsOnly = await loadModel(a, path, false, 1);
    const fresh = [await step(a, weightsOnly, 1), await step(a, weightsOnly, 3)];
    expectFloat32Equal(fresh[0]!, uninterrupted[0]!);
    expect(Math.abs(fresh[1]! - uninterrupted[1]!)).toBeGreaterThan(1e-3 * Math.abs(uninterrupted[1]!));
  });

  it("stops a sample where its decoded text first contains a stop string, with stop_reason 'stop'", async () => {
    const a = await tinyApi(hf.cacheDir);
    const sessionId = await newSession(a);
    const created = await a.post("/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
    });
    const samplerId = created.json.sampling_session_id as string;
    const prompt = { chunks: [{ type: "encoded_text", tokens: Array.from(qwen.encode("The cat sat on")) }] };
    const sample = async (seqId: number, stop: string | string[] | null) =>
      futureResult(
        a,
        await a.post("/api/v1/asample", {
          sampling_session_id: samplerId,
          seq_id: seqId,
          prompt,
          num_samples: 1,
          sampling_params: { max_tokens: 24, seed: 11, temperature: 1, top_k: -1, top_p: 1, stop },
        }),
      );
    const free = ((await sample(0, null)).sequences[0].tokens as number[]).map(Number);
    // The stop string: the last two characters of the text once token j is added, absent before.
    const texts = free.map((_, i) => qwen.decode(free.slice(0, i + 1)));
    const j = texts.findIndex(
      (text, i) =>
        i >= 3 && !text.endsWith("\uFFFD") && texts.slice(0, i).every((t) => !t.includes(text.slice(-2))),
    );
    expect(j).toBeGreaterThanOrEqual(3);
    const stop = texts[j]!.slice(-2);

    const stopped = (await sample(1, stop)).sequences[0];
    expect(stopped.stop_reason).toBe("stop");
    expect(stopped.tokens.map(Number)).toEqual(free.slice(0, j + 1));
    expect(qwen.decode(stopped.tokens)).toContain(stop);
    expect(qwen.decode(stopped.tokens.slice(0, -1))).not.toContain(stop);
    const asList = (await sample(2, ["\u0000never", stop])).sequences[0];
    expect(asList.tokens.map(Number)).toEqual(free.slice(0, j + 1));
  });

  it("answers stop strings with a 400 when no tokenizer can be loaded, and serves everything else", async () => {
    const empty = tempHfHome();
    scratch.push(empty.home);
    const a = await tinyApi(empty.cacheDir);
    const { modelId } = await a.model("Qwen/Qwen3-8B");
    const loss = await step(a, modelId, 1);
    expect(loss).toBeGreaterThan(0);
    const request = (stop: unknown) => ({
      base_model: "Qwen/Qwen3-8B",
      prompt: { chunks: [{ type: "encoded_text", tokens: [1, 2, 3] }] },
      num_samples: 1,
      sampling_params: { max_tokens: 4, seed: 1, temperature: 1, top_k: -1, top_p: 1, stop },
    });
    const refused = await a.post("/api/v1/asample", request(["\n"]));
    expect(refused.status).toBe(400);
    expect(refused.json.detail).toContain(
      "Stop strings need the tokenizer of Qwen/Qwen3-8B to decode the sampled tokens, and it could not be loaded:",
    );
    expect(refused.json.detail).toContain("HF_HUB_OFFLINE");
    expect(refused.json.detail).toContain("--tokenizer-dir");
    const byIds = await futureResult(a, await a.post("/api/v1/asample", request([151645])));
    expect(byIds.sequences[0].tokens.length).toBeGreaterThan(0);
  });

  it("serves archives of tiny checkpoints with the PEFT files and checkpoint_complete (§8.3)", async () => {
    const a = await tinyApi(hf.cacheDir, small);
    const { modelId } = await a.model("Qwen/Qwen3-8B");
    await step(a, modelId, 1);
    const save = await a.post("/api/v1/save_weights_for_sampler", {
      model_id: modelId,
      path: "final",
      seq_id: 3,
    });
    await futureResult(a, save);
    const route = `/api/v1/training_runs/${modelId}/checkpoints/sampler_weights/final/archive`;
    let response = await a.get(route);
    for (let i = 0; response.status === 503 && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      response = await a.get(route);
    }
    expect(response.status).toBe(302);
    const dir = await tempDir();
    const file = join(dir, "final.tar");
    await writeFile(file, Buffer.from(await (await fetch(response.headers.get("location")!)).arrayBuffer()));
    const names: string[] = [];
    await listTar({ file, onReadEntry: (entry) => names.push(entry.path) });
    expect(names.sort()).toEqual(["adapter_config.json", "adapter_model.safetensors", "checkpoint_complete"]);
    await extract({ file, cwd: dir });
    const config = JSON.parse(await readFile(join(dir, "adapter_config.json"), "utf8"));
    expect(config).toMatchObject({
      peft_type: "LORA",
      r: 8,
      lora_alpha: 32,
      base_model_name_or_path: "Qwen/Qwen3-8B",
    });
    expect((await readFile(join(dir, "checkpoint_complete"))).length).toBe(0);
    const weights = decodeSafetensors(new Uint8Array(await readFile(join(dir, "adapter_model.safetensors"))));
    const b = weights.tensors.get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
    expect(b?.shape).toEqual([16, 8]);
    // One optimizer step moved B away from its zero initialization.
    expect(b!.data.some((v) => v !== 0)).toBe(true);
  });

  it("takes each base model's context window from the catalogue (131,072 tokens for Llama 3.1)", async () => {
    const a = await tinyApi(hf.cacheDir);
    const prompt = { chunks: [{ type: "encoded_text", tokens: [128000, 9906] }] };
    const sample = (maxTokens: number, stop: number[] | null) =>
      a.post("/api/v1/asample", {
        base_model: "meta-llama/Llama-3.1-8B",
        prompt,
        num_samples: 1,
        sampling_params: { max_tokens: maxTokens, temperature: 0, top_k: -1, top_p: 1, stop },
      });
    const greedy = (await futureResult(a, await sample(1, null))).sequences[0].tokens[0] as number;
    // Beyond the core's default of 32,768: accepted, and ends on the greedy token at once.
    const long = await futureResult(a, await sample(131_072 - 2, [greedy]));
    expect(long.sequences[0]).toMatchObject({ tokens: [greedy], stop_reason: "stop" });
    const tooLong = await sample(131_072 - 1, null);
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.detail).toBe(
      "Prompt length plus max_tokens exceeds the model's context window: 2 prompt tokens + 131071 max_tokens > 131072.",
    );
  });
});
