import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  extendHeaders,
  hasHeader,
  mergeHeaders,
  prepareHeaders,
  readTimeoutHeader,
  stainlessArch,
  stainlessOs,
} from "./headers.js";
import { buildTarget, encodeQuery } from "./url.js";

describe("platform header values (§1.3)", () => {
  it.each([
    ["darwin", "MacOS"],
    ["linux", "Linux"],
    ["win32", "Windows"],
    ["freebsd", "FreeBSD"],
    ["openbsd", "OpenBSD"],
    ["android", "Android"],
    ["aix", "Other:aix"],
    ["", "Unknown"],
  ])("OS %s -> %s", (platform, expected) => expect(stainlessOs(platform)).toBe(expected));

  it.each([
    ["x64", "x64"],
    ["arm64", "arm64"],
    ["arm", "arm"],
    ["ia32", "x32"],
    ["s390x", "other:s390x"],
    ["", "unknown"],
  ])("arch %s -> %s", (arch, expected) => expect(stainlessArch(arch)).toBe(expected));

  it("prints an int timeout in seconds like Python's str(int), fractions as floats", () => {
    expect([60_000, 45_000, 10_000, 500].map((ms) => readTimeoutHeader(ms))).toEqual([
      "60",
      "45",
      "10",
      "0.5",
    ]);
    expect(readTimeoutHeader(30_000, "int")).toBe("30");
  });

  it("prints a float timeout like Python's str(float)", () => {
    expect([5_000, 45_000, 30_000, 500, 1_500, 0.01].map((ms) => readTimeoutHeader(ms, "float"))).toEqual([
      "5.0",
      "45.0",
      "30.0",
      "0.5",
      "1.5",
      "1e-05",
    ]);
  });
});

describe("mergeHeaders", () => {
  it("merges case-insensitively, later spelling wins, null removes, undefined is ignored", () => {
    expect(
      mergeHeaders({ Accept: "a", "X-One": "1" }, undefined, {
        accept: "b",
        "X-One": null,
        "X-Two": undefined,
      }),
    ).toEqual({ accept: "b" });
  });

  it("keeps the position the first layer gave a name; a removed name comes back at the end", () => {
    const merged = mergeHeaders(
      { A: "1", B: "2", C: "3" },
      { b: "two", A: null },
      { a: "one", "X-Custom-Header": "x" },
    );
    expect(Object.entries(merged)).toEqual([
      ["b", "two"],
      ["C", "3"],
      ["a", "one"],
      ["X-Custom-Header", "x"],
    ]);
  });
});

describe("extendHeaders", () => {
  const name = fc.constantFrom(
    "Accept",
    "accept",
    "ACCEPT",
    "X-A",
    "x-a",
    "Content-Type",
    "content-type",
    "X-B",
  );
  const layer = fc.dictionary(
    name,
    fc.oneof(fc.string({ maxLength: 3 }), fc.constant(null), fc.constant(undefined)),
    {
      maxKeys: 4,
    },
  );
  const layers = fc.array(fc.option(layer, { nil: undefined }), { maxLength: 4 });

  it("gives the headers, in the order, of mergeHeaders over all the layers", () => {
    fc.assert(
      fc.property(layers, layers, (first, rest) => {
        const extended = extendHeaders(prepareHeaders(...first), ...rest);
        expect(Object.entries(extended)).toEqual(Object.entries(mergeHeaders(...first, ...rest)));
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves the prepared headers as they were", () => {
    const base = prepareHeaders({ Accept: "a", "X-A": "1" });
    expect(extendHeaders(base, { accept: "b", "X-A": null, "X-B": "2" })).toEqual({
      accept: "b",
      "X-B": "2",
    });
    expect(Object.entries(extendHeaders(base, { "X-A": null }, { "X-A": "3" }))).toEqual([
      ["Accept", "a"],
      ["X-A", "3"],
    ]);
    expect(base).toEqual({ names: ["Accept", "X-A"], values: ["a", "1"], lowerNames: ["accept", "x-a"] });
  });
});

describe("hasHeader", () => {
  it("finds a set name in any case and ignores undefined values", () => {
    expect(hasHeader({ "X-Stainless-Retry-Count": "1" }, "x-stainless-retry-count")).toBe(true);
    expect(hasHeader({ "x-a": undefined, "x-b": null }, "X-A")).toBe(false);
    expect(hasHeader({ "x-b": null }, "X-B")).toBe(true);
    expect(hasHeader({}, "X-A")).toBe(false);
  });
});

describe("URL building (§1.1)", () => {
  it("keeps the base path prefix and joins without escaping ids", () => {
    expect(buildTarget("https://h/services/tinker-prod", "/api/v1/x")).toEqual({
      origin: "https://h",
      path: "/services/tinker-prod/api/v1/x",
    });
    expect(buildTarget("https://h/p/", "//api/v1/runs/s:train:0/checkpoints/weights/n").path).toBe(
      "/p/api/v1/runs/s:train:0/checkpoints/weights/n",
    );
    expect(buildTarget("http://h:8080", "api/v1/é x").path).toBe("/api/v1/%C3%A9%20x");
    // Joined paths are remembered per base URL; the second call gives the same target.
    expect(buildTarget("http://h:8080", "api/v1/é x", { q: 1 }).path).toBe("/api/v1/%C3%A9%20x?q=1");
  });

  it("joins onto whichever base URL each call names", () => {
    for (const [base, origin, prefix] of [
      ["https://a/one", "https://a", "/one/"],
      ["https://a/one", "https://a", "/one/"],
      ["http://b:9/", "http://b:9", "/"],
      ["https://a/one", "https://a", "/one/"],
    ] as const) {
      expect(buildTarget(base, "/api/v1/x")).toEqual({ origin, path: `${prefix}api/v1/x` });
    }
  });

  it("uses absolute URLs as they are and appends the query", () => {
    expect(buildTarget("https://h/p", "https://other/x?a=1", { b: 2 })).toEqual({
      origin: "https://other",
      path: "/x?a=1&b=2",
    });
    expect(buildTarget("https://h/p", "http://other/x", { b: true })).toEqual({
      origin: "http://other",
      path: "/x?b=true",
    });
  });

  it("encodes queries like the Stainless Querystring", () => {
    expect(encodeQuery({ a: true, b: false, c: null, d: undefined, e: 0, f: "x y&z" })).toBe(
      "?a=true&b=false&e=0&f=x+y%26z",
    );
    expect(encodeQuery({ c: null })).toBe("");
    expect(encodeQuery(undefined)).toBe("");
  });
});
