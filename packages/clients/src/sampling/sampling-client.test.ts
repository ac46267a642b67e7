import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PromiseExpiredError } from "@tinker-ts/futures";
import { BadRequestError, NotFoundError } from "@tinker-ts/http";
import { FakeClock, settle } from "@tinker-ts/test-server";
import { TokenizerOfflineError } from "@tinker-ts/tokenizer";
import {
  InvalidInputError,
  modelInputFromInts,
  promptLogprobsList,
  sampledLogprobsList,
  sampledTokensList,
  TinkerError,
  topkPromptLogprobsList,
} from "@tinker-ts/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sharedSampleDispatcher } from "./dispatch.js";
import { openSamplingClient } from "./open.js";
import { DEFAULT_RETRY_CONFIG, StuckRequestsError } from "./retry-handler.js";
import {
  BASE_MODEL,
  type HarnessOptions,
  type SamplingHarness,
  startSamplingHarness,
} from "./sampling.test-helpers.js";
import { SamplingClient } from "./sampling-client.js";
import { RETRY_HANDLER_CACHE_SIZE, retryHandlerFor, sampleCancelQueueFor } from "./shared.js";

const ASAMPLE = "/api/v1/asample";
const POLL = "/api/v1/retrieve_future";

let harness: SamplingHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function setup(
  options: HarnessOptions = {},
): Promise<{ h: SamplingHarness; sampler: SamplingClient; id: string }> {
  harness = await startSamplingHarness(options);
  const id = await harness.newSamplingSession();
  return {
    h: harness,
    sampler: new SamplingClient({ context: harness.context, samplingSessionId: id, baseModel: BASE_MODEL }),
    id,
  };
}

interface RecordedLine {
  path: string;
  headers: Record<string, string>;
  body: string;
}

async function recordedRequests(file: string, path: string): Promise<RecordedLine[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordedLine)
    .filter((line) => line.path === path);
}

const prompt = modelInputFromInts([11, 22, 33, 44, 55]);

