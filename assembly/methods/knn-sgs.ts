// Conjugate gradients preconditioned by symmetric SOR, M = (E + L) E^-1 (E + U) with A = L + D + U (L, U its strictly
// lower and upper triangles) and E = D / omega (OMEGA; omega 1 is symmetric Gauss-Seidel), for the binary kernel's KNN
// system held as compressed rows, each row's lower entries before its upper ones (knnSplitRows). It needs half
// Jacobi's iterations or fewer on these graphs, and with Eisenstat's trick (S. C. Eisenstat, "Efficient
// implementation of a class of preconditioned conjugate gradient methods", SIAM J. Sci. Stat. Comput. 2, 1981) an
// iteration reads the matrix once, as Jacobi CG's does: CG runs on the split system (E + L)^-1 A (E + U)^-1 (scaled
// by E^1/2 on both sides to make it symmetric, which the variables below absorb), whose product is
//   B u = t + (E + L)^-1 (u + (D - 2E) t),  t = (E + U)^-1 u,   since A = (E + L) + (E + U) + (D - 2E),
// a backward sweep over the upper entries and a forward sweep over the lower ones. In unscaled variables (u the
// direction, rho = (E + L)^-1 (b - A x) the split residual, xi = (E + U) x):
//   alpha = rho.E rho / u.B u,  xi += alpha u,  rho -= alpha B u,  beta = new rho.E rho / old,  u = E rho + beta u,
// and x = (E + U)^-1 xi at the end (knnSgsFinish). The stopping test is on the true residual b - A x = (E + L) rho,
// summed over the lower entries (near the end only, see CHECK_MARGIN), so that the tolerance means what it means for
// Jacobi CG. Off the diagonal every entry of A is -m (the count m of a merged binary edge: assembly/methods/knn.ts).
// The same code in both builds (the same bits).
//
// operator (i32 fields): as knn-cg.ts's, with [6] split (i32 per row: where its upper entries start)
// vectors (f64, rows): x (xi while iterating), rho, u, q (B u), t (the sweeps' scratch)
// state (f64): [0] rho.E rho  [1] |b|  [2] |b - A x| when last summed  [3] u.B u of the current u
//              [4] [2]'s ratio to |rho|_E then  [5] iterations since

import { field, pointerField } from "../record";
import { ROW_BITS, ROW_MASK } from "./knn";

@inline function term(columns: usize, at: i32, v: usize): f64 {
  const entry = load<i32>(columns + (<usize>at << 2));
  return <f64>((entry >>> ROW_BITS) + 1) * load<f64>(v + (<usize>(entry & ROW_MASK) << 3));
}

/** Sum of m v_c over the entries [from, to), in four running sums (one would wait on each addition before the next). */
@inline function entrySum(columns: usize, from: i32, to: i32, v: usize): f64 {
  let sum0 = 0.0, sum1 = 0.0, sum2 = 0.0, sum3 = 0.0;
  let at = from;
  for (; at + 4 <= to; at += 4) {
    sum0 += term(columns, at, v);
    sum1 += term(columns, at + 1, v);
    sum2 += term(columns, at + 2, v);
    sum3 += term(columns, at + 3, v);
  }
  for (; at < to; at++) sum0 += term(columns, at, v);
  return (sum0 + sum1) + (sum2 + sum3);
}

@inline function rowAt(rowStart: usize, r: i32): i32 {
  return load<i32>(rowStart + (<usize>r << 2));
}

@inline function f64At(v: usize, r: i32): f64 {
  return load<f64>(v + (<usize>r << 3));
}

@inline function setF64(v: usize, r: i32, value: f64): void {
  store<f64>(v + (<usize>r << 3), value);
}

/**
 * The relaxation omega of E = D / omega. Iterations on four low-res cases (GT13 and GT24 trimap2, GT02 trimap1, GT10
 * trimap2) at omega 1, 1.3, 1.45, 1.6: 48 / 39 / 38 / 39, 27 / 22 / 21 / 22, 27 / 23 / 23 / 24, - / 26 / 25 / -.
 */
