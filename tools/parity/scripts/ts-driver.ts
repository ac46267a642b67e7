import * as clients from "@tinker-ts/clients";
import {
  type Datum,
  datumFromWire,
  type ForwardBackwardOutput,
  type ModelInput,
  type SampleResponse,
  type TensorData,
} from "@tinker-ts/types";
import { TS_MISSING_MARKER } from "../src/outcome.js";
import type { DriverResults, StepResult } from "../src/results.js";
import { resolveRefs, type Scenario, type ScenarioDescription, type Step } from "../src/scenario.js";

/**
 * The TypeScript side of the parity scenarios: interprets the shared description with
 * @tinker-ts/clients, mirroring python/driver.py step for step (same ops, same argument names,
 * same result summaries). It runs in the harness's process against the scenario's tinker-local.
 */

// The clients package is being built while this harness is; a method it lacks is reported as
// "TS side missing" rather than as a crash.
type AnyFn = (...args: unknown[]) => unknown;
type Callable = Record<string, unknown>;

function method(target: unknown, name: string, what: string): AnyFn {
  const fn = (target as Callable | undefined)?.[name];
  if (typeof fn !== "function") throw new Error(`${TS_MISSING_MARKER} ${what}.${name} is not implemented`);
  return (fn as AnyFn).bind(target);
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function camelKeys(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [camel(k), v]));
}

// --- inputs -------------------------------------------------------------------------------

function modelInput(chunks: number[][]): ModelInput {
  return {
    chunks: chunks.map((tokens) => ({ type: "encoded_text" as const, tokens: Int32Array.from(tokens) })),
  };
}

interface TensorSpec {
  dtype: "int64" | "float32";
  data: number[];
  shape?: number[];
}

function datum(spec: { model_input: number[][]; loss_fn_inputs: Record<string, TensorSpec> }): Datum {
  const inputs = Object.fromEntries(
    Object.entries(spec.loss_fn_inputs).map(([name, t]) => [
      name,
      { dtype: t.dtype, data: t.data, shape: t.shape ?? [t.data.length] },
    ]),
  );
  return datumFromWire({
    model_input: { chunks: spec.model_input.map((tokens) => ({ type: "encoded_text", tokens })) },
    loss_fn_inputs: inputs,
  } as Parameters<typeof datumFromWire>[0]);
}

// --- result summaries (same shapes as python/driver.py) -----------------------------------

function numbers(values: ArrayLike<number | bigint>): number[] {
  return Array.from(values, (v) => Number(v));
}

function tensorSummary(t: TensorData): Record<string, unknown> {
  return { dtype: t.dtype, shape: [...(t.shape ?? [])], data: numbers(t.data) };
}

function fwdbwdSummary(out: ForwardBackwardOutput): Record<string, unknown> {
  return {
    loss_fn_output_type: out.loss_fn_output_type,
    metrics: { ...out.metrics },
    loss_fn_outputs: out.loss_fn_outputs.map((o) =>
      Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((name) => [name, tensorSummary(o[name] as TensorData)]),
      ),
    ),
  };
}

/** Padding logprob of top-k matrices (Python `MASK_LOGPROB`). */
const MASK_LOGPROB = -99999;

/** NaN (no value) becomes null, as Python's `None`. */
function nullableFloats(values: ArrayLike<number>): Array<number | null> {
  return Array.from(values, (v) => (Number.isNaN(v) ? null : v));
}

/** Python's `SampleResponse.topk_prompt_logprobs` lists, built from the flat matrices. */
function topkRows(
  topk: NonNullable<SampleResponse["topk_prompt_logprobs"]>,
): Array<Array<[number, number]> | null> {
  // Python's topk_to_lists: a cell (token 0, logprob -99999) is padding; a row that starts
  // with it is None, and trailing padding is cut.
  const isPad = (i: number) => topk.token_ids[i] === 0 && topk.logprobs[i] === MASK_LOGPROB;
  return Array.from({ length: topk.prompt_length }, (_, row) => {
    const start = row * topk.k;
    if (isPad(start)) return null;
    let end = start + topk.k;
    while (end > start && isPad(end - 1)) end--;
    const pairs: Array<[number, number]> = [];
    for (let i = start; i < end; i++) pairs.push([topk.token_ids[i] ?? 0, topk.logprobs[i] ?? 0]);
    return pairs;
  });
}

function sampleSummary(res: SampleResponse): Record<string, unknown> {
  const topk = res.topk_prompt_logprobs;
  return {
    sequences: res.sequences.map((s) => ({
      tokens: numbers(s.tokens),
      logprobs: s.logprobs === undefined ? null : numbers(s.logprobs),
      stop_reason: s.stop_reason,
    })),
    prompt_logprobs: res.prompt_logprobs === undefined ? null : nullableFloats(res.prompt_logprobs),
    topk_prompt_logprobs: topk === undefined ? null : topkRows(topk),
  };
}

/** JSON view of a REST response: Dates as ISO strings, typed arrays as arrays. */
function plain(value: unknown): unknown {
  return value === undefined
    ? null
    : JSON.parse(
        JSON.stringify(value, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as number[]) : v)),
      );
}

