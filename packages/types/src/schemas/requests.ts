import * as z from "zod/mini";
import { sendsNulls } from "../json/encode.js";
import { SamplingClientKindSchema, SeveritySchema } from "./enums.js";
import { ModelInputSchema } from "./model-input.js";
import {
  JsonObjectSchema,
  StringMapSchema,
  WireDatetimeSchema,
  WireFloatSchema,
  WireIntSchema,
} from "./primitives.js";
import { TensorDataSchema } from "./tensors.js";

/**
 * Request bodies (tinker-wire-spec.md §4.4) as Python SDK 0.38.0 sends them. Keys are declared in
 * the model's field order, which is the JSON key order; `z._default()` marks fields that are sent
 * even when the caller leaves them unset; `z.nullish()` marks optional fields, omitted when unset.
 * The models are pydantic `StrictBase` (`extra="forbid"`), hence `z.strictObject`, except
 * `SamplingParams` and the telemetry events, which are lenient `BaseModel`s.
 */

/** `POST /api/v1/client/config` and `/client/dynamic_config`: `{"sdk_version": …}` (§2.3). */
export const ClientConfigRequestSchema = z.strictObject({ sdk_version: z.string() });
/** Body of the client config calls. */
export type ClientConfigRequest = z.infer<typeof ClientConfigRequestSchema>;

/**
 * `POST /api/v1/create_session` (§3.2). `user_metadata` is required but may be null (the SDK
 * always sends an object, `{}` when empty); `display_name` is new in 0.38.0.
 */
export const CreateSessionRequestSchema = z.strictObject({
  tags: z.array(z.string()),
  user_metadata: z.nullable(JsonObjectSchema),
  sdk_version: z.string(),
  project_id: z.nullish(z.string()),
  display_name: z.nullish(z.string()),
  type: z._default(z.literal("create_session"), "create_session"),
});
/** Body of `create_session`. */
export type CreateSessionRequest = z.infer<typeof CreateSessionRequestSchema>;

/** `POST /api/v1/session_heartbeat`, every 10 s (§2.4). */
export const SessionHeartbeatRequestSchema = z.strictObject({
  session_id: z.string(),
  type: z._default(z.literal("session_heartbeat"), "session_heartbeat"),
});
/** Body of `session_heartbeat`. */
export type SessionHeartbeatRequest = z.infer<typeof SessionHeartbeatRequestSchema>;

/** `POST /api/v1/create_sampling_session` (§9.1): a base model or a `tinker://` sampler path. */
export const CreateSamplingSessionRequestSchema = z.strictObject({
  session_id: z.string(),
  sampling_session_seq_id: WireIntSchema,
  base_model: z.nullish(z.string()),
  model_path: z.nullish(z.string()),
  type: z._default(z.literal("create_sampling_session"), "create_sampling_session"),
});
/** Body of `create_sampling_session`. */
export type CreateSamplingSessionRequest = z.infer<typeof CreateSamplingSessionRequestSchema>;

/** LoRA settings of `create_model`: rank, init seed, and which layer groups get adapters. */
export const LoraConfigSchema = z.strictObject({
  rank: WireIntSchema,
  seed: z.nullish(WireIntSchema),
  train_unembed: z._default(z.boolean(), true),
  train_mlp: z._default(z.boolean(), true),
  train_attn: z._default(z.boolean(), true),
});
/** LoRA settings. */
export type LoraConfig = z.infer<typeof LoraConfigSchema>;

/** Adam (AdamW) optimizer family, the default (new in 0.38.0, `types/optimizer.py`). */
export const AdamOptimizerConfigSchema = z.strictObject({ type: z._default(z.literal("adamw"), "adamw") });
/** Dimuon optimizer family (new in 0.38.0). */
export const DimuonOptimizerConfigSchema = z.strictObject({
  type: z._default(z.literal("dimuon"), "dimuon"),
  version: z._default(z.literal(1), 1),
});
/**
 * An open optimizer family: any `type` except the ones with their own schema (so that a bad
 * Dimuon value is reported as such instead of passing as an unknown family).
 */
