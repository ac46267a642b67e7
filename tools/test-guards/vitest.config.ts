import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.ts";

// run-selected-main.ts only spawns vitest per package for what select.ts picked.
export default mergeConfig(sharedVitestConfig(), {
  test: { coverage: { exclude: ["src/*-main.ts"] } },
});
