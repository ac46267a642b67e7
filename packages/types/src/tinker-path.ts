import { InvalidInputError } from "./errors.js";
import type { CheckpointType } from "./schemas/enums.js";

/**
 * `tinker://` checkpoint paths (tinker-wire-spec.md §4.6, `types/checkpoint.py`):
 * `tinker://<training_run_id>/<segment>/<name>` with exactly three parts after the scheme, where
 * the segment names the checkpoint type — `weights` (training), `sampler_weights` (sampler) or,
 * new in 0.38.0, `external_weights` (external). The checkpoint id is `<segment>/<name>`; it
 * contains a slash and goes into URL paths unescaped (§1.1).
 */

const SEGMENT_TO_TYPE: Readonly<Record<string, CheckpointType>> = {
  weights: "training",
  sampler_weights: "sampler",
  external_weights: "external",
};

const TYPE_TO_SEGMENT: Readonly<Record<CheckpointType, string>> = {
  training: "weights",
  sampler: "sampler_weights",
  external: "external_weights",
};

/** The parts of a `tinker://` path (`ParsedCheckpointTinkerPath`). */
export interface ParsedTinkerPath {
  tinker_path: string;
  training_run_id: string;
  checkpoint_type: CheckpointType;
  /** `<segment>/<name>`, for example `weights/step-100`. */
  checkpoint_id: string;
}

/** The scheme every checkpoint path starts with. */
export const TINKER_PATH_PREFIX = "tinker://";

/**
 * Splits a `tinker://` path into training run, checkpoint type and checkpoint id, with the Python
 * SDK's rules: the prefix is required, the rest must split on `/` into exactly three parts, and
 * the middle one must be a known segment. (Like the SDK, empty parts are not rejected.)
 *
 * @throws InvalidInputError "Invalid tinker path: <path>" otherwise.
 */
export function parseTinkerPath(path: string): ParsedTinkerPath {
  const invalid = () => new InvalidInputError(`Invalid tinker path: ${path}`, { path: "tinker_path" });
  if (!path.startsWith(TINKER_PATH_PREFIX)) throw invalid();
  const parts = path.slice(TINKER_PATH_PREFIX.length).split("/");
  if (parts.length !== 3) throw invalid();
  const [runId, segment, name] = parts as [string, string, string];
  const checkpointType = Object.hasOwn(SEGMENT_TO_TYPE, segment) ? SEGMENT_TO_TYPE[segment] : undefined;
  if (checkpointType === undefined) throw invalid();
  return {
    tinker_path: path,
    training_run_id: runId,
    checkpoint_type: checkpointType,
    checkpoint_id: `${segment}/${name}`,
  };
}

/**
 * Checks a checkpoint name (the `path` of `save_weights` / `save_weights_for_sampler`): it must be
 * non-empty and free of `/`, since a slash would give a `tinker://` path of more than three parts,
 * which {@link parseTinkerPath} (and the Python SDK) reject.
 *
 * @throws InvalidInputError naming the problem.
 */
export function validateCheckpointName(name: string): void {
  if (name.length === 0) throw new InvalidInputError("checkpoint name must not be empty", { path: "path" });
  if (name.includes("/")) {
    throw new InvalidInputError(`checkpoint name ${JSON.stringify(name)} must not contain "/"`, {
      path: "path",
    });
  }
}

/**
 * The checkpoint id of a named checkpoint: `weights/<name>`, `sampler_weights/<name>` or
 * `external_weights/<name>`.
 *
 * @throws InvalidInputError when the name is invalid ({@link validateCheckpointName}).
 */
export function checkpointId(checkpointType: CheckpointType, name: string): string {
  validateCheckpointName(name);
  return `${TYPE_TO_SEGMENT[checkpointType]}/${name}`;
}

/**
 * The `tinker://` path of a named checkpoint of a training run, for example
 * `tinker://<run>/weights/step-100` — the form `save_weights` replies with.
 *
 * @throws InvalidInputError when the run id is empty or contains `/`, or the name is invalid.
 */
export function formatTinkerPath(
  trainingRunId: string,
  checkpointType: CheckpointType,
  name: string,
): string {
  if (trainingRunId.length === 0 || trainingRunId.includes("/")) {
    throw new InvalidInputError(
      `training run id ${JSON.stringify(trainingRunId)} must be non-empty and free of "/"`,
      {
        path: "training_run_id",
      },
    );
  }
  return `${TINKER_PATH_PREFIX}${trainingRunId}/${checkpointId(checkpointType, name)}`;
}
