// A sparse symmetric positive definite matrix for any method's system: the diagonal apart, the off-diagonal
// entries of every row (both triangles) in compressed sparse rows, each row's columns ascending, so that a
// row splits into its lower and upper part at `rowSplit`.
//
// matrix (i32 fields): [0] rows [1] rowStart (i32, rows + 1) [2] columns (i32) [3] values (f64)
//                      [4] diagonal (f64, rows) [5] rowSplit (i32, rows: first entry of the row right of the diagonal)

import { field, pointerField } from "../record";

@inline export function matrixRows(matrix: usize): i32 {
  return field(matrix, 0);
}

/** y = A x over rows [lo, hi). */
export function sparseProduct(matrix: usize, x: usize, y: usize, lo: i32, hi: i32): void {
  const rowStart = pointerField(matrix, 1), columns = pointerField(matrix, 2), values = pointerField(matrix, 3);
  const diagonal = pointerField(matrix, 4);
  let k = load<i32>(rowStart + (<usize>lo << 2));
  for (let i = lo; i < hi; i++) {
    const end = load<i32>(rowStart + (<usize>(i + 1) << 2));
    let sum = load<f64>(diagonal + (<usize>i << 3)) * load<f64>(x + (<usize>i << 3));
    for (; k < end; k++) {
      sum += load<f64>(values + (<usize>k << 3)) * load<f64>(x + (<usize>load<i32>(columns + (<usize>k << 2)) << 3));
    }
    store<f64>(y + (<usize>i << 3), sum);
  }
}

/** rowSplit[i] = the first entry of row i whose column exceeds i (rows sorted by column). */
export function sparseRowSplits(matrix: usize): void {
  const rows = matrixRows(matrix);
  const rowStart = pointerField(matrix, 1), columns = pointerField(matrix, 2), rowSplit = pointerField(matrix, 5);
  for (let i = 0; i < rows; i++) {
    let k = load<i32>(rowStart + (<usize>i << 2));
    const end = load<i32>(rowStart + (<usize>(i + 1) << 2));
    while (k < end && load<i32>(columns + (<usize>k << 2)) < i) k++;
    store<i32>(rowSplit + (<usize>i << 2), k);
  }
}

/**
 * Sorts each row's entries by column and sums entries of equal column into one, in place; rowStart is rewritten
 * for the shorter rows. Returns the number of entries left. Rows are short (tens of entries): insertion sort.
 */
export function sparseSortRows(rows: i32, rowStart: usize, columns: usize, values: usize): i32 {
  let out = 0;
  let start = load<i32>(rowStart);
  for (let i = 0; i < rows; i++) {
    const end = load<i32>(rowStart + (<usize>(i + 1) << 2));
    for (let a = start + 1; a < end; a++) {
      const column = load<i32>(columns + (<usize>a << 2));
      const value = load<f64>(values + (<usize>a << 3));
      let b = a - 1;
      while (b >= start && load<i32>(columns + (<usize>b << 2)) > column) {
        store<i32>(columns + (<usize>(b + 1) << 2), load<i32>(columns + (<usize>b << 2)));
        store<f64>(values + (<usize>(b + 1) << 3), load<f64>(values + (<usize>b << 3)));
        b--;
      }
      store<i32>(columns + (<usize>(b + 1) << 2), column);
      store<f64>(values + (<usize>(b + 1) << 3), value);
    }
    const rowOut = out;
    for (let a = start; a < end; a++) {
      const column = load<i32>(columns + (<usize>a << 2));
      const value = load<f64>(values + (<usize>a << 3));
      if (out > rowOut && load<i32>(columns + (<usize>(out - 1) << 2)) == column) {
        store<f64>(values + (<usize>(out - 1) << 3), load<f64>(values + (<usize>(out - 1) << 3)) + value);
      } else {
        store<i32>(columns + (<usize>out << 2), column);
        store<f64>(values + (<usize>out << 3), value);
        out++;
      }
    }
    store<i32>(rowStart + (<usize>i << 2), rowOut);
    start = end;
  }
  store<i32>(rowStart + (<usize>rows << 2), out);
  return out;
}

/** rowStart[0..rows] from counts held in rowStart[1..rows]: rowStart[0] = 0, then running sums. Returns the total. */
export function sparseRowStarts(rows: i32, rowStart: usize): i32 {
  let total = 0;
  store<i32>(rowStart, 0);
  for (let i = 1; i <= rows; i++) {
    total += load<i32>(rowStart + (<usize>i << 2));
    store<i32>(rowStart + (<usize>i << 2), total);
  }
  return total;
}
