import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  blockId,
  checkReadmeBlocks,
  extractTsBlocks,
  readmeFiles,
  typecheckBlocks,
} from "./readme-blocks.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const resolveFrom = fileURLToPath(new URL(".", import.meta.url));
const known = (
  JSON.parse(readFileSync(new URL("../readme-blocks.known-failures.json", import.meta.url), "utf8")) as {
    known: Array<{ block: string; reason: string }>;
  }
).known.map((k) => k.block);

describe("README code blocks type-check against the workspace packages", () => {
  const { blocks, failures } = checkReadmeBlocks(root, resolveFrom);

  it("finds the blocks of every README", () => {
    const files = new Set(blocks.map((b) => b.file));
    for (const file of ["README.md", "packages/clients/README.md", "examples/sft-basic/README.md"]) {
      expect(files).toContain(file);
    }
  });

  it("fails exactly the known, reported blocks of other packages' READMEs", () => {
    const report = failures.map((f) => `${blockId(f)} (line ${f.line}): ${f.errors.slice(0, 3).join("; ")}`);
    expect(failures.map(blockId).sort(), report.join("\n")).toEqual([...known].sort());
  });

  it("compiles every block of the root README and the examples", () => {
    const own = failures.filter((f) => f.file.startsWith("examples/") || f.file === "README.md");
    expect(own.map((f) => `${blockId(f)}: ${f.errors.join("; ")}`)).toEqual([]);
  });
});

describe("extractTsBlocks", () => {
  const markdown = [
    "# Title",
    "```ts",
    "const a: number = 1;",
    "```",
    "<!-- not-compiled -->",
    "",
    "```typescript",
    "fragment(",
    "```",
    "````md",
    "```ts",
    "inside a markdown block",
    "```",
    "````",
    "  ```ts",
    "  const b = 2;",
    "  ```",
  ].join("\n");

  it("takes ts and typescript fences, honours the marker, skips nested fences, strips indentation", () => {
    expect(extractTsBlocks(markdown, "x.md")).toEqual([
      { file: "x.md", index: 1, line: 2, code: "const a: number = 1;", exempt: false },
      { file: "x.md", index: 2, line: 7, code: "fragment(", exempt: true },
      { file: "x.md", index: 3, line: 15, code: "const b = 2;", exempt: false },
    ]);
  });

  it("reports type errors with block-relative positions, and skips exempt blocks", () => {
    const blocks = extractTsBlocks(
      ["```ts", 'const n: number = "text";', "```", "<!-- not-compiled -->", "```ts", "broken(", "```"].join(
        "\n",
      ),
      "y.md",
    );
    const failures = typecheckBlocks(blocks, root, resolveFrom);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ file: "y.md", index: 1, line: 1 });
    expect(failures[0]!.errors[0]).toMatch(/^1:7 Type 'string' is not assignable to type 'number'/);
  });

  it("lists the READMEs that exist", () => {
    const files = readmeFiles(root);
    expect(files).toContain("packages/types/README.md");
    expect(files.every((f) => f.endsWith(".md"))).toBe(true);
  });
});