const otherFamily = (known: readonly string[]) =>
  z.looseObject({
    type: z
      .string()
      .check(z.refine((type) => !known.includes(type), "this optimizer family has its own schema")),
  });

/**
 * Optimizer family fixed at model creation (new in 0.38.0): Adam, Dimuon, or any other family the
 * server knows, identified by `type` (extra fields allowed and sent after `type`).
 */
export const OptimizerConfigSchema = z.union([
  AdamOptimizerConfigSchema,
  DimuonOptimizerConfigSchema,
  otherFamily(["adamw", "dimuon"]),
]);
/** An optimizer family. */
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;

/**
 * `POST /api/v1/create_model` (§10.1). 0.38.0 always sends `optimizer_config`, by default
 * `{"type":"adamw"}`.
 */
export const CreateModelRequestSchema = z.strictObject({
  session_id: z.string(),
  model_seq_id: WireIntSchema,
  base_model: z.string(),
  user_metadata: z.nullish(JsonObjectSchema),
  lora_config: z.nullish(LoraConfigSchema),
  optimizer_config: z._default(OptimizerConfigSchema, { type: "adamw" }),
  type: z._default(z.literal("create_model"), "create_model"),
});
/** Body of `create_model`. */
export type CreateModelRequest = z.infer<typeof CreateModelRequestSchema>;

/** `POST /api/v1/get_info` (§8.10). */
export const GetInfoRequestSchema = z.strictObject({
  model_id: z.string(),
  type: z._default(z.literal("get_info"), "get_info"),
});
/** Body of `get_info`. */
export type GetInfoRequest = z.infer<typeof GetInfoRequestSchema>;

/** `POST /api/v1/unload_model` (§8.12). */
export const UnloadModelRequestSchema = z.strictObject({
  model_id: z.string(),
  type: z._default(z.literal("unload_model"), "unload_model"),
});
/** Body of `unload_model`. */
export type UnloadModelRequest = z.infer<typeof UnloadModelRequestSchema>;

/**
 * Adam hyperparameters of one optimizer step. Every field has a default and is always sent;
 * `grad_clip_norm` 0 means no clipping; `weight_decay` is decoupled (AdamW).
 */
export const AdamParamsSchema = z.strictObject({
  learning_rate: z._default(WireFloatSchema, 0.0001),
  beta1: z._default(WireFloatSchema, 0.9),
  beta2: z._default(WireFloatSchema, 0.95),
  eps: z._default(WireFloatSchema, 1e-12),
  weight_decay: z._default(WireFloatSchema, 0),
  grad_clip_norm: z._default(WireFloatSchema, 0),
});
/** Adam hyperparameters. */
export type AdamParams = z.infer<typeof AdamParamsSchema>;

/** Dimuon hyperparameters of one optimizer step (new in 0.38.0). */
export const DimuonParamsSchema = z.strictObject({
  type: z._default(z.literal("dimuon"), "dimuon"),
  learning_rate: z.number().check(z.minimum(0)),
  grad_clip_norm: z._default(WireFloatSchema, 0),
  beta1: z._default(z.number().check(z.minimum(0), z.lt(1)), 0.9),
});
/** Dimuon hyperparameters. */
export type DimuonParams = z.infer<typeof DimuonParamsSchema>;

/** Per-step hyperparameters of a non-Adam family: Dimuon or another family named by `type`. */
export const OptimizerParamsSchema = z.union([DimuonParamsSchema, otherFamily(["dimuon"])]);

/**
 * `POST /api/v1/optim_step` (§8.4). 0.38.0 writes Adam hyperparameters under `adam_params` and
 * other families under `optimizer_params`, after `type` (the model serializer re-adds them last).
 * Exactly one of the two must be present.
 */
export const OptimStepRequestSchema = z
  .strictObject({
    model_id: z.string(),
    seq_id: z.nullish(WireIntSchema),
    type: z._default(z.literal("optim_step"), "optim_step"),
    adam_params: z.optional(AdamParamsSchema),
    optimizer_params: z.optional(OptimizerParamsSchema),
  })
  .check(
    z.refine((body) => (body.adam_params === undefined) !== (body.optimizer_params === undefined), {
      message: "exactly one of adam_params and optimizer_params must be given",
    }),
  );
