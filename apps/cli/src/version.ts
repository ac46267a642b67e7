import pkg from "../package.json" with { type: "json" };

/** Version of `@tinker-ts/cli` (printed by `tinker version` and `tinker --version`). */
export const CLI_VERSION: string = pkg.version;
