import { fileURLToPath } from "node:url";
import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig, type ViteUserConfig } from "vitest/config";

/**
 * Test configuration shared by every package: sibling packages resolve to their TypeScript
 * sources through the `@tinker-ts/source` export condition (so tests never run against a stale
 * build), coverage is measured with v8 over `src/`, and a JSON report is written for the CI
 * summary line.
 */
/**
 * A hang backstop, not a limit on how fast anything must be: no test's verdict may depend on the
 * wall clock (the suite must pass on a slow machine with other work running), so expensive tests
 * are bounded by steps and every test and hook gets this one generous ceiling, which only turns a
 * deadlock into a failure instead of a CI run that never ends.
 */
export const HANG_BACKSTOP_MS = 15 * 60_000;

/**
 * The home guard, every package's global setup (docs/testing.md#the-home-guard): tests run with
 * HOME, the XDG directories and HF_HOME in a per-run sandbox, and the run fails when the user's
 * real Hugging Face cache, `~/.tinker`, `~/.tinker-local` or tinker config changed meanwhile.
 */
const HOME_GUARD = fileURLToPath(new URL("./tools/test-guards/src/global-setup.ts", import.meta.url));

export function sharedVitestConfig(options: { coverageLines?: number } = {}): ViteUserConfig {
  const sourceCondition = "@tinker-ts/source";
  return defineConfig({
    resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
    // "module" is dropped on the server side: @opentelemetry/api maps it to an ESM build with
    // extension-less imports that Node cannot load once vitest externalises the package. Node
    // itself never uses "module", so this loads the copy Node would load.
    ssr: {
      resolve: {
        conditions: [
          sourceCondition,
          ...defaultServerConditions.filter((condition) => condition !== "module"),
        ],
      },
    },
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      globalSetup: [HOME_GUARD],
      testTimeout: HANG_BACKSTOP_MS,
      hookTimeout: HANG_BACKSTOP_MS,
      teardownTimeout: HANG_BACKSTOP_MS,
      reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
      coverage: {
        provider: "v8",
        include: ["src/**/*.ts"],
        exclude: ["src/**/*.test.ts", "src/**/*.test-helpers.ts", "src/**/gen/**", "src/**/*.d.ts"],
        reporter: ["text-summary", "json-summary"],
        thresholds: { lines: options.coverageLines ?? 90 },
      },
    },
  });
}
