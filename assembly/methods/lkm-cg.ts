// Jacobi-preconditioned conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1)
// on the matrix-free large-kernel system of methods/lkm.ts, over all pixels; the engine runs it in slices
// (lkmCgStart, then lkmCgIterate repeatedly) to report progress and honour cancellation.
//
// operator (i32 fields): [0] image [1] windows [2] width [3] height [4] radius [5] penalty (f64 per pixel)
//                        [6] scratch (lkmScratchBytes) [7] inverse diagonal (f64 per pixel)
// state (f64): [0] r.z  [1] |b|  [2] |r|

import { dot, axpy, xpay, multiply } from "../vector";
import { field, pointerField } from "../record";
import { lkmProduct } from "./lkm";

@inline
function pixelsOf(operator: usize): i32 {
  return field(operator, 2) * field(operator, 3);
}

function apply(operator: usize, p: usize, out: usize): void {
  lkmProduct(pointerField(operator, 0), pointerField(operator, 1), field(operator, 2), field(operator, 3), field(operator, 4),
    pointerField(operator, 5), p, out, pointerField(operator, 6));
}

/** inverse = 1 / (diagonal + penalty), the Jacobi preconditioner pymatting uses. */
export function lkmJacobi(diagonal: usize, penalty: usize, pixels: i32, inverse: usize): void {
  for (let i = 0; i < pixels; i++) {
    const o = <usize>i << 3;
    store<f64>(inverse + o, 1.0 / (load<f64>(diagonal + o) + load<f64>(penalty + o)));
  }
}

/** r = b - A x, z = M^-1 r, p = z. Returns |r| / |b| (|r| when b = 0). */
export function lkmCgStart(operator: usize, b: usize, x: usize, r: usize, z: usize, p: usize, state: usize): f64 {
  const count = pixelsOf(operator);
  apply(operator, x, r);
  xpay(b, -1.0, r, count);
  multiply(pointerField(operator, 7), r, z, count);
  memory.copy(p, z, <usize>count << 3);
  const bNorm = Math.sqrt(dot(b, b, count)), rNorm = Math.sqrt(dot(r, r, count));
  store<f64>(state, dot(r, z, count));
  store<f64>(state, bNorm, 8);
  store<f64>(state, rNorm, 16);
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}

/** Up to maxSteps iterations; stops early once |r| <= tolerance |b|. Returns the iterations run. */
export function lkmCgIterate(operator: usize, x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64): i32 {
  const count = pixelsOf(operator);
  const inverse = pointerField(operator, 7);
  let rz = load<f64>(state);
  let rNorm = load<f64>(state, 16);
  const target = tolerance * load<f64>(state, 8);
  let steps = 0;
  while (steps < maxSteps && rNorm > target) {
    apply(operator, p, q);
    const pq = dot(p, q, count);
    // A is positive definite, so pq > 0 until p vanishes in rounding; stop rather than divide by it.
    if (!(pq > 0)) break;
    const step = rz / pq;
    axpy(step, p, x, count);
    axpy(-step, q, r, count);
    rNorm = Math.sqrt(dot(r, r, count));
    steps++;
    if (rNorm <= target) break;
    multiply(inverse, r, z, count);
    const rzNext = dot(r, z, count);
    xpay(z, rzNext / rz, p, count);
    rz = rzNext;
  }
  store<f64>(state, rz);
  store<f64>(state, rNorm, 16);
  return steps;
}
