import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.ts";

// The entry points (`*-main.ts`) start registries, pack and install; they run as CI steps. The
// logic they are made of is tested here.
export default mergeConfig(sharedVitestConfig(), {
  test: { coverage: { exclude: ["src/*-main.ts"] } },
});
