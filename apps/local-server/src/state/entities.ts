/**
 * Records the server keeps about sessions, training runs, checkpoints and samplers. Field names
 * follow the wire (snake_case) because most of them are served as-is by the REST endpoints
 * (tinker-wire-spec.md §4.5). Times are ms since the epoch here and ISO strings on the wire.
 */

/** LoRA settings of a training run (tinker-wire-spec.md §4.4 `LoraConfig`). */
export interface LoraSettings {
  rank: number;
  seed?: number;
  train_unembed: boolean;
  train_mlp: boolean;
  train_attn: boolean;
}

/** A client session (`create_session`), alive while heartbeats arrive. */
export interface SessionRecord {
  session_id: string;
  owner: string;
  tags: string[];
  user_metadata: Record<string, unknown>;
  sdk_version: string;
  project_id?: string;
  display_name?: string;
  created_at: number;
  /** Last heartbeat or request, ms. Not persisted on every beat. */
  last_seen_at: number;
  status: "active" | "expired" | "finished";
  finish_reason?: string;
  training_run_ids: string[];
  sampler_ids: string[];
}

/** A training run: one LoRA model (`create_model` or create-via-load). */
export interface TrainingRunRecord {
  training_run_id: string;
  session_id: string;
  model_seq_id: number;
  owner: string;
  base_model: string;
  lora: LoraSettings;
  user_metadata?: Record<string, string>;
  created_at: number;
  last_request_time: number;
  corrupted: boolean;
}

/** Checkpoint kinds: `weights/<name>` are "training", `sampler_weights/<name>` are "sampler". */
export type CheckpointKind = "training" | "sampler";

/** A saved checkpoint; its files live beside its metadata under the data directory. */
export interface CheckpointRecord {
  training_run_id: string;
  checkpoint_id: string;
  checkpoint_type: CheckpointKind;
  name: string;
  tinker_path: string;
  time: number;
  size_bytes: number;
  public: boolean;
  expires_at?: number;
  user_metadata?: Record<string, string>;
  /** Names of the files saved with it (adapter, config, optimizer state). */
  files: string[];
}

/** A sampling session (`create_sampling_session` or an unnamed save_weights_for_sampler). */
export interface SamplerRecord {
  sampler_id: string;
  session_id: string;
  owner: string;
  base_model: string;
  model_path?: string;
  created_at: number;
  /** Clones that joined via `join_sampling_session` (0 is the original client). */
  client_counter: number;
}

/** One audit-log entry (tinker-wire-spec.md §4.5 `AuditLogResponse`). */
export interface AuditRecord {
  timestamp: number;
  event: string;
  owner: string;
  model_id?: string;
  tinker_path?: string;
  purpose?: string;
}

/** One unit of billable usage, aggregated into hourly buckets by the billing endpoint. */
export interface UsageRecord {
  time: number;
  owner: string;
  session_id?: string;
  base_model?: string;
  event_info:
    | { type: "training"; token_count: number }
    | { type: "sampling_prefill"; cached: boolean; token_count: number }
    | { type: "sampling_sample"; token_count: number }
    | { type: "checkpoint"; count: number }
    | { type: "storage"; gigabyte_hours: number };
}

/** Turns a checkpoint kind into its path segment (`weights` or `sampler_weights`). */
export function kindSegment(kind: CheckpointKind): "weights" | "sampler_weights" {
  return kind === "training" ? "weights" : "sampler_weights";
}

/** The `tinker://` path of a checkpoint (tinker-wire-spec.md §2.6). */
export function tinkerPathOf(runId: string, kind: CheckpointKind, name: string): string {
  return `tinker://${runId}/${kindSegment(kind)}/${name}`;
}
