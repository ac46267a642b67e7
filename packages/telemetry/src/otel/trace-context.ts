import { isSpanContextValid, type SpanContext, TraceFlags } from "@opentelemetry/api";

/**
 * Writes the W3C Trace Context headers (`traceparent`, and `tracestate` when the span carries
 * one) for `spanContext` into `headers`. Nothing is written for an invalid context. Implemented
 * here rather than through the application's global propagator so that opting in always means
 * W3C Trace Context, whatever propagator (if any) the application registered.
 */
export function injectW3CTraceContext(spanContext: SpanContext, headers: Record<string, string>): void {
  if (!isSpanContextValid(spanContext)) return;
  const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? "01" : "00";
  headers["traceparent"] = `00-${spanContext.traceId}-${spanContext.spanId}-${sampled}`;
  const traceState = spanContext.traceState?.serialize();
  if (traceState) headers["tracestate"] = traceState;
}
