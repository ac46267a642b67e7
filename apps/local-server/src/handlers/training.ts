import {
  CreateModelRequestSchema,
  type Datum,
  datumFromWire,
  ForwardBackwardRequestSchema,
  ForwardRequestSchema,
  GetInfoRequestSchema,
  InvalidInputError,
  LoadWeightsRequestSchema,
  modelInputLength,
  OptimStepRequestSchema,
  SaveWeightsForSamplerRequestSchema,
  SaveWeightsRequestSchema,
  UnloadModelRequestSchema,
} from "@tinker-ts/types";
import { decodeForwardBackwardRequest } from "@tinker-ts/types/proto";
import type { LossFnName } from "../backend/backend.js";
import { badRequest, HttpError, notFound } from "../errors.js";
import type { FutureResult } from "../futures.js";
import { json, jsonBody, type Reply, type RequestContext } from "../http/types.js";
import { checkLossFn, checkLossFnConfig, checkLossInputs } from "../loss-inputs.js";
import type { ModelRuntime } from "../runtime.js";
import type { CheckpointKind, CheckpointRecord, LoraSettings, TrainingRunRecord } from "../state/entities.js";
import { tinkerPathOf } from "../state/entities.js";
import { checkCheckpointName } from "../tinker-path.js";
import { parseRequest } from "../wire/validate.js";
import { forwardBackwardResult, jsonResult } from "./results.js";
import { openSampler, samplerIdOf } from "./sampling.js";

/**
 * Training endpoints (tinker-wire-spec.md §3.1 rows 9–16, §8): create_model, get_info,
 * unload_model, forward_backward (protobuf, or legacy JSON), forward (legacy JSON), optim_step,
 * save_weights, save_weights_for_sampler, load_weights (both addressing modes). Work that carries
 * a seq_id runs in seq_id order per model (§8.1).
 */

/**
 * Submits work for `model` under `seqId`. A repeated seq_id gets the request id it already has;
 * a seq_id the queue has already passed is a 400; a request that fails `prepare` with a 4xx
 * still consumes its seq_id (so later requests are not held behind it) and a retry of it gets
 * the same error.
 */
function submitOrdered<T>(
  req: RequestContext,
  model: ModelRuntime,
  seqId: number | undefined,
  requestType: string,
  prepare: () => T,
  execute: (prepared: T) => Promise<FutureResult>,
): Reply {
  const { runtime } = req;
  const modelId = model.run.training_run_id;
  if (seqId === undefined) {
    const prepared = prepare();
    const requestId = runtime.newFuture(requestType, modelId);
    model.queue.submitUnordered(() => runtime.runInto(requestId, () => execute(prepared)));
    return json(200, { request_id: requestId, model_id: modelId });
  }
  const rejected = model.rejected.get(seqId);
  if (rejected) throw rejected;
  const known = model.queue.requestIdFor(seqId);
  if (known !== undefined) return json(200, { request_id: known, model_id: modelId });
  if (seqId < model.queue.nextSeqId) {
    throw badRequest(
      `seq_id ${seqId} for model ${modelId} is behind the next expected seq_id ${model.queue.nextSeqId}; ` +
        "its turn was skipped after a gap timeout or it was never reserved.",
    );
  }
  let prepared: T;
  try {
    prepared = prepare();
  } catch (error) {
    const rejection = InvalidInputError.isInstance(error) ? badRequest(error.message) : error;
    if (HttpError.isInstance(rejection) && rejection.status < 500) {
      model.rejected.set(seqId, rejection);
      model.queue.submit({ seqId, requestId: "", run: async () => undefined });
    }
    throw rejection;
  }
  const requestId = runtime.newFuture(requestType, modelId);
  model.queue.submit({ seqId, requestId, run: () => runtime.runInto(requestId, () => execute(prepared)) });
  return json(200, { request_id: requestId, model_id: modelId });
}

/** Largest LoRA rank accepted (bounds adapter memory in real backends). */
const maxLoraRank = 512;

function maxContextOf(req: RequestContext, run: TrainingRunRecord): number {
  return req.runtime.parts.catalogue.get(run.base_model)?.max_context_length ?? Number.MAX_SAFE_INTEGER;
}

