// Jacobi-preconditioned conjugate gradients (assembly/solve/jacobi-cg.ts) on KNN matting's system without forming
// its matrix: the product reads the lists of rows that knnSystem
// (assembly/methods/knn.ts) left in the neighbour lists, and each edge r -> c of weight w subtracts w x_c from
// y_r and w x_r from y_c, so that the product is (D - W + lambda D C) x with W = K + K^T. With the binary kernel the
// edges are laid out as compressed rows instead, each in both its rows, repeats summed into one entry carrying their
// count (knnEdgeFill, knnMergeRows): the product then only reads, row after row. The engine runs it in
// slices (knnCgStart, then knnCgIterate repeatedly) to report progress and honour cancellation.
//
// operator (i32 fields): [0] rows [1] sets (assembly/methods/knn.ts) [2] diagonal (f64, rows) [3] inverse diagonal
//                        [4] rowStart (i32, rows + 1) and [5] columns of the binary kernel's compressed rows, or 0, 0
// state (f64): [0] r.z  [1] |b|  [2] |r|

import { multiply } from "../vector";
import { jacobiCgIterate, jacobiCgStart } from "../solve/jacobi-cg";
import { field, pointerField } from "../record";
import { ROW_BITS, ROW_MASK } from "./knn";

/** inverse[r] = 1 / diagonal[r]: pymatting's Jacobi preconditioner. */
export function knnJacobi(diagonal: usize, rows: i32, inverse: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r << 3;
    store<f64>(inverse + o, 1.0 / load<f64>(diagonal + o));
  }
}

/** y = A x over all rows of the operator. */
export function knnProduct(operator: usize, x: usize, y: usize): void {
  if (field(operator, 4) != 0) compressedProduct(operator, x, y);
  else listProduct(operator, x, y);
}

/** y_r = a_rr x_r - sum of m x_c over row r's entries (column c, count m). */
function compressedProduct(operator: usize, x: usize, y: usize): void {
  const rows = field(operator, 0), diagonal = pointerField(operator, 2);
  const rowStart = pointerField(operator, 4), columns = pointerField(operator, 5);
  let at = load<i32>(rowStart);
  for (let r = 0; r < rows; r++) {
    const end = load<i32>(rowStart + (<usize>(r + 1) << 2));
    let sum = 0.0;
    for (; at < end; at++) {
      const entry = load<i32>(columns + (<usize>at << 2));
      sum += <f64>((entry >>> ROW_BITS) + 1) * load<f64>(x + (<usize>(entry & ROW_MASK) << 3));
    }
    store<f64>(y + (<usize>r << 3), load<f64>(diagonal + (<usize>r << 3)) * load<f64>(x + (<usize>r << 3)) - sum);
  }
}

/** The product from the lists (the soft kernel's; the binary kernel's before they are compressed), each edge added to both its rows. */
function listProduct(operator: usize, x: usize, y: usize): void {
  const rows = field(operator, 0), sets = pointerField(operator, 1);
  multiply(pointerField(operator, 2), x, y, rows);
  const count = field(sets, 0);
  for (let s = 0; s < count; s++) {
    const k = field(sets, 1 + 3 * s), lists = pointerField(sets, 2 + 3 * s), weights = pointerField(sets, 3 + 3 * s);
    for (let r = 0; r < rows; r++) {
      const xr = load<f64>(x + (<usize>r << 3));
      const list = lists + (<usize>(r * k) << 2);
      let sum = 0.0;
      if (weights == 0) {
        for (let e = 0; e < k; e++) {
          const c = load<i32>(list + (<usize>e << 2));
          if (c < 0) continue;
          const yc = y + (<usize>c << 3);
          sum += load<f64>(x + (<usize>c << 3));
          store<f64>(yc, load<f64>(yc) - xr);
        }
      } else {
        const w = weights + (<usize>(r * k) << 2);
        for (let e = 0; e < k; e++) {
          const c = load<i32>(list + (<usize>e << 2));
          if (c < 0) continue;
          const weight = <f64>load<f32>(w + (<usize>e << 2));
          const yc = y + (<usize>c << 3);
          sum += weight * load<f64>(x + (<usize>c << 3));
          store<f64>(yc, load<f64>(yc) - weight * xr);
        }
      }
      const yr = y + (<usize>r << 3);
      store<f64>(yr, load<f64>(yr) - sum);
    }
  }
}

/** r = b - A x, z = M^-1 r, p = z. Returns |r| / |b| (|r| when b = 0). */
export function knnCgStart(operator: usize, b: usize, x: usize, r: usize, z: usize, p: usize, state: usize): f64 {
  return jacobiCgStart(knnProduct, operator, field(operator, 0), pointerField(operator, 3), b, x, r, z, p, state);
}

/** Up to maxSteps iterations; stops early once |r| <= tolerance |b|. Returns the iterations run; |r| is left in state[2]. */
export function knnCgIterate(operator: usize, x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64): i32 {
  return jacobiCgIterate(knnProduct, operator, field(operator, 0), pointerField(operator, 3), x, r, z, p, q, state, maxSteps, tolerance);
}
