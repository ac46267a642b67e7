/**
 * otel-tracing: OpenTelemetry spans of a training step. The SDK records a span per client
 * operation (`tinker.forward_backward`, `tinker.optim_step`, …) and one per future it polls
 * (`tinker.future.ForwardBackward`, …); started inside a span of yours, they become its children.
 * This example registers a tracer provider with an in-memory exporter (and, when run as a
 * program, a console exporter too), wraps one training step in a `train_step` span, and prints
 * the span tree.
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { datum, modelInputFromInts } from "@tinker-ts/types";
import { type ExampleSessionOptions, openExampleSession } from "../support/index.js";
import { isMain, runMain } from "../support/main.js";

/** Options of {@link run}. */
export interface OtelExampleOptions extends ExampleSessionOptions {
  /** Also print every span as it ends (ConsoleSpanExporter); default false. */
  readonly console?: boolean;
  readonly log?: (line: string) => void;
}

/** One line per span, indented under its parent: `train_step`, `  tinker.forward_backward`, … */
export function spanTree(spans: readonly ReadableSpan[]): string[] {
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    byParent.set(key, [...(byParent.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const children = [...(byParent.get(parent) ?? [])].sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    );
    for (const span of children) {
      const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
      lines.push(`${"  ".repeat(depth)}${span.name}  ${ms.toFixed(1)} ms`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

/** The finished spans and their tree. */
export interface OtelExampleResult {
  readonly spans: ReadableSpan[];
  readonly tree: string[];
}

/**
 * Traces one training step.
 *
 * @throws Error when the SDK's spans are missing or not parented under `train_step`, or the
 *   future's polls are not parented under the future.
 */
export async function run(options: OtelExampleOptions = {}): Promise<OtelExampleResult> {
  const log = options.log ?? console.log;
  // The context manager carries the active span across awaits; without one, spans have no parents.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const memory = new InMemorySpanExporter();
  const spanProcessors: SpanProcessor[] = [new SimpleSpanProcessor(memory)];
  if (options.console) spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  const tracerProvider = new BasicTracerProvider({ spanProcessors });
  const session = await openExampleSession({
    ...options,
    userMetadata: { example: "otel-tracing" },
    client: { instrumentation: { tracerProvider } },
  });
  try {
    const { service, baseModel } = session;
    const training = await service.createLoraTrainingClient({ baseModel, rank: 4 });
    const batch = [
      datum(modelInputFromInts([9707, 11, 1879]), { target_tokens: [11, 1879, 0], weights: [1, 1, 1] }),
    ];
    const tracer = tracerProvider.getTracer("otel-tracing-example");
    await tracer.startActiveSpan("train_step", async (span) => {
      try {
        const forwardBackward = training.forwardBackward(batch, "cross_entropy");
        const optim = training.optimStep({ learning_rate: session.learningRate });
        await Promise.all([forwardBackward, optim]);
      } finally {
        span.end();
      }
    });
    await tracerProvider.forceFlush();
    const spans = memory.getFinishedSpans();
    const tree = spanTree(spans);
    for (const line of tree) log(line);

    const find = (name: string) => spans.find((s) => s.name === name);
    const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId;
    const step = find("train_step");
    const forwardBackward = find("tinker.forward_backward");
    const optim = find("tinker.optim_step");
    const future = find("tinker.future.ForwardBackward");
    if (!step || !forwardBackward || !optim || !future) {
      throw new Error(`Missing spans; recorded: ${spans.map((s) => s.name).join(", ")}.`);
    }
    const stepId = step.spanContext().spanId;
    if (parentOf(forwardBackward) !== stepId || parentOf(optim) !== stepId) {
      throw new Error("The SDK's operation spans are not children of train_step.");
    }
    if (parentOf(future) !== forwardBackward.spanContext().spanId) {
      throw new Error("The future's span is not a child of its operation's span.");
    }
    const futureId = future.spanContext().spanId;
    if (!spans.some((s) => s.name === "POST" && parentOf(s) === futureId)) {
      throw new Error("The future's polls (POST /api/v1/retrieve_future) are not children of its span.");
    }
    return { spans, tree };
  } finally {
    await session.close();
    await tracerProvider.shutdown();
    context.disable();
  }
}

if (isMain(import.meta.url)) await runMain(() => run({ console: process.argv.includes("--console") }));
