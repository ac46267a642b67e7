/**
 * `@tinker-ts/smoke`: `pnpm smoke` in function form — every public package driven end to end on
 * loopback, stage by stage (architecture.md §4, "smoke").
 */
export { formatResult, runSmoke, SMOKE_STAGES, type SmokeOptions } from "./smoke.js";
export type { Skip, SmokeContext, Stage, StageResult, StageStatus } from "./stage.js";
