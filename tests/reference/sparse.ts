// Plain twins of assembly/solve/: a sparse SPD matrix as (row, column, value) triples with its diagonal,
// densified, and the symmetric Gauss-Seidel preconditioner applied by dense forward and backward sweeps.
import { type DenseMatrix, denseMatrix } from "./dense.js";

export interface Triples {
  size: number;
  /** Off-diagonal entries; a (row, column) pair may repeat (they add up). */
  rows: number[];
  columns: number[];
  values: number[];
  diagonal: Float64Array;
}

export function densify(t: Triples): DenseMatrix {
  const m = denseMatrix(t.size);
  for (let i = 0; i < t.size; i++) m.entries[i * t.size + i] = t.diagonal[i];
  t.rows.forEach((row, k) => (m.entries[row * t.size + t.columns[k]] += t.values[k]));
  return m;
}

/** z = M^-1 r with M = (D + L) D^-1 (D + U) (SSOR, omega 1). */
export function symmetricGaussSeidel(m: DenseMatrix, r: ArrayLike<number>): Float64Array {
  const n = m.size, a = m.entries;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = r[i];
    for (let j = 0; j < i; j++) sum -= a[i * n + j] * y[j];
    y[i] = sum / a[i * n + i];
  }
  const z = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = a[i * n + i] * y[i];
    for (let j = i + 1; j < n; j++) sum -= a[i * n + j] * z[j];
    z[i] = sum / a[i * n + i];
  }
  return z;
}
