// Preconditioned conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1)
// for the symmetric positive definite stencil system of assembly/stencil.ts, in its flexible form
// (Notay 2000): the new direction is made A-orthogonal to the last one explicitly, beta = -z.Ap / p.Ap,
// which equals the usual r.z ratio for a fixed preconditioner and stays right for the K-cycle's.
// The engine runs it in slices (pcgStart, then pcgIterate repeatedly) so that it can report progress
// and honour cancellation.
//
// system (i32 fields): [0] rows [1] half [2] columns [3] values [4] diagonal
//                      [5] preconditioner: 0 Jacobi, 1 multigrid
//                      [6] Jacobi: inverse diagonal (f64) / multigrid: the hierarchy of assembly/aggregation.ts
// Vectors hold rows + 1 f64 (the last, for the dummy unknown, stays 0).
// state (f64): [0] r.z  [1] |b|  [2] |r|  [3] 1 once r.z <= 0 showed the preconditioner is not positive definite

import { dot, axpy, xpay, multiply } from "./vector";
import { stencilMultiply } from "./stencil";
import { aggregationApply } from "./cycle";

export const PRECONDITIONER_JACOBI: i32 = 0;
export const PRECONDITIONER_MULTIGRID: i32 = 1;

@inline
function field(system: usize, index: i32): i32 {
  return load<i32>(system + (<usize>index << 2));
}

function applyMatrix(system: usize, x: usize, y: usize): void {
  stencilMultiply(field(system, 0), field(system, 1), field(system, 2), field(system, 3), field(system, 4), x, y);
}

function precondition(system: usize, r: usize, z: usize): void {
  const rows = field(system, 0);
  if (field(system, 5) == PRECONDITIONER_MULTIGRID) {
    aggregationApply(<usize>field(system, 6), r, z);
  } else {
    multiply(field(system, 6), r, z, rows + 1);
  }
}

/** inverseDiagonal = 1 / diagonal, the Jacobi preconditioner (rows + 1 entries, the last 0). */
export function jacobiSetup(diagonal: usize, rows: i32, inverseDiagonal: usize): void {
  for (let i = 0; i < rows; i++) {
    const o = <usize>i << 3;
    store<f64>(inverseDiagonal + o, 1.0 / load<f64>(diagonal + o));
  }
  store<f64>(inverseDiagonal + (<usize>rows << 3), 0);
}

/** r = b - A x, z = M^-1 r, p = z. Returns |r| / |b| (|r| when b = 0). */
export function pcgStart(system: usize, b: usize, x: usize, r: usize, z: usize, p: usize, state: usize): f64 {
  const n = field(system, 0) + 1;
  applyMatrix(system, x, r);
  xpay(b, -1.0, r, n);
  precondition(system, r, z);
  memory.copy(p, z, <usize>n << 3);
  const bNorm = Math.sqrt(dot(b, b, n));
  const rNorm = Math.sqrt(dot(r, r, n));
  store<f64>(state, dot(r, z, n));
  store<f64>(state, bNorm, 8);
  store<f64>(state, rNorm, 16);
  store<f64>(state, rNorm > 0 && !(load<f64>(state) > 0) ? 1.0 : 0.0, 24);
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}

/**
 * Up to maxSteps iterations; stops early once |r| <= tolerance |b|.
 * Returns the number of iterations run; the residual is left in state[2].
 */
export function pcgIterate(
  system: usize, x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64
): i32 {
  const n = field(system, 0) + 1;
  let rz = load<f64>(state);
  const bNorm = load<f64>(state, 8);
  let rNorm = load<f64>(state, 16);
  const target = tolerance * bNorm;
  let steps = 0;
  while (steps < maxSteps && rNorm > target && load<f64>(state, 24) == 0) {
    applyMatrix(system, p, q);
    const pq = dot(p, q, n);
    // A is positive definite, so pq > 0 until p vanishes in rounding; stop rather than divide by it.
    if (!(pq > 0)) break;
    const step = rz / pq;
    axpy(step, p, x, n);
    axpy(-step, q, r, n);
    rNorm = Math.sqrt(dot(r, r, n));
    steps++;
    if (rNorm <= target) break;
    precondition(system, r, z);
    const rzNext = dot(r, z, n);
    if (!(rzNext > 0)) {
      store<f64>(state, 1.0, 24);
      break;
    }
    xpay(z, -dot(z, q, n) / pq, p, n);
    rz = rzNext;
  }
  store<f64>(state, rz);
  store<f64>(state, rNorm, 16);
  return steps;
}

