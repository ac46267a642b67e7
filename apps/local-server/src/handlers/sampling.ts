import {
  CreateSamplingSessionRequestSchema,
  JoinSamplingSessionRequestSchema,
  modelInputFromWire,
  modelInputLength,
  SampleRequestSchema,
  type SampleResponse,
  type SamplingParams,
} from "@tinker-ts/types";
import { BackendUserError, type CheckpointFiles, type SamplingOptions } from "../backend/backend.js";
import { badRequest, HttpError, notFound } from "../errors.js";
import { json, jsonBody, type Reply, type RequestContext } from "../http/types.js";
import type { SamplerRuntime, SampleSubmission, ServerRuntime } from "../runtime.js";
import type { SamplerRecord, SessionRecord } from "../state/entities.js";
import { parseRequest } from "../wire/validate.js";
import { sampleResult } from "./results.js";

/**
 * Sampling endpoints (tinker-wire-spec.md §3.1 rows 6, 17; §9): create_sampling_session,
 * asample, and 0.38's join_sampling_session. Samples are addressed by sampling session id plus a
 * per-session seq_id, which de-duplicates retries (every RetryHandler retry takes a new seq_id,
 * so sampling needs no holding). Ad-hoc samples by `base_model` or `model_path` are accepted too.
 */

/** Largest `num_samples` per request (bounds the work one request can ask for). */
const maxNumSamples = 256;
/** Largest `topk_prompt_logprobs` (the result is prompt length × k cells). */
const maxTopk = 100;

/** Sampler id convention `<session_id>:sample:<n>` (§2.6). */
export function samplerIdOf(sessionId: string, samplingSessionSeqId: number): string {
  return `${sessionId}:sample:${samplingSessionSeqId}`;
}

/** Records a sampler, loads it in the backend, and attaches it to its session. */
export async function openSampler(
  runtime: ServerRuntime,
  session: SessionRecord,
  record: SamplerRecord,
  weights: CheckpointFiles | undefined,
): Promise<SamplerRuntime> {
  const ready = runtime.parts.backend.createSampler({
    samplerId: record.sampler_id,
    baseModel: record.base_model,
    ...(weights ? { weights } : {}),
  });
  const sampler: SamplerRuntime = { record, seqIds: new Map(), ready };
  runtime.samplers.set(record.sampler_id, sampler);
  if (!session.sampler_ids.includes(record.sampler_id)) session.sampler_ids.push(record.sampler_id);
  await runtime.parts.store.putSession(session);
  await runtime.parts.store.putSampler(record);
  await ready;
  return sampler;
}

/** Row 6: `POST /create_sampling_session` from a base model or a `tinker://` checkpoint. */
export async function createSamplingSession(req: RequestContext): Promise<Reply> {
  const body = parseRequest(
    CreateSamplingSessionRequestSchema,
    jsonBody(req),
    "CreateSamplingSessionRequest",
  );
  const { runtime } = req;
  if (body.sampling_session_seq_id < 0) throw badRequest("sampling_session_seq_id must be ≥ 0.");
  const session = runtime.requireSession(body.session_id, req.principal);
  const samplerId = samplerIdOf(session.session_id, body.sampling_session_seq_id);
  if (runtime.samplers.has(samplerId)) {
    return json(200, { type: "create_sampling_session", sampling_session_id: samplerId });
  }
  const target = await resolveTarget(req, body.base_model ?? undefined, body.model_path ?? undefined);
  await openSampler(
    runtime,
    session,
    {
      sampler_id: samplerId,
      session_id: session.session_id,
      owner: req.principal.owner,
      base_model: target.baseModel,
      ...(target.modelPath === undefined ? {} : { model_path: target.modelPath }),
      created_at: runtime.clock.now(),
      client_counter: 0,
    },
    target.weights,
  );
  return json(200, { type: "create_sampling_session", sampling_session_id: samplerId });
}

interface SampleTarget {
  baseModel: string;
  modelPath: string | undefined;
  weights: CheckpointFiles | undefined;
}

async function resolveTarget(
  req: RequestContext,
  baseModel: string | undefined,
  modelPath: string | undefined,
): Promise<SampleTarget> {
  const { runtime } = req;
  if (modelPath !== undefined) {
    const checkpoint = runtime.requireReadableCheckpoint(modelPath, req.principal);
    const run = runtime.parts.store.runs.get(checkpoint.training_run_id)!;
    if (baseModel !== undefined && baseModel !== run.base_model) {
      throw badRequest(`model_path ${modelPath} was trained on ${run.base_model}, not ${baseModel}.`);
    }
    const weights = await runtime.parts.store.readCheckpointFiles(checkpoint);
    return { baseModel: run.base_model, modelPath, weights };
  }
  if (baseModel === undefined) throw badRequest("Either model_path or base_model must be provided.");
  if (!runtime.parts.catalogue.get(baseModel)) {
    throw badRequest(`Base model '${baseModel}' is not supported.`);
  }
  return { baseModel, modelPath: undefined, weights: undefined };
}

