import type { Checkpoint, TrainingRun } from "@tinker-ts/types";
import { isoDatetime } from "./format.js";

/**
 * The JSON shapes of SDK objects in the CLI's `--format json` output: every field of the Python
 * model present (null when absent, as pydantic's `model_dump` gives), and datetimes as RFC 3339
 * strings (where the Python CLI prints `str(datetime)`, e.g. `2024-01-15 10:30:00+00:00`).
 */

/** A datetime field in JSON: RFC 3339, or the server's string unchanged if it is not a datetime. */
export function jsonDatetime(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return isoDatetime(value) ?? value;
}

/** A checkpoint as printed (`schema/checkpoint.json`). */
export interface CheckpointJson {
  checkpoint_id: string;
  checkpoint_type: string;
  time: string | null;
  tinker_path: string;
  size_bytes: number | null;
  public: boolean;
  user_metadata: Record<string, string> | null;
  expires_at: string | null;
}

/** JSON form of a checkpoint. */
export function checkpointJson(c: Checkpoint): CheckpointJson {
  return {
    checkpoint_id: c.checkpoint_id,
    checkpoint_type: c.checkpoint_type,
    time: jsonDatetime(c.time),
    tinker_path: c.tinker_path,
    size_bytes: c.size_bytes ?? null,
    public: c.public,
    user_metadata: c.user_metadata ?? null,
    expires_at: jsonDatetime(c.expires_at),
  };
}

/** A training run as printed (`schema/training-run.json`). */
export interface TrainingRunJson {
  training_run_id: string;
  base_model: string;
  model_owner: string;
  is_lora: boolean;
  corrupted: boolean;
  lora_rank: number | null;
  last_request_time: string | null;
  last_checkpoint: CheckpointJson | null;
  last_sampler_checkpoint: CheckpointJson | null;
  user_metadata: Record<string, string> | null;
}

/** JSON form of a training run. */
export function trainingRunJson(r: TrainingRun): TrainingRunJson {
  return {
    training_run_id: r.training_run_id,
    base_model: r.base_model,
    model_owner: r.model_owner,
    is_lora: r.is_lora,
    corrupted: r.corrupted,
    lora_rank: r.lora_rank ?? null,
    last_request_time: jsonDatetime(r.last_request_time),
    last_checkpoint: r.last_checkpoint ? checkpointJson(r.last_checkpoint) : null,
    last_sampler_checkpoint: r.last_sampler_checkpoint ? checkpointJson(r.last_sampler_checkpoint) : null,
    user_metadata: r.user_metadata ?? null,
  };
}
