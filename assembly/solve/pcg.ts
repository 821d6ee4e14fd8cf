// Preconditioned conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1) for the sparse
// SPD matrices of assembly/solve/sparse.ts, run in slices by the engine (sparsePcgStart, then sparsePcgIterate
// repeatedly) so that it can report progress and honour cancellation.
//
// state (f64): [0] r.z  [1] |b|  [2] |r|  [3] 1 once r.z <= 0 (rounding broke the preconditioner's definiteness)

import { axpy, dot, xpay } from "../vector";
import { sparsePrecondition } from "./precondition";
import { matrixRows, sparseProduct } from "./sparse";

/** r = b - A x, z = M^-1 r, p = z. Returns |r| / |b| (|r| when b = 0). */
export function sparsePcgStart(matrix: usize, b: usize, x: usize, r: usize, z: usize, p: usize, state: usize): f64 {
  const rows = matrixRows(matrix);
  sparseProduct(matrix, x, r, 0, rows);
  xpay(b, -1.0, r, rows);
  sparsePrecondition(matrix, r, z);
  memory.copy(p, z, <usize>rows << 3);
  const bNorm = Math.sqrt(dot(b, b, rows)), rNorm = Math.sqrt(dot(r, r, rows)), rz = dot(r, z, rows);
  store<f64>(state, rz);
  store<f64>(state, bNorm, 8);
  store<f64>(state, rNorm, 16);
  store<f64>(state, rNorm > 0 && !(rz > 0) ? 1.0 : 0.0, 24);
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}

/** Up to maxSteps iterations; stops early once |r| <= tolerance |b|. Returns the iterations run; |r| is left in state[2]. */
export function sparsePcgIterate(matrix: usize, x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64): i32 {
  const rows = matrixRows(matrix);
  let rz = load<f64>(state);
  const bNorm = load<f64>(state, 8);
  let rNorm = load<f64>(state, 16);
  let indefinite = load<f64>(state, 24) != 0;
  const target = tolerance * bNorm;
  let steps = 0;
  while (steps < maxSteps && rNorm > target && !indefinite) {
    sparseProduct(matrix, p, q, 0, rows);
    const pq = dot(p, q, rows);
    // A is positive definite, so pq > 0 until p vanishes in rounding; stop rather than divide by it.
    if (!(pq > 0)) break;
    const step = rz / pq;
    axpy(step, p, x, rows);
    axpy(-step, q, r, rows);
    rNorm = Math.sqrt(dot(r, r, rows));
    steps++;
    if (rNorm <= target) break;
    sparsePrecondition(matrix, r, z);
    const rzNext = dot(r, z, rows);
    if (!(rzNext > 0)) {
      indefinite = true;
      break;
    }
    xpay(z, rzNext / rz, p, rows);
    rz = rzNext;
  }
  store<f64>(state, rz);
  store<f64>(state, rNorm, 16);
  store<f64>(state, indefinite ? 1.0 : 0.0, 24);
  return steps;
}
