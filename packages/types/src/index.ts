export type { Datum } from "./datum.js";
export { InvalidInputError, TinkerError } from "./errors.js";
export type {
  DmelChunk,
  EncodedTextChunk,
  ImageAssetPointerChunk,
  ImageChunk,
  ImageFormat,
  ModelInput,
  ModelInputChunk,
} from "./model-input.js";
export * from "./results.js";
export type { Float32TensorData, Int64TensorData, TensorData, TensorDtype } from "./tensor-data.js";