function checkOptimizerConfig(config: { type: string } | undefined): void {
  if (config && config.type !== "adamw") {
    throw badRequest(`Optimizer '${config.type}' is not supported by this server; use adamw.`);
  }
}

/** Row 9: `POST /create_model` → future of `{model_id}`. Model id `<session>:train:<model_seq_id>`. */
export async function createModel(req: RequestContext): Promise<Reply> {
  const body = parseRequest(CreateModelRequestSchema, jsonBody(req), "CreateModelRequest");
  const { runtime } = req;
  const session = runtime.requireSession(body.session_id, req.principal);
  const modelId = `${session.session_id}:train:${body.model_seq_id}`;
  const existing = runtime.models.get(modelId);
  if (existing) return json(200, { request_id: existing.createRequestId, model_id: modelId });
  if (runtime.parts.store.runs.has(modelId)) {
    throw new HttpError(
      409,
      `Model ${modelId} already exists and is no longer loaded; use a new model_seq_id.`,
    );
  }
  if (!runtime.parts.catalogue.get(body.base_model)) {
    throw badRequest(
      `Base model '${body.base_model}' is not supported; supported: ${runtime.parts.catalogue.models
        .map((m) => m.model_name)
        .join(", ")}.`,
    );
  }
  if (!body.lora_config) throw badRequest("This server trains LoRA adapters only: send lora_config.");
  if (body.lora_config.rank < 1 || body.lora_config.rank > maxLoraRank) {
    throw badRequest(`lora_config.rank must be between 1 and ${maxLoraRank}, got ${body.lora_config.rank}.`);
  }
  if (body.model_seq_id < 0) throw badRequest("model_seq_id must be ≥ 0.");
  checkOptimizerConfig(body.optimizer_config);
  const lora: LoraSettings = {
    rank: body.lora_config.rank,
    ...(body.lora_config.seed == null ? {} : { seed: body.lora_config.seed }),
    train_unembed: body.lora_config.train_unembed,
    train_mlp: body.lora_config.train_mlp,
    train_attn: body.lora_config.train_attn,
  };
  if (!lora.train_attn && !lora.train_mlp && !lora.train_unembed) {
    throw badRequest("At least one of train_attn, train_mlp and train_unembed must be true.");
  }
  const run = newRun(req, session.session_id, body.model_seq_id, body.base_model, lora, body.user_metadata);
  const requestId = runtime.newFuture("CreateModel", modelId);
  const model = runtime.addModel(run, 1, requestId);
  session.training_run_ids.push(modelId);
  await runtime.parts.store.putSession(session);
  await runtime.parts.store.putRun(run);
  model.queue.submitUnordered(() =>
    runtime.runInto(requestId, async () => {
      await runtime.parts.backend.createModel({ modelId, baseModel: run.base_model, lora });
      return jsonResult({ model_id: modelId, type: "create_model" });
    }),
  );
  return json(200, { request_id: requestId, model_id: modelId });
}

function newRun(
  req: RequestContext,
  sessionId: string,
  modelSeqId: number,
  baseModel: string,
  lora: LoraSettings,
  userMetadata: Record<string, unknown> | undefined,
): TrainingRunRecord {
  const now = req.runtime.clock.now();
  return {
    training_run_id: `${sessionId}:train:${modelSeqId}`,
    session_id: sessionId,
    model_seq_id: modelSeqId,
    owner: req.principal.owner,
    base_model: baseModel,
    lora,
    ...(userMetadata
      ? { user_metadata: Object.fromEntries(Object.entries(userMetadata).map(([k, v]) => [k, String(v)])) }
      : {}),
    created_at: now,
    last_request_time: now,
    corrupted: false,
  };
}

/** Row 10: `POST /get_info` (synchronous). */
export async function getInfo(req: RequestContext): Promise<Reply> {
  const body = parseRequest(GetInfoRequestSchema, jsonBody(req), "GetInfoRequest");
  const { run } = req.runtime.requireModel(body.model_id, req.principal);
  const info = req.runtime.parts.catalogue.get(run.base_model);
  return json(200, {
    type: "get_info",
    model_data: {
      arch: info?.arch ?? "unknown",
      model_name: run.base_model,
      tokenizer_id: info?.tokenizer_id,
    },
    model_id: run.training_run_id,
    optimizer_config: { type: "adamw" },
    is_lora: true,
    lora_rank: run.lora.rank,
    model_name: run.base_model,
  });
}

