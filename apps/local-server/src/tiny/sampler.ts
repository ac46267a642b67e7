import { InvalidInputError, type SampledSequence, type TopkPromptLogprobs } from "@tinker-ts/types";
import { checkTokens } from "./losses.js";
import type { Activations, Network } from "./network.js";
import { createRng, type Rng } from "./random.js";

/** Sampling parameters (tinker-compute-semantics.md §6.1) plus what the tokenizer knows. */
export interface TinySampleOptions {
  /** Completions to generate (≥ 1). */
  numSamples: number;
  /** Upper bound on generated tokens; undefined means up to the context window. */
  maxTokens: number | undefined;
  /** Seed of the sampling streams; undefined draws a fresh one. */
  seed: number | undefined;
  /** Stop strings (matched on decoded generated text) or stop token ids. */
  stop: readonly string[] | readonly number[];
  /** 0 is greedy; otherwise sampling uses softmax(log p / temperature). */
  temperature: number;
  /** Keep the k most likely tokens; ≤ 0 (the SDK's -1) means no limit. */
  topK: number;
  /** Keep the smallest most-likely set with this much probability; 1 means no limit. */
  topP: number;
  /** End-of-sequence ids of the tokenizer: sampling one ends the sequence with reason `stop`. */
  eosTokenIds?: readonly number[];
  /** Token ids to text, needed only for stop strings. */
  decode?: (ids: readonly number[]) => string;
  /** Also score the prompt (§6.3). */
  includePromptLogprobs?: boolean;
  /** Top-k alternatives per prompt position; 0 for none. */
  topkPromptLogprobs?: number;
}

/** Result of {@link TinySampler.sample}. */
export interface TinySampleResult {
  sequences: SampledSequence[];
  /** One float32 per prompt token, NaN at index 0 (present when asked for). */
  promptLogprobs?: Float32Array;
  topkPromptLogprobs?: TopkPromptLogprobs;
}

/** Prompt scores (§6.3, §7). */
export interface TinyPromptScores {
  /** log p(prompt[i] | prompt[:i]) at temperature 1, float32, NaN at index 0. */
  promptLogprobs: Float32Array;
  /** Present when `topk > 0`. */
  topk?: TopkPromptLogprobs;
}

/** Sentinel of empty top-k cells (tinker-wire-spec.md §4.5). */
const SENTINEL_LOGPROB = -99999;

/**
 * Sampling and prompt scoring on a frozen network (tinker-compute-semantics.md §6, §7).
 *
 * Choice of the next token:
 * - temperature 0: the most likely token (EMU-CHOICE: its reported logprob is the τ = 1 value);
 * - temperature 1 without top-k/top-p: exact ancestral sampling down the tree head (cheap);
 * - otherwise: candidates in decreasing probability from the head's best-first search, top-k
 *   then top-p on the renormalized distribution; at τ ∉ {0, 1} the temperature-scaled normalizer
 *   needs every token's probability (one full pass over the head, the expensive case).
 * The reported logprob is `log_softmax(log p / τ)[token]`, never renormalized after truncation
 * (EMU-CHOICE); at τ = 1 it is computed by the same code as `forward`, so the two agree exactly.
 */
export class TinySampler {
  readonly network: Network;

  constructor(network: Network) {
    this.network = network;
  }

