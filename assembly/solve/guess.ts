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
