// The combined method's vote: per unknown pixel, the median of three mattes (closed-form, information flow, shared
// matting). Each method hands back its own row order (its unknownIndex); the mattes are gathered into one
// pixel-ordered table of three clamped alphas per unknown pixel first.

import { LABEL_UNKNOWN } from "../convert";

/**
 * Writes alpha (clamped to [0, 1]) of the r-th unknown pixel in raster order at mattes[3 r + slot], reading it
 * from `solution` at the row `unknownIndex` (i32 per pixel) gives that pixel. Returns the unknown pixels met.
 */
export function gatherMatte(labels: usize, pixels: i32, unknownIndex: usize, solution: usize, slot: i32, mattes: usize): i32 {
  let row = 0;
  for (let i = 0; i < pixels; i++) {
    if (load<u8>(labels + <usize>i) != LABEL_UNKNOWN) continue;
    const k = load<i32>(unknownIndex + (<usize>i << 2));
    const a = min(max(load<f64>(solution + (<usize>k << 3)), 0.0), 1.0);
    store<f64>(mattes + ((<usize>(3 * row + slot)) << 3), a);
    row++;
  }
  return row;
}

/** alpha[r] = the median of mattes[3 r], mattes[3 r + 1], mattes[3 r + 2], for each of `rows` rows. */
export function medianOfThree(rows: i32, mattes: usize, alpha: usize): void {
  for (let r = 0; r < rows; r++) {
    const at = mattes + (<usize>(3 * r) << 3);
    const a = load<f64>(at), b = load<f64>(at, 8), c = load<f64>(at, 16);
    store<f64>(alpha + (<usize>r << 3), max(min(a, b), min(max(a, b), c)));
  }
}