/** Row 11: `POST /unload_model` → future of `{model_id}`; runs after queued work. */
export async function unloadModel(req: RequestContext): Promise<Reply> {
  const body = parseRequest(UnloadModelRequestSchema, jsonBody(req), "UnloadModelRequest");
  const { runtime } = req;
  const model = runtime.requireModel(body.model_id, req.principal);
  const modelId = model.run.training_run_id;
  const requestId = runtime.newFuture("UnloadModel");
  model.queue.submitUnordered(() =>
    runtime.runInto(requestId, async () => {
      model.queue.dispose();
      runtime.models.delete(modelId);
      await runtime.parts.backend.releaseModel(modelId);
      return jsonResult({ model_id: modelId, type: "unload_model" });
    }),
  );
  return json(200, { request_id: requestId, model_id: modelId });
}

interface LossRequest {
  modelId: string;
  seqId: number | undefined;
  data: Datum[];
  lossFn: string;
  lossFnConfig: Record<string, number | string> | undefined | null;
  forwardOnly: boolean;
}

function decodeProtoRequest(body: Buffer): LossRequest {
  let decoded: ReturnType<typeof decodeForwardBackwardRequest>;
  try {
    decoded = decodeForwardBackwardRequest(body);
  } catch (error) {
    throw badRequest(`Body is not a valid ForwardBackwardRequest protobuf: ${(error as Error).message}`);
  }
  if (!decoded.model_id) throw badRequest("ForwardBackwardRequest.model_id is empty.");
  return {
    modelId: decoded.model_id,
    // Proto3 cannot tell 0 from absent; the SDK always sends ≥ 1, and 0 is rejected as stale.
    seqId: decoded.seq_id,
    data: decoded.data,
    lossFn: decoded.loss_fn,
    lossFnConfig: decoded.loss_fn_config,
    forwardOnly: decoded.forward_only,
  };
}

function runLoss(req: RequestContext, request: LossRequest): Reply {
  const { runtime } = req;
  const model = runtime.requireModel(request.modelId, req.principal);
  return submitOrdered(
    req,
    model,
    request.seqId,
    request.forwardOnly ? "Forward" : "ForwardBackward",
    () => {
      const maxDatums = runtime.parts.clientConfig.fwdbwd_max_chunk_len;
      if (request.data.length > maxDatums) {
        throw badRequest(
          `${request.data.length} datums in one request; this server's fwdbwd_max_chunk_len is ${maxDatums}.`,
        );
      }
      const lossFn: LossFnName = checkLossFn(request.lossFn);
      const lossFnConfig = checkLossFnConfig(request.lossFnConfig);
      checkLossInputs(request.data, lossFn, maxContextOf(req, model.run));
      return { data: request.data, lossFn, lossFnConfig };
    },
    async (input) => {
      const { backend, store } = runtime.parts;
      const modelId = model.run.training_run_id;
      const output = request.forwardOnly
        ? await backend.forward(modelId, input)
        : await backend.forwardBackward(modelId, input);
      store.appendUsage({
        time: runtime.clock.now(),
        owner: model.run.owner,
        session_id: model.run.session_id,
        base_model: model.run.base_model,
        event_info: {
          type: "training",
          token_count: input.data.reduce((sum, d) => sum + modelInputLength(d.model_input), 0),
        },
      });
      return forwardBackwardResult(output);
    },
  );
}

/**
 * Row 12: `POST /forward_backward`. Protobuf (optionally zstd) for SDKs ≥ 0.25, where
 * `forward_only` makes it a forward; legacy JSON `{forward_backward_input, model_id, seq_id}`
 * for older SDKs (§16).
 */
