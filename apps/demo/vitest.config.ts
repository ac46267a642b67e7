import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.ts";

// src/main.ts only wires argv and the exit code to runDemo; both sides are tested.
export default mergeConfig(sharedVitestConfig(), {
  test: { coverage: { exclude: ["src/main.ts"] } },
});
