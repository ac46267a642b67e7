/**
 * `@tinker-ts/test-guards` (private): what every package's tests share beyond vitest.shared.ts —
 * the live-area selection that live tests call (docs/testing.md#live-tests). The home guard runs
 * as vitest's global setup (src/global-setup.ts) and the selectors as root scripts.
 */
export { isLive, LIVE_AREAS, type LiveArea, liveSkipReason, selectedLiveAreas } from "./live.js";
