// Preconditioned conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1)
// for the symmetric positive definite stencil system of assembly/stencil.ts, in its flexible form
// (Notay 2000): the new direction is made A-orthogonal to the last one explicitly, beta = -z.Ap / p.Ap,
// which equals the usual r.z ratio for a fixed preconditioner and stays right for the K-cycle's.
// The engine runs it in slices (pcgStart, then pcgIterate repeatedly) so that it can report progress
// and honour cancellation.
//
// With threads (assembly/team.ts) every thread makes the same call with its own context: each works on
// its rows (assembly/fine.ts) and reductions give all of them the same sums, so all take the same
// path through the loop. The final state is written by thread 0.
//
// system (i32 fields): [0] rows [1] half [2] columns [3] values [4] diagonal
//                      [5] preconditioner: 0 Jacobi, 1 multigrid
//                      [6] Jacobi: inverse diagonal (f64) / multigrid: the hierarchy of assembly/aggregation.ts
//                      [7..10] the threads' split of the rows (see assembly/fine.ts; 0 for one thread)
//                      [11] a vector for A z from the multigrid cycle, or 0 (see pcgIterate)
//                      [12] the threads' far rows (assembly/fine.ts), or 0
// Vectors hold rows + 1 f64; the last, for the dummy unknown, is 0 from allocation on (assembly/fine.ts).
// state (f64): [0] r.z  [1] |b|  [2] |r|  [3] 1 once r.z <= 0 showed the preconditioner is not positive definite
//              [4] 1 when q holds A p (pcgIterate), else 0

import { residualAfterProduct, writeStartState } from "./residual";
import { dot, axpy, xpay, multiply } from "./vector";
import { endRow, firstRow, stencilMultiply } from "./fine";
import { field, pointerField } from "./record";
import { aggregationApply } from "./cycle";
import { barrier, contribute, reduce, threadIndex, total } from "./team";

export const PRECONDITIONER_JACOBI: i32 = 0;
export const PRECONDITIONER_MULTIGRID: i32 = 1;

/**
 * z = M^-1 r. With multigrid and `product` not 0, the cycle's last sweep writes A z there too; returns whether it did.
 */
function precondition(system: usize, r: usize, z: usize, product: usize, context: usize): bool {
  if (field(system, 5) == PRECONDITIONER_MULTIGRID) {
    aggregationApply(system, pointerField(system, 6), r, z, product, context);
    return product != 0;
  }
  const lo = firstRow(system, context), hi = endRow(system, context);
  const offset = <usize>lo << 3;
  multiply(pointerField(system, 6) + offset, r + offset, z + offset, hi - lo);
  return false;
}

/** a . b over this thread's rows, summed over the threads. */
function teamDot(system: usize, a: usize, b: usize, context: usize): f64 {
  const lo = firstRow(system, context), hi = endRow(system, context);
  contribute(context, 0, dot(a + (<usize>lo << 3), b + (<usize>lo << 3), hi - lo));
  reduce(context, 1);
  return total(context, 0);
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
export function pcgStart(system: usize, b: usize, x: usize, r: usize, z: usize, p: usize, state: usize, context: usize): f64 {
  const lo = firstRow(system, context), hi = endRow(system, context);
  const offset = <usize>lo << 3, count = hi - lo;
  stencilMultiply(system, x, r, context);
  xpay(b + offset, -1.0, r + offset, count);
  barrier(context); // the product's cross buffers are read before the preconditioner fills them again
  precondition(system, r, z, 0, context);
  memory.copy(p + offset, z + offset, <usize>count << 3);
  if (threadIndex(context) == 0) store<f64>(state, 0, 32); // q does not hold A p yet
  return writeStartState(b, r, z, lo, hi, state, true, context);
}

/**
 * r = b - A x; returns |r| / |b| (|r| when b = 0). CG's own residual is updated, not recomputed, so it
 * follows whatever product the iterations used; the engine runs this on one thread after a threaded solve
 * so that convergence is judged by a product that does not depend on how the threads split the rows.
 */
export function pcgResidual(system: usize, b: usize, x: usize, r: usize, context: usize): f64 {
  stencilMultiply(system, x, r, context);
  return residualAfterProduct(b, r, firstRow(system, context), endRow(system, context), context);
}

/**
 * Up to maxSteps iterations; stops early once |r| <= tolerance |b|.
 * Returns the number of iterations run; the residual is left in state[2].
 */
export function pcgIterate(
  system: usize, x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64, context: usize
): i32 {
  const lo = firstRow(system, context), hi = endRow(system, context);
  const offset = <usize>lo << 3, count = hi - lo;
  let rz = load<f64>(state);
  const bNorm = load<f64>(state, 8);
  let rNorm = load<f64>(state, 16);
  let indefinite = load<f64>(state, 24) != 0;
  // Whether q holds A p already: with multigrid, the cycle's last sweep gives A z, and A p is then A z + beta A p_old,
  // a vector update instead of a product (fine.ts gaussSeidelBackward).
  let productKnown = load<f64>(state, 32) != 0;
  const product = pointerField(system, 11);
  const target = tolerance * bNorm;
  let steps = 0;
  barrier(context); // every thread has read the state
  while (steps < maxSteps && rNorm > target && !indefinite) {
    if (!productKnown) stencilMultiply(system, p, q, context);
    productKnown = true;
    const pq = teamDot(system, p, q, context);
    // A is positive definite, so pq > 0 until p vanishes in rounding; stop rather than divide by it.
    if (!(pq > 0)) break;
    const step = rz / pq;
    axpy(step, p + offset, x + offset, count);
    axpy(-step, q + offset, r + offset, count);
    rNorm = Math.sqrt(teamDot(system, r, r, context));
    steps++;
    if (rNorm <= target) break;
    const fused = precondition(system, r, z, product, context);
    contribute(context, 0, dot(r + offset, z + offset, count));
    contribute(context, 1, dot(z + offset, q + offset, count));
    reduce(context, 2);
    const rzNext = total(context, 0);
    if (!(rzNext > 0)) {
      indefinite = true;
      break;
    }
    const beta = -total(context, 1) / pq;
    xpay(z + offset, beta, p + offset, count);
    if (fused) xpay(product + offset, beta, q + offset, count);
    productKnown = fused;
    rz = rzNext;
  }
  if (threadIndex(context) == 0) {
    store<f64>(state, rz);
    store<f64>(state, rNorm, 16);
    store<f64>(state, indefinite ? 1.0 : 0.0, 24);
    store<f64>(state, productKnown ? 1.0 : 0.0, 32);
  }
  barrier(context);
  return steps;
}
