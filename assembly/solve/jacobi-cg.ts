// Jacobi-preconditioned conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1) for the
// systems kept without a matrix (knn's neighbour lists, lkm's box filters): the method gives its product y = A x,
// the diagonal's inverse and the row count; the loop is the same. Run in slices by the engine (start, then iterate
// repeatedly) so that it can report progress and honour cancellation.
//
// state (f64): [0] r.z  [1] |b|  [2] |r|
import { axpy, dot, multiply, xpay } from "../vector";

/** y = A x for the method's operator record. */
export type Product = (operator: usize, x: usize, y: usize) => void;

/** r = b - A x, z = M^-1 r, p = z. Returns |r| / |b| (|r| when b = 0). */
export function jacobiCgStart(
  product: Product, operator: usize, rows: i32, inverse: usize, b: usize, x: usize, r: usize, z: usize, p: usize, state: usize,
): f64 {
  product(operator, x, r);
  xpay(b, -1.0, r, rows);
  multiply(inverse, r, z, rows);
  memory.copy(p, z, <usize>rows << 3);
  const bNorm = Math.sqrt(dot(b, b, rows)), rNorm = Math.sqrt(dot(r, r, rows));
  store<f64>(state, dot(r, z, rows));
  store<f64>(state, bNorm, 8);
  store<f64>(state, rNorm, 16);
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}

/** Up to maxSteps iterations; stops early once |r| <= tolerance |b|. Returns the iterations run; |r| is left in state[2]. */
export function jacobiCgIterate(
  product: Product, operator: usize, rows: i32, inverse: usize,
  x: usize, r: usize, z: usize, p: usize, q: usize, state: usize, maxSteps: i32, tolerance: f64,
): i32 {
  let rz = load<f64>(state);
  let rNorm = load<f64>(state, 16);
  const target = tolerance * load<f64>(state, 8);
  let steps = 0;
  while (steps < maxSteps && rNorm > target) {
    product(operator, p, q);
    const pq = dot(p, q, rows);
    // A is positive definite, so pq > 0 until p vanishes in rounding; stop rather than divide by it.
    if (!(pq > 0)) break;
    const step = rz / pq;
    axpy(step, p, x, rows);
    axpy(-step, q, r, rows);
    rNorm = Math.sqrt(dot(r, r, rows));
    steps++;
    if (rNorm <= target) break;
    multiply(inverse, r, z, rows);
    const rzNext = dot(r, z, rows);
    xpay(z, rzNext / rz, p, rows);
    rz = rzNext;
  }
  store<f64>(state, rz);
  store<f64>(state, rNorm, 16);
  return steps;
}