const OMEGA: f64 = 1.45;

/** E's entry of row r (d / omega), and its inverse. */
@inline function relaxed(diagonal: usize, r: i32): f64 {
  return f64At(diagonal, r) * (1.0 / OMEGA);
}

@inline function relaxedInverse(inverse: usize, r: i32): f64 {
  return f64At(inverse, r) * OMEGA;
}

/** t = (E + U)^-1 v, backward (t and v may be one vector: row r reads v_r before writing t_r, then only t above r). */
function backwardSweep(operator: usize, v: usize, t: usize): void {
  const rows = field(operator, 0), inverse = pointerField(operator, 3);
  const rowStart = pointerField(operator, 4), columns = pointerField(operator, 5), split = pointerField(operator, 6);
  for (let r = rows - 1; r >= 0; r--) {
    const sum = entrySum(columns, rowAt(split, r), rowAt(rowStart, r + 1), t);
    setF64(t, r, relaxedInverse(inverse, r) * (f64At(v, r) + sum));
  }
}

/** q = B u with t = (E + U)^-1 u (t holds it on entry, and (E + L)^-1 (u + (D - 2E) t) after); u . B u into state[3]. */
function forwardSweep(operator: usize, u: usize, t: usize, q: usize, state: usize): void {
  const rows = field(operator, 0), diagonal = pointerField(operator, 2), inverse = pointerField(operator, 3);
  const rowStart = pointerField(operator, 4), columns = pointerField(operator, 5), split = pointerField(operator, 6);
  let uBu = 0.0;
  for (let r = 0; r < rows; r++) {
    const ur = f64At(u, r), tr = f64At(t, r);
    const fr = relaxedInverse(inverse, r) * (ur + (f64At(diagonal, r) - 2 * relaxed(diagonal, r)) * tr + entrySum(columns, rowAt(rowStart, r), rowAt(split, r), t));
    setF64(t, r, fr);
    const bu = tr + fr;
    setF64(q, r, bu);
    uBu += ur * bu;
  }
  store<f64>(state, uBu, 24);
}

/** |b - A x| = |(E + L) rho| into state[2], and its ratio to |rho|_E into state[4]. Returns it. */
function trueResidual(operator: usize, rho: usize, state: usize): f64 {
  const rows = field(operator, 0), diagonal = pointerField(operator, 2);
  const rowStart = pointerField(operator, 4), columns = pointerField(operator, 5), split = pointerField(operator, 6);
  let rr = 0.0;
  for (let r = 0; r < rows; r++) {
    const res = relaxed(diagonal, r) * f64At(rho, r) - entrySum(columns, rowAt(rowStart, r), rowAt(split, r), rho);
    rr += res * res;
  }
  const rNorm = Math.sqrt(rr), rz = load<f64>(state);
  store<f64>(state, rNorm, 16);
  store<f64>(state, rz > 0 ? rNorm / Math.sqrt(rz) : 0.0, 32);
  store<f64>(state, 0.0, 40);
  return rNorm;
}

/** q = B u, and u . B u into state[3]. */
function splitProduct(operator: usize, u: usize, q: usize, t: usize, state: usize): void {
  backwardSweep(operator, u, t);
  forwardSweep(operator, u, t, q, state);
}

/**
 * From x (the starting alpha of the rows): r = b - A x into rho, then rho = (E + L)^-1 r, x = (E + U) x (xi), u = E rho,
 * |b - A x| and the first product. Returns |b - A x| / |b| (|b - A x| when b = 0).
 */
