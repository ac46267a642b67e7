import { describe, expect, test } from "vitest";
import { checkpointId, formatTinkerPath, parseTinkerPath, validateCheckpointName } from "./tinker-path.js";

describe("tinker:// paths (§4.6, 0.38.0)", () => {
  test.each([
    ["tinker://run-1/weights/step-100", "training", "weights/step-100"],
    ["tinker://s:train:0/sampler_weights/s1", "sampler", "sampler_weights/s1"],
    ["tinker://s:train:0/external_weights/hf", "external", "external_weights/hf"],
  ] as const)("%s", (path, type, id) => {
    const parsed = parseTinkerPath(path);
    expect(parsed).toEqual({
      tinker_path: path,
      training_run_id: path.split("/")[2],
      checkpoint_type: type,
      checkpoint_id: id,
    });
    const name = id.split("/")[1]!;
    expect(formatTinkerPath(parsed.training_run_id, type, name)).toBe(path);
  });

  test.each([
    "run/weights/x",
    "tinker://run/weights",
    "tinker://run/weights/a/b",
    "tinker://run/checkpoints/x",
    "tinker://run/toString/x",
  ])("%s is invalid", (path) => {
    expect(() => parseTinkerPath(path)).toThrow(`Invalid tinker path: ${path}`);
  });

  test("checkpoint names and ids", () => {
    expect(checkpointId("sampler", "s1")).toBe("sampler_weights/s1");
    expect(() => validateCheckpointName("")).toThrow("must not be empty");
    expect(() => checkpointId("training", "a/b")).toThrow('must not contain "/"');
    expect(() => formatTinkerPath("a/b", "training", "x")).toThrow("training run id");
    expect(() => formatTinkerPath("", "training", "x")).toThrow("training run id");
  });
});
