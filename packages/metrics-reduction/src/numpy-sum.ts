/**
 * float64 sums rounded exactly as numpy rounds them, so that combined `:sum`, `:mean` and `:slack`
 * metrics equal the Python SDK's to the last bit. numpy's `np.sum` starts from its identity 0.0
 * and adds a pairwise sum: a plain loop below 8 elements, eight interleaved accumulators up to
 * 128, and halving (at a multiple of 8) above that. A left-to-right sum differs once there are 8
 * or more chunks.
 */

const BLOCK_SIZE = 128;

function pairwiseSum(values: ArrayLike<number>, start: number, count: number): number {
  if (count < 8) {
    let sum = 0;
    for (let i = start; i < start + count; i++) sum += values[i]!;
    return sum;
  }
  if (count <= BLOCK_SIZE) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = values[start + j]!;
    const unrolledEnd = count - (count % 8);
    let i = 8;
    for (; i < unrolledEnd; i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += values[start + i + j]!;
    }
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < count; i++) sum += values[start + i]!;
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}

/** `np.sum(values).item()` for float64 values. Returns 0 for an empty list. */
export function numpySum(values: ArrayLike<number>): number {
  return 0 + pairwiseSum(values, 0, values.length);
}

/**
 * `np.average(values, weights=weights).item()`: Σ(value × weight) / Σ weight, both sums as in
 * {@link numpySum}. Returns `undefined` where numpy raises ZeroDivisionError (weights sum to 0).
 */
export function numpyWeightedAverage(
  values: readonly number[],
  weights: readonly number[],
): number | undefined {
  const totalWeight = numpySum(weights);
  if (totalWeight === 0) return undefined;
  const products = values.map((value, i) => value * weights[i]!);
  return numpySum(products) / totalWeight;
}
