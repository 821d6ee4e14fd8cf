// pymatting's linear system for Laplacian methods (make_linear_system): A = L + lambda C over every pixel,
// C = diag(1 on known pixels), b = lambda on foreground pixels. The trimap is a penalty, so known pixels
// move too, but only near the unknown region: a known pixel's row is dominated by lambda (100 against row
// sums of at most a few units), so its deviation from the trimap shrinks by that ratio with every stencil
// reach away from the unknowns. The system is therefore solved over the unknown pixels and a band of known
// pixels around them; pixels beyond the band keep their trimap value and enter the right-hand side.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";

/**
 * freeIndex[i] = rank, in raster order, of pixel i among the pixels within Chebyshev distance `band` of an
 * unknown pixel (the system's rows), or -1. `scratch` holds one i32 per pixel. Returns the count.
 */
export function indexBand(labels: usize, width: i32, height: i32, band: i32, scratch: usize, freeIndex: usize): i32 {
  // Pass 1, along rows: scratch[i] = 1 where an unknown lies within `band` columns.
  for (let y = 0; y < height; y++) {
    const row = <usize>(y * width);
    let lastUnknown = -band - 1;
    for (let x = 0; x < width; x++) {
      if (load<u8>(labels + row + <usize>x) == LABEL_UNKNOWN) lastUnknown = x;
      store<i32>(scratch + ((row + <usize>x) << 2), x - lastUnknown <= band ? 1 : 0);
    }
    lastUnknown = width + band;
    for (let x = width - 1; x >= 0; x--) {
      if (load<u8>(labels + row + <usize>x) == LABEL_UNKNOWN) lastUnknown = x;
      if (lastUnknown - x <= band) store<i32>(scratch + ((row + <usize>x) << 2), 1);
    }
  }
  // Pass 2, along columns of pass 1, then numbering in raster order.
  for (let x = 0; x < width; x++) {
    let lastMarked = -band - 1;
    for (let y = 0; y < height; y++) {
      const i = <usize>(y * width + x);
      if (load<i32>(scratch + (i << 2)) == 1) lastMarked = y;
      store<i32>(freeIndex + (i << 2), y - lastMarked <= band ? 0 : -1);
    }
    lastMarked = height + band;
    for (let y = height - 1; y >= 0; y--) {
      const i = <usize>(y * width + x);
      if (load<i32>(scratch + (i << 2)) == 1) lastMarked = y;
      if (lastMarked - y <= band) store<i32>(freeIndex + (i << 2), 0);
    }
  }
  const pixels = width * height;
  let count = 0;
  for (let i = 0; i < pixels; i++) {
    const at = freeIndex + (<usize>i << 2);
    if (load<i32>(at) == 0) store<i32>(at, count++);
  }
  return count;
}

/** penalty[i] = lambda on known pixels, else 0; rhs[i] = lambda on foreground pixels, else 0 (f64 each). */
export function penaltyTerms(labels: usize, pixels: i32, lambda: f64, penalty: usize, rhs: usize): void {
  for (let i = 0; i < pixels; i++) {
    const label = load<u8>(labels + <usize>i);
    store<f64>(penalty + (<usize>i << 3), label == LABEL_UNKNOWN ? 0.0 : lambda);
    store<f64>(rhs + (<usize>i << 3), label == LABEL_FOREGROUND ? lambda : 0.0);
  }
}
