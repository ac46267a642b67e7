/**
 * Live tests (docs/testing.md#live-tests) call the real Tinker service or the Hugging Face Hub.
 * They are grouped in areas and run only when `TINKER_LIVE` selects their area: `1` or `all` for
 * every area, or a comma-separated list (`TINKER_LIVE=clients,cli`). Otherwise they are reported
 * as skipped. Areas that call Tinker also need `TINKER_API_KEY`.
 */

/** The live areas: what each calls. */
export const LIVE_AREAS = {
  /** ServiceClient, TrainingClient and SamplingClient against Tinker. */
  clients: { needsApiKey: true },
  /** The `tinker` CLI's read-only commands against Tinker. */
  cli: { needsApiKey: true },
  /** RestClient calls that change things on Tinker (publish, TTL, delete). */
  rest: { needsApiKey: true },
  /** Tokenizer downloads from the Hugging Face Hub. */
  hub: { needsApiKey: false },
} as const;

/** A live area's name. */
export type LiveArea = keyof typeof LIVE_AREAS;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The areas a `TINKER_LIVE` value selects: none when unset, empty or `0`; all for `1` or `all`;
 * else the comma-separated names (spaces ignored).
 * @throws Error for a name that is not an area, listing the areas.
 */
export function selectedLiveAreas(value: string | undefined): Set<LiveArea> {
  const text = (value ?? "").trim();
  if (text === "" || text === "0") return new Set();
  if (text === "1" || text === "all") return new Set(Object.keys(LIVE_AREAS) as LiveArea[]);
  const areas = new Set<LiveArea>();
  for (const name of text.split(",").map((part) => part.trim())) {
    if (name === "") continue;
    if (!(name in LIVE_AREAS)) {
      throw new Error(
        `TINKER_LIVE names an unknown area "${name}"; use 1 or all, or some of: ${Object.keys(LIVE_AREAS).join(", ")}`,
      );
    }
    areas.add(name as LiveArea);
  }
  return areas;
}

/**
 * Why the live tests of `area` do not run with `env`, or undefined when they run.
 * @throws Error when `TINKER_LIVE` names an unknown area.
 */
export function liveSkipReason(area: LiveArea, env: Env = process.env): string | undefined {
  if (!selectedLiveAreas(env["TINKER_LIVE"]).has(area)) {
    return `live tests of "${area}" run with TINKER_LIVE=${area} (or 1, or all)`;
  }
  if (LIVE_AREAS[area].needsApiKey && !env["TINKER_API_KEY"]) {
    return `live tests of "${area}" need TINKER_API_KEY`;
  }
  return undefined;
}

/** Whether the live tests of `area` run (see {@link liveSkipReason}). */
export function isLive(area: LiveArea, env: Env = process.env): boolean {
  return liveSkipReason(area, env) === undefined;
}
