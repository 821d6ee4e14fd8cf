// pymatting's "make_linear_system" (Germer et al., pymatting, laplacian.py): from a matting Laplacian L over
// all pixels, A = L + lambda C, b = lambda [pixel is foreground], with C the diagonal of known pixels. Known
// pixels are not pinned, only pulled towards 0 or 1 with weight lambda, so they move a little (about 1/lambda
// of their neighbours' pull), and so does alpha of the unknown pixels next to them.
//
// Solving for every pixel is wasteful: a known pixel h graph hops from the unknown ones moves by about
// (1 / lambda)^h. The system is restricted to the unknown pixels and the known ones within `hops` hops; the
// others are fixed at their trimap value and their couplings move to the right-hand side. With lambda 100 and
// one hop, alpha of the unknown pixels moves by about 1e-7 against the whole system (pymatting's knn, GT01).
//
// A row-normalised Laplacian L = I - D^-1 W (pymatting's knn) is not symmetric; D L = D - W is, and
// D (L + lambda C) x = D b has the same solution. So each row's constraint weight is lambda times `rowScale`
// (the row sums d, or 1 where L is symmetric already), and so is its right-hand side.
//
// full (the layout of assembly/solve/sparse.ts, rows = pixels): L's off-diagonal entries and diagonal.
// labels: u8 per pixel (0 background, 1 foreground, 2 unknown, assembly/convert.ts).
// activeIndex: i32 per pixel, the pixel's row in the restricted system or -1.

import { pointerField } from "../record";
import { matrixRows } from "./sparse";

const UNKNOWN: u8 = 2;
const FOREGROUND: u8 = 1;

/**
 * Marks the unknown pixels and the known ones within `hops` hops of them (through L's entries) and numbers them
 * in pixel order into activeIndex. Returns how many there are.
 */
export function constrainedRows(full: usize, labels: usize, hops: i32, activeIndex: usize): i32 {
  const pixels = matrixRows(full);
  const rowStart = pointerField(full, 1), columns = pointerField(full, 2);
  // activeIndex first holds the hop at which a pixel was reached (-1: not yet).
  for (let p = 0; p < pixels; p++) store<i32>(activeIndex + (<usize>p << 2), load<u8>(labels + <usize>p) == UNKNOWN ? 0 : -1);
  for (let hop = 1; hop <= hops; hop++) {
    for (let p = 0; p < pixels; p++) {
      if (load<i32>(activeIndex + (<usize>p << 2)) != hop - 1) continue;
      const end = load<i32>(rowStart + (<usize>(p + 1) << 2));
      for (let k = load<i32>(rowStart + (<usize>p << 2)); k < end; k++) {
        const at = activeIndex + (<usize>load<i32>(columns + (<usize>k << 2)) << 2);
        if (load<i32>(at) < 0) store<i32>(at, hop);
      }
    }
  }
  let rows = 0;
  for (let p = 0; p < pixels; p++) {
    const at = activeIndex + (<usize>p << 2);
    store<i32>(at, load<i32>(at) >= 0 ? rows++ : -1);
  }
  return rows;
}

/** counts[row] = the off-diagonal entries of each active pixel's row that couple it to another active pixel. */
export function constrainedCounts(full: usize, activeIndex: usize, counts: usize): void {
  const pixels = matrixRows(full);
  const rowStart = pointerField(full, 1), columns = pointerField(full, 2);
  for (let p = 0; p < pixels; p++) {
    const row = load<i32>(activeIndex + (<usize>p << 2));
    if (row < 0) continue;
    let count = 0;
    const end = load<i32>(rowStart + (<usize>(p + 1) << 2));
    for (let k = load<i32>(rowStart + (<usize>p << 2)); k < end; k++) {
      if (load<i32>(activeIndex + (<usize>load<i32>(columns + (<usize>k << 2)) << 2)) >= 0) count++;
    }
    store<i32>(counts + (<usize>row << 2), count);
  }
}

@inline function trimapValue(labels: usize, p: i32): f64 {
  return load<u8>(labels + <usize>p) == FOREGROUND ? 1.0 : 0.0;
}

/**
 * The restricted rows: entries between active pixels, diagonal L_pp + lambda s_p [p known], right-hand side
 * lambda s_p [p foreground] - sum over inactive q of L_pq [q foreground]. rowScale: f64 per pixel, or 0 for 1.
 */
export function constrainedFill(
  full: usize, activeIndex: usize, labels: usize, lambda: f64, rowScale: usize,
  cursor: usize, columns: usize, values: usize, diagonal: usize, rhs: usize,
): void {
  const pixels = matrixRows(full);
  const fullStart = pointerField(full, 1), fullColumns = pointerField(full, 2), fullValues = pointerField(full, 3);
  const fullDiagonal = pointerField(full, 4);
  for (let p = 0; p < pixels; p++) {
    const row = load<i32>(activeIndex + (<usize>p << 2));
    if (row < 0) continue;
    const label = load<u8>(labels + <usize>p);
    const weight = lambda * (rowScale == 0 ? 1.0 : load<f64>(rowScale + (<usize>p << 3)));
    let b = label == FOREGROUND ? weight : 0.0;
    let at = load<i32>(cursor + (<usize>row << 2));
    const end = load<i32>(fullStart + (<usize>(p + 1) << 2));
    for (let k = load<i32>(fullStart + (<usize>p << 2)); k < end; k++) {
      const q = load<i32>(fullColumns + (<usize>k << 2));
      const value = load<f64>(fullValues + (<usize>k << 3));
      const column = load<i32>(activeIndex + (<usize>q << 2));
      if (column >= 0) {
        store<i32>(columns + (<usize>at << 2), column);
        store<f64>(values + (<usize>at << 3), value);
        at++;
      } else {
        b -= value * trimapValue(labels, q);
      }
    }
    store<i32>(cursor + (<usize>row << 2), at);
    store<f64>(diagonal + (<usize>row << 3), load<f64>(fullDiagonal + (<usize>p << 3)) + (label == UNKNOWN ? 0.0 : weight));
    store<f64>(rhs + (<usize>row << 3), b);
  }
}
