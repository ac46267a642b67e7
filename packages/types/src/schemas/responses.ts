import * as z from "zod/mini";
import {
  CheckpointTypeSchema,
  QueueStateSchema,
  RequestErrorCategorySchema,
  StopReasonSchema,
} from "./enums.js";
import {
  JsonObjectSchema,
  StringMapSchema,
  WireDatetimeSchema,
  WireFloatSchema,
  WireIntSchema,
} from "./primitives.js";
import { AdamOptimizerConfigSchema, DimuonOptimizerConfigSchema } from "./requests.js";

/**
 * Optimizer family as responses carry it: like pydantic's `OptimizerConfig` union, a value the
 * strict Adam/Dimuon members reject (say, Adam with a new field) still parses as an open family.
 */
const ResponseOptimizerConfigSchema = z.union([
  AdamOptimizerConfigSchema,
  DimuonOptimizerConfigSchema,
  z.looseObject({ type: z.string() }),
]);

/**
 * Response bodies (tinker-wire-spec.md §4.5) as Python SDK 0.38.0 validates them: pydantic
 * `BaseModel` with `extra="ignore"`, so `z.object` drops unknown keys, required fields must be
 * present, and defaults are filled in. Optional fields accept `null` (`z.nullish()`). Datetimes stay
 * ISO 8601 strings (see `WireDatetimeSchema`).
 */

/** Reply of every async endpoint (§3): poll `request_id` with `retrieve_future`. */
export const UntypedAPIFutureSchema = z.object({
  request_id: z.string(),
  model_id: z.nullish(z.string()),
  /** New in 0.38.0: one id per requested sample, in the order of the final sequences. */
  sample_sequence_ids: z.nullish(z.array(z.string())),
});
/** A pending request. */
export type UntypedAPIFuture = z.infer<typeof UntypedAPIFutureSchema>;

/**
 * What tinker-local says about itself in its client config (docs/local-server.md#recognising-tinker-local);
 * the real service never sends it. `backend` is the compute behind the models: `tiny` (a small
 * real model on the CPU that keeps each base model's tokenizer) or `null` (shaped placeholder
 * results).
 */
export const EmulatorInfoSchema = z.object({
  name: z.literal("tinker-local"),
  /** Version of `@tinker-ts/local-server`. */
  version: z.string(),
  backend: z.string(),
});
/** tinker-local's description of itself. */
export type EmulatorInfo = z.infer<typeof EmulatorInfoSchema>;

/**
 * Server feature flags for this client (`POST /api/v1/client/config`, §2.3). Every field has a
 * default, so `{}` is a valid reply; unknown flags are ignored. Sizes are in bytes, durations in
 * seconds.
 */
export const ClientConfigResponseSchema = z.object({
  pjwt_auth_enabled: z._default(z.boolean(), false),
  credential_default_source: z._default(z.string(), "api_key"),
  sample_dispatch_bytes_semaphore_size: z._default(WireIntSchema, 10 * 1024 * 1024),
  inflight_response_bytes_semaphore_size: z._default(WireIntSchema, 50 * 1024 * 1024),
  parallel_fwdbwd_chunks: z._default(z.boolean(), true),
  proto_compress_fwdbwd: z._default(z.boolean(), false),
  fwdbwd_max_chunk_len: z._default(WireIntSchema, 1024),
  fwdbwd_max_chunk_bytes_count: z._default(WireIntSchema, 5_000_000),
  fwdbwd_dispatch_bytes_semaphore_size: z._default(WireIntSchema, 50_000_000),
  billing_exception_max_pause_duration_sec: z._default(WireIntSchema, 3600),
  sample_no_retries: z._default(z.boolean(), false),
  sample_enable_stuck_detection: z._default(z.boolean(), true),
  sample_max_concurrent_requests: z._default(WireIntSchema, 2000),
  use_pyqwest_transport: z._default(z.boolean(), true),
  /** New in 0.38.0: poll `/api/v1/retrieve_futures` per sampling session. */
  sample_use_retrieve_futures: z._default(z.boolean(), false),
  /** New in 0.38.0: run custom losses on the server (`/api/v1/create_custom_loss`). */
  custom_loss_server_side: z._default(z.boolean(), false),
  /** New in 0.38.0: unpickled sampling clients ask `/api/v1/join_sampling_session` for an id. */
  sample_join_sampling_session: z._default(z.boolean(), false),
  /** Sent by tinker-local only: the server is the emulator (an addition of ours; Python ignores it). */
  emulator: z.optional(EmulatorInfoSchema),
});
/** Server feature flags. */
export type ClientConfigResponse = z.infer<typeof ClientConfigResponseSchema>;

