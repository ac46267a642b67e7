import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";

/** The marker that exempts the next code block from compilation (for deliberate fragments). */
export const NOT_COMPILED_MARKER = "<!-- not-compiled -->";

/** A ```ts block of a Markdown file. */
export interface CodeBlock {
  /** Repository-relative path of the Markdown file. */
  readonly file: string;
  /** 1-based index among the file's ts blocks. */
  readonly index: number;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
  /** Preceded by {@link NOT_COMPILED_MARKER}. */
  readonly exempt: boolean;
}

/** A block that did not type-check, with its first diagnostics. */
export interface BlockFailure {
  readonly file: string;
  readonly index: number;
  readonly line: number;
  /** `line:col message` of each error, lines counted within the block. */
  readonly errors: string[];
}

/**
 * The ```ts / ```typescript blocks of a Markdown text, in order. A block is exempt when the last
 * non-blank line before its fence is `<!-- not-compiled -->`.
 */
export function extractTsBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,})(ts|typescript)\s*$/.exec(lines[i]!);
    if (!fence) {
      // Skip other fenced blocks whole, so a ```ts inside a ```md block is not taken for one.
      const other = /^\s*(`{3,})/.exec(lines[i]!);
      if (other) {
        const close = lines.findIndex((l, j) => j > i && l.trim() === other[1]);
        i = close === -1 ? lines.length : close;
      }
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && l.trim() === fence[2]);
    const end = close === -1 ? lines.length : close;
    let previous = i - 1;
    while (previous >= 0 && lines[previous]!.trim() === "") previous--;
    blocks.push({
      file,
      index: blocks.length + 1,
      line: i + 1,
      code: lines
        .slice(i + 1, end)
        .map((l) => l.slice(fence[1]!.length))
        .join("\n"),
      exempt: previous >= 0 && lines[previous]!.trim() === NOT_COMPILED_MARKER,
    });
    i = end;
  }
  return blocks;
}

/** The Markdown files whose blocks are checked: the READMEs of the repository, the packages, the apps and the examples. */
export function readmeFiles(root: string): string[] {
  const files = ["README.md", "examples/README.md"];
  for (const group of ["packages", "apps", "examples"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = join(group, name, "README.md");
      if (existsSync(join(root, file))) files.push(file);
    }
  }
  return files.filter((file) => existsSync(join(root, file)));
}

/**
 * Type-checks every non-exempt block as its own ES module (top-level `await` allowed) with the
 * repository's compiler options, resolving `@tinker-ts/*` to their sources from `resolveFrom`
 * (a directory whose package depends on every package the blocks import). Nothing is written to
 * disk: the blocks are virtual files of an in-memory compiler host.
 *
 * @returns the blocks that failed, in file order.
 */
export function typecheckBlocks(
  blocks: readonly CodeBlock[],
  root: string,
  resolveFrom: string,
): BlockFailure[] {
  const configPath = join(root, "tsconfig.base.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    types: ["node"],
    noUnusedLocals: false,
  };
  const virtual = new Map<string, CodeBlock>();
  blocks
    .filter((b) => !b.exempt)
    .forEach((block, n) => {
      virtual.set(join(resolveFrom, `__readme_block_${n}.ts`), block);
    });
  const host = ts.createCompilerHost(options);
  const source = (path: string) => {
    const block = virtual.get(path);
    // `export {}` makes every block a module, so top-level await and local names are allowed.
    return block === undefined ? undefined : `${block.code}\nexport {};\n`;
  };
  const baseGetSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const text = source(path);
    return text === undefined
      ? baseGetSourceFile(path, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(path, text, languageVersion, true);
  };
  const baseFileExists = host.fileExists.bind(host);
  host.fileExists = (path) => virtual.has(path) || baseFileExists(path);
  const baseReadFile = host.readFile.bind(host);
  host.readFile = (path) => source(path) ?? baseReadFile(path);
  const program = ts.createProgram([...virtual.keys()], options, host);
  const failures: BlockFailure[] = [];
  for (const [path, block] of virtual) {
    const file = program.getSourceFile(path)!;
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    if (diagnostics.length === 0) continue;
    failures.push({
      file: block.file,
      index: block.index,
      line: block.line,
      errors: diagnostics.map((d) => {
        const { line, character } =
          d.start === undefined ? { line: 0, character: 0 } : file.getLineAndCharacterOfPosition(d.start);
        return `${line + 1}:${character + 1} ${ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0]}`;
      }),
    });
  }
  return failures;
}

/** Every README block of the repository at `root`, checked (see {@link typecheckBlocks}). */
export function checkReadmeBlocks(
  root: string,
  resolveFrom: string,
): { blocks: CodeBlock[]; failures: BlockFailure[] } {
  const blocks = readmeFiles(root).flatMap((file) =>
    extractTsBlocks(readFileSync(join(root, file), "utf8"), file),
  );
  return { blocks, failures: typecheckBlocks(blocks, root, resolveFrom) };
}

/** `file#index`: how a block is named in reports and in the known-failures list. */
export function blockId(block: Pick<CodeBlock, "file" | "index">): string {
  return `${block.file}#${block.index}`;
}
