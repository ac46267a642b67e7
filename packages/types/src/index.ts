export type { Datum, LossFnInputValue } from "./datum.js";
export { datum, datumFromWire, datumToWire, LOSS_FN_INPUT_DTYPES } from "./datum.js";
export { InvalidInputError, TinkerError } from "./errors.js";
export { base64ToBytes, bytesToBase64 } from "./json/base64.js";
export { encodeWireJson, formatPath, sendsNulls } from "./json/encode.js";
export { DATETIME_PATTERN, formatPythonDatetime } from "./json/python-datetime.js";
export { formatPythonFloat } from "./json/python-float.js";
export type {
  DmelChunk,
  EncodedTextChunk,
  ImageAssetPointerChunk,
  ImageChunk,
  ImageFormat,
  ModelInput,
  ModelInputChunk,
} from "./model-input.js";
export {
  chunkLength,
  emptyModelInput,
  modelInputAppend,
  modelInputAppendInt,
  modelInputFromInts,
  modelInputFromWire,
  modelInputLength,
  modelInputToInts,
  modelInputToWire,
} from "./model-input.js";
export type { ModelInputLike, RequestBodyInput, RequestBodyName, TensorDataLike } from "./request-body.js";
export { encodeRequestBody, requestBodySchemas } from "./request-body.js";
export * from "./results.js";
export * from "./schemas/enums.js";
export * from "./schemas/futures.js";
export * from "./schemas/model-input.js";
export * from "./schemas/primitives.js";
export * from "./schemas/requests.js";
export * from "./schemas/responses.js";
export * from "./schemas/tensors.js";
export { tensorContainerDim, tensorContainerShape } from "./tensor-container.js";
export type {
  CsrTensorInput,
  Float32TensorData,
  Int64TensorData,
  NestedNumbers,
  TensorData,
  TensorDataOptions,
  TensorDtype,
  TensorValues,
} from "./tensor-data.js";
export {
  csrTensorData,
  sparsifyTensorData,
  tensorData,
  tensorDataFromWire,
  tensorDataToDense,
  tensorDataToWire,
} from "./tensor-data.js";
export type { ParsedTinkerPath } from "./tinker-path.js";
export {
  checkpointId,
  formatTinkerPath,
  parseTinkerPath,
  TINKER_PATH_PREFIX,
  validateCheckpointName,
} from "./tinker-path.js";
export { WIRE_SDK_VERSION } from "./wire-version.js";