/** Flags refreshed every `refresh_interval_sec` seconds (`/client/dynamic_config`). */
export const ClientDynamicConfigResponseSchema = z.object({
  refresh_interval_sec: z._default(WireIntSchema, 300),
  /** New in 0.38.0: cancel abandoned sampling futures with an explicit request. */
  sample_cancel_enabled: z._default(z.boolean(), false),
  /** New in 0.38.0: how many cancellations are sent in parallel. */
  sample_cancel_max_batch_size: z._default(WireIntSchema, 64),
});
/** Periodically refreshed flags. */
export type ClientDynamicConfigResponse = z.infer<typeof ClientDynamicConfigResponseSchema>;

/** `POST /api/v1/auth/token` reply: the JWT sent as `X-API-Key` from then on (§2.2). */
export const AuthTokenResponseSchema = z.object({ jwt: z.string() });
/** A JWT exchange reply. */
export type AuthTokenResponse = z.infer<typeof AuthTokenResponseSchema>;

/** `create_session` reply; the messages are logged at info, warning and error level. */
export const CreateSessionResponseSchema = z.object({
  type: z._default(z.literal("create_session"), "create_session"),
  info_message: z.nullish(z.string()),
  warning_message: z.nullish(z.string()),
  error_message: z.nullish(z.string()),
  session_id: z.string(),
});
/** A new session. */
export type CreateSessionResponse = z.infer<typeof CreateSessionResponseSchema>;

/** `session_heartbeat` reply: `{"type":"session_heartbeat"}` or `{}`. */
export const SessionHeartbeatResponseSchema = z.object({
  type: z._default(z.literal("session_heartbeat"), "session_heartbeat"),
});
/** A heartbeat reply. */
export type SessionHeartbeatResponse = z.infer<typeof SessionHeartbeatResponseSchema>;

/** `create_sampling_session` reply. */
export const CreateSamplingSessionResponseSchema = z.object({
  type: z._default(z.literal("create_sampling_session"), "create_sampling_session"),
  sampling_session_id: z.string(),
});
/** A new sampling session. */
export type CreateSamplingSessionResponse = z.infer<typeof CreateSamplingSessionResponseSchema>;

/** One model the server offers; `trainable`/`sampleable` are new in 0.38.0. */
export const SupportedModelSchema = z.object({
  model_name: z.nullish(z.string()),
  max_context_length: z.nullish(WireIntSchema),
  trainable: z.nullish(z.boolean()),
  sampleable: z.nullish(z.boolean()),
});
/** A supported model. */
export type SupportedModel = z.infer<typeof SupportedModelSchema>;

/** `GET /api/v1/get_server_capabilities` reply. */
export const GetServerCapabilitiesResponseSchema = z.object({
  supported_models: z.array(SupportedModelSchema),
});
/** Server capabilities. */
export type GetServerCapabilitiesResponse = z.infer<typeof GetServerCapabilitiesResponseSchema>;

/** `GET /api/v1/healthz` reply. */
export const HealthResponseSchema = z.object({ status: z.literal("ok") });
/** A health reply. */
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** `POST /api/v1/telemetry` reply; anything else makes the SDK resend the batch forever (§11). */
export const TelemetryResponseSchema = z.object({ status: z.literal("accepted") });
/** A telemetry reply. */
export type TelemetryResponse = z.infer<typeof TelemetryResponseSchema>;

/** `create_model` result. */
export const CreateModelResponseSchema = z.object({
  model_id: z.string(),
  type: z._default(z.literal("create_model"), "create_model"),
});
/** A created model. */
export type CreateModelResponse = z.infer<typeof CreateModelResponseSchema>;

/** Model metadata inside `GetInfoResponse`; `tokenizer_id` is cut at its first `:` by the SDK. */
export const ModelDataSchema = z.object({
  arch: z.nullish(z.string()),
  model_name: z.nullish(z.string()),
  tokenizer_id: z.nullish(z.string()),
});
/** Model metadata. */
export type ModelData = z.infer<typeof ModelDataSchema>;

/** `POST /api/v1/get_info` reply (§8.10); `optimizer_config` is new in 0.38.0. */
export const GetInfoResponseSchema = z.object({
  type: z.nullish(z.literal("get_info")),
  model_data: ModelDataSchema,
  model_id: z.string(),
  optimizer_config: z._default(ResponseOptimizerConfigSchema, { type: "adamw" }),
  is_lora: z.nullish(z.boolean()),
  lora_rank: z.nullish(WireIntSchema),
  model_name: z.nullish(z.string()),
});
/** Model information. */
export type GetInfoResponse = z.infer<typeof GetInfoResponseSchema>;

