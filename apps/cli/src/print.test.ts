import { describe, expect, it } from "vitest";
import { captureStream } from "./cli.test-helpers.js";
import { CliError } from "./errors.js";
import type { CliIo } from "./io.js";
import { formatJson } from "./output/output.js";
import { jsonError, printError } from "./print.js";
import { expectSchema } from "./schema.test-helpers.js";

function io(): CliIo & { stderr: { text: string } } {
  return {
    stdout: captureStream(),
    stderr: captureStream(),
    stdinIsTTY: false,
    readLine: async () => undefined,
    readAll: async () => "",
    env: {},
    cwd: "/",
    now: () => 0,
  };
}

describe("printError", () => {
  const error = new CliError("Resource not found", {
    details: "Details: gone",
    requestId: "req-1",
    status: 404,
    cause: new Error("inner"),
  });

  it("prints Error:, the details and the request id as text", () => {
    const target = io();
    printError(target, error, { format: "table", debug: false });
    expect(target.stderr.text).toBe("Error: Resource not found\nDetails: gone\nRequest ID: req-1\n");
  });

  it("prints one JSON object in JSON mode, and the cause's stack with --debug", () => {
    const target = io();
    printError(target, error, { format: "json", debug: true });
    const [json, ...stack] = target.stderr.text.split("\n}\n");
    const parsed = JSON.parse(`${json}\n}`);
    expectSchema("error", parsed);
    expect(parsed).toEqual(jsonError(error));
    expect(stack.join("")).toMatch(/^Error: inner\n\s+at /);
  });
});

describe("formatJson", () => {
  it("indents by two, ends with a newline and escapes non-ASCII like Python's json.dump", () => {
    expect(formatJson({ a: "é😀", b: [1] })).toBe(
      '{\n  "a": "\\u00e9\\ud83d\\ude00",\n  "b": [\n    1\n  ]\n}\n',
    );
    expect(formatJson(undefined)).toBe("null\n");
  });
});
