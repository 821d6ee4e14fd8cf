// Dense direct solve for the oracle tests: Gaussian elimination with partial pivoting, f64.
// O(n^3) time and n^2 memory; fine up to a couple of thousand unknowns.

/** A dense n x n matrix stored row by row. */
export interface DenseMatrix {
  size: number;
  entries: Float64Array;
}

export function denseMatrix(size: number): DenseMatrix {
  return { size, entries: new Float64Array(size * size) };
}

/** Solves A x = b. A and b are left untouched. Throws if A is singular to working precision. */
export function solveDense(matrix: DenseMatrix, rhs: ArrayLike<number>): Float64Array {
  const n = matrix.size;
  const a = matrix.entries.slice();
  const x = Float64Array.from(rhs);
  for (let column = 0; column < n; column++) {
    let pivotRow = column;
    for (let row = column + 1; row < n; row++) {
      if (Math.abs(a[row * n + column]) > Math.abs(a[pivotRow * n + column])) pivotRow = row;
    }
    const pivot = a[pivotRow * n + column];
    if (pivot === 0 || !Number.isFinite(pivot)) throw new Error(`singular matrix at column ${column}`);
    if (pivotRow !== column) {
      for (let k = 0; k < n; k++) {
        const t = a[column * n + k];
        a[column * n + k] = a[pivotRow * n + k];
        a[pivotRow * n + k] = t;
      }
      const t = x[column];
      x[column] = x[pivotRow];
      x[pivotRow] = t;
    }
    for (let row = column + 1; row < n; row++) {
      const factor = a[row * n + column] / pivot;
      if (factor === 0) continue;
      for (let k = column; k < n; k++) a[row * n + k] -= factor * a[column * n + k];
      x[row] -= factor * x[column];
    }
  }
  for (let row = n - 1; row >= 0; row--) {
    let sum = x[row];
    for (let k = row + 1; k < n; k++) sum -= a[row * n + k] * x[k];
    x[row] = sum / a[row * n + row];
  }
  return x;
}
