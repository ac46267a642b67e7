import type { FloatArray } from "./tensor.js";

/**
 * AdamW exactly as `torch.optim.AdamW` computes it (single-tensor path), with the global-norm
 * clipping of `torch.nn.utils.clip_grad_norm_` in front (tinker-compute-semantics.md §5.3).
 */

/** `AdamParams` of `optim_step` (tinker-wire-spec.md §4.4), in wire names. */
export interface AdamParams {
  learning_rate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  /** Global L2 norm cap over every trainable parameter; 0 disables clipping. */
  grad_clip_norm: number;
}

/** Defaults of the Python SDK's `AdamParams` (§5.2). */
export const DEFAULT_ADAM_PARAMS: Readonly<AdamParams> = {
  learning_rate: 1e-4,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-12,
  weight_decay: 0,
  grad_clip_norm: 0,
};

/** Adam moments (`exp_avg`, `exp_avg_sq`, one pair per parameter tensor) and the step count. */
export interface AdamState {
  /** Completed steps t (torch's `state["step"]`). */
  step: number;
  m: FloatArray[];
  v: FloatArray[];
}

/** Zeroed moments shaped like `params`. */
export function createAdamState(params: readonly FloatArray[]): AdamState {
  return {
    step: 0,
    m: params.map((p) => p.slice().fill(0)),
    v: params.map((p) => p.slice().fill(0)),
  };
}

/** `sqrt(Σ g²)` over every gradient tensor (computed in float64). */
export function globalGradNorm(grads: readonly FloatArray[]): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  return Math.sqrt(sum);
}

/**
 * One optimizer step over `params` with gradients `grads` (same shapes), in place:
 * 1. if `grad_clip_norm` c > 0: with n the global norm, every gradient is multiplied by
 *    min(1, c / (n + 1e-6));
 * 2. t ← t + 1; θ ← θ·(1 − lr·wd); m ← lerp(m, g, 1 − β1); v ← β2·v + (1 − β2)·g²;
 *    θ ← θ − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps).
 *
 * Gradients are left as given (scaled when clipped); the caller zeroes them. Returns the global
 * gradient norm before clipping when clipping is on (the only time the service computes it,
 * §5.4), else undefined.
 */
export function adamwStep(
  params: readonly FloatArray[],
  grads: readonly FloatArray[],
  state: AdamState,
  hp: AdamParams,
): number | undefined {
  let norm: number | undefined;
  if (hp.grad_clip_norm > 0) {
    norm = globalGradNorm(grads);
    const coef = Math.min(1, hp.grad_clip_norm / (norm + 1e-6));
    if (coef < 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef;
  }
  state.step += 1;
  const t = state.step;
  const lr = hp.learning_rate;
  const decay = 1 - lr * hp.weight_decay;
  const stepSize = lr / (1 - hp.beta1 ** t);
  const bc2Sqrt = Math.sqrt(1 - hp.beta2 ** t);
  const { beta1, beta2, eps } = hp;
  params.forEach((p, index) => {
    const g = grads[index]!;
    const m = state.m[index]!;
    const v = state.v[index]!;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      p[i] = p[i]! * decay;
      m[i] = m[i]! + (1 - beta1) * (gi - m[i]!);
      v[i] = v[i]! * beta2 + (1 - beta2) * gi * gi;
      p[i] = p[i]! - stepSize * (m[i]! / (Math.sqrt(v[i]!) / bc2Sqrt + eps));
    }
  });
  return norm;
}