export async function forwardBackward(req: RequestContext): Promise<Reply> {
  if (req.contentType === "application/x-protobuf") return runLoss(req, decodeProtoRequest(req.body));
  const body = parseRequest(ForwardBackwardRequestSchema, jsonBody(req), "ForwardBackwardRequest");
  return runLoss(req, {
    modelId: body.model_id,
    seqId: body.seq_id,
    data: body.forward_backward_input.data.map(datumFromWire),
    lossFn: body.forward_backward_input.loss_fn,
    lossFnConfig: body.forward_backward_input.loss_fn_config,
    forwardOnly: false,
  });
}

/** Legacy `POST /forward` (JSON `{forward_input, model_id, seq_id}`, SDKs ≤ 0.24.1, §16). */
export async function forward(req: RequestContext): Promise<Reply> {
  const body = parseRequest(ForwardRequestSchema, jsonBody(req), "ForwardRequest");
  return runLoss(req, {
    modelId: body.model_id,
    seqId: body.seq_id,
    data: body.forward_input.data.map(datumFromWire),
    lossFn: body.forward_input.loss_fn,
    lossFnConfig: body.forward_input.loss_fn_config,
    forwardOnly: true,
  });
}

/** Row 13: `POST /optim_step` → future of `{metrics}`. */
export async function optimStep(req: RequestContext): Promise<Reply> {
  const body = parseRequest(OptimStepRequestSchema, jsonBody(req), "OptimStepRequest");
  const model = req.runtime.requireModel(body.model_id, req.principal);
  return submitOrdered(
    req,
    model,
    body.seq_id,
    "OptimStep",
    () => {
      if (!body.adam_params) throw badRequest("Only adam_params is supported by this server (AdamW).");
      const params = body.adam_params;
      if (params.learning_rate < 0) throw badRequest("adam_params.learning_rate must be ≥ 0.");
      return params;
    },
    async (params) => {
      const result = await req.runtime.parts.backend.optimStep(model.run.training_run_id, params);
      return jsonResult({ metrics: result.metrics, type: "optim_step" });
    },
  );
}

function checkTtl(ttl: number | undefined): number | undefined {
  if (ttl !== undefined && ttl <= 0)
    throw badRequest("ttl_seconds must be positive (omit it for no expiry).");
  return ttl;
}

/**
 * Saves the model's files as a checkpoint, durably, before the future resolves. With
 * `overwrite` false an existing name fails with a 409-style user error.
 */
async function writeCheckpoint(
  req: RequestContext,
  model: ModelRuntime,
  kind: CheckpointKind,
  name: string,
  options: {
    ttlSeconds: number | undefined;
    overwrite: boolean;
    userMetadata: Record<string, string> | undefined;
  },
): Promise<CheckpointRecord> {
  const { store, backend } = req.runtime.parts;
  const runId = model.run.training_run_id;
  const checkpointId = `${kind === "training" ? "weights" : "sampler_weights"}/${name}`;
  if (!options.overwrite && store.getCheckpoint(runId, checkpointId)) {
    throw new HttpError(
      409,
      `Checkpoint ${tinkerPathOf(runId, kind, name)} already exists; pass overwrite or a new name.`,
    );
  }
  // The empty `checkpoint_complete` marker goes into the archive; the CLI requires it (§8.3).
  const files = { ...(await backend.saveWeights(runId, kind)), checkpoint_complete: new Uint8Array(0) };
  const now = req.runtime.clock.now();
  const record: CheckpointRecord = {
    training_run_id: runId,
    checkpoint_id: checkpointId,
    checkpoint_type: kind,
    name,
    tinker_path: tinkerPathOf(runId, kind, name),
    time: now,
    size_bytes: Object.values(files).reduce((sum, f) => sum + f.length, 0),
    public: false,
    ...(options.ttlSeconds === undefined ? {} : { expires_at: now + options.ttlSeconds * 1000 }),
    ...(options.userMetadata ? { user_metadata: options.userMetadata } : {}),
    files: Object.keys(files),
  };
  await store.saveCheckpoint(record, files);
  await req.runtime.audit(model.run.owner, "checkpoint_created", {
    model_id: runId,
    tinker_path: record.tinker_path,
    purpose: kind,
  });
  store.appendUsage({
    time: now,
    owner: model.run.owner,
    session_id: model.run.session_id,
    base_model: model.run.base_model,
    event_info: { type: "checkpoint", count: 1 },
  });
  return record;
}

