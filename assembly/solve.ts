// Preconditioned conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1)
// for the symmetric positive definite system A x = b, here with the Jacobi preconditioner.
// The engine runs it in slices (pcgStart, then pcgIterate repeatedly) so that it can report progress
// and honour cancellation between slices. Solver scalars live in `state` (f64):
//   [0] r.z   [1] |b|   [2] |r|

import { dot, axpy, xpay, multiply } from "./vector";
import { csrMultiply } from "./sparse";

/** inverseDiagonal = 1 / diagonal, the Jacobi preconditioner. */
export function jacobiSetup(diagonal: usize, rows: i32, inverseDiagonal: usize): void {
  for (let i = 0; i < rows; i++) {
    const o = <usize>i << 3;
    store<f64>(inverseDiagonal + o, 1.0 / load<f64>(diagonal + o));
  }
}

/** r = b - A x, z = M^-1 r, p = z. Returns |r| / |b| (0 when b = 0 and x solves it). */
export function pcgStart(
  rows: i32, rowStart: usize, columns: usize, values: usize, inverseDiagonal: usize,
  b: usize, x: usize, r: usize, z: usize, p: usize, state: usize
): f64 {
  csrMultiply(rows, rowStart, columns, values, x, r);
  xpay(b, -1.0, r, rows);
  multiply(inverseDiagonal, r, z, rows);
  memory.copy(p, z, <usize>rows << 3);
  const bNorm = Math.sqrt(dot(b, b, rows));
  const rNorm = Math.sqrt(dot(r, r, rows));
  store<f64>(state, dot(r, z, rows));
  store<f64>(state, bNorm, 8);
  store<f64>(state, rNorm, 16);
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}

/**
 * Up to maxSteps iterations; stops early once |r| <= tolerance |b|.
 * Returns the number of iterations run; the residual is left in state[2].
 */
export function pcgIterate(
  rows: i32, rowStart: usize, columns: usize, values: usize, inverseDiagonal: usize,
  x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64
): i32 {
  let rz = load<f64>(state);
  const bNorm = load<f64>(state, 8);
  let rNorm = load<f64>(state, 16);
  const target = tolerance * bNorm;
  let steps = 0;
  while (steps < maxSteps && rNorm > target) {
    csrMultiply(rows, rowStart, columns, values, p, q);
    const pq = dot(p, q, rows);
    // A is positive definite, so pq > 0 until p vanishes in rounding; stop rather than divide by it.
    if (!(pq > 0)) break;
    const step = rz / pq;
    axpy(step, p, x, rows);
    axpy(-step, q, r, rows);
    rNorm = Math.sqrt(dot(r, r, rows));
    steps++;
    if (rNorm <= target) break;
    multiply(inverseDiagonal, r, z, rows);
    const rzNext = dot(r, z, rows);
    xpay(z, rzNext / rz, p, rows);
    rz = rzNext;
  }
  store<f64>(state, rz);
  store<f64>(state, rNorm, 16);
  return steps;
}
