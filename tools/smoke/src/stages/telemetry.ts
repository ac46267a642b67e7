import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ServiceClient } from "@tinker-ts/clients";
import { TinkerHttp } from "@tinker-ts/http";
import { startLocalServer } from "@tinker-ts/local-server";
import { createTelemetryReporter } from "@tinker-ts/telemetry";
import { datum, modelInputFromInts } from "@tinker-ts/types";
import { check, type Stage } from "../stage.js";

const ADMIN_TOKEN = "smoke-admin";

/**
 * Both halves of @tinker-ts/telemetry against an embedded tinker-local: OpenTelemetry spans of a
 * real training step (in-memory exporter; the AsyncLocalStorage context manager parents the
 * future's span under the operation's, and each HTTP attempt's span under the operation or the
 * future that made it), and the Tinker telemetry reporter's batch arriving at the server's
 * `/api/v1/telemetry` intake.
 */
export const telemetryStage: Stage = {
  name: "telemetry",
  description:
    "OpenTelemetry spans of a training step (operation → future → HTTP attempts); reporter batches reach /api/v1/telemetry",
  async run() {
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    const server = await startLocalServer({ port: 0, logLevel: "silent", adminToken: ADMIN_TOKEN });
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const service = new ServiceClient({
      baseUrl: server.url,
      apiKey: "tml-smoke",
      env: {},
      credentialsFile: false,
      telemetry: false,
      instrumentation: { tracerProvider },
    });
    const http = new TinkerHttp({
      apiKey: "tml-smoke",
      baseUrl: server.url,
      env: {},
      credentialsFile: false,
      logLevel: "off",
    });
    try {
      const training = await service.createLoraTrainingClient({ baseModel: "Qwen/Qwen3-8B", rank: 4 });
      const data = [datum(modelInputFromInts([1, 2, 3]), { target_tokens: [2, 3, 4], weights: [1, 1, 1] })];
      await training.forwardBackward(data, "cross_entropy");
      await tracerProvider.forceFlush();
      const spans = exporter.getFinishedSpans();
      const operation = spans.find((s) => s.name === "tinker.forward_backward");
      const future = spans.find((s) => s.name === "tinker.future.ForwardBackward");
      check(
        operation !== undefined,
        `no tinker.forward_backward span among ${spans.map((s) => s.name).join(", ")}`,
      );
      check(
        future !== undefined,
        `no tinker.future.ForwardBackward span among ${spans.map((s) => s.name).join(", ")}`,
      );
      check(
        future.parentSpanContext?.spanId === operation.spanContext().spanId,
        "the future's span is not a child of the forward_backward span",
      );
      check(
        future.attributes["tinker.future.outcome"] === "success",
        "the future span does not record success",
      );
      const attempts = spans.filter((s) => s.name === "POST");
      const parentOf = (id: string | undefined) => spans.find((s) => s.spanContext().spanId === id)?.name;
      const submit = attempts.find((s) => s.attributes["url.path"] === "/api/v1/forward_backward");
      const poll = attempts.find(
        (s) =>
          s.attributes["url.path"] === "/api/v1/retrieve_future" &&
          s.parentSpanContext?.spanId === future.spanContext().spanId,
      );
      check(
        submit !== undefined && parentOf(submit.parentSpanContext?.spanId) === "tinker.forward_backward",
        "no POST /api/v1/forward_backward span under tinker.forward_backward",
      );
      check(poll !== undefined, "no POST /api/v1/retrieve_future span under tinker.future.ForwardBackward");
      check(
        submit.attributes["http.response.status_code"] === 200 &&
          submit.attributes["tinker.pool"] === "train",
        "the forward_backward attempt span lacks its status code or pool",
      );

      const reporter = createTelemetryReporter(
        {
          send: (body, signal) =>
            http.requestJson({
              method: "POST",
              path: "/api/v1/telemetry",
              json: body,
              pool: "telemetry",
              signal,
            }),
          sessionId: "smoke-session",
        },
        {},
      );
      check(reporter !== undefined, "createTelemetryReporter returned undefined with telemetry enabled");
      reporter.log("smoke.ping", { stage: "telemetry" });
      await reporter.close();
      const intake = (await (
        await fetch(`${server.url}/_admin/telemetry`, { headers: { "X-Admin-Token": ADMIN_TOKEN } })
      ).json()) as { received: number; batches: unknown[] };
      check(intake.received >= 1, "the server received no telemetry batch");
      check(
        JSON.stringify(intake.batches).includes("smoke.ping"),
        "the smoke.ping event is not in the received batches",
      );
      return `${spans.length} spans (tinker.forward_backward → tinker.future.ForwardBackward → ${attempts.length} POST attempts); ${intake.received} reporter batch(es) received by the server`;
    } finally {
      await service.close();
      await http.close();
      await server.close();
      await tracerProvider.shutdown();
      context.disable();
    }
  },
};
