// The combined method's vote: per unknown pixel, the weighted median of three mattes, information flow (slot 0)
// counted twice, shared matting and closed-form once each. Each method hands back its own row order (its unknownIndex); the mattes are gathered into one
// pixel-ordered table of three clamped alphas per unknown pixel first. Then pixels whose colour no known pixel
// shows move toward closed-form (slot 2) by how far that colour lies from the nearest known one.

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

/**
 * alpha[r] = (a + median(a, b, c)) / 2 with a, b, c = mattes[3 r], mattes[3 r + 1], mattes[3 r + 2]: the median of
 * the four votes a, a, b, c (the midpoint of the two middle ones). a stays where b and c lie on either side of it,
 * and moves halfway to the nearer of them where both lie on one side.
 */
export function weightedMedianVote(rows: i32, mattes: usize, alpha: usize): void {
  for (let r = 0; r < rows; r++) {
    const at = mattes + (<usize>(3 * r) << 3);
    const a = load<f64>(at), b = load<f64>(at, 8), c = load<f64>(at, 16);
    const median = max(min(a, b), min(max(a, b), c));
    store<f64>(alpha + (<usize>r << 3), 0.5 * (a + median));
  }
}

/** The pixels not labelled unknown, in raster order, into `out` (i32). Returns their count. */
export function listKnownPixels(labels: usize, pixels: i32, out: usize): i32 {
  let count = 0;
  for (let p = 0; p < pixels; p++) {
    if (load<u8>(labels + <usize>p) == LABEL_UNKNOWN) continue;
    store<i32>(out + (<usize>count << 2), p);
    count++;
  }
  return count;
}

/**
 * alpha[r] += w (c - alpha[r]) with c = mattes[3 r + 2] (closed-form) and w = min(scale sqrt(distances[r]), 1):
 * distances[r] is the squared RGB distance from the r-th unknown pixel's colour to the nearest known pixel's.
 */
export function towardClosedForm(rows: i32, mattes: usize, distances: usize, scale: f64, alpha: usize): void {
  for (let r = 0; r < rows; r++) {
    const w = min(scale * Math.sqrt(load<f64>(distances + (<usize>r << 3))), 1.0);
    const at = alpha + (<usize>r << 3);
    const a = load<f64>(at);
    store<f64>(at, a + w * (load<f64>(mattes + (<usize>(3 * r + 2) << 3)) - a));
  }
}
