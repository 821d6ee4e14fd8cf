// Information-flow matting's product y = A x (its rows in assembly/methods/ifm-product.ts) and its preconditioned
// conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1), on the system record of assembly/methods/ifm-system.ts, on one thread or on
// the engine's team (assembly/team.ts). The preconditioner (system field [19]): Jacobi, or Jacobi plus the coarse
// correction of assembly/methods/ifm-coarse.ts (field [20] its record) and, where that record holds them, the
// diagonal blocks of assembly/methods/ifm-blocks.ts in place of Jacobi, whose restriction, small dense solve and
// block solves thread 0 runs for all rows between two barriers.
//
// With threads every thread makes the same call with its own context and takes the rows [4][t]..[4][t + 1]. A row
// gathers its own stored entries and scatters their mirror images into rows anywhere, so each thread scatters into
// a buffer of its own ([5], zero between products); after a barrier each thread adds every buffer's entries for its
// rows (in thread order, so that the sums do not depend on timing) and zeroes them. Reductions give all threads the
// same dot products, so all take the same path through the loop; thread 0 writes the state.
// state (f64): [0] r.z  [1] |b|  [2] |r|

import { ifmBlockSolve } from "./ifm-blocks";
import { ifmCoarseProlong, ifmCoarseRestrictSolve } from "./ifm-coarse";
import { ifmMultiplyRows } from "./ifm-product";
import { residualAfterProduct, writeStartState } from "../residual";
import { field, pointerField } from "../record";
import { barrier, contribute, rangeEnd, rangeStart, reduce, threadIndex, threads, total } from "../team";
import { axpy, dot, multiply, xpay } from "../vector";

@inline
function firstRow(system: usize, context: usize): i32 {
  return rangeStart(context, pointerField(system, 4));
}

@inline
function endRow(system: usize, context: usize): i32 {
  return rangeEnd(context, pointerField(system, 4), field(system, 0));
}

/** y = A x on one thread (see the header of assembly/methods/ifm-system.ts). */
export function ifmMultiply(system: usize, x: usize, y: usize): void {
  const rows = field(system, 0);
  memory.fill(y, 0, <usize>(rows + 1) << 3);
  ifmMultiplyRows(system, x, y, y, 0, rows, true, 0);
  store<f64>(y + (<usize>rows << 3), 0);
}

/** y = A x by the team: this thread's rows of y, complete once every thread has returned. */
function teamMultiply(system: usize, x: usize, y: usize, context: usize): void {
  const count = threads(context);
  if (count == 1) {
    ifmMultiply(system, x, y);
    return;
  }
  const rows = field(system, 0);
  const lo = firstRow(system, context), hi = endRow(system, context);
  const stride = <usize>(rows + 1) << 3, buffers = pointerField(system, 5);
  barrier(context); // x complete
  ifmMultiplyRows(system, x, y, buffers + <usize>threadIndex(context) * stride, lo, hi, false, context);
  barrier(context); // every scatter done
  for (let u = lo; u < hi; u++) {
    let sum = load<f64>(y + (<usize>u << 3));
    for (let t = 0; t < count; t++) {
      const at = buffers + <usize>t * stride + (<usize>u << 3);
      sum += load<f64>(at);
      store<f64>(at, 0);
    }
    store<f64>(y + (<usize>u << 3), sum);
  }
  // Scatters into the dummy row land in each buffer's last entry; the last thread clears them.
  if (hi == rows) for (let t = 0; t < count; t++) store<f64>(buffers + <usize>t * stride + (<usize>rows << 3), 0);
}

/** System field [19]: 0 Jacobi, this the two-level preconditioner. */
export const IFM_TWO_LEVEL: i32 = 1;

/** z = M^-1 r on this thread's rows [lo, hi). */
function precondition(system: usize, r: usize, z: usize, lo: i32, hi: i32, context: usize): void {
  const inverseDiagonal = pointerField(system, 18);
  if (field(system, 19) != IFM_TWO_LEVEL) {
    multiply(inverseDiagonal + (<usize>lo << 3), r + (<usize>lo << 3), z + (<usize>lo << 3), hi - lo);
    return;
  }
  const coarse = pointerField(system, 20);
  barrier(context); // every thread's r is in
  // The coarse part on one thread; then the blocks, which cross the threads' row ranges, shared out by block.
  const blocks = pointerField(coarse, 5);
  if (threadIndex(context) == 0) ifmCoarseRestrictSolve(coarse, field(system, 0), r, context);
  barrier(context); // the coarse vector is in
  if (blocks == 0) {
    ifmCoarseProlong(coarse, inverseDiagonal, r, z, lo, hi);
    return;
  }
  ifmBlockSolve(blocks, coarse, r, z, context);
  barrier(context); // all of z is in
}

/** a . b over this thread's rows, summed over the threads. */
function teamDot(system: usize, a: usize, b: usize, context: usize): f64 {
  const lo = firstRow(system, context), hi = endRow(system, context);
  contribute(context, 0, dot(a + (<usize>lo << 3), b + (<usize>lo << 3), hi - lo));
  reduce(context, 1);
  return total(context, 0);
}

/** r = b - A x, z = M^-1 r, p = z. Returns |r| / |b| (|r| when b = 0). */
export function ifmPcgStart(system: usize, b: usize, x: usize, r: usize, z: usize, p: usize, state: usize, context: usize): f64 {
  const lo = firstRow(system, context), hi = endRow(system, context);
  const offset = <usize>lo << 3, count = hi - lo;
  teamMultiply(system, x, r, context);
  xpay(b + offset, -1.0, r + offset, count);
  precondition(system, r, z, lo, hi, context);
  memory.copy(p + offset, z + offset, <usize>count << 3);
  return writeStartState(b, r, z, lo, hi, state, false, context);
}

/**
 * r = b - A x; returns |r| / |b| (|r| when b = 0). CG updates its residual rather than recomputing it; the engine
 * runs this on one thread after a threaded solve, so that convergence is judged by one thread's product.
 */
export function ifmPcgResidual(system: usize, b: usize, x: usize, r: usize, context: usize): f64 {
  teamMultiply(system, x, r, context);
  return residualAfterProduct(b, r, firstRow(system, context), endRow(system, context), context);
}

/** Up to maxSteps iterations, stopping once |r| <= tolerance |b|. Returns the iterations run; |r| is left in state[2]. */
export function ifmPcgIterate(
  system: usize, x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64, context: usize,
): i32 {
  const lo = firstRow(system, context), hi = endRow(system, context);
  const offset = <usize>lo << 3, count = hi - lo;
  let rz = load<f64>(state);
  let rNorm = load<f64>(state, 16);
  const target = tolerance * load<f64>(state, 8);
  let steps = 0;
  barrier(context); // every thread has read the state
  while (steps < maxSteps && rNorm > target) {
    teamMultiply(system, p, q, context);
    const pq = teamDot(system, p, q, context);
    // A is positive definite, so pq > 0 until p vanishes in rounding; stop rather than divide by it.
    if (!(pq > 0)) break;
    const step = rz / pq;
    axpy(step, p + offset, x + offset, count);
    axpy(-step, q + offset, r + offset, count);
    rNorm = Math.sqrt(teamDot(system, r, r, context));
    steps++;
    if (rNorm <= target) break;
    precondition(system, r, z, lo, hi, context);
    const rzNext = teamDot(system, r, z, context);
    xpay(z + offset, rzNext / rz, p + offset, count);
    rz = rzNext;
  }
  if (threadIndex(context) == 0) {
    store<f64>(state, rz);
    store<f64>(state, rNorm, 16);
  }
  barrier(context);
  return steps;
}