/** Body of `optim_step`. */
export type OptimStepRequest = z.infer<typeof OptimStepRequestSchema>;

/** `POST /api/v1/save_weights` (§8.5); `path` is the checkpoint name. `user_metadata` is new in 0.38.0. */
export const SaveWeightsRequestSchema = z.strictObject({
  model_id: z.string(),
  path: z.nullish(z.string()),
  seq_id: z.nullish(WireIntSchema),
  ttl_seconds: z.nullish(WireIntSchema),
  overwrite: z._default(z.boolean(), false),
  user_metadata: z.nullish(StringMapSchema),
  type: z._default(z.literal("save_weights"), "save_weights"),
});
/** Body of `save_weights`. */
export type SaveWeightsRequest = z.infer<typeof SaveWeightsRequestSchema>;

/**
 * `POST /api/v1/save_weights_for_sampler` (§8.7, §8.8): named (`path`) or unnamed
 * (`sampling_session_seq_id`). 0.38.0 adds `kind` (always sent) and `user_metadata`.
 */
export const SaveWeightsForSamplerRequestSchema = z.strictObject({
  model_id: z.string(),
  path: z.nullish(z.string()),
  sampling_session_seq_id: z.nullish(WireIntSchema),
  kind: z._default(SamplingClientKindSchema, "snapshot"),
  seq_id: z.nullish(WireIntSchema),
  ttl_seconds: z.nullish(WireIntSchema),
  user_metadata: z.nullish(StringMapSchema),
  type: z._default(z.literal("save_weights_for_sampler"), "save_weights_for_sampler"),
});
/** Body of `save_weights_for_sampler`. */
export type SaveWeightsForSamplerRequest = z.infer<typeof SaveWeightsForSamplerRequestSchema>;

/**
 * `POST /api/v1/load_weights` (§8.6, §10.1): legacy addressing (`model_id` + `seq_id`) or
 * create-via-load (`session_id` + `model_seq_id`). `optimizer_config` is new in 0.38.0.
 */
export const LoadWeightsRequestSchema = z.strictObject({
  model_id: z.nullish(z.string()),
  seq_id: z.nullish(WireIntSchema),
  session_id: z.nullish(z.string()),
  model_seq_id: z.nullish(WireIntSchema),
  base_model: z.nullish(z.string()),
  user_metadata: z.nullish(JsonObjectSchema),
  path: z.string(),
  optimizer: z.boolean(),
  optimizer_config: z.nullish(OptimizerConfigSchema),
  weights_access_token: z.nullish(z.string()),
  type: z._default(z.literal("load_weights"), "load_weights"),
});
/** Body of `load_weights`. */
export type LoadWeightsRequest = z.infer<typeof LoadWeightsRequestSchema>;

/**
 * Sampling settings (a lenient `BaseModel`). `stop` is a string, strings or token ids (`[]`
 * disables every stop token, EOS included); `top_k` -1 means no limit. The defaults
 * `temperature=1`, `top_p=1` are sent as `1.0`, like every float.
 */
export const SamplingParamsSchema = z.object({
  max_tokens: z.nullish(WireIntSchema),
  seed: z.nullish(WireIntSchema),
  stop: z.nullish(z.union([z.string(), z.array(z.string()), z.array(WireIntSchema)])),
  temperature: z._default(WireFloatSchema, 1),
  top_k: z._default(WireIntSchema, -1),
  top_p: z._default(WireFloatSchema, 1),
});
/** Sampling settings. */
export type SamplingParams = z.infer<typeof SamplingParamsSchema>;

/**
 * `POST /api/v1/asample` (§9.2). The public client addresses the sampler by
 * `sampling_session_id` + `seq_id` and always sends `prompt_logprobs` as a bool. 0.38.0 adds
 * `topk_sample_logprobs` and `prompt_alt_tokens_k` (always sent), `target_prompt_logprobs` (an
 * int64 `[len(prompt) − 1, K]` tensor, -1 = no request), `prompt_logprobs_last_n` and
 * `record_stability_info`.
 */
