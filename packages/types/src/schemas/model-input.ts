import * as z from "zod/mini";
import { ImageFormatSchema } from "./enums.js";
import { WireBytesSchema, WireIntSchema } from "./primitives.js";

/**
 * JSON forms of the model input chunks and `ModelInput` (tinker-wire-spec.md §4.2). All are
 * pydantic `StrictBase` models: unknown keys are rejected. The in-memory forms with typed arrays
 * live in `model-input.ts`; the request encoder accepts either.
 */

/** `{"tokens":[…],"type":"encoded_text"}`: token ids (int32 range on the protobuf path). */
export const EncodedTextChunkSchema = z.strictObject({
  tokens: z.array(WireIntSchema),
  type: z._default(z.literal("encoded_text"), "encoded_text"),
});
/** JSON form of an encoded text chunk. */
export type WireEncodedTextChunk = z.infer<typeof EncodedTextChunkSchema>;

/** An image by reference; sampling only. `expected_tokens` is its length in tokens. */
export const ImageAssetPointerChunkSchema = z.strictObject({
  format: ImageFormatSchema,
  location: z.string(),
  expected_tokens: z.nullish(WireIntSchema),
  type: z._default(z.literal("image_asset_pointer"), "image_asset_pointer"),
});
/** JSON form of an image asset pointer chunk. */
export type WireImageAssetPointerChunk = z.infer<typeof ImageAssetPointerChunkSchema>;

/** An inline image; `data` is base64 on the JSON wire. */
export const ImageChunkSchema = z.strictObject({
  data: WireBytesSchema,
  format: ImageFormatSchema,
  expected_tokens: z.nullish(WireIntSchema),
  type: z._default(z.literal("image"), "image"),
});
/** JSON form of an image chunk. */
export type WireImageChunk = z.infer<typeof ImageChunkSchema>;

/** Serialized TensorContainer bytes (base64 on the JSON wire) holding DMel audio tokens. */
export const DmelChunkSchema = z.strictObject({
  dmel: WireBytesSchema,
  type: z._default(z.literal("dmel"), "dmel"),
});
/** JSON form of a dmel chunk. */
export type WireDmelChunk = z.infer<typeof DmelChunkSchema>;

/** One chunk, told apart by `type` (order as in `types/model_input_chunk.py`). */
export const ModelInputChunkSchema = z.union([
  EncodedTextChunkSchema,
  ImageAssetPointerChunkSchema,
  ImageChunkSchema,
  DmelChunkSchema,
]);
/** JSON form of one model input chunk. */
export type WireModelInputChunk = z.infer<typeof ModelInputChunkSchema>;

/** `{"chunks":[…]}`: a datum's input or a sampling prompt. */
export const ModelInputSchema = z.strictObject({ chunks: z.array(ModelInputChunkSchema) });
/** JSON form of a model input. */
export type WireModelInput = z.infer<typeof ModelInputSchema>;
