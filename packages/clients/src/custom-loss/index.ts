export type { CustomLossFn, CustomLossResult } from "./types.js";
