/**
 * The examples, by name, each with its defaults: what `pnpm examples` runs. Every example module
 * exports `run(options)` (its result, or a throw when its own check fails).
 */
import { run as checkpointResume } from "./checkpoint-resume/main.js";
import { run as dpoCustomLoss } from "./dpo-custom-loss/main.js";
import { run as otelTracing } from "./otel-tracing/main.js";
import { run as restInventory } from "./rest-inventory/main.js";
import { run as rlBasic } from "./rl-basic/main.js";
import { run as samplingLogprobs } from "./sampling-logprobs/main.js";
import { run as sftBasic } from "./sft-basic/main.js";

export const EXAMPLES = {
  "sft-basic": () => sftBasic(),
  "rl-basic": () => rlBasic(),
  "dpo-custom-loss": () => dpoCustomLoss(),
  "checkpoint-resume": () => checkpointResume(),
  "sampling-logprobs": () => samplingLogprobs(),
  "rest-inventory": () => restInventory(),
  "otel-tracing": () => otelTracing(),
} as const;