export function knnSgsStart(operator: usize, b: usize, x: usize, rho: usize, u: usize, q: usize, t: usize, state: usize): f64 {
  const rows = field(operator, 0), diagonal = pointerField(operator, 2), inverse = pointerField(operator, 3);
  const rowStart = pointerField(operator, 4), columns = pointerField(operator, 5), split = pointerField(operator, 6);
  let bb = 0.0;
  for (let r = 0; r < rows; r++) {
    const all = entrySum(columns, rowAt(rowStart, r), rowAt(rowStart, r + 1), x);
    const br = f64At(b, r);
    setF64(rho, r, br - (f64At(diagonal, r) * f64At(x, r) - all));
    bb += br * br;
  }
  // Forward: rho_r = (r_r + sum over lower entries of m rho_c) / d_r, in place (rows below r are already rho).
  for (let r = 0; r < rows; r++) {
    setF64(rho, r, relaxedInverse(inverse, r) * (f64At(rho, r) + entrySum(columns, rowAt(rowStart, r), rowAt(split, r), rho)));
  }
  // xi_r = d_r x_r - sum over upper entries of m x_c, in place in row order (the rows after r are still x).
  let rz = 0.0;
  for (let r = 0; r < rows; r++) {
    const upper = entrySum(columns, rowAt(split, r), rowAt(rowStart, r + 1), x);
    setF64(x, r, relaxed(diagonal, r) * f64At(x, r) - upper);
    const dRho = relaxed(diagonal, r) * f64At(rho, r);
    setF64(u, r, dRho);
    rz += f64At(rho, r) * dRho;
  }
  store<f64>(state, rz);
  const bNorm = Math.sqrt(bb);
  store<f64>(state, bNorm, 8);
  const rNorm = trueResidual(operator, rho, state);
  splitProduct(operator, u, q, t, state);
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}

/**
 * The true residual costs half a product, so it is summed only when |rho|_D times its last ratio to it comes within
 * CHECK_MARGIN of the target, or CHECK_EVERY iterations after the last time: the iterations stop at the first one
 * checked below the target (a few late at most, never early).
 */
const CHECK_MARGIN = 2.0;
const CHECK_EVERY = 16;

/**
 * Up to maxSteps iterations; stops early once |b - A x| <= tolerance |b| (x: as knnSgsFinish would give it). Returns
 * the iterations run; the last |b - A x| summed is left in state[2].
 */
export function knnSgsIterate(operator: usize, x: usize, rho: usize, u: usize, q: usize, t: usize, state: usize, maxSteps: i32, tolerance: f64): i32 {
  const rows = field(operator, 0), diagonal = pointerField(operator, 2);
  const target = tolerance * load<f64>(state, 8);
  let steps = 0;
  while (steps < maxSteps && load<f64>(state, 16) > target) {
    const rz = load<f64>(state), uBu = load<f64>(state, 24);
    // The split system is positive definite, so u.B u > 0 until u vanishes in rounding; stop rather than divide by it.
    if (!(uBu > 0)) break;
    const alpha = rz / uBu;
    let rzNext = 0.0;
    for (let r = 0; r < rows; r++) {
      setF64(x, r, f64At(x, r) + alpha * f64At(u, r));
      const rhoR = f64At(rho, r) - alpha * f64At(q, r);
      setF64(rho, r, rhoR);
      rzNext += rhoR * (relaxed(diagonal, r) * rhoR);
    }
    const beta = rzNext / rz;
    for (let r = 0; r < rows; r++) setF64(u, r, relaxed(diagonal, r) * f64At(rho, r) + beta * f64At(u, r));
    store<f64>(state, rzNext);
    steps++;
    const unchecked = load<f64>(state, 40) + 1;
    store<f64>(state, unchecked, 40);
    if (load<f64>(state, 32) * Math.sqrt(rzNext) <= CHECK_MARGIN * target || unchecked >= CHECK_EVERY) {
      if (trueResidual(operator, rho, state) <= target) break;
    }
    splitProduct(operator, u, q, t, state);
  }
  return steps;
}

/** x = (E + U)^-1 xi, in place: the alpha of the rows; and |b - A x| into state[2] (it may be some iterations old). */
export function knnSgsFinish(operator: usize, x: usize, rho: usize, state: usize): void {
  backwardSweep(operator, x, x);
  trueResidual(operator, rho, state);
}
