// Preconditioners for the sparse SPD matrices of assembly/solve/sparse.ts.
//
// Jacobi: z = D^-1 r.
// Symmetric Gauss-Seidel (SSOR with omega = 1; Saad, Iterative Methods for Sparse Linear Systems, sec. 10.2):
// M = (D + L) D^-1 (D + U), applied as a forward sweep (D + L) y = r and a backward sweep (D + U) z = D y.
// Both sweeps together read each off-diagonal entry once, so one application costs about one product.

import { field, pointerField } from "../record";
import { multiply } from "../vector";
import { matrixRows } from "./sparse";

export const SPARSE_JACOBI: i32 = 0;
export const SPARSE_SYMMETRIC_GAUSS_SEIDEL: i32 = 1;

/** matrix fields [6] preconditioner (SPARSE_*), [7] inverse diagonal (f64, rows). */
export function sparsePreconditionerSetup(matrix: usize, kind: i32, inverseDiagonal: usize): void {
  const rows = matrixRows(matrix), diagonal = pointerField(matrix, 4);
  for (let i = 0; i < rows; i++) {
    const o = <usize>i << 3;
    store<f64>(inverseDiagonal + o, 1.0 / load<f64>(diagonal + o));
  }
  store<i32>(matrix + 24, kind);
  store<i32>(matrix + 28, <i32>inverseDiagonal);
}

function symmetricGaussSeidel(matrix: usize, r: usize, z: usize): void {
  const rows = matrixRows(matrix);
  const rowStart = pointerField(matrix, 1), columns = pointerField(matrix, 2), values = pointerField(matrix, 3);
  const diagonal = pointerField(matrix, 4), rowSplit = pointerField(matrix, 5), inverseDiagonal = pointerField(matrix, 7);
  // Forward: z_i = (r_i - sum_{j<i} a_ij z_j) / d_i.
  for (let i = 0; i < rows; i++) {
    const split = load<i32>(rowSplit + (<usize>i << 2));
    let sum = load<f64>(r + (<usize>i << 3));
    for (let k = load<i32>(rowStart + (<usize>i << 2)); k < split; k++) {
      sum -= load<f64>(values + (<usize>k << 3)) * load<f64>(z + (<usize>load<i32>(columns + (<usize>k << 2)) << 3));
    }
    store<f64>(z + (<usize>i << 3), sum * load<f64>(inverseDiagonal + (<usize>i << 3)));
  }
  // Backward: z_i = (d_i y_i - sum_{j>i} a_ij z_j) / d_i, with y held in z.
  for (let i = rows - 1; i >= 0; i--) {
    const end = load<i32>(rowStart + (<usize>(i + 1) << 2));
    let sum = load<f64>(diagonal + (<usize>i << 3)) * load<f64>(z + (<usize>i << 3));
    for (let k = load<i32>(rowSplit + (<usize>i << 2)); k < end; k++) {
      sum -= load<f64>(values + (<usize>k << 3)) * load<f64>(z + (<usize>load<i32>(columns + (<usize>k << 2)) << 3));
    }
    store<f64>(z + (<usize>i << 3), sum * load<f64>(inverseDiagonal + (<usize>i << 3)));
  }
}

/** z = M^-1 r. */
export function sparsePrecondition(matrix: usize, r: usize, z: usize): void {
  if (field(matrix, 6) == SPARSE_SYMMETRIC_GAUSS_SEIDEL) symmetricGaussSeidel(matrix, r, z);
  else multiply(pointerField(matrix, 7), r, z, matrixRows(matrix));
}
