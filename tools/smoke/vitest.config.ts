import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.ts";

// src/main.ts only prints what runSmoke returns and sets the exit code.
export default mergeConfig(sharedVitestConfig({ testTimeoutMs: 120_000 }), {
  test: { coverage: { exclude: ["src/main.ts"] } },
});