/** `unload_model` result. */
export const UnloadModelResponseSchema = z.object({
  model_id: z.string(),
  type: z.nullish(z.literal("unload_model")),
});
/** An unloaded model. */
export type UnloadModelResponse = z.infer<typeof UnloadModelResponseSchema>;

/** `optim_step` result: metrics keyed `name:reduction`. */
export const OptimStepResponseSchema = z.object({
  metrics: z.nullish(z.record(z.string(), WireFloatSchema)),
});
/** An optimizer step result. */
export type OptimStepResponse = z.infer<typeof OptimStepResponseSchema>;

/** `save_weights` result: `tinker://<model_id>/weights/<name>`. */
export const SaveWeightsResponseSchema = z.object({
  path: z.string(),
  type: z.nullish(z.literal("save_weights")),
});
/** A saved training checkpoint. */
export type SaveWeightsResponse = z.infer<typeof SaveWeightsResponseSchema>;

/** `save_weights_for_sampler` result as polled: a path (named) or a sampling session (unnamed). */
export const SaveWeightsForSamplerResponseInternalSchema = z.object({
  path: z.nullish(z.string()),
  sampling_session_id: z.nullish(z.string()),
  type: z.nullish(z.literal("save_weights_for_sampler")),
});
/** A sampler save result as polled. */
export type SaveWeightsForSamplerResponseInternal = z.infer<
  typeof SaveWeightsForSamplerResponseInternalSchema
>;

/** Public sampler save result: `tinker://<model_id>/sampler_weights/<name>`. */
export const SaveWeightsForSamplerResponseSchema = z.object({
  path: z.string(),
  type: z.nullish(z.literal("save_weights_for_sampler")),
});
/** A saved sampler checkpoint. */
export type SaveWeightsForSamplerResponse = z.infer<typeof SaveWeightsForSamplerResponseSchema>;

/** `load_weights` result; `model_id` names the model loaded (create-via-load). */
export const LoadWeightsResponseSchema = z.object({
  path: z.nullish(z.string()),
  model_id: z.nullish(z.string()),
  type: z.nullish(z.literal("load_weights")),
});
/** A load result. */
export type LoadWeightsResponse = z.infer<typeof LoadWeightsResponseSchema>;

/** A generated sequence in the legacy JSON `SampleResponse` (§16). */
export const SampledSequenceSchema = z.object({
  stop_reason: StopReasonSchema,
  tokens: z.array(WireIntSchema),
  logprobs: z.nullish(z.array(WireFloatSchema)),
});
/** JSON form of a sampled sequence. */
export type WireSampledSequence = z.infer<typeof SampledSequenceSchema>;

/**
 * Legacy JSON `SampleResponse` (§16). 0.38.0 receives sampling results only as protobuf
 * (`@tinker-ts/types/proto`); this form serves older servers and tests.
 */
export const SampleResponseSchema = z.object({
  sequences: z.array(SampledSequenceSchema),
  type: z.nullish(z.literal("sample")),
  prompt_logprobs: z.nullish(z.array(z.nullable(WireFloatSchema))),
  topk_prompt_logprobs: z.nullish(z.array(z.nullable(z.array(z.tuple([WireIntSchema, WireFloatSchema]))))),
  prompt_cache_hit_tokens: z._default(WireIntSchema, 0),
});
/** JSON form of a sampling result. */
export type WireSampleResponse = z.infer<typeof SampleResponseSchema>;

/** Offset pagination state: `offset`/`limit` echo the query, `total_count` counts everything. */
export const CursorSchema = z.object({
  offset: WireIntSchema,
  limit: WireIntSchema,
  total_count: WireIntSchema,
});
/** A pagination cursor. */
export type Cursor = z.infer<typeof CursorSchema>;

/** A saved checkpoint. `user_metadata` and the `external` type are new in 0.38.0. */
export const CheckpointSchema = z.object({
  checkpoint_id: z.string(),
  checkpoint_type: CheckpointTypeSchema,
  time: WireDatetimeSchema,
  tinker_path: z.string(),
  size_bytes: z.nullish(WireIntSchema),
  public: z._default(z.boolean(), false),
  user_metadata: z.nullish(StringMapSchema),
  expires_at: z.nullish(WireDatetimeSchema),
});
/** A checkpoint. */
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** Checkpoint listing; `cursor` is null when the listing is not paginated. */
export const CheckpointsListResponseSchema = z.object({
  checkpoints: z.array(CheckpointSchema),
  cursor: z.nullish(CursorSchema),
});
/** A checkpoint listing. */
export type CheckpointsListResponse = z.infer<typeof CheckpointsListResponseSchema>;