describe("SamplingClient against tinker-local", () => {
  it("samples several sequences, addressing the sampler by session id and seq_ids from 0", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sampling-record-"));
    const recordFile = join(dir, "requests.jsonl");
    try {
      const { sampler, id } = await setup({ server: { recordFile } });
      const stopTokens = Array.from({ length: 1000 }, (_, i) => i);
      const first = await sampler.sample(prompt, {
        numSamples: 3,
        samplingParams: { max_tokens: 8, seed: 7, stop: stopTokens },
      });
      expect(first.sequences).toHaveLength(3);
      for (const sequence of first.sequences) {
        // Every id in the vocabulary is a stop token, so each sample stops at its first token.
        expect(sequence.stop_reason).toBe("stop");
        expect(sampledTokensList(sequence)).toHaveLength(1);
        expect(stopTokens).toContain(sampledTokensList(sequence)[0]);
        expect(sampledLogprobsList(sequence)).toHaveLength(1);
      }
      const second = await sampler.sample(prompt, {
        samplingParams: { max_tokens: 5, temperature: 0.5, stop: ["\n", "END"] },
      });
      expect(second.sequences).toHaveLength(1);
      expect(second.sequences[0]!.stop_reason).toBe("length");
      expect(second.sequences[0]!.tokens).toHaveLength(5);

      await vi.waitFor(async () => expect(await recordedRequests(recordFile, ASAMPLE)).toHaveLength(2));
      const [a, b] = await recordedRequests(recordFile, ASAMPLE);
      expect(a!.headers["x-tinker-sampling-backpressure"]).toBe("1");
      expect(a!.headers["x-sdk-method"]).toBe("SamplingClient.sample");
      // The polls of both samples are attributed to sample() too, as Python 0.38's are.
      await vi.waitFor(async () =>
        expect((await recordedRequests(recordFile, POLL)).length).toBeGreaterThanOrEqual(2),
      );
      const polls = await recordedRequests(recordFile, POLL);
      expect(new Set(polls.map((poll) => poll.headers["x-sdk-method"]))).toEqual(
        new Set(["SamplingClient.sample"]),
      );
      const bodyA = JSON.parse(a!.body);
      const bodyB = JSON.parse(b!.body);
      expect(bodyA).toMatchObject({
        sampling_session_id: id,
        seq_id: 0,
        num_samples: 3,
        prompt_logprobs: false,
      });
      expect(bodyA.sampling_params.stop).toEqual(stopTokens);
      expect(bodyA.base_model).toBeUndefined();
      expect(bodyB).toMatchObject({ seq_id: 1, num_samples: 1 });
      expect(bodyB.sampling_params).toEqual({
        max_tokens: 5,
        stop: ["\n", "END"],
        temperature: 0.5,
        top_k: -1,
        top_p: 1,
      });
      // Python-exact floats: the default top_p goes out as 1.0.
      expect(b!.body).toContain('"top_p":1.0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("returns prompt logprobs (null first) and top-k rows, and computeLogprobs agrees", async () => {
    const { sampler } = await setup();
    const result = await sampler.sample(prompt, {
      samplingParams: { max_tokens: 2 },
      includePromptLogprobs: true,
      topkPromptLogprobs: 3,
    });
    const logprobs = promptLogprobsList(result)!;
    expect(logprobs).toHaveLength(5);
    expect(logprobs[0]).toBeNull();
    for (const value of logprobs.slice(1)) expect(value).toBeLessThan(0);
    const rows = topkPromptLogprobsList(result)!;
    expect(rows).toHaveLength(5);
    expect(rows[0]).toBeNull();
    for (const row of rows.slice(1)) {
      expect(row).toHaveLength(3);
      for (const [token, logprob] of row!) {
        expect(Number.isInteger(token)).toBe(true);
        expect(logprob).toBeLessThan(0);
      }
    }

    const scored = await sampler.computeLogprobs(prompt);
    expect(scored).toEqual(logprobs);
  });

  it("knows its base model from creation: fetched once for a sampler opened without it, never after", async () => {
    const { h, id } = await setup();
    const samplers = () => h.serverLog.filter((line) => line.path.startsWith("/api/v1/samplers/"));
    const known = await openSamplingClient(h.context, {
      samplingSessionId: id,
      baseModel: "given/model",
      sdkMethod: "Test.open",
    });
    expect(known.getBaseModel()).toBe("given/model");
    expect(samplers()).toHaveLength(0);

    const fetched = await openSamplingClient(h.context, { samplingSessionId: id, sdkMethod: "Test.open" });
    expect(samplers().map((line) => line.path)).toEqual([`/api/v1/samplers/${id}`]);
    expect(fetched.getBaseModel()).toBe(BASE_MODEL);
    expect(fetched.getBaseModel()).toBe(BASE_MODEL);
    expect(samplers()).toHaveLength(1);

    await expect(
      openSamplingClient(h.context, { samplingSessionId: "nope:sample:9", sdkMethod: "Test.open" }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("loads the tokenizer of the base model through the tokenizer package", async () => {
    const { sampler } = await setup();
    const cacheDir = await mkdtemp(join(tmpdir(), "sampling-hf-"));
    try {
      await expect(sampler.getTokenizer({ cacheDir, offline: true })).rejects.toBeInstanceOf(
        TokenizerOfflineError,
      );
      const commit = "0123456789abcdef0123456789abcdef01234567";
      const repo = join(cacheDir, "models--Qwen--Qwen3-8B");
      await mkdir(join(repo, "refs"), { recursive: true });
      await mkdir(join(repo, "snapshots", commit), { recursive: true });
      await writeFile(join(repo, "refs", "main"), commit);
      await writeFile(
        join(repo, "snapshots", commit, "tokenizer.json"),
        JSON.stringify({
          version: "1.0",
          truncation: null,
          padding: null,
          added_tokens: [],
          normalizer: null,
          pre_tokenizer: { type: "Whitespace" },
          post_processor: null,
          decoder: null,
          model: { type: "WordLevel", vocab: { hello: 0, world: 1, "[UNK]": 2 }, unk_token: "[UNK]" },
        }),
      );
      const tokenizer = await sampler.getTokenizer({ cacheDir, offline: true });
      expect(Array.from(tokenizer.encode("hello world", { addSpecialTokens: false }))).toEqual([0, 1]);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it("rejects bad input before sending anything", async () => {
    const { h, sampler } = await setup();
    const bad: Array<[() => unknown, string]> = [
      [() => sampler.sample(modelInputFromInts([]), { samplingParams: {} }), "prompt.chunks"],
      [() => sampler.sample({ chunks: [] }, { samplingParams: {} }), "prompt.chunks"],
      [() => sampler.computeLogprobs(modelInputFromInts([])), "prompt.chunks"],
      [() => sampler.sample(prompt, { samplingParams: { max_tokens: -1 } }), "samplingParams.max_tokens"],
      [() => sampler.sample(prompt, { samplingParams: { temperature: -0.1 } }), "samplingParams.temperature"],
      [() => sampler.sample(prompt, { samplingParams: { top_p: 0 } }), "samplingParams.top_p"],
      [() => sampler.sample(prompt, { samplingParams: { top_k: 0 } }), "samplingParams.top_k"],
      [() => sampler.sample(prompt, { numSamples: 0, samplingParams: {} }), "numSamples"],
    ];
    for (const [call, path] of bad) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, path).toBeInstanceOf(InvalidInputError);
      expect((thrown as InvalidInputError).path).toBe(path);
    }
    // An image pointer is a valid sampling prompt; the encoder still checks the chunk itself.
    expect(() =>
      sampler.sample(
        {
          chunks: [
            { type: "encoded_text", tokens: Int32Array.of(1) },
            { type: "image_asset_pointer", format: "png", location: 7 as unknown as string },
          ],
        },
        { samplingParams: {} },
      ),
    ).toThrow(InvalidInputError);
    await settle();
    expect(h.requestsTo(ASAMPLE)).toHaveLength(0);
  });

  it("shares a 1 s backoff after a 429 with every sampler of the server, on the client clock", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const { h, sampler } = await setup({ clock });
    const other = new SamplingClient({
      context: h.context,
      samplingSessionId: await h.newSamplingSession(),
      baseModel: BASE_MODEL,
    });
    await h.admin("PUT", "/_admin/faults", { rules: [{ endpoint: ASAMPLE, rate_limit: 1 }] });

    const first = sampler.sample(prompt, { samplingParams: { max_tokens: 1 } });
    await vi.waitFor(() => expect(h.requestsTo(ASAMPLE)).toHaveLength(1));
    const dispatcher = sharedSampleDispatcher(h.http, h.context.clientConfig);
    await vi.waitFor(() => expect(dispatcher.backoffUntil).toBe(clock.now() + 1000));
    expect(h.requestsTo(ASAMPLE)[0]!.status).toBe(429);

    // The other sampler waits out the same deadline instead of submitting.
    const second = other.sample(prompt, { samplingParams: { max_tokens: 1 } });
    await settle(20);
    expect(h.requestsTo(ASAMPLE)).toHaveLength(1);
    expect(dispatcher.isThrottled()).toBe(true);

    await h.admin("PUT", "/_admin/faults", { rules: [] });
    await clock.advance(999);
    expect(h.requestsTo(ASAMPLE)).toHaveLength(1);
    await clock.advance(1);
    const [a, b] = await Promise.all([first, second]);
    expect(a.sequences).toHaveLength(1);
    expect(b.sequences).toHaveLength(1);
    expect(h.requestsTo(ASAMPLE).map((line) => line.status)).toEqual([429, 200, 200]);
    expect(clock.sleeps.filter((ms) => ms === 1000).length).toBeGreaterThanOrEqual(2);
  });

  it("backs off 5 s after a 429 for a prompt estimated above 128 KiB", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const { h, sampler } = await setup({ clock });
    await h.admin("PUT", "/_admin/faults", { rules: [{ endpoint: ASAMPLE, rate_limit: 1 }] });
    const big = modelInputFromInts(new Int32Array(13_108).fill(5)); // 131 080 estimated bytes
    const future = sampler.sample(big, { samplingParams: { max_tokens: 1 } });
    const dispatcher = sharedSampleDispatcher(h.http, h.context.clientConfig);
    await vi.waitFor(() => expect(dispatcher.backoffUntil).toBe(clock.now() + 5000));
    await h.admin("PUT", "/_admin/faults", { rules: [] });
    await clock.advance(4000);
    expect(h.requestsTo(ASAMPLE)).toHaveLength(1);
    await clock.advance(1000);
    expect((await future).sequences).toHaveLength(1);
  });

  it("stops polling when aborted, logs the paused queue, and asks the server to cancel", async () => {
    const { h, sampler } = await setup({ server: { pollTimeoutMs: 20 } });
    await h.admin("POST", "/_admin/pause", { state: "paused_capacity", duration_ms: 600_000 });
    const controller = new AbortController();
    const future = sampler.sample(prompt, { samplingParams: { max_tokens: 1 }, signal: controller.signal });
    await vi.waitFor(() => expect(h.requestsTo(POLL).length).toBeGreaterThanOrEqual(2));
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(future).rejects.toBe(reason);
    expect(future.done).toBe(true);
    await vi.waitFor(() => expect(h.requestsTo("/api/v1/cancel_future")).toHaveLength(1));
    await sampleCancelQueueFor(h.context).idle();
    expect(h.requestsTo("/api/v1/cancel_future")[0]!.status).toBe(200);
    const polls = h.requestsTo(POLL).length;
    // Three server long-poll periods later, nothing more has been polled.
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(h.requestsTo(POLL)).toHaveLength(polls);
    expect(h.logs).toContainEqual({
      level: "warn",
      message: `Sampling is paused for sampler ${sampler.samplingSessionId}. Reason: Tinker backend is running short on capacity, please wait`,
    });
  });

  it("cancel() and result({ timeoutMs }) work on the returned future", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const { h, sampler } = await setup({ clock, server: { pollTimeoutMs: 20 } });
    await h.admin("POST", "/_admin/pause", { state: "paused_rate_limit", duration_ms: 600_000 });
    const future = sampler.sample(prompt, { samplingParams: { max_tokens: 1 } });
    const requestId = await future.requestId;
    expect(requestId).toMatch(/\S/);
    await vi.waitFor(() =>
      expect(h.logs.some((line) => line.message.includes("concurrent sampler weights limit hit"))).toBe(true),
    );
    const waiting = future.result({ timeoutMs: 5_000 });
    await clock.advance(5_000);
    await expect(waiting).rejects.toMatchObject({ name: "FutureTimeoutError", timeoutMs: 5_000, requestId });
    expect(future.done).toBe(false);
    future.cancel();
    await expect(future).rejects.toMatchObject({ name: "AbortError" });
    future.cancel(); // no effect once done
  });

  it("settles in-flight samples when the ServiceClient closes and refuses new ones", async () => {
    const { h, sampler } = await setup({ server: { pollTimeoutMs: 20 } });
    await h.admin("POST", "/_admin/pause", { state: "paused_capacity", duration_ms: 600_000 });
    const future = sampler.sample(prompt, { samplingParams: { max_tokens: 1 } });
    await vi.waitFor(() => expect(h.requestsTo(POLL).length).toBeGreaterThanOrEqual(1));
    h.closeContext();
    await expect(future).rejects.toThrow("The ServiceClient was closed.");
    expect(() => sampler.sample(prompt, { samplingParams: {} })).toThrow(TinkerError);
    expect(() => sampler.computeLogprobs(prompt)).toThrow(TinkerError);
  });

  it("honours sample_no_retries for sample but always retries computeLogprobs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sampling-record-"));
    const recordFile = join(dir, "requests.jsonl");
    try {
      const clock = new FakeClock({ mode: "manual" });
      const { h, sampler } = await setup({
        clock,
        server: { recordFile, clientConfig: { sample_no_retries: true } },
      });
      await h.admin("PUT", "/_admin/faults", { rules: [{ endpoint: POLL, gone: 1 }] });
      await expect(sampler.sample(prompt, { samplingParams: { max_tokens: 1 } })).rejects.toBeInstanceOf(
        PromiseExpiredError,
      );
      expect(h.requestsTo(ASAMPLE)).toHaveLength(1);

      const scored = sampler.computeLogprobs(prompt);
      const expired = () => h.requestsTo(POLL).filter((l) => l.status === 410).length;
      await vi.waitFor(() => expect(expired()).toBe(2));
      // Each expiry is followed by a RetryHandler sleep (0.5 s ± 25 %, then 1 s ± 25 %) and a resend.
      await clock.advance(700);
      await vi.waitFor(() => expect(expired()).toBe(3));
      await h.admin("PUT", "/_admin/faults", { rules: [] });
      for (let i = 0; i < 10 && !scored.done; i++) await clock.advance(10_000);
      expect(await scored).toHaveLength(5);
      // Every resend took the next seq_id; none was reused.
      const submits = h.requestsTo(ASAMPLE).length;
      expect(submits).toBeGreaterThanOrEqual(3);
      await vi.waitFor(async () => expect(await recordedRequests(recordFile, ASAMPLE)).toHaveLength(submits));
      const seqIds = (await recordedRequests(recordFile, ASAMPLE)).map(
        (line) => JSON.parse(line.body).seq_id,
      );
      expect(seqIds).toEqual(Array.from({ length: submits }, (_, i) => i));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports a non-retryable failure to telemetry and rejects with it", async () => {
    const { h, sampler } = await setup({ telemetry: true });
    const future = sampler.sample(prompt, { numSamples: 300, samplingParams: { max_tokens: 1 } });
    await expect(future).rejects.toBeInstanceOf(BadRequestError);
    const events = await h.telemetryEvents();
    const retryEvent = events.find((e) => e.event_name === "RetryHandler.execute.exception");
    expect(retryEvent?.severity).toBe("WARNING");
    expect(retryEvent?.event_data).toMatchObject({
      func: "sample",
      status_code: 400,
      should_retry: false,
      is_user_error: true,
      attempt_count: 1,
      exception_type: "BadRequestError",
    });
    expect(events.some((e) => e.event_name === "user_error")).toBe(true);
  });

  it("fails a sample that made no progress for 2 h, reported as a fatal error, not a cancellation", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const { h, sampler } = await setup({ clock, telemetry: true, server: { pollTimeoutMs: 20 } });
    await h.admin("POST", "/_admin/pause", { state: "paused_capacity", duration_ms: 600_000 });
    const future = sampler.sample(prompt, { samplingParams: { max_tokens: 1 } });
    await vi.waitFor(() => expect(h.requestsTo(POLL).length).toBeGreaterThanOrEqual(1));
    await clock.advance(7_199_999);
    expect(future.done).toBe(false);
    await clock.advance(1);
    await expect(future).rejects.toBeInstanceOf(StuckRequestsError);
    await expect(future).rejects.toThrow("No progress made in 7200s. Requests appear to be stuck.");
    const events = await h.telemetryEvents();
    const fatal = events.find((e) => e.event === "UNHANDLED_EXCEPTION");
    expect(fatal).toMatchObject({ severity: "ERROR", error_type: "StuckRequestsError" });
  });

  it("keeps waiting past 2 h when the client config turns stuck detection off", async () => {
    const clock = new FakeClock({ mode: "manual" });
    const { h, sampler } = await setup({
      clock,
      server: { pollTimeoutMs: 20, clientConfig: { sample_enable_stuck_detection: false } },
    });
    await h.admin("POST", "/_admin/pause", { state: "paused_capacity", duration_ms: 600_000 });
    const future = sampler.sample(prompt, { samplingParams: { max_tokens: 1 } });
    await vi.waitFor(() => expect(h.requestsTo(POLL).length).toBeGreaterThanOrEqual(1));
    await clock.advance(3 * 3_600_000);
    expect(future.done).toBe(false);
    future.cancel();
    await expect(future).rejects.toMatchObject({ name: "AbortError" });
  });

  it("shares one concurrency cap between clients of the same sampler", async () => {
    const { h, sampler, id } = await setup({
      server: { pollTimeoutMs: 20, clientConfig: { sample_max_concurrent_requests: 1 } },
    });
    await h.admin("POST", "/_admin/pause", { state: "paused_capacity", duration_ms: 600_000 });
    const twin = new SamplingClient({ context: h.context, samplingSessionId: id, baseModel: BASE_MODEL });
    const elsewhere = new SamplingClient({
      context: h.context,
      samplingSessionId: await h.newSamplingSession(),
      baseModel: BASE_MODEL,
    });
    const holding = sampler.sample(prompt, { samplingParams: { max_tokens: 1 } });
    await vi.waitFor(() => expect(h.requestsTo(POLL).length).toBeGreaterThanOrEqual(1));
    const queued = twin.sample(prompt, { samplingParams: { max_tokens: 1 } });
    const independent = elsewhere.sample(prompt, { samplingParams: { max_tokens: 1 } });
    await vi.waitFor(() => expect(h.requestsTo(ASAMPLE)).toHaveLength(2));
    await settle(20);
    expect(h.requestsTo(ASAMPLE)).toHaveLength(2); // the twin waits for the slot
    for (const future of [holding, queued, independent]) future.cancel();
    await Promise.allSettled([holding, queued, independent]);
    expect(queued.done).toBe(true);
  });

  it("keeps the RetryHandlers of a ServiceClient in an LRU of 100", async () => {
    const { h } = await setup();
    const first = retryHandlerFor(h.context, "s-0", DEFAULT_RETRY_CONFIG);
    expect(retryHandlerFor(h.context, "s-0", DEFAULT_RETRY_CONFIG)).toBe(first);
    expect(retryHandlerFor(h.context, "s-0", { ...DEFAULT_RETRY_CONFIG, jitterFactor: 0 })).not.toBe(first);
    for (let i = 1; i <= RETRY_HANDLER_CACHE_SIZE; i++)
      retryHandlerFor(h.context, `s-${i}`, DEFAULT_RETRY_CONFIG);
    expect(retryHandlerFor(h.context, "s-0", DEFAULT_RETRY_CONFIG)).not.toBe(first);
  });

  it("checks its retry config", async () => {
    const { h, id } = await setup();
    expect(
      () =>
        new SamplingClient({
          context: h.context,
          samplingSessionId: id,
          baseModel: BASE_MODEL,
          retryConfig: { jitterFactor: 2 },
        }),
    ).toThrow(InvalidInputError);
  });
});
