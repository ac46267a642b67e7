import { mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../vitest.shared.ts";

// The examples are programs; this runs each one's run() with small settings (examples.test.ts).
// Coverage is not measured: it would only restate which branches of a demo script ran.
export default mergeConfig(sharedVitestConfig(), {
  test: { include: ["examples.test.ts"], coverage: { enabled: false } },
});