/** 0.38: `POST /join_sampling_session` → a fresh `client_counter` for a cloned client. */
export async function joinSamplingSession(req: RequestContext): Promise<Reply> {
  const body = parseRequest(JoinSamplingSessionRequestSchema, jsonBody(req), "JoinSamplingSessionRequest");
  const sampler = await requireSampler(req, body.sampling_session_id);
  sampler.record.client_counter++;
  await req.runtime.parts.store.putSampler(sampler.record);
  return json(200, { type: "join_sampling_session", client_counter: sampler.record.client_counter });
}

/**
 * The caller's sampler `id`, reloading it in the backend if the server restarted since it was
 * created (base-model and `tinker://` samplers can be rebuilt; snapshot samplers cannot).
 */
async function requireSampler(req: RequestContext, id: string): Promise<SamplerRuntime> {
  const { runtime } = req;
  const live = runtime.samplers.get(id);
  if (live && live.record.owner === req.principal.owner) {
    const session = runtime.parts.store.sessions.get(live.record.session_id);
    if (session) session.last_seen_at = runtime.clock.now();
    return live;
  }
  const record = runtime.parts.store.samplers.get(id);
  if (!record || record.owner !== req.principal.owner) throw notFound(`Sampling session ${id} not found.`);
  const session = runtime.requireSession(record.session_id, req.principal);
  if (record.model_path === undefined && !runtime.parts.catalogue.get(record.base_model)) {
    throw new HttpError(410, `Sampling session ${id} can no longer be served.`);
  }
  const target = await resolveTarget(req, record.base_model, record.model_path);
  return openSampler(runtime, session, record, target.weights);
}

/** Checks sampling parameters (ranges the schema leaves open) and converts them. */
function samplingOptions(params: SamplingParams): SamplingOptions {
  if (params.max_tokens != null && params.max_tokens < 0)
    throw badRequest("sampling_params.max_tokens must be ≥ 0.");
  if (!(params.temperature >= 0)) throw badRequest("sampling_params.temperature must be ≥ 0.");
  if (!(params.top_p > 0 && params.top_p <= 1)) throw badRequest("sampling_params.top_p must be in (0, 1].");
  if (params.top_k < -1 || params.top_k === 0)
    throw badRequest("sampling_params.top_k must be -1 (no limit) or ≥ 1.");
  const stop = params.stop ?? [];
  return {
    maxTokens: params.max_tokens ?? undefined,
    seed: params.seed ?? undefined,
    stop: typeof stop === "string" ? [stop] : stop,
    temperature: params.temperature,
    topK: params.top_k,
    topP: params.top_p,
  };
}

