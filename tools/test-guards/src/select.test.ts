import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isContractTest, isLiveTest, selectTests } from "./select.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

describe("test selectors", () => {
  it("picks the tests that check the Python SDK's golden wire fixtures", async () => {
    const contract = (await selectTests(root, "contract")).map((t) => `${t.packageDir}/${t.file}`);
    expect(contract).toEqual(
      expect.arrayContaining([
        "packages/types/src/wire-fixtures.test.ts",
        "packages/types/src/spec-types.test.ts",
        "packages/types/src/proto/python-vectors.test.ts",
        "packages/types/src/proto/spec-vectors.test.ts",
        "packages/futures/src/polling-future.test.ts",
      ]),
    );
    // Tests that only borrow a helper (toHex) or read other fixtures are not contract tests.
    expect(contract).not.toContain("packages/types/src/proto/round-trip.test.ts");
    expect(contract).not.toContain("packages/metrics-reduction/src/fixtures.test.ts");
  });

  it("decides from what a test reads", () => {
    const types = { packageDir: "packages/types", file: "src/proto/x.test.ts" };
    expect(
      isContractTest(types, 'import { loadFixtures } from "./fixtures.test-helpers.js";\nloadFixtures();'),
    ).toBe(true);
    expect(isContractTest(types, 'import { toHex } from "./fixtures.test-helpers.js";')).toBe(false);
    const metrics = { packageDir: "packages/metrics-reduction", file: "src/x.test.ts" };
    expect(
      isContractTest(metrics, 'import { loadFixtures } from "./fixtures.test-helpers.js";\nloadFixtures();'),
    ).toBe(false);
    const wirePath = ["fixtures", "wire"].join("/"); // spelled apart: this file is no contract test
    expect(isContractTest(metrics, `readFileSync("../../${wirePath}/json/x.json")`)).toBe(true);
  });

  it("picks the live tests by name", async () => {
    expect(isLiveTest("src/live.test.ts")).toBe(true);
    expect(isLiveTest("src/rest/rest.live.test.ts")).toBe(true);
    expect(isLiveTest("src/delivery.test.ts")).toBe(false);
    const live = (await selectTests(root, "live")).map((t) => `${t.packageDir}/${t.file}`);
    expect(live).toContain("packages/clients/src/live.test.ts");
    expect(live.every((file) => isLiveTest(file))).toBe(true);
  });
});
