import type { ClientContext } from "../context.js";
import { createSamplingSession, fetchSamplerBaseModel, type SamplingSessionSource } from "../requests.js";
import type { RetryConfig } from "./retry-handler.js";
import { SamplingClient } from "./sampling-client.js";

/** What {@link openSamplingClient} opens a SamplingClient on. */
export interface OpenSamplingClientSpec extends SamplingSessionSource {
  /**
   * An existing sampler (an unnamed `save_weights_for_sampler`). Without it, a new sampling
   * session is created from `modelPath` / `baseModel`.
   */
  readonly samplingSessionId?: string | undefined;
  /** Overrides of the client's RetryHandler settings (§7.3). */
  readonly retryConfig?: Partial<RetryConfig> | undefined;
  /** The public method opening the client, sent as `x-sdk-method` on each of its requests. */
  readonly sdkMethod: string;
}

/**
 * Opens a SamplingClient the way Python SDK 0.38's `SamplingClient.create` does
 * (tinker-wire-spec.md §9.1, §9.5): a `create_sampling_session` unless the sampler already exists,
 * then, when the base model is not known yet (a client made from a `model_path`), one
 * `GET /api/v1/samplers/{id}` for it, so that `getBaseModel()` never waits on the server.
 *
 * @throws the errors of `createSamplingSession` (InvalidInputError for a bad source, HTTP errors)
 *   and of `fetchSamplerBaseModel`.
 */
export async function openSamplingClient(
  context: ClientContext,
  spec: OpenSamplingClientSpec,
): Promise<SamplingClient> {
  const samplingSessionId =
    spec.samplingSessionId ?? (await createSamplingSession(context, spec, spec.sdkMethod));
  const baseModel =
    spec.baseModel ?? (await fetchSamplerBaseModel(context, samplingSessionId, spec.sdkMethod));
  return new SamplingClient({
    context,
    samplingSessionId,
    baseModel,
    ...(spec.retryConfig === undefined ? {} : { retryConfig: spec.retryConfig }),
  });
}
