import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.ts";

// src/main.ts only prints what runSmoke returns and sets the exit code.
export default mergeConfig(sharedVitestConfig(), {
  test: { coverage: { exclude: ["src/main.ts"] } },
});