/** Row 17: `POST /asample` → future of a SampleResponse (protobuf when the poll accepts it). */
export async function asample(req: RequestContext): Promise<Reply> {
  const body = parseRequest(SampleRequestSchema, jsonBody(req), "SampleRequest");
  const { runtime } = req;
  checkUnsupportedSampleOptions(body);
  const sessionId = body.sampling_session_id ?? undefined;
  const seqId = body.seq_id ?? undefined;
  const params = samplingOptions(body.sampling_params);
  const sampler =
    sessionId === undefined
      ? await adHocSampler(req, body.base_model ?? undefined, body.model_path ?? undefined)
      : await requireSampler(req, sessionId);
  await prepareSample(runtime, sampler.record.sampler_id, params);
  // No await from here on: a retry with the same seq_id sees this request's reply or none.
  if (sessionId !== undefined && seqId !== undefined) {
    const known = sampler.seqIds.get(seqId);
    if (known !== undefined) return json(200, known);
  }
  if (body.num_samples < 1 || body.num_samples > maxNumSamples) {
    throw badRequest(`num_samples must be between 1 and ${maxNumSamples}, got ${body.num_samples}.`);
  }
  if (body.topk_prompt_logprobs < 0 || body.topk_prompt_logprobs > maxTopk) {
    throw badRequest(
      `topk_prompt_logprobs must be between 0 and ${maxTopk}, got ${body.topk_prompt_logprobs}.`,
    );
  }
  const prompt = modelInputFromWire(body.prompt);
  const promptLength = modelInputLength(prompt);
  if (promptLength === 0) throw badRequest("prompt is empty: it needs at least one token.");
  const context =
    runtime.parts.catalogue.get(sampler.record.base_model)?.max_context_length ?? Number.MAX_SAFE_INTEGER;
  const maxTokens = params.maxTokens ?? 0;
  if (promptLength + maxTokens > context) {
    throw badRequest(
      `Prompt length plus max_tokens exceeds the model's context window: ${promptLength} prompt tokens + ${maxTokens} max_tokens > ${context}.`,
    );
  }
  if (params.maxTokens === undefined) params.maxTokens = Math.min(context - promptLength, 16);
  const samplerId = sampler.record.sampler_id;
  const requestId = runtime.newFuture("Sample", samplerId);
  // 0.38 SDKs require one sequence id per sample in the submission reply; the ids name the
  // sequences of this submission (a retry with a new seq_id gets new ones).
  const submission: SampleSubmission = {
    request_id: requestId,
    sample_sequence_ids: Array.from({ length: body.num_samples }, (_, k) => `${requestId}:${k}`),
  };
  if (sessionId !== undefined && seqId !== undefined) sampler.seqIds.set(seqId, submission);
  const wantPromptLogprobs = body.prompt_logprobs === true || body.topk_prompt_logprobs > 0;
  void runtime.runInto(requestId, async () => {
    const { backend, store } = runtime.parts;
    const sequences = await backend.sample(samplerId, { prompt, numSamples: body.num_samples, params });
    const response: SampleResponse = { sequences, prompt_cache_hit_tokens: 0 };
    if (wantPromptLogprobs) {
      const scores = await backend.computeLogprobs(samplerId, { prompt, topk: body.topk_prompt_logprobs });
      if (body.prompt_logprobs === true) response.prompt_logprobs = scores.promptLogprobs;
      if (scores.topk) response.topk_prompt_logprobs = scores.topk;
    }
    const usage = {
      time: runtime.clock.now(),
      owner: sampler.record.owner,
      session_id: sampler.record.session_id,
    };
    store.appendUsage({
      ...usage,
      base_model: sampler.record.base_model,
      event_info: { type: "sampling_prefill", cached: false, token_count: promptLength },
    });
    store.appendUsage({
      ...usage,
      base_model: sampler.record.base_model,
      event_info: {
        type: "sampling_sample",
        token_count: sequences.reduce((n, s) => n + s.tokens.length, 0),
      },
    });
    return sampleResult(response);
  });
  return json(200, submission);
}

/** Lets the backend check the request first; its user errors answer 400 (see `Backend.prepareSample`). */
async function prepareSample(
  runtime: ServerRuntime,
  samplerId: string,
  params: SamplingOptions,
): Promise<void> {
  try {
    await runtime.parts.backend.prepareSample?.(samplerId, params);
  } catch (error) {
    if (BackendUserError.isInstance(error)) throw badRequest(error.message);
    throw error;
  }
}

/**
 * Rejects 0.38 sampling options this server does not compute yet, instead of silently ignoring
 * them (their defaults, which the SDK always sends, pass).
 */
function checkUnsupportedSampleOptions(body: {
  topk_sample_logprobs: number;
  prompt_alt_tokens_k: number;
  target_prompt_logprobs?: unknown;
  prompt_logprobs_last_n?: number | null | undefined;
}): void {
  const unsupported = [
    body.topk_sample_logprobs !== 0 && "topk_sample_logprobs",
    body.prompt_alt_tokens_k !== 0 && "prompt_alt_tokens_k",
    body.target_prompt_logprobs != null && "target_prompt_logprobs",
    body.prompt_logprobs_last_n != null && "prompt_logprobs_last_n",
  ].filter(Boolean);
  if (unsupported.length > 0) {
    throw badRequest(
      `${unsupported.join(", ")} ${unsupported.length > 1 ? "are" : "is"} not supported by tinker-local yet.`,
    );
  }
}

/** A cached sampler for samples addressed by base model or model path (no session). */
async function adHocSampler(
  req: RequestContext,
  baseModel: string | undefined,
  modelPath: string | undefined,
): Promise<SamplerRuntime> {
  const { runtime } = req;
  const key = `adhoc:${req.principal.owner}:${modelPath ?? baseModel ?? ""}`;
  const cached = runtime.samplers.get(key);
  if (cached) return cached;
  const target = await resolveTarget(req, baseModel, modelPath);
  const record: SamplerRecord = {
    sampler_id: key,
    session_id: "",
    owner: req.principal.owner,
    base_model: target.baseModel,
    ...(target.modelPath === undefined ? {} : { model_path: target.modelPath }),
    created_at: runtime.clock.now(),
    client_counter: 0,
  };
  const ready = runtime.parts.backend.createSampler({
    samplerId: key,
    baseModel: target.baseModel,
    ...(target.weights ? { weights: target.weights } : {}),
  });
  const sampler: SamplerRuntime = { record, seqIds: new Map(), ready };
  runtime.samplers.set(key, sampler);
  await ready;
  return sampler;
}