  /**
   * Generates `numSamples` completions of `prompt`. Sample k draws from a stream seeded by
   * (seed, k), so a seed reproduces every sequence and the samples of one call differ.
   * @throws InvalidInputError for an empty prompt, ids outside the vocabulary, a prompt plus
   *   `maxTokens` beyond the context window (the service's message, §6.1), invalid parameters,
   *   or stop strings without a `decode` function.
   */
  sample(prompt: Int32Array, options: TinySampleOptions): TinySampleResult {
    const config = this.network.base.config;
    const context = config.maxSequenceLength;
    this.#checkPrompt(prompt);
    const maxTokens = options.maxTokens ?? Math.max(0, context - prompt.length);
    if (prompt.length + maxTokens > context) {
      throw new InvalidInputError(
        `Prompt length plus max_tokens exceeds the model's context window: ${prompt.length} prompt tokens + ${maxTokens} max_tokens > ${context}.`,
        { path: "sampling_params.max_tokens" },
      );
    }
    checkParams(options);
    const stopStrings = options.stop.filter((s): s is string => typeof s === "string");
    const stopIds = new Set<number>(options.stop.filter((s): s is number => typeof s === "number"));
    for (const id of options.eosTokenIds ?? []) stopIds.add(id);
    if (stopStrings.length > 0 && !options.decode) {
      throw new InvalidInputError("Stop strings need a tokenizer to decode the generated tokens.", {
        path: "sampling_params.stop",
      });
    }
    const topk = options.topkPromptLogprobs ?? 0;
    const scores = options.includePromptLogprobs || topk > 0;
    const { acts, promptLogprobs, topkRows } = this.#prefill(prompt, maxTokens, scores, topk);
    const seed = options.seed ?? globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
    const sequences: SampledSequence[] = [];
    for (let k = 0; k < options.numSamples; k++) {
      const own =
        k + 1 < options.numSamples
          ? this.network.forkActivations(acts, initialCapacity(prompt, maxTokens))
          : acts;
      const rng = createRng(["tinker-local tiny sample", seed, k]);
      sequences.push(this.#generate(own, maxTokens, options, stopIds, stopStrings, rng));
    }
    const result: TinySampleResult = { sequences };
    if (promptLogprobs && options.includePromptLogprobs) result.promptLogprobs = promptLogprobs;
    if (topkRows) result.topkPromptLogprobs = topkRows;
    return result;
  }

  /**
   * Scores a prompt at temperature 1 (`compute_logprobs`, §7): what `sample` reports as prompt
   * logprobs, without generating.
   * @throws InvalidInputError for an empty prompt, ids outside the vocabulary, or a prompt longer
   *   than the context window.
   */
  computeLogprobs(prompt: Int32Array, topk = 0): TinyPromptScores {
    this.#checkPrompt(prompt);
    const context = this.network.base.config.maxSequenceLength;
    if (prompt.length > context) {
      throw new InvalidInputError(
        `Prompt length plus max_tokens exceeds the model's context window: ${prompt.length} prompt tokens + 0 max_tokens > ${context}.`,
        { path: "prompt" },
      );
    }
    const { promptLogprobs, topkRows } = this.#prefill(prompt, 0, true, topk);
    return topkRows
      ? { promptLogprobs: promptLogprobs!, topk: topkRows }
      : { promptLogprobs: promptLogprobs! };
  }

  #checkPrompt(prompt: Int32Array): void {
    if (prompt.length === 0) {
      throw new InvalidInputError("The prompt is empty; sampling needs at least one token.", {
        path: "prompt",
      });
    }
    checkTokens(prompt, this.network.base.config.vocabSize, "prompt");
  }