/** Row 14: `POST /save_weights` → future of `{path}` (`tinker://<run>/weights/<name>`). */
export async function saveWeights(req: RequestContext): Promise<Reply> {
  const body = parseRequest(SaveWeightsRequestSchema, jsonBody(req), "SaveWeightsRequest");
  const model = req.runtime.requireModel(body.model_id, req.principal);
  return submitOrdered(
    req,
    model,
    body.seq_id,
    "SaveWeights",
    () => {
      const name = checkCheckpointName(body.path ?? `checkpoint-${body.seq_id ?? req.runtime.clock.now()}`);
      const ttlSeconds = checkTtl(body.ttl_seconds);
      const id = `weights/${name}`;
      if (!body.overwrite && req.runtime.parts.store.getCheckpoint(model.run.training_run_id, id)) {
        throw new HttpError(
          409,
          `Checkpoint ${tinkerPathOf(model.run.training_run_id, "training", name)} already exists; pass overwrite or a new name.`,
        );
      }
      return { name, ttlSeconds };
    },
    async ({ name, ttlSeconds }) => {
      const record = await writeCheckpoint(req, model, "training", name, {
        ttlSeconds,
        overwrite: body.overwrite,
        userMetadata: body.user_metadata,
      });
      return jsonResult({ path: record.tinker_path, type: "save_weights" });
    },
  );
}

/**
 * Row 15: `POST /save_weights_for_sampler`. Named: a sampler checkpoint, future of `{path}`.
 * Unnamed with `sampling_session_seq_id`: an ephemeral snapshot served by a new sampling session
 * `<session>:sample:<n>`, future of `{sampling_session_id}` (§8.8). Both: checkpoint and session.
 */
export async function saveWeightsForSampler(req: RequestContext): Promise<Reply> {
  const body = parseRequest(
    SaveWeightsForSamplerRequestSchema,
    jsonBody(req),
    "SaveWeightsForSamplerRequest",
  );
  const { runtime } = req;
  const model = runtime.requireModel(body.model_id, req.principal);
  return submitOrdered(
    req,
    model,
    body.seq_id,
    "SaveWeightsForSampler",
    () => {
      if (body.kind === "inflight") {
        throw badRequest("kind 'inflight' is not supported by tinker-local; use the default 'snapshot'.");
      }
      if (body.path === undefined && body.sampling_session_seq_id === undefined) {
        throw badRequest("save_weights_for_sampler needs a path (a name) or a sampling_session_seq_id.");
      }
      const name = body.path === undefined ? undefined : checkCheckpointName(body.path);
      const samplerId =
        body.sampling_session_seq_id === undefined
          ? undefined
          : samplerIdOf(model.run.session_id, body.sampling_session_seq_id);
      if (samplerId && runtime.parts.store.samplers.has(samplerId)) {
        throw new HttpError(
          409,
          `Sampling session ${samplerId} already exists; use a new sampling_session_seq_id.`,
        );
      }
      return { name, samplerId, ttlSeconds: checkTtl(body.ttl_seconds) };
    },
    async ({ name, samplerId, ttlSeconds }) => {
      const result: Record<string, unknown> = {};
      let modelPath: string | undefined;
      if (name !== undefined) {
        const record = await writeCheckpoint(req, model, "sampler", name, {
          ttlSeconds,
          overwrite: true,
          userMetadata: body.user_metadata,
        });
        modelPath = record.tinker_path;
        result["path"] = modelPath;
      }
      if (samplerId !== undefined) {
        const files = await runtime.parts.backend.saveWeights(model.run.training_run_id, "sampler");
        const session = runtime.parts.store.sessions.get(model.run.session_id)!;
        await openSampler(
          runtime,
          session,
          {
            sampler_id: samplerId,
            session_id: session.session_id,
            owner: model.run.owner,
            base_model: model.run.base_model,
            ...(modelPath === undefined ? {} : { model_path: modelPath }),
            created_at: runtime.clock.now(),
            client_counter: 0,
          },
          files,
        );
        result["sampling_session_id"] = samplerId;
      }
      result["type"] = "save_weights_for_sampler";
      return jsonResult(result);
    },
  );
}