/** Archive URL reply of the 0.25.0 spec (§3.3); 0.38.0 no longer has the endpoint. */
export const CheckpointArchiveUrlResponseSchema = z.object({ url: z.string(), expires: WireDatetimeSchema });
/** A signed archive URL. */
export type CheckpointArchiveUrlResponse = z.infer<typeof CheckpointArchiveUrlResponseSchema>;

/** A training run. `last_request_time` is required. */
export const TrainingRunSchema = z.object({
  training_run_id: z.string(),
  base_model: z.string(),
  model_owner: z.string(),
  is_lora: z.boolean(),
  corrupted: z._default(z.boolean(), false),
  lora_rank: z.nullish(WireIntSchema),
  last_request_time: WireDatetimeSchema,
  last_checkpoint: z.nullish(CheckpointSchema),
  last_sampler_checkpoint: z.nullish(CheckpointSchema),
  user_metadata: z.nullish(StringMapSchema),
});
/** A training run. */
export type TrainingRun = z.infer<typeof TrainingRunSchema>;

/** Training run listing; the cursor is required. */
export const TrainingRunsResponseSchema = z.object({
  training_runs: z.array(TrainingRunSchema),
  cursor: CursorSchema,
});
/** A training run listing. */
export type TrainingRunsResponse = z.infer<typeof TrainingRunsResponseSchema>;

/** `POST /api/v1/weights_info` reply; `optimizer_config` is new in 0.38.0. */
export const WeightsInfoResponseSchema = z.object({
  base_model: z.string(),
  optimizer_config: z._default(ResponseOptimizerConfigSchema, { type: "adamw" }),
  is_lora: z.boolean(),
  lora_rank: z.nullish(WireIntSchema),
  train_unembed: z.nullish(z.boolean()),
  train_mlp: z.nullish(z.boolean()),
  train_attn: z.nullish(z.boolean()),
});
/** Checkpoint weights information. */
export type WeightsInfoResponse = z.infer<typeof WeightsInfoResponseSchema>;

/** `GET /api/v1/sessions/{id}` reply; `user_metadata` and `display_name` are new in 0.38.0. */
export const GetSessionResponseSchema = z.object({
  training_run_ids: z.array(z.string()),
  sampler_ids: z.array(z.string()),
  user_metadata: z.nullish(StringMapSchema),
  display_name: z.nullish(z.string()),
});
/** A session. */
export type GetSessionResponse = z.infer<typeof GetSessionResponseSchema>;

/** `GET /api/v1/sessions` reply (no cursor field: one sent by the server is ignored). */
export const ListSessionsResponseSchema = z.object({ sessions: z.array(z.string()) });
/** A session listing. */
export type ListSessionsResponse = z.infer<typeof ListSessionsResponseSchema>;

/** `GET /api/v1/samplers/{id}` reply. */
export const GetSamplerResponseSchema = z.object({
  sampler_id: z.string(),
  base_model: z.string(),
  model_path: z.nullish(z.string()),
});
/** A sampler. */
export type GetSamplerResponse = z.infer<typeof GetSamplerResponseSchema>;

/**
 * One audit log entry. 0.38.0 adds `event_details` (default `{}`) and deprecates `model_id`,
 * `tinker_path` and `purpose` in its favour.
 */
export const AuditLogEntrySchema = z.object({
  timestamp: WireDatetimeSchema,
  event: z.string(),
  event_details: z._default(JsonObjectSchema, {}),
  model_id: z.nullish(z.string()),
  tinker_path: z.nullish(z.string()),
  purpose: z.nullish(z.string()),
});
/** An audit log entry. */
export type AuditLogEntry = z.infer<typeof AuditLogEntrySchema>;

/** `GET /api/v1/audit` reply, entries sorted by timestamp. */
export const AuditLogResponseSchema = z.object({ entries: z.array(AuditLogEntrySchema) });
/** An audit log page. */
export type AuditLogResponse = z.infer<typeof AuditLogResponseSchema>;

/**
 * Identity of the caller, built locally from JWT claims (§10.2): `sub` → `user_urn`,
 * `org_id` → `org_urn` (required in 0.38.0), `email` (empty → absent).
 */
export const WhoamiResponseSchema = z.object({
  user_urn: z.string(),
  org_urn: z.string(),
  email: z.nullish(z.string()),
});
/** The caller's identity. */
export type WhoamiResponse = z.infer<typeof WhoamiResponseSchema>;

