import { TinkerError } from "@tinker-ts/types";

/** What made combining chunk metrics impossible; see {@link MetricsReductionError}. */
export type MetricsReductionFailure =
  /** A metric key without exactly one `:` (Python: `ValueError` from unpacking `key.split(":")`). */
  | "malformed_key"
  /** `:mean` or `:slack` when every chunk has zero `loss_fn_outputs` (Python: `ZeroDivisionError`). */
  | "zero_total_weight"
  /** A hash reduction over NaN or ±Infinity (Python: `ValueError` / `OverflowError` from `int(v)`). */
  | "non_finite_hash_input";

/**
 * The metrics of a chunked `forward` / `forward_backward` could not be combined
 * (tinker-wire-spec.md §8.2). This is bad data from the server, not bad input from the caller: the
 * Python SDK fails the whole future in the same situations.
 */
export class MetricsReductionError extends TinkerError {
  /** Why combining failed. */
  readonly failure: MetricsReductionFailure;
  /** The offending metric key, for example `loss` or `a:b:sum`; absent for direct hash calls. */
  readonly metricKey: string | undefined;

  constructor(
    message: string,
    options: ErrorOptions & { failure: MetricsReductionFailure; metricKey?: string | undefined },
  ) {
    super(message, options);
    this.failure = options.failure;
    this.metricKey = options.metricKey;
  }
}
