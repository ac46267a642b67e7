import packageJson from "../package.json" with { type: "json" };

/** This package's own version, sent in `User-Agent: Tinker/TypeScript <VERSION>` (tinker-wire-spec.md §1.3). */
export const VERSION: string = packageJson.version;
