import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.ts";

// The process-level tests run the real executable, bundled once from the sources.
export default mergeConfig(sharedVitestConfig(), {
  test: { globalSetup: ["./test/global-setup.ts"] },
});
