import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.ts";

// The process-level tests run the real executable, bundled once from the sources.
export default mergeConfig(sharedVitestConfig({ testTimeoutMs: 60_000 }), {
  test: { globalSetup: ["./test/global-setup.ts"] },
});
