// A solver's initial guess from an alpha matte: a warm start, such as the previous video frame's alpha.
// CG converges to the same solution from any start, and every solver here stops on |b - Ax| <= tolerance |b|,
// measured against the system's own right-hand side, so a guess changes the iterations, not the answer's
// accuracy.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";

/**
 * x[index[i]] = alpha[i] (f32) on every unknown pixel i that has a row, and its trimap value (1 foreground, 0
 * background) on a known pixel that has one (a penalty method solves for a band of known pixels too, whose
 * answers sit near their trimap values). Rows no pixel names keep what x holds.
 */
export function seedSolution(labels: usize, index: usize, alpha: usize, pixels: i32, x: usize): void {
  for (let i = 0; i < pixels; i++) {
    const row = load<i32>(index + (<usize>i << 2));
    if (row < 0) continue;
    const label = load<u8>(labels + <usize>i);
    const guess = label == LABEL_UNKNOWN ? <f64>load<f32>(alpha + (<usize>i << 2)) : label == LABEL_FOREGROUND ? 1.0 : 0.0;
    store<f64>(x + (<usize>row << 3), guess);
  }
}

/**
 * The solve's values before clamping, f32 per pixel: x[index[i]] on unknown pixels (a least-squares answer may
 * lie a little outside [0, 1]), 1 or 0 on known ones. The exact start for the same system: the clamped alpha
 * leaves a residual wherever it cut a value, which costs most of a cold start's iterations to remove again.
 */
export function composeSolution(labels: usize, index: usize, x: usize, pixels: i32, out: usize): void {
  for (let i = 0; i < pixels; i++) {
    const label = load<u8>(labels + <usize>i);
    const value = label == LABEL_UNKNOWN
      ? load<f64>(x + (<usize>load<i32>(index + (<usize>i << 2)) << 3))
      : label == LABEL_FOREGROUND ? 1.0 : 0.0;
    store<f32>(out + (<usize>i << 2), <f32>value);
  }
}

/** Index of the first f32 that is NaN or infinite, or -1. */
export function firstNonFinite(src: usize, count: i32): i32 {
  for (let i = 0; i < count; i++) {
    // v - v is 0 for a finite v, NaN for NaN and for an infinity.
    const v = load<f32>(src + (<usize>i << 2));
    if (v - v != 0) return i;
  }
  return -1;
}
