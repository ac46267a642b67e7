import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.ts";

// The demo test trains the tiny model for real (seconds, more on a busy machine), hence the long
// timeout. src/main.ts only wires argv and the exit code to runDemo; both sides are tested.
export default mergeConfig(sharedVitestConfig({ testTimeoutMs: 180_000 }), {
  test: { coverage: { exclude: ["src/main.ts"] } },
});
