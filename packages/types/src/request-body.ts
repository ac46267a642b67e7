import type * as z from "zod/mini";
import { encodeWireJson } from "./json/encode.js";
import type { ModelInput } from "./model-input.js";
import type { ModelInputSchema } from "./schemas/model-input.js";
import {
  AuthTokenRequestSchema,
  CancelFutureRequestSchema,
  CheckpointTtlRequestSchema,
  ClientConfigRequestSchema,
  CreateModelRequestSchema,
  CreateSamplingSessionRequestSchema,
  CreateSessionRequestSchema,
  FinishSessionRequestSchema,
  FutureRetrieveRequestSchema,
  GetBillingUsageRequestSchema,
  GetInfoRequestSchema,
  JoinSamplingSessionRequestSchema,
  LoadWeightsRequestSchema,
  OptimStepRequestSchema,
  SampleRequestSchema,
  SaveWeightsForSamplerRequestSchema,
  SaveWeightsRequestSchema,
  SessionHeartbeatRequestSchema,
  SessionProjectRequestSchema,
  TelemetrySendRequestSchema,
  UnloadModelRequestSchema,
  WeightsInfoRequestSchema,
} from "./schemas/requests.js";
import {
  type ForwardBackwardInputSchema,
  ForwardBackwardRequestSchema,
  ForwardRequestSchema,
  type TensorDataSchema,
} from "./schemas/tensors.js";
import type { TensorData } from "./tensor-data.js";

/**
 * Every JSON request body the SDK sends, by the Python model name (tinker-wire-spec.md §3.1,
 * §4.4), plus the legacy JSON forward/backward bodies (§16). The value is the wire schema that
 * drives both validation (servers) and byte-exact encoding ({@link encodeRequestBody}).
 */
export const requestBodySchemas = {
  ClientConfigRequest: ClientConfigRequestSchema,
  CreateSessionRequest: CreateSessionRequestSchema,
  SessionHeartbeatRequest: SessionHeartbeatRequestSchema,
  CreateSamplingSessionRequest: CreateSamplingSessionRequestSchema,
  CreateModelRequest: CreateModelRequestSchema,
  GetInfoRequest: GetInfoRequestSchema,
  UnloadModelRequest: UnloadModelRequestSchema,
  OptimStepRequest: OptimStepRequestSchema,
  SaveWeightsRequest: SaveWeightsRequestSchema,
  SaveWeightsForSamplerRequest: SaveWeightsForSamplerRequestSchema,
  LoadWeightsRequest: LoadWeightsRequestSchema,
  SampleRequest: SampleRequestSchema,
  FutureRetrieveRequest: FutureRetrieveRequestSchema,
  TelemetrySendRequest: TelemetrySendRequestSchema,
  GetBillingUsageRequest: GetBillingUsageRequestSchema,
  AuthTokenRequest: AuthTokenRequestSchema,
  WeightsInfoRequest: WeightsInfoRequestSchema,
  CheckpointTtlRequest: CheckpointTtlRequestSchema,
  SessionProjectRequest: SessionProjectRequestSchema,
  JoinSamplingSessionRequest: JoinSamplingSessionRequestSchema,
  CancelFutureRequest: CancelFutureRequestSchema,
  FinishSessionRequest: FinishSessionRequestSchema,
  ForwardBackwardRequest: ForwardBackwardRequestSchema,
  ForwardRequest: ForwardRequestSchema,
} as const;

/** Name of a JSON request body: the Python model name. */
export type RequestBodyName = keyof typeof requestBodySchemas;

type Input<K extends RequestBodyName> = z.input<(typeof requestBodySchemas)[K]>;

/** A model input in its JSON form or its in-memory form (`Int32Array` tokens, `Uint8Array` bytes). */
export type ModelInputLike = z.input<typeof ModelInputSchema> | ModelInput;
/** A tensor in its JSON form or its in-memory form (typed-array data). */
export type TensorDataLike = z.input<typeof TensorDataSchema> | TensorData;

type DatumLike = { loss_fn_inputs: Record<string, TensorDataLike>; model_input: ModelInputLike };
type ForwardBackwardInputLike = Omit<z.input<typeof ForwardBackwardInputSchema>, "data"> & {
  data: DatumLike[];
};
type TelemetryEventLike<E> = E extends { timestamp: string }
  ? Omit<E, "timestamp"> & { timestamp: string | Date }
  : E;

/** Bodies whose input differs from the schema's input type; see {@link RequestBodyInput}. */
interface WidenedInputs {
  SampleRequest: Omit<Input<"SampleRequest">, "prompt" | "target_prompt_logprobs"> & {
    prompt: ModelInputLike;
    target_prompt_logprobs?: TensorDataLike | null | undefined;
  };
  TelemetrySendRequest: Omit<Input<"TelemetrySendRequest">, "events"> & {
    events: Array<TelemetryEventLike<Input<"TelemetrySendRequest">["events"][number]>>;
  };
  GetBillingUsageRequest: { starting_on: string | Date; ending_before: string | Date };
  ForwardBackwardRequest: Omit<Input<"ForwardBackwardRequest">, "forward_backward_input"> & {
    forward_backward_input: ForwardBackwardInputLike;
  };
  ForwardRequest: Omit<Input<"ForwardRequest">, "forward_input"> & {
    forward_input: ForwardBackwardInputLike;
  };
}

/**
 * What {@link encodeRequestBody} accepts for each body: the schema's input type (fields with
 * defaults may be left out; optional fields may be `undefined` or `null`), except that a model
 * input or tensor may be given in its in-memory form and datetimes may be `Date`s.
 */
export type RequestBodyInput = {
  [K in RequestBodyName]: K extends keyof WidenedInputs ? WidenedInputs[K] : Input<K>;
};

/**
 * Serializes a request body exactly as Python SDK 0.38.0 puts it on the wire
 * (tinker-wire-spec.md §1.2): compact JSON, keys in the model's declaration order, unset optional
 * fields omitted, defaults sent (`"type":"sample"`, `"overwrite":false`, `"topk_prompt_logprobs":0`),
 * floats in Python `repr` form (`1.0`, `1e-05`), non-ASCII characters raw, and `null` only in
 * `{"ttl_seconds":null}`. Encode the returned string as UTF-8 for the request body.
 *
 * @example
 * encodeRequestBody("SampleRequest", {
 *   prompt: modelInputFromInts([1, 2, 3]),
 *   sampling_params: { max_tokens: 20 },
 *   sampling_session_id: "sess:sample:0",
 *   seq_id: 0,
 *   prompt_logprobs: false,
 * });
 *
 * @throws InvalidInputError with the field path for a missing or unknown field, a wrong type,
 *   NaN/±Infinity, an integer beyond ±2^53 − 1, invalid base64 or datetime text, or a failed
 *   model rule (for example both `adam_params` and `optimizer_params`).
 */
export function encodeRequestBody<K extends RequestBodyName>(name: K, value: RequestBodyInput[K]): string {
  return encodeWireJson(requestBodySchemas[name], value);
}
