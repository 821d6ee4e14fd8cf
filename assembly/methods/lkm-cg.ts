// Jacobi-preconditioned conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1, as
// assembly/solve/jacobi-cg.ts) on the matrix-free large-kernel system of methods/lkm.ts, over all pixels; the
// engine runs it in slices (lkmCgStart, then lkmCgIterate repeatedly) to report progress and honour
// cancellation. An iteration's vector work is fused into two sweeps besides the product (which returns p . q):
// x += a p, r -= a q with r . r and r . M^-1 r, then p = M^-1 r + beta p; z = M^-1 r is never stored. The
// sums run as two lanes (even and odd elements), in the SIMD build as f64x2 and in the scalar build the same
// way, so both give the same bits.
//
// operator (i32 fields): [0] windows [1] width [2] height [3] radius [4] penalty (f64 per pixel)
//                        [5] scratch (lkmScratchBytes, as lkmSetup left it) [6] inverse diagonal (f64 per pixel)
// state (f64): [0] r.z  [1] |b|  [2] |r|

import { jacobiCgStart } from "../solve/jacobi-cg";
import { field, pointerField } from "../record";
import { lkmProduct } from "./lkm-product";

@inline
function pixelsOf(operator: usize): i32 {
  return field(operator, 1) * field(operator, 2);
}

/** q = A p; returns p . q. */
function apply(operator: usize, p: usize, q: usize): f64 {
  return lkmProduct(pointerField(operator, 0), field(operator, 1), field(operator, 2), field(operator, 3),
    pointerField(operator, 4), p, q, pointerField(operator, 5));
}

function applyOnly(operator: usize, p: usize, q: usize): void {
  apply(operator, p, q);
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
  return jacobiCgStart(applyOnly, operator, pixelsOf(operator), pointerField(operator, 6), b, x, r, z, p, state);
}

/** Up to maxSteps iterations; stops early once |r| <= tolerance |b|. Returns the iterations run; |r| is left in state[2]. */
export function lkmCgIterate(operator: usize, x: usize, r: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64): i32 {
  const rows = pixelsOf(operator), inverse = pointerField(operator, 6);
  let rz = load<f64>(state);
  let rNorm = load<f64>(state, 16);
  const target = tolerance * load<f64>(state, 8);
  let steps = 0;
  while (steps < maxSteps && rNorm > target) {
    const pq = apply(operator, p, q);
    // A is positive definite, so pq > 0 until p vanishes in rounding; stop rather than divide by it.
    if (!(pq > 0)) break;
    const step = rz / pq;
    const rzNext = stepAndResidual(step, p, q, inverse, x, r, rows, state);
    rNorm = Math.sqrt(load<f64>(state, 16));
    steps++;
    if (rNorm <= target) break;
    nextDirection(inverse, r, rzNext / rz, p, rows);
    rz = rzNext;
  }
  store<f64>(state, rz);
  store<f64>(state, rNorm, 16);
  return steps;
}

/** x += step p, r -= step q; state[2] = r . r; returns r . M^-1 r. */
function stepAndResidual(step: f64, p: usize, q: usize, inverse: usize, x: usize, r: usize, rows: i32, state: usize): f64 {
  let i = 0;
  let rr = 0.0, rz = 0.0;
  if (ASC_FEATURE_SIMD) {
    const s = f64x2.splat(step);
    let rrLanes = f64x2.splat(0), rzLanes = f64x2.splat(0);
    for (; i + 2 <= rows; i += 2) {
      const o = <usize>i << 3;
      v128.store(x + o, f64x2.add(v128.load(x + o), f64x2.mul(s, v128.load(p + o))));
      const ri = f64x2.sub(v128.load(r + o), f64x2.mul(s, v128.load(q + o)));
      v128.store(r + o, ri);
      rrLanes = f64x2.add(rrLanes, f64x2.mul(ri, ri));
      rzLanes = f64x2.add(rzLanes, f64x2.mul(ri, f64x2.mul(v128.load(inverse + o), ri)));
    }
    rr = f64x2.extract_lane(rrLanes, 0) + f64x2.extract_lane(rrLanes, 1);
    rz = f64x2.extract_lane(rzLanes, 0) + f64x2.extract_lane(rzLanes, 1);
  } else {
    let rrEven = 0.0, rrOdd = 0.0, rzEven = 0.0, rzOdd = 0.0;
    for (; i + 2 <= rows; i += 2) {
      const o = <usize>i << 3;
      store<f64>(x + o, load<f64>(x + o) + step * load<f64>(p + o));
      store<f64>(x + o, load<f64>(x + o, 8) + step * load<f64>(p + o, 8), 8);
      const even = load<f64>(r + o) - step * load<f64>(q + o), odd = load<f64>(r + o, 8) - step * load<f64>(q + o, 8);
      store<f64>(r + o, even);
      store<f64>(r + o, odd, 8);
      rrEven += even * even; rrOdd += odd * odd;
      rzEven += even * (load<f64>(inverse + o) * even); rzOdd += odd * (load<f64>(inverse + o, 8) * odd);
    }
    rr = rrEven + rrOdd;
    rz = rzEven + rzOdd;
  }
  if (i < rows) {
    const o = <usize>i << 3;
    store<f64>(x + o, load<f64>(x + o) + step * load<f64>(p + o));
    const last = load<f64>(r + o) - step * load<f64>(q + o);
    store<f64>(r + o, last);
    rr += last * last;
    rz += last * (load<f64>(inverse + o) * last);
  }
  store<f64>(state, rr, 16);
  return rz;
}

/** p = M^-1 r + beta p. */
function nextDirection(inverse: usize, r: usize, beta: f64, p: usize, rows: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const b = f64x2.splat(beta);
    for (; i + 2 <= rows; i += 2) {
      const o = <usize>i << 3;
      v128.store(p + o, f64x2.add(f64x2.mul(v128.load(inverse + o), v128.load(r + o)), f64x2.mul(b, v128.load(p + o))));
    }
  }
  for (; i < rows; i++) {
    const o = <usize>i << 3;
    store<f64>(p + o, load<f64>(inverse + o) * load<f64>(r + o) + beta * load<f64>(p + o));
  }
}