export const SampleRequestSchema = z.strictObject({
  num_samples: z._default(WireIntSchema, 1),
  prompt: ModelInputSchema,
  sampling_params: SamplingParamsSchema,
  base_model: z.nullish(z.string()),
  model_path: z.nullish(z.string()),
  sampling_session_id: z.nullish(z.string()),
  seq_id: z.nullish(WireIntSchema),
  prompt_logprobs: z.nullish(z.boolean()),
  topk_prompt_logprobs: z._default(WireIntSchema, 0),
  topk_sample_logprobs: z._default(WireIntSchema, 0),
  target_prompt_logprobs: z.nullish(TensorDataSchema),
  prompt_alt_tokens_k: z._default(WireIntSchema, 0),
  prompt_logprobs_last_n: z.nullish(WireIntSchema),
  record_stability_info: z.nullish(z.boolean()),
  type: z._default(z.literal("sample"), "sample"),
});
/** Body of `asample`. */
export type SampleRequest = z.infer<typeof SampleRequestSchema>;

/** `POST /api/v1/retrieve_future` (§6.2); the SDK sends `allow_metadata_only: true` first. */
export const FutureRetrieveRequestSchema = z.strictObject({
  request_id: z.string(),
  allow_metadata_only: z._default(z.boolean(), false),
});
/** Body of `retrieve_future`. */
export type FutureRetrieveRequest = z.infer<typeof FutureRetrieveRequestSchema>;

const eventCommon = {
  event_id: z.string(),
  event_session_index: WireIntSchema,
  severity: SeveritySchema,
  timestamp: WireDatetimeSchema,
};

/** Telemetry `SESSION_START` (§11), queued when a session-ful client starts. */
export const SessionStartEventSchema = z.object({ event: z.literal("SESSION_START"), ...eventCommon });
/** A session start event. */
export type SessionStartEvent = z.infer<typeof SessionStartEventSchema>;

/** Telemetry `SESSION_END` (§11); `duration` is Python `str(timedelta)`, e.g. `0:05:12.345678`. */
export const SessionEndEventSchema = z.object({
  duration: z.string(),
  event: z.literal("SESSION_END"),
  ...eventCommon,
});
/** A session end event. */
export type SessionEndEvent = z.infer<typeof SessionEndEventSchema>;

/** Telemetry `UNHANDLED_EXCEPTION` (§11). */
export const UnhandledExceptionEventSchema = z.object({
  error_message: z.string(),
  error_type: z.string(),
  event: z.literal("UNHANDLED_EXCEPTION"),
  ...eventCommon,
  traceback: z.nullish(z.string()),
});
/** An unhandled exception event. */
export type UnhandledExceptionEvent = z.infer<typeof UnhandledExceptionEventSchema>;

/** Telemetry `GENERIC_EVENT` (§11): a named event with a JSON payload (`event_data`, default `{}`). */
export const GenericEventSchema = z.object({
  event: z.literal("GENERIC_EVENT"),
  event_id: z.string(),
  event_name: z.string(),
  event_session_index: WireIntSchema,
  severity: SeveritySchema,
  timestamp: WireDatetimeSchema,
  event_data: z._default(JsonObjectSchema, {}),
});
/** A generic event. */
export type GenericEvent = z.infer<typeof GenericEventSchema>;

/**
 * One telemetry event. Python validates a plain union of the four models; here each member pins
 * its `event` value, which is what the SDK always sends.
 */
export const TelemetryEventSchema = z.union([
  SessionStartEventSchema,
  SessionEndEventSchema,
  UnhandledExceptionEventSchema,
  GenericEventSchema,
]);
/** One telemetry event. */
export type TelemetryEvent = z.infer<typeof TelemetryEventSchema>;

/** `POST /api/v1/telemetry` (§11): a batch of at most 100 events. */
export const TelemetrySendRequestSchema = z.strictObject({
  events: z.array(TelemetryEventSchema),
  platform: z.string(),
  sdk_version: z.string(),
  session_id: z.string(),
  process_uuid: z.string(),
});
/** Body of `telemetry`. */
export type TelemetrySendRequest = z.infer<typeof TelemetrySendRequestSchema>;

