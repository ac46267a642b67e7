import * as z from "zod/mini";
import { LossFnTypeSchema } from "./enums.js";
import { ModelInputSchema } from "./model-input.js";
import { WireFloatSchema, WireIntSchema } from "./primitives.js";

/**
 * JSON forms of tensors and datums (tinker-wire-spec.md §4.3). Python SDK 0.38.0 sends datums only
 * as protobuf; the JSON forms remain for `SampleRequest.target_prompt_logprobs` (a `TensorData`)
 * and for servers that still accept the legacy JSON `forward_backward` body (§16).
 */

const tensorFields = {
  shape: z.nullish(z.array(WireIntSchema)),
  sparse_crow_indices: z.nullish(z.array(WireIntSchema)),
  sparse_col_indices: z.nullish(z.array(WireIntSchema)),
};

/**
 * `{"data":[…],"dtype":…,"shape"?,"sparse_crow_indices"?,"sparse_col_indices"?}`. `data` is the
 * flat row-major element list (the CSR values when sparse). float32 data is written as Python
 * floats (`1.0`), int64 data as integers, so the two dtypes are separate members.
 */
export const TensorDataSchema = z.union([
  z.strictObject({ data: z.array(WireFloatSchema), dtype: z.literal("float32"), ...tensorFields }),
  z.strictObject({ data: z.array(WireIntSchema), dtype: z.literal("int64"), ...tensorFields }),
]);
/** JSON form of a tensor. */
export type WireTensorData = z.infer<typeof TensorDataSchema>;

/** A datum in JSON; note that `loss_fn_inputs` comes before `model_input` on the wire. */
export const DatumSchema = z.strictObject({
  loss_fn_inputs: z.record(z.string(), TensorDataSchema),
  model_input: ModelInputSchema,
});
/** JSON form of a datum. */
export type WireDatum = z.infer<typeof DatumSchema>;

/** A batch for `forward`/`forward_backward` with its loss function and optional loss config. */
export const ForwardBackwardInputSchema = z.strictObject({
  data: z.array(DatumSchema),
  loss_fn: LossFnTypeSchema,
  loss_fn_config: z.nullish(z.record(z.string(), z.union([WireFloatSchema, z.string()]))),
});
/** JSON form of a forward/backward batch. */
export type ForwardBackwardInput = z.infer<typeof ForwardBackwardInputSchema>;

/** Legacy JSON `POST /api/v1/forward_backward` body (SDK ≤ 0.24.1, §16). */
export const ForwardBackwardRequestSchema = z.strictObject({
  forward_backward_input: ForwardBackwardInputSchema,
  model_id: z.string(),
  seq_id: z.nullish(WireIntSchema),
});
/** Legacy JSON forward/backward request. */
export type ForwardBackwardRequest = z.infer<typeof ForwardBackwardRequestSchema>;

/** Legacy JSON `POST /api/v1/forward` body (removed in 0.25.0, §16). */
export const ForwardRequestSchema = z.strictObject({
  forward_input: ForwardBackwardInputSchema,
  model_id: z.string(),
  seq_id: z.nullish(WireIntSchema),
});
/** Legacy JSON forward request. */
export type ForwardRequest = z.infer<typeof ForwardRequestSchema>;

/**
 * Legacy JSON `ForwardBackwardOutput` result (§16); 0.38.0 receives it only as protobuf
 * (`@tinker-ts/types/proto`).
 */
export const ForwardBackwardOutputSchema = z.object({
  loss_fn_output_type: z.string(),
  loss_fn_outputs: z.array(z.record(z.string(), TensorDataSchema)),
  metrics: z._default(z.record(z.string(), WireFloatSchema), {}),
});
/** JSON form of a forward/backward result. */
export type WireForwardBackwardOutput = z.infer<typeof ForwardBackwardOutputSchema>;
