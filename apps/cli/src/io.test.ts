import { describe, expect, it } from "vitest";
import { nodeIo } from "./io.js";

describe("nodeIo", () => {
  it("is the real process: its environment, directory, clock and streams", async () => {
    const io = nodeIo();
    expect(io.env).toBe(process.env);
    expect(io.cwd).toBe(process.cwd());
    expect(Math.abs(io.now() - Date.now())).toBeLessThan(60_000);
    expect(io.stdout.isTTY).toBe(process.stdout.isTTY === true);
    expect(io.stderr.columns).toBe(process.stderr.isTTY ? process.stderr.columns : undefined);
    expect(io.stdout.stream).toBe(process.stdout);
    io.stderr.write("");
    await io.flush();
    io.close();
  });
});