/**
 * Query of `GET /api/v1/billing/usage/events` (§3.2): an hour-aligned window of at most 14 days.
 * Sent as query parameters, with datetimes normalized as pydantic writes them (`…T05:00:00Z`).
 */
export const GetBillingUsageRequestSchema = z.strictObject({
  starting_on: WireDatetimeSchema,
  ending_before: WireDatetimeSchema,
});
/** Billing usage window. */
export type GetBillingUsageRequest = z.infer<typeof GetBillingUsageRequestSchema>;

/** `POST /api/v1/auth/token`: the hand-written empty body `{}` (§2.2). */
export const AuthTokenRequestSchema = z.strictObject({});
/** Body of `auth/token`. */
export type AuthTokenRequest = z.infer<typeof AuthTokenRequestSchema>;

/** `POST /api/v1/weights_info`: `{"tinker_path": …}` (§10.2). */
export const WeightsInfoRequestSchema = z.strictObject({ tinker_path: z.string() });
/** Body of `weights_info`. */
export type WeightsInfoRequest = z.infer<typeof WeightsInfoRequestSchema>;

/**
 * `PUT /api/v1/training_runs/{run}/checkpoints/{id}/ttl`: `{"ttl_seconds": n}` or
 * `{"ttl_seconds": null}` to remove the TTL — the one body that sends null (§1.2).
 */
export const CheckpointTtlRequestSchema = sendsNulls(
  z.strictObject({ ttl_seconds: z.nullable(WireIntSchema) }),
);
/** Body of the checkpoint TTL call. */
export type CheckpointTtlRequest = z.infer<typeof CheckpointTtlRequestSchema>;

/** `PUT /api/v1/sessions/{id}/project`: `{"project_id": …}` (§10.2). */
export const SessionProjectRequestSchema = z.strictObject({ project_id: z.string() });
/** Body of the session project call. */
export type SessionProjectRequest = z.infer<typeof SessionProjectRequestSchema>;

/**
 * `POST /api/v1/join_sampling_session` (Python SDK 0.38 `JoinSamplingSessionRequest`): a cloned
 * sampling client asks the server for its own request-id counter.
 */
export const JoinSamplingSessionRequestSchema = z.strictObject({
  sampling_session_id: z.string(),
  type: z._default(z.literal("join_sampling_session"), "join_sampling_session"),
});
/** Body of `join_sampling_session`. */
export type JoinSamplingSessionRequest = z.infer<typeof JoinSamplingSessionRequestSchema>;

/**
 * `POST /api/v1/cancel_future`: `{"request_id": …}`, the hand-written body Python SDK 0.38 sends
 * for an abandoned sample (`InternalClientHolder._send_cancel_request`, §7.2).
 */
export const CancelFutureRequestSchema = z.strictObject({ request_id: z.string() });
/** Body of `cancel_future`. */
export type CancelFutureRequest = z.infer<typeof CancelFutureRequestSchema>;

/** How a session ended, in `FinishSessionRequest`. */
export const SessionFinishStatusSchema = z.enum(["success", "errored", "interrupted"]);
/** `success`, `errored` or `interrupted`. */
export type SessionFinishStatus = z.infer<typeof SessionFinishStatusSchema>;

/**
 * `POST /api/v1/sessions/{id}/finish`: `{"reason": {"type": …}, "detail": …}`, the hand-written
 * body Python SDK 0.38 sends when a ServiceClient closes (`ServiceClient._finish_session_async`).
 * The SDK always writes `detail`, `null` when there is none: pass `detail: null` to encode that.
 * Parsing also accepts a body without it.
 */
export const FinishSessionRequestSchema = sendsNulls(
  z.strictObject({
    reason: z.looseObject({ type: SessionFinishStatusSchema }),
    detail: z.nullish(z.string()),
  }),
);
/** Body of `sessions/{id}/finish`. */
export type FinishSessionRequest = z.infer<typeof FinishSessionRequestSchema>;
