/**
 * Seeded pseudo-random numbers for the tiny model: base weights derived from the base model's
 * name, LoRA initialisation from `LoraConfig.seed`, and sampling streams from
 * `SamplingParams.seed` (tinker-compute-semantics.md §6.2, §8.1). The generator is sfc32, seeded
 * through splitmix32 from a 32-bit FNV-1a hash of the seed's parts, so the same parts always
 * give the same stream on every platform.
 */

/** A seeded generator of uniform numbers. */
export interface Rng {
  /** Uniform float in [0, 1), 32 bits of randomness. */
  next(): number;
}

/** 32-bit FNV-1a hash of the parts joined with `\u0000` (strings and numbers alike). */
export function hashParts(parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  const text = parts.map(String).join("\u0000");
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A generator whose stream is fixed by `parts` (for example `["lora", seed]`). */
export function createRng(parts: readonly (string | number)[]): Rng {
  let state = hashParts(parts);
  const splitmix = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return {
    next(): number {
      const t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      return t / 4294967296;
    },
  };
}

/** Fills `out` with independent uniform values in [-bound, bound). */
export function fillUniform(out: Float32Array | Float64Array, bound: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * bound;
}