// --- custom loss (same definition as python/driver.py) ------------------------------------

/** C = Σ weights · logprobs², dC/dlogprobs = 2 · weights · logprobs. */
function squaredLogprob(data: readonly Datum[], logprobs: readonly Float32Array[]): clients.CustomLossResult {
  let loss = 0;
  const gradients = data.map((d, i) => {
    const lp = logprobs[i] ?? new Float32Array(0);
    const w = d.loss_fn_inputs["weights"]?.data as Float32Array;
    const g = new Float32Array(lp.length);
    for (let t = 0; t < lp.length; t++) {
      loss += Math.fround((w[t] ?? 0) * (lp[t] ?? 0) * (lp[t] ?? 0));
      g[t] = 2 * (w[t] ?? 0) * (lp[t] ?? 0);
    }
    return g;
  });
  return { loss, gradients, metrics: { "custom_sq:sum": loss } };
}

// --- steps --------------------------------------------------------------------------------

const restPositional: Record<string, string[]> = {
  get_training_run: ["training_run_id"],
  get_training_run_by_tinker_path: ["tinker_path"],
  get_weights_info_by_tinker_path: ["tinker_path"],
  list_checkpoints: ["training_run_id"],
  delete_checkpoint: ["training_run_id", "checkpoint_id"],
  delete_checkpoint_from_tinker_path: ["tinker_path"],
  publish_checkpoint_from_tinker_path: ["tinker_path"],
  unpublish_checkpoint_from_tinker_path: ["tinker_path"],
  set_checkpoint_ttl_from_tinker_path: ["tinker_path", "ttl_seconds"],
  get_session: ["session_id"],
  assign_session_project: ["session_id", "project_id"],
  export_session_trace: ["session_id"],
  get_sampler: ["sampler_id"],
};

type Summarize = (value: unknown) => unknown;

class Runner {
  readonly service: clients.ServiceClient;
  readonly objects = new Map<string, unknown>();
  readonly values: Record<string, unknown> = {};
  deferred: Array<{ step: Step; pending: PromiseLike<unknown>; summarize: Summarize }> = [];
  #rest: clients.RestClient | undefined;

  constructor(
    readonly baseUrl: string,
    apiKey: string,
    readonly adminToken: string,
  ) {
    this.service = new clients.ServiceClient({ apiKey, baseUrl, env: {} });
  }

  get rest(): clients.RestClient {
    this.#rest ??= this.service.createRestClient();
    return this.#rest;
  }

