/**
 * The shared scenario description (scenarios/scenarios.json): one JSON document that both SDK
 * drivers interpret, step by step, so the two runs differ only in the SDK that performs them.
 * python/driver.py reads the same document; keep the step vocabulary here and there in step.
 */
import { TinkerError } from "@tinker-ts/types";

/** Operations a step may perform. `rest.<method>` calls the RestClient method of that (Python) name. */
export const clientOps = [
  "get_server_capabilities",
  "create_lora_training_client",
  "create_sampling_client",
  "forward",
  "forward_backward",
  "forward_backward_custom",
  "optim_step",
  "save_state",
  "load_state",
  "load_state_with_optimizer",
  "save_weights_for_sampler",
  "save_weights_and_get_sampling_client",
  "get_info",
  "sample",
  "compute_logprobs",
] as const;

/** Harness operations: waiting, and driving tinker-local's admin endpoints (faults, pauses). */
export const harnessOps = ["sleep", "wait", "admin_set_faults", "admin_pause"] as const;

/** RestClient methods (Python names) a step may call as `rest.<name>`. */
export const restMethods = [
  "get_server_capabilities",
  "get_training_run",
  "get_training_run_by_tinker_path",
  "get_weights_info_by_tinker_path",
  "list_training_runs",
  "list_checkpoints",
  "list_user_checkpoints",
  "delete_checkpoint",
  "delete_checkpoint_from_tinker_path",
  "publish_checkpoint_from_tinker_path",
  "unpublish_checkpoint_from_tinker_path",
  "set_checkpoint_ttl_from_tinker_path",
  "get_session",
  "list_sessions",
  "assign_session_project",
  "export_session_trace",
  "get_sampler",
  "get_audit_log",
  "get_billing_usage",
  "whoami",
] as const;

/** One step of a scenario. */
export interface Step {
  /** Unique within the scenario; results are compared per id. */
  id: string;
  /** A client op, a harness op, or `rest.<method>`. */
  op: string;
  /** Name of a client saved by an earlier step's `as` (training or sampling client). */
  client?: string;
  /** Arguments with Python parameter names; `"$name.field"` strings refer to earlier results. */
  args?: Record<string, unknown>;
  /** Saves the step's result (or client) under this name. */
  as?: string;
  /** Submit without waiting; a later `wait` step awaits every deferred step in order. */
  defer?: boolean;
  /** The step must fail with this error class (Python name); its error is the result. */
  expect_error?: string;
}

/** Settings of the tinker-local started for a scenario. */
export interface ServerSettings {
  /** Overrides of the `/client/config` flags (for example `fwdbwd_max_chunk_len`). */
  client_config?: Record<string, number | boolean | string>;
  /** JWT mode: `/auth/token` exchange, JWTs in `X-API-Key`. */
  jwt_auth?: boolean;
  /** Longest `retrieve_future` long-poll, ms. */
  poll_timeout_ms?: number;
}

/** A scenario. */
export interface Scenario {
  name: string;
  summary: string;
  server?: ServerSettings;
  steps: Step[];
}

/** The whole description. */
export interface ScenarioDescription {
  version: 1;
  api_key: string;
  data: Record<string, unknown>;
  scenarios: Scenario[];
}

/** Thrown for a malformed description, naming the offending scenario and step. */
export class ScenarioError extends TinkerError {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkOp(op: string, where: string): void {
  if (op.startsWith("rest.")) {
    if (!(restMethods as readonly string[]).includes(op.slice(5))) {
      throw new ScenarioError(`${where}: unknown RestClient method '${op.slice(5)}'.`);
    }
    return;
  }
  if (!(clientOps as readonly string[]).includes(op) && !(harnessOps as readonly string[]).includes(op)) {
    throw new ScenarioError(`${where}: unknown op '${op}'.`);
  }
}

function parseStep(value: unknown, where: string, names: Set<string>): Step {
  if (!isRecord(value)) throw new ScenarioError(`${where}: a step must be an object.`);
  const { id, op } = value;
  if (typeof id !== "string" || id === "")
    throw new ScenarioError(`${where}: 'id' must be a non-empty string.`);
  if (typeof op !== "string") throw new ScenarioError(`${where} (${id}): 'op' must be a string.`);
  checkOp(op, `${where} (${id})`);
  if (value["args"] !== undefined && !isRecord(value["args"])) {
    throw new ScenarioError(`${where} (${id}): 'args' must be an object.`);
  }
  const client = value["client"];
  if (client !== undefined && (typeof client !== "string" || !names.has(client))) {
    throw new ScenarioError(`${where} (${id}): client '${String(client)}' is not saved by an earlier step.`);
  }
  if (typeof value["as"] === "string") names.add(value["as"]);
  return value as unknown as Step;
}

/**
 * Checks a parsed scenarios.json: known ops, unique scenario names and step ids, clients saved
 * before use, `wait` only after deferred steps.
 * @throws ScenarioError naming the first problem.
 */
export function parseDescription(value: unknown): ScenarioDescription {
  if (!isRecord(value) || value["version"] !== 1) {
    throw new ScenarioError("The description must be an object with version 1.");
  }
  if (typeof value["api_key"] !== "string") throw new ScenarioError("'api_key' must be a string.");
  if (!Array.isArray(value["scenarios"])) throw new ScenarioError("'scenarios' must be an array.");
  const seen = new Set<string>();
  for (const [index, scenario] of value["scenarios"].entries()) {
    if (!isRecord(scenario) || typeof scenario["name"] !== "string" || !Array.isArray(scenario["steps"])) {
      throw new ScenarioError(`scenarios[${index}] needs a 'name' and a 'steps' array.`);
    }
    const name = scenario["name"];
    if (seen.has(name)) throw new ScenarioError(`Scenario '${name}' is defined twice.`);
    seen.add(name);
    const ids = new Set<string>();
    const names = new Set<string>();
    let deferred = 0;
    for (const [stepIndex, raw] of scenario["steps"].entries()) {
      const step = parseStep(raw, `${name} step ${stepIndex}`, names);
      if (ids.has(step.id)) throw new ScenarioError(`${name}: step id '${step.id}' is used twice.`);
      ids.add(step.id);
      if (step.defer) deferred++;
      if (step.op === "wait") {
        if (deferred === 0) throw new ScenarioError(`${name} (${step.id}): 'wait' with nothing deferred.`);
        deferred = 0;
      }
    }
    if (deferred > 0) throw new ScenarioError(`${name}: deferred steps are never awaited by a 'wait' step.`);
  }
  return value as unknown as ScenarioDescription;
}

/**
 * Replaces `"$name.field.0"` strings (recursively) with values saved by earlier steps, exactly
 * as python/driver.py `resolve` does. Array indexes are decimal path segments.
 * @throws ScenarioError when a name or field is missing.
 */
export function resolveRefs(value: unknown, env: Record<string, unknown>): unknown {
  if (typeof value === "string" && value.startsWith("$")) {
    const [head, ...rest] = value.slice(1).split(".");
    let current: unknown = env[head ?? ""];
    if (current === undefined) throw new ScenarioError(`Reference ${value}: '${head}' is not saved.`);
    for (const key of rest) {
      current = Array.isArray(current) ? current[Number(key)] : isRecord(current) ? current[key] : undefined;
      if (current === undefined) throw new ScenarioError(`Reference ${value}: no field '${key}'.`);
    }
    return current;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, env));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, env)]));
  return value;
}
