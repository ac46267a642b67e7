import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { DEFAULT_HF_ENDPOINT, resolveHubSettings } from "./settings.js";

/** Resolution follows huggingface_hub's constants.py; every case passes its own environment. */
describe("resolveHubSettings", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  test("cache: HF_HUB_CACHE, then HUGGINGFACE_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME, then ~/.cache", () => {
    const cacheDir = (env: Record<string, string>) => resolveHubSettings({ env }).cacheDir;
    expect(cacheDir({ HF_HUB_CACHE: "/a", HUGGINGFACE_HUB_CACHE: "/b", HF_HOME: "/c" })).toBe("/a");
    expect(cacheDir({ HUGGINGFACE_HUB_CACHE: "/b", HF_HOME: "/c" })).toBe("/b");
    expect(cacheDir({ HF_HOME: "/c", XDG_CACHE_HOME: "/x" })).toBe("/c/hub");
    expect(cacheDir({ XDG_CACHE_HOME: "/x", HOME: "/home/u" })).toBe("/x/huggingface/hub");
    expect(cacheDir({ HOME: "/home/u" })).toBe("/home/u/.cache/huggingface/hub");
    expect(cacheDir({ HOME: "/home/u", HF_HOME: "~/hf" })).toBe("/home/u/hf/hub");
    expect(resolveHubSettings({ env: { HF_HOME: "/c" }, cacheDir: "/explicit" }).cacheDir).toBe("/explicit");
  });

  test("endpoint: HF_ENDPOINT without trailing slashes, else huggingface.co", () => {
    expect(resolveHubSettings({ env: {} }).endpoint).toBe(DEFAULT_HF_ENDPOINT);
    expect(resolveHubSettings({ env: { HF_ENDPOINT: "http://mirror:8080//" } }).endpoint).toBe(
      "http://mirror:8080",
    );
    expect(resolveHubSettings({ env: { HF_ENDPOINT: "http://a" }, endpoint: "http://b/" }).endpoint).toBe(
      "http://b",
    );
  });

  test("offline: HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE in 1/ON/YES/TRUE, any case", () => {
    for (const value of ["1", "on", "YES", "True"]) {
      expect(resolveHubSettings({ env: { HF_HUB_OFFLINE: value } }).offline).toBe(true);
    }
    expect(resolveHubSettings({ env: { TRANSFORMERS_OFFLINE: "1" } }).offline).toBe(true);
    for (const value of ["0", "false", "", "no"]) {
      expect(resolveHubSettings({ env: { HF_HUB_OFFLINE: value } }).offline).toBe(false);
    }
    expect(resolveHubSettings({ env: { HF_HUB_OFFLINE: "1" }, offline: false }).offline).toBe(false);
  });

  test("token: HF_TOKEN, else the token file under HF_HOME or at HF_TOKEN_PATH; false forces anonymous", () => {
    const home = mkdtempSync(join(tmpdir(), "tinker-ts-hf-token-"));
    dirs.push(home);
    expect(resolveHubSettings({ env: { HF_HOME: home } }).token).toBeUndefined();
    writeFileSync(join(home, "token"), "hf_fromfile\n");
    expect(resolveHubSettings({ env: { HF_HOME: home } }).token).toBe("hf_fromfile");
    expect(resolveHubSettings({ env: { HF_HOME: home, HF_TOKEN: " hf_env " } }).token).toBe("hf_env");
    writeFileSync(join(home, "other"), "hf_path");
    expect(resolveHubSettings({ env: { HF_HOME: home, HF_TOKEN_PATH: join(home, "other") } }).token).toBe(
      "hf_path",
    );
    expect(resolveHubSettings({ env: { HF_TOKEN: "hf_env" }, token: "hf_opt" }).token).toBe("hf_opt");
    expect(resolveHubSettings({ env: { HF_TOKEN: "hf_env" }, token: false }).token).toBeUndefined();
  });
});
