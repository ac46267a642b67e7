import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDescription, resolveRefs, ScenarioError } from "./scenario.js";

const base = { version: 1, api_key: "tml-x", data: {} };
const scenario = (steps: unknown[]) => ({ ...base, scenarios: [{ name: "s", summary: "", steps }] });

describe("parseDescription", () => {
  it("accepts the shipped scenarios.json", () => {
    const text = readFileSync(new URL("../scenarios/scenarios.json", import.meta.url), "utf8");
    const description = parseDescription(JSON.parse(text));
    expect(description.scenarios.length).toBeGreaterThanOrEqual(15);
  });

  it("rejects unknown ops and RestClient methods", () => {
    expect(() => parseDescription(scenario([{ id: "a", op: "explode" }]))).toThrow(/unknown op 'explode'/);
    expect(() => parseDescription(scenario([{ id: "a", op: "rest.nope" }]))).toThrow(
      /unknown RestClient method/,
    );
  });

  it("rejects clients used before they are saved, and duplicate ids and names", () => {
    expect(() => parseDescription(scenario([{ id: "a", op: "sample", client: "sampler" }]))).toThrow(
      /not saved/,
    );
    expect(() =>
      parseDescription(
        scenario([
          { id: "a", op: "sleep" },
          { id: "a", op: "sleep" },
        ]),
      ),
    ).toThrow(/twice/);
    const twice = { ...base, scenarios: [scenario([]).scenarios[0], scenario([]).scenarios[0]] };
    expect(() => parseDescription(twice)).toThrow(/defined twice/);
  });

  it("checks that deferred steps are awaited", () => {
    expect(() => parseDescription(scenario([{ id: "w", op: "wait" }]))).toThrow(/nothing deferred/);
    expect(() => parseDescription(scenario([{ id: "a", op: "optim_step", defer: true }]))).toThrow(
      /never awaited/,
    );
  });

  it("rejects malformed documents and steps", () => {
    expect(() => parseDescription({ version: 2 })).toThrow(ScenarioError);
    expect(() => parseDescription({ version: 1 })).toThrow(/api_key/);
    expect(() => parseDescription({ version: 1, api_key: "k" })).toThrow(/scenarios/);
    expect(() => parseDescription({ ...base, scenarios: [{}] })).toThrow(/name/);
    expect(() => parseDescription(scenario([1]))).toThrow(/object/);
    expect(() => parseDescription(scenario([{ op: "sleep" }]))).toThrow(/id/);
    expect(() => parseDescription(scenario([{ id: "a", op: 3 }]))).toThrow(/op/);
    expect(() => parseDescription(scenario([{ id: "a", op: "sleep", args: [] }]))).toThrow(/args/);
  });
});

describe("resolveRefs", () => {
  const env = { state: { path: "tinker://x/weights/a" }, sessions: { sessions: ["s0", "s1"] } };

  it("replaces references at any depth, with array indexes", () => {
    expect(resolveRefs({ a: ["$state.path", { b: "$sessions.sessions.1" }], c: 1 }, env)).toEqual({
      a: ["tinker://x/weights/a", { b: "s1" }],
      c: 1,
    });
  });

  it("names a missing reference", () => {
    expect(() => resolveRefs("$nope.x", env)).toThrow(/'nope' is not saved/);
    expect(() => resolveRefs("$state.missing", env)).toThrow(/no field 'missing'/);
  });
});