  async admin(httpMethod: string, path: string, body: unknown): Promise<void> {
    const response = await fetch(this.baseUrl + path, {
      method: httpMethod,
      headers: { "content-type": "application/json", "x-admin-token": this.adminToken },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`admin ${path} answered ${response.status}`);
  }

  async run(step: Step): Promise<unknown> {
    const args = resolveRefs(step.args ?? {}, this.values) as Record<string, unknown>;
    const target = step.client === undefined ? undefined : this.objects.get(step.client);
    switch (step.op) {
      case "sleep":
        await new Promise((resolve) => setTimeout(resolve, args["ms"] as number));
        return null;
      case "admin_set_faults":
        await this.admin("PUT", "/_admin/faults", args);
        return null;
      case "admin_pause":
        await this.admin("POST", "/_admin/pause", args);
        return null;
      case "wait": {
        const results = [];
        for (const { step: deferred, pending, summarize } of this.deferred) {
          const result = summarize(await pending);
          if (deferred.as !== undefined) this.values[deferred.as] = result;
          results.push({ id: deferred.id, result });
        }
        this.deferred = [];
        return results;
      }
    }
    const [pending, summarize] = this.call(step.op, args, target);
    if (step.defer) {
      this.deferred.push({ step, pending, summarize });
      return { deferred: true };
    }
    const value = await pending;
    if (step.as !== undefined && /^create_|_get_sampling_client$/.test(step.op))
      this.objects.set(step.as, value);
    return summarize(value);
  }

  call(op: string, a: Record<string, unknown>, target: unknown): [PromiseLike<unknown>, Summarize] {
    const sc = this.service;
    const data = () => (a["data"] as Parameters<typeof datum>[0][]).map(datum);
    const prompt = () => modelInput(a["prompt"] as number[][]);
    const none: Summarize = () => ({});
    const fb = fwdbwdSummary as Summarize;
    const lossOptions = () =>
      a["loss_fn_config"] === undefined ? {} : { lossFnConfig: a["loss_fn_config"] };
    switch (op) {
      case "get_server_capabilities":
        return [method(sc, "getServerCapabilities", "ServiceClient")() as PromiseLike<unknown>, plain];
      case "create_lora_training_client":
        return [
          method(sc, "createLoraTrainingClient", "ServiceClient")(camelKeys(a)) as Promise<unknown>,
          none,
        ];
      case "create_sampling_client":
        return [
          method(
            target ?? sc,
            "createSamplingClient",
            target ? "TrainingClient" : "ServiceClient",
          )(camelKeys(a)) as Promise<unknown>,
          none,
        ];
      case "forward_backward":
        return [
          method(target, "forwardBackward", "TrainingClient")(
            data(),
            a["loss_fn"],
            lossOptions(),
          ) as PromiseLike<unknown>,
          fb,
        ];
      case "forward":
        return [
          method(target, "forward", "TrainingClient")(
            data(),
            a["loss_fn"],
            lossOptions(),
          ) as PromiseLike<unknown>,
          fb,
        ];
      case "forward_backward_custom":
        if (a["loss"] !== "squared_logprob") throw new Error(`unknown custom loss ${String(a["loss"])}`);
        return [
          method(
            target,
            "forwardBackwardCustom",
            "TrainingClient",
          )(data(), squaredLogprob) as PromiseLike<unknown>,
          fb,
        ];
      case "optim_step":
        return [
          method(target, "optimStep", "TrainingClient")(a["adam_params"]) as PromiseLike<unknown>,
          plain,
        ];
      case "save_state":
      case "save_weights_for_sampler": {
        const options = a["ttl_seconds"] === undefined ? {} : { ttlSeconds: a["ttl_seconds"] };
        return [
          method(target, camel(op), "TrainingClient")(a["name"], options) as PromiseLike<unknown>,
          plain,
        ];
      }
      case "load_state":
      case "load_state_with_optimizer":
        return [method(target, camel(op), "TrainingClient")(a["path"]) as PromiseLike<unknown>, plain];
      case "save_weights_and_get_sampling_client":
        return [
          method(target, "saveWeightsAndGetSamplingClient", "TrainingClient")() as PromiseLike<unknown>,
          none,
        ];
      case "get_info":
        return [method(target, "getInfo", "TrainingClient")() as PromiseLike<unknown>, plain];
      case "sample":
        return [
          method(
            target,
            "sample",
            "SamplingClient",
          )(prompt(), {
            numSamples: a["num_samples"] ?? 1,
            samplingParams: a["sampling_params"],
            includePromptLogprobs: a["include_prompt_logprobs"] ?? false,
            topkPromptLogprobs: a["topk_prompt_logprobs"] ?? 0,
          }) as PromiseLike<unknown>,
          sampleSummary as Summarize,
        ];
      case "compute_logprobs":
        return [
          method(target, "computeLogprobs", "SamplingClient")(prompt()) as PromiseLike<unknown>,
          (v) => nullableFloats(v as number[]),
        ];
    }
    if (op.startsWith("rest.")) return [this.restCall(op.slice(5), a), plain];
    throw new Error(`unknown op ${op}`);
  }

  restCall(name: string, a: Record<string, unknown>): PromiseLike<unknown> {
    const fn = method(this.rest, camel(name), "RestClient");
    if (name === "get_billing_usage") return fn(camelKeys(a)) as PromiseLike<unknown>;
    const positional = restPositional[name] ?? [];
    const rest = Object.fromEntries(Object.entries(a).filter(([k]) => !positional.includes(k)));
    const args = positional.map((p) => a[p]);
    return fn(...args, ...(Object.keys(rest).length > 0 ? [camelKeys(rest)] : [])) as PromiseLike<unknown>;
  }
}

function errorSummary(error: unknown): Record<string, unknown> {
  const e = error as { name?: string; status?: number; constructor?: { name?: string } };
  return {
    error: e.constructor?.name ?? e.name ?? "Error",
    status: typeof e.status === "number" ? e.status : null,
  };
}

/** The `sdk_version` the TypeScript clients send (the Python protocol version they implement). */
export function tsProtocolVersion(records: ReadonlyArray<{ path: string; body: string }>): string {
  const config = records.find((r) => r.path === "/api/v1/client/config");
  try {
    return String((JSON.parse(config?.body ?? "{}") as { sdk_version?: unknown }).sdk_version ?? "?");
  } catch {
    return "?";
  }
}

/** Runs one scenario with @tinker-ts/clients against `baseUrl`. Never throws. */
export async function runTsDriver(options: {
  description: ScenarioDescription;
  scenario: Scenario;
  baseUrl: string;
  adminToken: string;
}): Promise<DriverResults> {
  const output: DriverResults = { sdk: "typescript", sdk_version: "", ok: true, steps: [] };
  let runner: Runner | undefined;
  try {
    runner = new Runner(options.baseUrl, options.description.api_key, options.adminToken);
    runner.values["data"] = options.description.data;
    for (const step of options.scenario.steps) {
      const entry: StepResult = { id: step.id, op: step.op };
      try {
        entry.result = await runner.run(step);
        if (step.expect_error)
          throw new Error(`step ${step.id} should have failed with ${step.expect_error}`);
      } catch (error) {
        if (!step.expect_error || String(error).includes(TS_MISSING_MARKER)) throw error;
        entry.result = errorSummary(error);
      }
      if (step.as !== undefined && !step.defer) runner.values[step.as] = entry.result;
      output.steps.push(entry);
    }
  } catch (error) {
    output.ok = false;
    output.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  } finally {
    try {
      await runner?.service.close({ status: "success" });
    } catch (error) {
      output.ok = false;
      output.error = `${output.error ?? ""}\nclose failed: ${String(error)}`;
    }
  }
  return output;
}