/** Training tokens in an hourly billing bucket. */
export const TrainingBillingEventSchema = z.object({
  type: z.literal("training"),
  token_count: WireIntSchema,
});
/** Prompt (prefill) tokens; `cached` ones are billed at the cached rate. */
export const SamplingPrefillBillingEventSchema = z.object({
  type: z.literal("sampling_prefill"),
  cached: z.boolean(),
  token_count: WireIntSchema,
});
/** Generated tokens. */
export const SamplingSampleBillingEventSchema = z.object({
  type: z.literal("sampling_sample"),
  token_count: WireIntSchema,
});
/** Checkpoint operations. */
export const CheckpointBillingEventSchema = z.object({ type: z.literal("checkpoint"), count: WireIntSchema });
/** Checkpoint storage in gigabyte-hours; `free` is new in 0.38.0. */
export const StorageBillingEventSchema = z.object({
  type: z.literal("storage"),
  free: z._default(z.boolean(), false),
  gigabyte_hours: WireFloatSchema,
});

/**
 * What a billing bucket counts, told apart by `type`. An unknown `type` is rejected; extra keys are
 * ignored, as in 0.38.0 (the 0.25.0 spec forbade them).
 */
export const BillingEventInfoSchema = z.discriminatedUnion("type", [
  TrainingBillingEventSchema,
  SamplingPrefillBillingEventSchema,
  SamplingSampleBillingEventSchema,
  CheckpointBillingEventSchema,
  StorageBillingEventSchema,
]);
/** What a billing bucket counts. */
export type BillingEventInfo = z.infer<typeof BillingEventInfoSchema>;

/** One hourly usage bucket. The cost fields (USD, new in 0.38.0) are estimates, not invoices. */
export const BillingUsageEventSchema = z.object({
  bucket_start: WireDatetimeSchema,
  bucket_end: WireDatetimeSchema,
  base_model: z.nullish(z.string()),
  user_id: z.nullish(z.string()),
  user_name: z.nullish(z.string()),
  session_id: z.nullish(z.string()),
  project_id: z.nullish(z.string()),
  estimated_cost_usd: z.nullish(WireFloatSchema),
  effective_rate_usd_per_million_tokens: z.nullish(WireFloatSchema),
  effective_rate_usd_per_gigabyte_month: z.nullish(WireFloatSchema),
  event_info: BillingEventInfoSchema,
});
/** An hourly usage bucket. */
export type BillingUsageEvent = z.infer<typeof BillingUsageEventSchema>;

/** Attributes of a session that appears in the usage data. */
export const BillingUsageSessionSchema = z.object({ user_metadata: z.nullish(StringMapSchema) });
/** Session attributes in a usage reply. */
export type BillingUsageSession = z.infer<typeof BillingUsageSessionSchema>;

/** `GET /api/v1/billing/usage/events` reply; `cost_data_through` is new in 0.38.0. */
export const BillingUsageResponseSchema = z.object({
  data: z.array(BillingUsageEventSchema),
  sessions: z._default(z.record(z.string(), BillingUsageSessionSchema), {}),
  cost_data_through: z.nullish(WireDatetimeSchema),
});
/** A billing usage reply. */
export type BillingUsageResponse = z.infer<typeof BillingUsageResponseSchema>;

/** `try_again` reply of `retrieve_future` (§6.3); `queue_state_reason` is read from the raw body. */
export const TryAgainResponseSchema = z.object({
  type: z._default(z.literal("try_again"), "try_again"),
  request_id: z.string(),
  queue_state: QueueStateSchema,
  queue_state_reason: z.nullish(z.string()),
});
/** A try-again reply. */
export type TryAgainResponse = z.infer<typeof TryAgainResponseSchema>;

/** Failure of a future: the message and a lower-case category. */
export const RequestFailedResponseSchema = z.object({
  error: z.string(),
  category: RequestErrorCategorySchema,
});
/** A failed future. */
export type RequestFailedResponse = z.infer<typeof RequestFailedResponseSchema>;

/**
 * Metadata-only reply of `retrieve_future` (§6.3): the result is ready but large; reserve
 * `response_payload_size` bytes (default 0) and poll again with `allow_metadata_only: false`.
 */
export const CompleteMetadataResponseSchema = z.object({
  status: z.literal("complete_metadata"),
  response_payload_size: z.nullish(WireIntSchema),
});
/** A metadata-only reply. */
export type CompleteMetadataResponse = z.infer<typeof CompleteMetadataResponseSchema>;
