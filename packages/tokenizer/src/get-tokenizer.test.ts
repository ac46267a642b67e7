import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { TokenizerNotFoundError, TokenizerUnsupportedError } from "./errors.js";
import { fakeCommit, tempHfHome, tinyTokenizerJson } from "./fixtures.test-helpers.js";
import {
  clearTokenizerCache,
  type GetTokenizerOptions,
  getTokenizer,
  TOKENIZER_CACHE_SIZE,
} from "./get-tokenizer.js";
import { HubTestServer } from "./hub-server.test-helpers.js";
import { LLAMA3_TOKENIZER_REPO } from "./resolve-id.js";

const MAIN = fakeCommit("main");
const tiny = tinyTokenizerJson();
let server: HubTestServer;
let home: ReturnType<typeof tempHfHome>;

function serve(repoId: string): void {
  server.repos.set(repoId, { refs: { main: MAIN }, commits: { [MAIN]: { "tokenizer.json": tiny } } });
}

beforeAll(async () => {
  server = await HubTestServer.start();
  for (let i = 0; i <= TOKENIZER_CACHE_SIZE; i++) serve(`org/model-${i}`);
  serve(LLAMA3_TOKENIZER_REPO);
  serve("org/base");
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  home = tempHfHome();
  server.requests.length = 0;
});

afterEach(async () => {
  await clearTokenizerCache();
  home.remove();
});

function options(extra: GetTokenizerOptions = {}): GetTokenizerOptions {
  return { endpoint: server.url, env: home.env, ...extra };
}

describe("getTokenizer", () => {
  test("resolves the repository by the §8.11 rules", async () => {
    const llama = await getTokenizer("meta-llama/Llama-3.1-8B:peft", options());
    expect(llama.name).toBe(LLAMA3_TOKENIZER_REPO);
    const variant = await getTokenizer("org/base/fp8", options());
    expect(variant.name).toBe("org/base");
    const byId = await getTokenizer("whatever/model", options({ tokenizerId: "org/model-3" }));
    expect(byId.name).toBe("org/model-3");
    await expect(getTokenizer("TML/x", options())).rejects.toThrow(TokenizerUnsupportedError);
  });

  test("concurrent calls share one load and return the same tokenizer", async () => {
    const [a, b] = await Promise.all([
      getTokenizer("org/model-1", options()),
      getTokenizer("org/model-1", options()),
    ]);
    expect(a).toBe(b);
    expect(server.count("/org/model-1/resolve/main/tokenizer_config.json")).toBe(1);
    expect(await getTokenizer("org/model-1:suffix", options())).toBe(a);
  });

  test(`keeps the ${TOKENIZER_CACHE_SIZE} most recently used tokenizers`, async () => {
    const first = await getTokenizer("org/model-0", options());
    for (let i = 1; i < TOKENIZER_CACHE_SIZE; i++) await getTokenizer(`org/model-${i}`, options());
    // Using model-0 again makes model-1 the oldest entry.
    expect(await getTokenizer("org/model-0", options())).toBe(first);
    await getTokenizer(`org/model-${TOKENIZER_CACHE_SIZE}`, options());
    server.requests.length = 0;
    expect(await getTokenizer("org/model-0", options())).toBe(first);
    expect(server.requests).toEqual([]);
    const reloaded = await getTokenizer("org/model-1", options());
    expect(server.count("/org/model-1/resolve/main/tokenizer_config.json")).toBe(1);
    expect(reloaded.encode("ok")).toEqual(first.encode("ok"));
  });

  test("entries are separate per endpoint and cache directory", async () => {
    const a = await getTokenizer("org/model-2", options());
    const other = tempHfHome();
    try {
      const b = await getTokenizer("org/model-2", options({ env: other.env }));
      expect(b).not.toBe(a);
    } finally {
      other.remove();
    }
  });

  test("a failed load is not kept: the next call tries again", async () => {
    await expect(getTokenizer("org/late", options({ token: "hf_x" }))).rejects.toThrow(
      TokenizerNotFoundError,
    );
    serve("org/late");
    const tokenizer = await getTokenizer("org/late", options({ token: "hf_x" }));
    expect(tokenizer.name).toBe("org/late");
  });
});
