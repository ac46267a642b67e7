import { fileURLToPath } from "node:url";

/** The repository's `fixtures/` directory. */
export const fixturesDir = fileURLToPath(new URL("../../../../fixtures/", import.meta.url));
