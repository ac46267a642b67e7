import { sharedVitestConfig } from "../../vitest.shared.ts";

// Only the fast unit tests of src/ run here; the full parity run is `pnpm parity`.
export default sharedVitestConfig();
