export {
  type BradleyTerryInputs,
  type BradleyTerryLossOptions,
  bradleyTerryLoss,
  bradleyTerryLossFloat64,
} from "./bradley-terry.js";
export {
  DEFAULT_DPO_BETA,
  type DpoInputs,
  type DpoLossOptions,
  dpoLoss,
  dpoLossFloat64,
  type Float64LossOutput,
} from "./dpo.js";
export { computeReferenceLogprobs, type ReferenceLogprobsOptions } from "./reference.js";
export type { CustomLossFn, CustomLossResult } from "./types.js";
