// Cost of the @tinker-ts/telemetry instrumentation hooks per call, in ns, with no OpenTelemetry
// provider registered (what every SDK user without OpenTelemetry pays), next to the cost with an
// in-memory SDK recording for scale. A benchmark, not a test: it prints numbers and asserts nothing.
//
//   pnpm --filter @tinker-ts/telemetry build && node bench/telemetry-overhead.mjs [iterations]
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const telemetryDir = new URL("../packages/telemetry/", import.meta.url);
const { createInstrumentation } = await import(new URL("dist/index.js", telemetryDir).href);
// The OpenTelemetry SDK packages are dev dependencies of the telemetry package; load them from there.
const requireFromTelemetry = createRequire(new URL("package.json", telemetryDir));

const iterations = Number(process.argv[2] ?? 2_000_000);
const url = "http://127.0.0.1:8765/api/v1/forward_backward";
const ok = { statusCode: 200 };

/** ns per iteration of `body`, best of 5 runs after a warm-up. */
function measure(body, n = iterations) {
  body(Math.min(n, 200_000));
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    body(n);
    best = Math.min(best, ((performance.now() - start) * 1e6) / n);
  }
  return best;
}

// What the HTTP layer does anyway: build the info object per attempt. Kept as the baseline so
// the numbers below are the hooks' own cost.
let sink = 0;
const baseline = measure((n) => {
  for (let i = 0; i < n; i++) {
    const info = { method: "POST", url, pool: "train", resendCount: 0 };
    sink += info.resendCount;
  }
});

function attemptLoop(instrumentation) {
  return (n) => {
    for (let i = 0; i < n; i++) {
      const attempt = instrumentation.httpAttempt({ method: "POST", url, pool: "train", resendCount: 0 });
      attempt.end(ok);
    }
  };
}

const disabled = createInstrumentation();
const disabledAttempt = measure(attemptLoop(disabled));
const disabledFuture = measure((n) => {
  for (let i = 0; i < n; i++) {
    const future = disabled.future({ requestType: "ForwardBackward", requestId: "req" });
    future.poll();
    future.tryAgain("active");
    future.end("success");
  }
});

const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = requireFromTelemetry(
  "@opentelemetry/sdk-trace-base",
);
const { MeterProvider } = requireFromTelemetry("@opentelemetry/sdk-metrics");
const exporter = new InMemorySpanExporter();
const enabled = createInstrumentation({
  tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  meterProvider: new MeterProvider(),
});
const enabledIterations = Math.max(1, Math.floor(iterations / 20));
const enabledAttempt = measure((n) => {
  attemptLoop(enabled)(n);
  exporter.reset();
}, enabledIterations);

const row = (what, ns) => console.log(`${what.padEnd(62)} ${ns.toFixed(1).padStart(8)} ns`);
console.log(`node ${process.version}, ${iterations} iterations (best of 5)`);
row("baseline: build the HttpAttemptInfo object only", baseline);
row("disabled httpAttempt start+end (no provider registered)", disabledAttempt);
row("  of which the hooks' own cost", Math.max(0, disabledAttempt - baseline));
row("disabled future start, poll, tryAgain, end", disabledFuture);
row("enabled httpAttempt start+end (in-memory SDK, for scale)", enabledAttempt);
if (sink < 0) console.log(sink);
