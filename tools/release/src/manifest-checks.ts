/**
 * Checks of a packed package — the package.json and files a registry would receive — that
 * publint and @arethetypeswrong/cli do not make: what a user installing it from a registry needs
 * (docs/packaging.md#what-every-published-package-ships).
 */

/** The fields of a packed package.json these checks read. */
export interface PackedManifest {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly private?: unknown;
  readonly engines?: unknown;
  readonly files?: unknown;
  readonly exports?: unknown;
  readonly dependencies?: unknown;
  readonly peerDependencies?: unknown;
  readonly optionalDependencies?: unknown;
}

/** The export condition that maps sibling packages to their sources inside the workspace only. */
const SOURCE_CONDITION = "@tinker-ts/source";

/**
 * What is wrong with a packed manifest, one sentence each (empty when nothing is): a
 * `workspace:` range left in a dependency, no `engines.node`, no `files`, no `./package.json`
 * export, the workspace-only source condition in `exports`, an unreleased `0.0.0` version.
 */
export function manifestProblems(manifest: PackedManifest): string[] {
  const problems: string[] = [];
  if (manifest.private === true) problems.push("is private");
  if (manifest.version === "0.0.0") problems.push("has version 0.0.0 (run `pnpm version-packages`)");
  const engines = manifest.engines as { node?: unknown } | undefined;
  if (typeof engines?.node !== "string") problems.push("declares no engines.node");
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) problems.push("declares no files");
  const exportsField = manifest.exports;
  if (typeof exportsField !== "object" || exportsField === null) {
    problems.push("declares no exports");
  } else {
    if (!("./package.json" in exportsField)) problems.push('does not export "./package.json"');
    if (JSON.stringify(exportsField).includes(SOURCE_CONDITION)) {
      problems.push(`exports the workspace-only "${SOURCE_CONDITION}" condition`);
    }
  }
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
    const deps = (manifest[field] ?? {}) as Record<string, unknown>;
    for (const [name, range] of Object.entries(deps)) {
      if (String(range).startsWith("workspace:")) problems.push(`${field}.${name} is still "${range}"`);
    }
  }
  return problems;
}

/** The parts of a source map these checks read. */
interface SourceMap {
  sources?: unknown;
  sourcesContent?: unknown;
}

/**
 * What is wrong with the source maps among a package's files (`path` → text; paths relative to the
 * package root): a map whose sources are not all embedded (`sourcesContent`) points stack traces
 * and debuggers at `src/*.ts` files the package does not ship; a `sourceMappingURL` naming a map
 * that is not shipped makes tools warn.
 */
export function sourceMapProblems(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [path, text] of files) {
    if (path.endsWith(".map")) {
      const map = JSON.parse(text) as SourceMap;
      const sources = Array.isArray(map.sources) ? map.sources : [];
      const contents = Array.isArray(map.sourcesContent) ? map.sourcesContent : [];
      const missing = sources.filter((_, i) => typeof contents[i] !== "string");
      if (missing.length > 0) problems.push(`${path} does not embed ${missing.length} of its sources`);
    } else if (path.endsWith(".js")) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (url === undefined || url.startsWith("data:")) continue;
      const mapPath = [...path.split("/").slice(0, -1), url].join("/");
      if (!files.has(mapPath)) problems.push(`${path} names a source map that is not shipped (${url})`);
    }
  }
  return problems;
}
