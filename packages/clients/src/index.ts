export type { ClientContext } from "./context.js";
export * from "./custom-loss/index.js";
export * from "./sampling/index.js";
