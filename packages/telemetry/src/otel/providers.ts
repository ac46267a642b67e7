import {
  createNoopMeter,
  type Meter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { INSTRUMENTATION_SCOPE } from "./names.js";

// The API's no-op singletons are not exported; an unregistered proxy hands out its no-op
// provider, and the no-op meter provider hands out the one exported no-op meter.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();

/** The provider a {@link ProxyTracerProvider} (of any copy of the API) forwards to, else `provider`. */
function unwrapProxy(provider: TracerProvider): TracerProvider {
  const getDelegate = (provider as Partial<Pick<ProxyTracerProvider, "getDelegate">>).getDelegate;
  return typeof getDelegate === "function" ? getDelegate.call(provider) : provider;
}

/**
 * The tracer to record with, or `undefined` when no tracer provider is registered (globally, or
 * passed in). Resolved on every call so that a provider the application registers after the SDK
 * client was built is still used; the check is two property reads and a comparison.
 */
export class TracerSource {
  private provider: TracerProvider | undefined;
  private tracer: Tracer | undefined;

  constructor(private readonly explicit: TracerProvider | undefined) {}

  current(): Tracer | undefined {
    const provider = unwrapProxy(this.explicit ?? trace.getTracerProvider());
    if (provider === NOOP_TRACER_PROVIDER) return undefined;
    if (provider !== this.provider) {
      this.provider = provider;
      this.tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
    }
    return this.tracer;
  }
}

/**
 * The instruments built from the current meter provider, or `undefined` when metrics are off.
 * The metrics API has no proxy provider (a meter taken before registration stays a no-op), so
 * the instruments are rebuilt whenever the provider changes.
 */
export class MeterSource<Instruments> {
  private provider: MeterProvider | undefined;
  private instruments: Instruments | undefined;

  constructor(
    private readonly explicit: MeterProvider | undefined,
    private readonly build: (meter: Meter) => Instruments,
  ) {}

  current(): Instruments | undefined {
    const provider = this.explicit ?? metrics.getMeterProvider();
    if (provider !== this.provider) {
      this.provider = provider;
      const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
      this.instruments = meter === NOOP_METER ? undefined : this.build(meter);
    }
    return this.instruments;
  }
}
