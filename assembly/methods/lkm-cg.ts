// Jacobi-preconditioned conjugate gradients (assembly/solve/jacobi-cg.ts)
// on the matrix-free large-kernel system of methods/lkm.ts, over all pixels; the engine runs it in slices
// (lkmCgStart, then lkmCgIterate repeatedly) to report progress and honour cancellation.
//
// operator (i32 fields): [0] windows [1] width [2] height [3] radius [4] penalty (f64 per pixel)
//                        [5] scratch (lkmScratchBytes, as lkmSetup left it) [6] inverse diagonal (f64 per pixel)
// state (f64): [0] r.z  [1] |b|  [2] |r|

import { jacobiCgIterate, jacobiCgStart } from "../solve/jacobi-cg";
import { field, pointerField } from "../record";
import { lkmProduct } from "./lkm-product";

@inline
function pixelsOf(operator: usize): i32 {
  return field(operator, 1) * field(operator, 2);
}

function apply(operator: usize, p: usize, out: usize): void {
  lkmProduct(pointerField(operator, 0), field(operator, 1), field(operator, 2), field(operator, 3),
    pointerField(operator, 4), p, out, pointerField(operator, 5));
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
  return jacobiCgStart(apply, operator, pixelsOf(operator), pointerField(operator, 6), b, x, r, z, p, state);
}

/** Up to maxSteps iterations; stops early once |r| <= tolerance |b|. Returns the iterations run. */
export function lkmCgIterate(operator: usize, x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64): i32 {
  return jacobiCgIterate(apply, operator, pixelsOf(operator), pointerField(operator, 6), x, r, z, p, q, state, maxSteps, tolerance);
}
