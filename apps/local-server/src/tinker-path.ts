import { parseTinkerPath, validateCheckpointName } from "@tinker-ts/types";
import { badRequest } from "./errors.js";
import type { CheckpointKind } from "./state/entities.js";

/**
 * `tinker://` paths as the server addresses checkpoints (tinker-wire-spec.md §4.6), on top of the
 * shared parser of `@tinker-ts/types`. External checkpoints (0.38 `external_weights`) are not
 * stored by this server.
 */
export interface CheckpointAddress {
  trainingRunId: string;
  checkpointType: CheckpointKind;
  /** `weights/<name>` or `sampler_weights/<name>`. */
  checkpointId: string;
}

/**
 * Parses a checkpoint path.
 * @throws InvalidInputError "Invalid tinker path: …" (answered 400) for a malformed path;
 *   HttpError 400 for an external checkpoint or an empty run id or name.
 */
export function parseCheckpointPath(path: string): CheckpointAddress {
  const parsed = parseTinkerPath(path);
  if (parsed.checkpoint_type === "external") {
    throw badRequest(`External checkpoints are not served by tinker-local: ${path}`);
  }
  if (!parsed.training_run_id || parsed.checkpoint_id.endsWith("/")) {
    throw badRequest(`Invalid tinker path: ${path}`);
  }
  return {
    trainingRunId: parsed.training_run_id,
    checkpointType: parsed.checkpoint_type,
    checkpointId: parsed.checkpoint_id,
  };
}

/**
 * Checks a checkpoint name given to a save (its `path` field) with the shared rules (non-empty,
 * no `/`) and returns it. @throws InvalidInputError (answered 400).
 */
export function checkCheckpointName(name: string): string {
  validateCheckpointName(name);
  return name;
}