  /** Runs the prompt, scoring each next prompt token when asked. */
  #prefill(
    prompt: Int32Array,
    maxTokens: number,
    score: boolean,
    topk: number,
  ): { acts: Activations; promptLogprobs?: Float32Array; topkRows?: TopkPromptLogprobs } {
    const network = this.network;
    const acts = network.createActivations(initialCapacity(prompt, maxTokens), false);
    const u = network.adapter?.head ? acts.uh : undefined;
    const promptLogprobs = score ? new Float32Array(prompt.length) : undefined;
    const topkRows =
      topk > 0
        ? {
            token_ids: new Int32Array(prompt.length * topk),
            logprobs: new Float32Array(prompt.length * topk).fill(SENTINEL_LOGPROB),
            k: topk,
            prompt_length: prompt.length,
          }
        : undefined;
    if (promptLogprobs) promptLogprobs[0] = Number.NaN;
    for (let pos = 0; pos < prompt.length; pos++) {
      network.step(acts, prompt[pos]!);
      if (pos + 1 >= prompt.length) continue;
      if (promptLogprobs) promptLogprobs[pos + 1] = network.head.logprob(prompt[pos + 1]!, acts.hf, 0, u, 0);
      if (topkRows) {
        let cell = (pos + 1) * topk;
        for (const [token, lp] of network.head.bestFirst(acts.hf, 0, u, 0, topk)) {
          topkRows.token_ids[cell] = token;
          topkRows.logprobs[cell] = lp;
          cell++;
        }
      }
    }
    return {
      acts,
      ...(promptLogprobs ? { promptLogprobs } : {}),
      ...(topkRows ? { topkRows } : {}),
    };
  }

  #generate(
    acts: Activations,
    maxTokens: number,
    options: TinySampleOptions,
    stopIds: ReadonlySet<number>,
    stopStrings: readonly string[],
    rng: Rng,
  ): SampledSequence {
    const tokens: number[] = [];
    const logprobs: number[] = [];
    let stopReason: "stop" | "length" = "length";
    while (tokens.length < maxTokens) {
      const [token, logprob] = this.#choose(acts, options, rng);
      tokens.push(token);
      logprobs.push(logprob);
      if (
        stopIds.has(token) ||
        (stopStrings.length > 0 && includesAny(options.decode!(tokens), stopStrings))
      ) {
        stopReason = "stop";
        break;
      }
      if (tokens.length < maxTokens) this.network.step(acts, token);
    }
    return {
      stop_reason: stopReason,
      tokens: Int32Array.from(tokens),
      logprobs: Float32Array.from(logprobs),
    };
  }

  /** The next token and its reported logprob, from the head input at slot 0 of `acts`. */
  #choose(acts: Activations, options: TinySampleOptions, rng: Rng): [number, number] {
    const head = this.network.head;
    const u = this.network.adapter?.head ? acts.uh : undefined;
    const h = acts.hf;
    const { temperature: tau, topK, topP } = options;
    const vocab = this.network.base.config.vocabSize;
    const truncated = (topK > 0 && topK < vocab) || topP < 1;
    if (tau === 0) {
      const [[token]] = [...head.bestFirst(h, 0, u, 0, 1)] as [[number, number]];
      return [token, head.logprob(token, h, 0, u, 0)];
    }
    if (tau === 1 && !truncated) {
      const token = head.sample(h, 0, u, 0, rng);
      return [token, head.logprob(token, h, 0, u, 0)];
    }
    // Temperature-scaled log-probabilities need the normalizer over every token (τ ≠ 1).
    let logZ = 0;
    let full: Float64Array | undefined;
    if (tau !== 1) {
      full = new Float64Array(vocab);
      head.fullLogprobs(h, 0, u, 0, full);
      let max = Number.NEGATIVE_INFINITY;
      for (let t = 0; t < vocab; t++) max = Math.max(max, full[t]! / tau);
      let sum = 0;
      for (let t = 0; t < vocab; t++) sum += Math.exp(full[t]! / tau - max);
      logZ = max + Math.log(sum);
    }
    const scaled = (lp1: number) => (tau === 1 ? lp1 : lp1 / tau - logZ);
    if (!truncated && full) {
      let x = rng.next();
      for (let t = 0; t < vocab; t++) {
        x -= Math.exp(scaled(full[t]!));
        if (x < 0) return [t, scaled(full[t]!)];
      }
      return [vocab - 1, scaled(full[vocab - 1]!)];
    }
    const candidates: number[] = [];
    const weights: number[] = [];
    let mass = 0;
    for (const [token, lp1] of head.bestFirst(h, 0, u, 0, topK > 0 ? topK : vocab)) {
      const w = Math.exp(scaled(lp1));
      candidates.push(token);
      weights.push(w);
      mass += w;
      if (topK <= 0 && mass >= topP) break;
    }
    let keep = candidates.length;
    if (topK > 0 && topP < 1) {
      let cumulative = 0;
      for (let i = 0; i < candidates.length; i++) {
        cumulative += weights[i]! / mass;
        if (cumulative >= topP) {
          keep = i + 1;
          break;
        }
      }
    }
    let total = 0;
    for (let i = 0; i < keep; i++) total += weights[i]!;
    let x = rng.next() * total;
    let chosen = keep - 1;
    for (let i = 0; i < keep; i++) {
      x -= weights[i]!;
      if (x < 0) {
        chosen = i;
        break;
      }
    }
    const token = candidates[chosen]!;
    const reported = full ? scaled(full[token]!) : head.logprob(token, h, 0, u, 0);
    return [token, reported];
  }
}

/** KV cache room to start with: the cache doubles when generation runs past it. */
function initialCapacity(prompt: Int32Array, maxTokens: number): number {
  return prompt.length + Math.min(maxTokens, 256);
}

function includesAny(text: string, needles: readonly string[]): boolean {
  return needles.some((needle) => text.includes(needle));
}

/** @throws InvalidInputError for parameters outside their ranges. */
function checkParams(options: TinySampleOptions): void {
  const bad = (field: string, message: string) =>
    new InvalidInputError(`sampling_params.${field} ${message}`, { path: `sampling_params.${field}` });
  if (!Number.isInteger(options.numSamples) || options.numSamples < 1)
    throw bad("num_samples", "must be ≥ 1.");
  if (!(options.temperature >= 0) || !Number.isFinite(options.temperature)) {
    throw bad("temperature", "must be a finite number ≥ 0.");
  }
  if (!(options.topP > 0 && options.topP <= 1)) throw bad("top_p", "must be in (0, 1].");
  if (!Number.isInteger(options.topK)) throw bad("top_k", "must be an integer (-1 for no limit).");
  if (options.maxTokens !== undefined && (!Number.isInteger(options.maxTokens) || options.maxTokens < 0)) {
    throw bad("max_tokens", "must be an integer ≥ 0.");
  }
}
