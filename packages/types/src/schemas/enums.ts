import * as z from "zod/mini";

/**
 * Enumerations and literal sets of the wire (tinker-wire-spec.md §4.1), with the values Python SDK
 * 0.38.0 accepts. Each schema's `.options` lists the values.
 */

/** Why a sampled sequence ended (`types/stop_reason.py`); proto STOP=0, LENGTH=1. */
export const StopReasonSchema = z.enum(["length", "stop"]);

/**
 * Built-in loss functions (`types/loss_fn_type.py`). 0.38.0 adds `gspo`, `stable_reinforce` and
 * `custom` (a server-side custom loss) to the spec's five.
 */
export const LossFnTypeSchema = z.enum([
  "cross_entropy",
  "importance_sampling",
  "ppo",
  "cispo",
  "dro",
  "gspo",
  "stable_reinforce",
  "custom",
]);
/** A built-in loss function name. */
export type LossFnType = z.infer<typeof LossFnTypeSchema>;

/** Element types of a `TensorData` (`types/tensor_dtype.py`). */
export const TensorDtypeSchema = z.enum(["int64", "float32"]);

/** Category of a failed future (`RequestErrorCategory`, lower-case `StrEnum` values). */
export const RequestErrorCategorySchema = z.enum(["unknown", "server", "user"]);
/** Category of a failed future: `user` errors are the caller's fault, `server` are Tinker's. */
export type RequestErrorCategory = z.infer<typeof RequestErrorCategorySchema>;

/** Queue states a `try_again` reply may carry on the wire (`types/try_again_response.py`). */
export const QueueStateSchema = z.enum(["active", "paused_capacity", "paused_rate_limit"]);
/**
 * Queue state as the SDK tracks it (§6.3): the wire values plus `unknown` for any value it does
 * not recognise.
 */
export type QueueState = z.infer<typeof QueueStateSchema> | "unknown";

/** Telemetry event kinds (`types/event_type.py`). */
export const EventTypeSchema = z.enum([
  "SESSION_START",
  "SESSION_END",
  "UNHANDLED_EXCEPTION",
  "GENERIC_EVENT",
]);
/** A telemetry event kind. */
export type EventType = z.infer<typeof EventTypeSchema>;

/** Telemetry severities (`types/severity.py`). */
export const SeveritySchema = z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]);
/** A telemetry severity. */
export type Severity = z.infer<typeof SeveritySchema>;

/**
 * Checkpoint kinds (`types/checkpoint.py`): `training` (`weights/…`), `sampler`
 * (`sampler_weights/…`) and, new in 0.38.0, `external` (`external_weights/…`).
 */
export const CheckpointTypeSchema = z.enum(["training", "sampler", "external"]);
/** A checkpoint kind. */
export type CheckpointType = z.infer<typeof CheckpointTypeSchema>;

/** Image formats of image chunks (`types/image_chunk.py`). */
export const ImageFormatSchema = z.enum(["png", "jpeg"]);

/** `access_scope` query values of the REST listings (§3.2): own resources, or all visible ones. */
export const AccessScopeSchema = z.enum(["owned", "accessible"]);
/** An `access_scope` value. */
export type AccessScope = z.infer<typeof AccessScopeSchema>;

/**
 * The Python SDK's connection pools (`lib/client_connection_pool_type.py`); 0.38.0 adds
 * `retrieve_futures`. Not sent on the wire; kept so that HTTP layers can mirror the pools.
 */
export const ClientConnectionPoolTypeSchema = z.enum([
  "session",
  "sample",
  "train",
  "rest_support_redirect",
  "retrieve_promise",
  "retrieve_futures",
  "telemetry",
]);
/** A connection pool kind. */
export type ClientConnectionPoolType = z.infer<typeof ClientConnectionPoolTypeSchema>;

/**
 * Which weights an unnamed `save_weights_for_sampler` publishes (new in 0.38.0,
 * `types/sampling_client_kind.py`): fixed `snapshot` weights (the default) or mutable `inflight`
 * weights shared by the training model's inflight sampling clients.
 */
export const SamplingClientKindSchema = z.enum(["snapshot", "inflight"]);
/** A sampling client kind. */
export type SamplingClientKind = z.infer<typeof SamplingClientKindSchema>;
