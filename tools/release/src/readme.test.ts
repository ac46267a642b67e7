import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { codeBlockAfter, envAssignments } from "./readme.js";

const markdown = [
  "# Title",
  "## Quickstart against Tinker",
  "Some text.",
  "```ts",
  'console.log("hi");',
  "```",
  "Against the emulator: `tinker-local serve`, then `TINKER_BASE_URL=http://127.0.0.1:8765 TINKER_API_KEY=tml-local`.",
  "## Next",
  "```ts",
  "other();",
  "```",
].join("\n");

describe("reading the README", () => {
  it("takes the first ts block of a section", () => {
    expect(codeBlockAfter(markdown, "Quickstart")).toBe('console.log("hi");');
    expect(codeBlockAfter(markdown, "Next")).toBe("other();");
  });

  it("says what is missing", () => {
    expect(() => codeBlockAfter(markdown, "Install")).toThrow('README has no "## Install" section');
    expect(() => codeBlockAfter("## Empty\ntext\n## Next\n```ts\nx\n```", "Empty")).toThrow(
      "has no ```ts block",
    );
    expect(() => codeBlockAfter("## Open\n```ts\nx", "Open")).toThrow("is not closed");
  });

  it("reads the environment a command line sets", () => {
    expect(envAssignments(markdown)).toEqual({
      TINKER_BASE_URL: "http://127.0.0.1:8765",
      TINKER_API_KEY: "tml-local",
    });
  });

  it("finds the Quickstart and its emulator settings in the real README", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    expect(codeBlockAfter(readme, "Quickstart")).toContain("createLoraTrainingClient");
    const section = readme.slice(readme.indexOf("## Quickstart"));
    expect(envAssignments(section.slice(section.indexOf("tinker-local serve")))).toMatchObject({
      TINKER_API_KEY: expect.stringMatching(/^tml-/),
    });
  });
});