/**
 * Row 16: `POST /load_weights`. Legacy addressing (`model_id` + `seq_id`) loads into an existing
 * model in order; create-via-load (`session_id` + `model_seq_id`) creates the model from the
 * checkpoint's run settings, the load being its seq_id 0. `optimizer` restores Adam state too.
 */
export async function loadWeights(req: RequestContext): Promise<Reply> {
  const body = parseRequest(LoadWeightsRequestSchema, jsonBody(req), "LoadWeightsRequest");
  const { runtime } = req;
  checkOptimizerConfig(body.optimizer_config);
  if ((body.model_id === undefined) === (body.session_id === undefined)) {
    throw badRequest(
      "load_weights needs exactly one of model_id (with seq_id) or session_id (with model_seq_id).",
    );
  }
  const reader = body.weights_access_token
    ? runtime.parts.auth.authenticate(body.weights_access_token)
    : req.principal;
  const readable = () => {
    const checkpoint = runtime.requireReadableCheckpoint(body.path, reader);
    if (body.optimizer && checkpoint.checkpoint_type !== "training") {
      throw badRequest(`Checkpoint ${body.path} is a sampler checkpoint and has no optimizer state.`);
    }
    return checkpoint;
  };
  const load = async (model: ModelRuntime, checkpoint: CheckpointRecord) => {
    const files = await runtime.parts.store.readCheckpointFiles(checkpoint);
    await runtime.parts.backend.loadWeights(model.run.training_run_id, files, { optimizer: body.optimizer });
    await runtime.audit(model.run.owner, "checkpoint_loaded", {
      model_id: model.run.training_run_id,
      tinker_path: checkpoint.tinker_path,
    });
  };
  if (body.model_id !== undefined) {
    const model = runtime.requireModel(body.model_id, req.principal);
    return submitOrdered(req, model, body.seq_id, "LoadWeights", readable, async (checkpoint) => {
      const source = runtime.parts.store.runs.get(checkpoint.training_run_id);
      if (source && source.base_model !== model.run.base_model) {
        throw badRequest(
          `Checkpoint ${body.path} was trained on ${source.base_model}, not ${model.run.base_model}.`,
        );
      }
      await load(model, checkpoint);
      return jsonResult({
        path: checkpoint.tinker_path,
        model_id: model.run.training_run_id,
        type: "load_weights",
      });
    });
  }
  if (body.model_seq_id === undefined)
    throw badRequest("create-via-load needs model_seq_id with session_id.");
  const session = runtime.requireSession(body.session_id!, req.principal);
  const modelId = `${session.session_id}:train:${body.model_seq_id}`;
  const existing = runtime.models.get(modelId);
  if (existing) return json(200, { request_id: existing.createRequestId, model_id: modelId });
  const checkpoint = readable();
  const source = runtime.parts.store.runs.get(checkpoint.training_run_id);
  if (!source) throw notFound(`Training run ${checkpoint.training_run_id} not found.`);
  const baseModel = body.base_model ?? source.base_model;
  if (!runtime.parts.catalogue.get(baseModel))
    throw badRequest(`Base model '${baseModel}' is not supported.`);
  const run = newRun(req, session.session_id, body.model_seq_id, baseModel, source.lora, body.user_metadata);
  const requestId = runtime.newFuture("LoadWeights", modelId);
  const model = runtime.addModel(run, 0, requestId);
  session.training_run_ids.push(modelId);
  await runtime.parts.store.putSession(session);
  await runtime.parts.store.putRun(run);
  model.queue.submit({
    seqId: 0,
    requestId,
    run: () =>
      runtime.runInto(requestId, async () => {
        await runtime.parts.backend.createModel({ modelId, baseModel, lora: run.lora });
        await load(model, checkpoint);
        return jsonResult({ path: checkpoint.tinker_path, model_id: modelId, type: "load_weights" });
      }),
  });
  return json(200, { request_id: requestId, model_id: modelId });
}
