import type { FloatArray } from "./tensor.js";

/**
 * Dense kernels over flat row-major arrays with explicit offsets (so that activations of many
 * positions can live in one array without creating views). Matrices are (rows × cols), as torch
 * `nn.Linear.weight` is (out × in).
 */

/** `y[yo + r] = Σ_c W[r, c] · x[xo + c]` for r < rows. */
export function matVec(
  W: FloatArray,
  x: FloatArray,
  xo: number,
  y: FloatArray,
  yo: number,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++) y[yo + r] = dotRow(W, r * cols, x, xo, cols);
}

/** `Σ_c W[wo + c] · x[xo + c]`, four accumulators to shorten the dependency chain. */
export function dotRow(W: FloatArray, wo: number, x: FloatArray, xo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < n; c += 4) {
    s0 += W[wo + c]! * x[xo + c]!;
    s1 += W[wo + c + 1]! * x[xo + c + 1]!;
    s2 += W[wo + c + 2]! * x[xo + c + 2]!;
    s3 += W[wo + c + 3]! * x[xo + c + 3]!;
  }
  for (; c < n; c++) s0 += W[wo + c]! * x[xo + c]!;
  return s0 + s1 + s2 + s3;
}

/** `y[yo + c] += alpha · x[xo + c]` for c < n. */
export function axpy(alpha: number, x: FloatArray, xo: number, y: FloatArray, yo: number, n: number): void {
  for (let c = 0; c < n; c++) y[yo + c] = y[yo + c]! + alpha * x[xo + c]!;
}

/** Epsilon inside the RMSNorm square root (Qwen3 and Llama 3 use 1e-6 and 1e-5). */
export const RMS_EPS = 1e-6;

/** `out = x / rms(x)` over n elements; returns 1 / rms(x). RMSNorm without a learned gain. */
export function rmsNorm(x: FloatArray, xo: number, out: FloatArray, oo: number, n: number): number {
  let ss = 0;
  for (let c = 0; c < n; c++) ss += x[xo + c]! * x[xo + c]!;
  const inv = 1 / Math.sqrt(ss / n + RMS_EPS);
  for (let c = 0; c < n; c++) out[oo + c] = x[xo + c]! * inv;
  return inv;
}

/** `dx += inv · (dn − n · mean(dn ⊙ n))`: the input gradient of {@link rmsNorm} given its output n. */
export function rmsNormBackward(
  normed: FloatArray,
  no: number,
  inv: number,
  dn: FloatArray,
  dno: number,
  dx: FloatArray,
  dxo: number,
  n: number,
): void {
  let dot = 0;
  for (let c = 0; c < n; c++) dot += dn[dno + c]! * normed[no + c]!;
  const mean = dot / n;
  for (let c = 0; c < n; c++) dx[dxo + c] = dx[dxo + c]! + inv * (dn[dno + c]! - normed[no + c]! * mean);
}

/** SiLU, `x · sigmoid(x)`. */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** Derivative of SiLU. */
export function siluGrad(x: number): number {
  const s = 1 / (1 + Math.exp(-x));
  return s * (1 + x * (1 - s));
}

/**
 * `C[i, j] += alpha · Σ_c A[i, c] · B[j, c]` for A (m × k), B (n × k), C (m × n): a product with
 * the second operand transposed, so every element is one contiguous dot product.
 */
export function gemmNT(
  A: FloatArray,
  B: FloatArray,
  C: FloatArray,
  m: number,
  n: number,
  k: number,
  alpha: number,
): void {
  for (let i = 0; i < m; i++) {
    const ao = i * k;
    const co = i * n;
    for (let j = 0; j < n; j++) C[co + j] = C[co + j]! + alpha * dotRow(A, ao, B, j * k, k);
  }
}

/** `dst (cols × rows) = srcᵀ` for src (rows × cols); returns dst. */
export function transpose(src: FloatArray, rows: number, cols: number, dst: FloatArray): FloatArray {
  for (let r = 0; r < rows; r++) {
    const so = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[so + c]!;
  }
  return dst;
}
