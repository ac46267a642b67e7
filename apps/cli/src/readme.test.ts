import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectSchema, schemaNames } from "./schema.test-helpers.js";

/** The JSON examples of the README, each preceded by `<!-- schema: NAME -->`, checked against that schema. */
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const examples = [...readme.matchAll(/<!-- schema: ([\w-]+) -->\n```json\n([\s\S]*?)\n```/g)].map((m) => ({
  schema: m[1]!,
  text: m[2]!,
}));

describe("README JSON examples", () => {
  it("has examples, each naming an existing schema", () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
    for (const { schema } of examples) expect(schemaNames).toContain(schema);
  });

  for (const { schema, text } of examples) {
    it(`the ${schema} example is valid`, () => {
      expectSchema(schema, JSON.parse(text));
    });
  }

  it("lists every command schema in the commands table", () => {
    for (const name of schemaNames.filter((n) => !["checkpoint", "training-run", "error"].includes(n))) {
      expect(readme).toContain(`\`${name}\``);
    }
  });
});

describe("the schemas themselves", () => {
  it("reject what they should", async () => {
    const { matchesSchema } = await import("./schema.test-helpers.js");
    expect(matchesSchema("run-list", { runs: [{ training_run_id: "x" }] })).toBe(false);
    expect(matchesSchema("checkpoint-delete", { deleted_count: -1, deleted: [], failed: [] })).toBe(false);
    expect(
      matchesSchema("error", {
        error: { message: "m", details: null, type: "T", status: null, request_id: null, exit_code: 3 },
      }),
    ).toBe(false);
    expect(
      matchesSchema("checkpoint", {
        checkpoint_id: "weights/a",
        checkpoint_type: "training",
        time: "2024-01-15 10:30:00+00:00",
        tinker_path: "tinker://r/weights/a",
        size_bytes: 1,
        public: false,
        user_metadata: null,
        expires_at: null,
      }),
    ).toBe(false);
  });
});
