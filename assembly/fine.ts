// Kernels on the fine stencil system (assembly/stencil.ts) for the solver, each run by every thread
// of a team (assembly/team.ts) on its own rows [lo, hi). Rows are split between threads at image rows
// (src/split.ts), every band but the last at least 2r rows tall, so the upper neighbours of a thread's rows (at
// most 2r image rows down for window radius r, and 2r <= 16) lie in its own rows or the next thread's first 2r
// image rows, and no further: at most crossLength unknowns past hi.
//
// The symmetric layout stores each entry once, in the upper row, and products scatter it into the
// lower one. A scatter past hi would race with the next thread, so it goes to this thread's cross
// buffer, which the next thread adds in after a barrier. With one thread the buffers are never used.
// Each kernel's buffers are read right after its middle barrier, and the solver passes at least one
// more barrier (a reduction) before any kernel fills them again, so the kernels need none at the end.
// Gauss-Seidel becomes hybrid across the split: each thread sweeps its rows in order and sees the
// other threads' rows as they were before the sweep (Jacobi between threads), which keeps the
// forward and backward sweeps adjoint, as the symmetric cycle needs.
//
// Every vector's dummy entry [rows] is 0, set once when the vector is allocated, and stays so: a row's entries
// towards known pixels point at it with value 0. The scatters into it go, in the threads build, to each thread's
// own scratch slot instead (team.ts scratchSlot): every thread storing to the one dummy entry made its cache line
// travel between the cores at each row next to a known pixel, and cost two threads a fifth more fine-sweep time
// than one (perf samples over GT01, GT02, GT05, GT14, GT21, GT24 Trimap1: 1.21-1.30x of one thread's, 1.03-1.04x
// since).
//
// system (i32 fields): [0] rows [1] half [2] columns [3] values [4] diagonal [5] preconditioner
//   [6] its data [7] row ranges (i32 N + 1) [8] cross buffers (f64 N x crossLength) [9] ghost
//   buffers (f64 N x crossLength) [10] crossLength: 2r image widths + 2r (src/split.ts) [11] see solve.ts
//   [12] far rows (i32 N): per thread, the first of its rows on its band's last 2r image rows, or 0 (src/split.ts).

import { field, pointerField } from "./record";
import { REGULAR_HALF, backwardRegular, isRegular, multiplyRegular, negatedUpperSum, scatterRegular } from "./fine-regular";
import { barrier, beat, rangeEnd, rangeStart, scratchSlot, threadIndex, threads } from "./team";

@inline
export function firstRow(system: usize, context: usize): i32 {
  return rangeStart(context, pointerField(system, 7));
}

@inline
export function endRow(system: usize, context: usize): i32 {
  return rangeEnd(context, pointerField(system, 7), field(system, 0));
}

@inline
function crossLength(system: usize): i32 {
  return field(system, 10);
}

/** This thread's cross (or ghost: index 9) buffer; the previous thread's with offset -1. */
@inline
function buffer(system: usize, index: i32, context: usize, offset: i32): usize {
  return pointerField(system, index) + (<usize>((threadIndex(context) + offset) * crossLength(system)) << 3);
}

/**
 * Adds `amount` to entry j: in place below hi, else in the cross buffer; for the dummy row (amount 0), in place on
 * one thread and in this thread's `sink` (scratchSlot, never read) with threads, a select rather than a branch.
 * Only rows within crossLength of hi can reach past it, so callers pass nearCross = false for the others, and the
 * test folds away.
 */
@inline
function scatter(target: usize, cross: usize, hi: i32, rows: i32, j: i32, amount: f64, nearCross: bool, sink: usize): void {
  let at = !nearCross || j < hi || j == rows ? target + (<usize>j << 3) : cross + (<usize>(j - hi) << 3);
  if (ASC_FEATURE_THREADS) at = select<usize>(sink, at, j == rows);
  store<f64>(at, load<f64>(at) + amount);
}

/**
 * End of the rows whose scatters all stay below hi: all of them for the last thread. A row's upper neighbours lie at
 * most 2r image rows down, so the rows before the band's last 2r image rows (system field 12, from the split) are such
 * rows; without that field, those more than crossLength before hi.
 */
@inline
function farEnd(system: usize, context: usize, lo: i32, hi: i32): i32 {
  if (hi == field(system, 0)) return hi;
  const far = pointerField(system, 12);
  return far != 0 ? max(lo, load<i32>(far + (<usize>threadIndex(context) << 2))) : max(lo, hi - crossLength(system));
}

/** Scatters row i's upper entries (f32, see gaussSeidelFromZero) times xi. */
@inline
function scatterRow(
  columns: usize, values: usize, half: i32, i: i32, xi: f64, target: usize, cross: usize, hi: i32, rows: i32, nearCross: bool, sink: usize
): void {
  const row = <usize>i * <usize>half;
  for (let s = 0; s < half; s++) {
    scatter(target, cross, hi, rows, load<i32>(columns + ((row + <usize>s) << 2)), <f64>load<f32>(values + ((row + <usize>s) << 2)) * xi, nearCross, sink);
  }
}

/** Adds the previous thread's cross buffer into rows [lo, hi) of target. */
function addCross(system: usize, context: usize, lo: i32, hi: i32, target: usize, sign: f64): void {
  if (threadIndex(context) == 0 || threads(context) == 1) return;
  const cross = buffer(system, 8, context, -1);
  const count = min(crossLength(system), hi - lo);
  for (let k = 0; k < count; k++) {
    const at = target + (<usize>(lo + k) << 3);
    store<f64>(at, load<f64>(at) + sign * load<f64>(cross + (<usize>k << 3)));
  }
}

function clearCross(system: usize, context: usize): void {
  if (threads(context) > 1) memory.fill(buffer(system, 8, context, 0), 0, <usize>crossLength(system) << 3);
}

/** Row u of y = A x: its diagonal and upper entries gathered, its upper entries scattered. */
@inline
function multiplyRow(system: usize, x: usize, y: usize, cross: usize, hi: i32, u: i32, nearCross: bool, sink: usize): void {
  const rows = field(system, 0), half = field(system, 1);
  const columns = pointerField(system, 2), values = pointerField(system, 3), diagonal = pointerField(system, 4);
  const xu = load<f64>(x + (<usize>u << 3));
  // half = 4r(2r + 1) is even: two sums side by side, so that the additions' latency overlaps
  let sum0 = load<f64>(diagonal + (<usize>u << 3)) * xu, sum1 = 0.0;
  let entry = <usize>u * <usize>half;
  for (let s = 0; s < half; s += 2) {
    const v0 = load<i32>(columns + (entry << 2)), v1 = load<i32>(columns + (entry << 2), 4);
    const a0 = load<f64>(values + (entry << 3)), a1 = load<f64>(values + (entry << 3), 8);
    sum0 += a0 * load<f64>(x + (<usize>v0 << 3));
    sum1 += a1 * load<f64>(x + (<usize>v1 << 3));
    scatter(y, cross, hi, rows, v0, a0 * xu, nearCross, sink);
    scatter(y, cross, hi, rows, v1, a1 * xu, nearCross, sink);
    entry += 2;
  }
  const yu = y + (<usize>u << 3);
  store<f64>(yu, load<f64>(yu) + (sum0 + sum1));
}

/** y = A x on this thread's rows. x and y hold rows + 1 entries; x[rows] must be 0 and stays so in y. */
export function stencilMultiply(system: usize, x: usize, y: usize, context: usize): void {
  const rows = field(system, 0), half = field(system, 1);
  const columns = pointerField(system, 2), values = pointerField(system, 3), diagonal = pointerField(system, 4);
  const lo = firstRow(system, context), hi = endRow(system, context);
  const cross = buffer(system, 8, context, 0), sink = scratchSlot(context);
  barrier(context); // x complete
  memory.fill(y + (<usize>lo << 3), 0, <usize>(hi - lo) << 3);
  clearCross(system, context);
  const far = farEnd(system, context, lo, hi);
  const regular = ASC_FEATURE_SIMD && half == REGULAR_HALF;
  // With the multigrid preconditioner (system field 5 is 1), its set-up's byte per row says which rows are regular.
  const flags = field(system, 5) == 1 ? pointerField(pointerField(system, 6), 15) : 0;
  for (let u = lo; u < far; u++) {
    beat(context);
    const row = <usize>u * <usize>half;
    if (regular && regularRow(flags, columns + (row << 2), u, rows)) {
      multiplyRegular(columns + (row << 2), values + (row << 3), load<f64>(diagonal + (<usize>u << 3)), u, x, y);
    } else {
      multiplyRow(system, x, y, cross, hi, u, false, sink);
    }
  }
  for (let u = far; u < hi; u++) {
    beat(context);
    multiplyRow(system, x, y, cross, hi, u, true, sink);
  }
  barrier(context);
  addCross(system, context, lo, hi, y, 1);
}

/**
 * Entries per row on the row's own image row: the first 2r of the row's half = 2r(4r + 1) + 2r entries,
 * at columns 1 to 2r to the right (assembly/stencil.ts stores them first). From half: (sqrt(2 half + 1) - 1) / 2.
 */
@inline
function sameRowEntries(half: i32): i32 {
  return (<i32>Math.round(Math.sqrt(<f64>(2 * half + 1))) - 1) >> 1;
}

/**
 * Whether radius-1 row i takes the regular path (fine-regular.ts): from the set-up's byte per row (flags, the
 * hierarchy's header field 15) where there is one, else from the row's columns.
 */
@inline
function regularRow(flags: usize, columns: usize, i: i32, rows: i32): bool {
  return flags != 0 ? load<u8>(flags + <usize>i) != 0 : isRegular(columns, i, rows);
}

/** Entry s of row `row` (f32) times x_j. */
@inline
function term(columns: usize, values: usize, row: usize, s: i32, x: usize): f64 {
  const j = load<i32>(columns + ((row + <usize>s) << 2));
  return <f64>load<f32>(values + ((row + <usize>s) << 2)) * load<f64>(x + (<usize>j << 3));
}

/**
 * A forward sweep from x = 0 and the residual it leaves, fused. From zero the upper neighbours of row
 * i are still 0 when it is updated, so x_i = (b_i - sum_{j<i} a_ij x_j) / a_ii, and afterwards b - A x
 * is exactly -sum_{j>i} a_ij x_j (less the previous thread's rows, which this thread's sweep did not
 * see): one scatter pass and one gather pass instead of a sweep and a product. residual may be sums: the
 * gather pass writes only this thread's rows, whose sums the scatter pass has used up. The gather's
 * sums run four side by side (half = 4r(2r + 1) is a multiple of 4): they are bound by the additions'
 * latency, not by memory.
 * The sweeps are the preconditioner's and read the off-diagonal entries in f32 (`values`, rows x half;
 * sums in f64): a third less memory traffic than f64 entries and i32 columns. The preconditioner needs
 * only to approximate A^-1; the outer CG's products use the f64 entries, so the answer and its residual
 * are unchanged in kind, and only the iteration count could move (GT13 trimap1 of the alphamatting set: 137
 * instead of 143; the other cases compared the same or within one or two).
 * Both sweeps multiply by 1 / a_ii rather than divide: each row's x waits for the rows before it, and a division's
 * latency sat on that chain, while the reciprocal does not wait for anything (one rounding more, in the
 * preconditioner only: alphas within 6e-8 of dividing on 14 low-res cases, the same iterations; 0.95 of the CPU time).
 */
export function gaussSeidelFromZero(system: usize, values: usize, flags: usize, b: usize, x: usize, sums: usize, residual: usize, context: usize): void {
  const rows = field(system, 0), half = field(system, 1);
  const columns = pointerField(system, 2), diagonal = pointerField(system, 4);
  const lo = firstRow(system, context), hi = endRow(system, context);
  const cross = buffer(system, 8, context, 0), sink = scratchSlot(context);
  memory.fill(sums + (<usize>lo << 3), 0, <usize>(hi - lo) << 3);
  clearCross(system, context);
  const far = farEnd(system, context, lo, hi);
  const regular = ASC_FEATURE_SIMD && half == REGULAR_HALF;
  for (let i = lo; i < hi; i++) {
    beat(context);
    const xi = (load<f64>(b + (<usize>i << 3)) - load<f64>(sums + (<usize>i << 3))) * (1.0 / load<f64>(diagonal + (<usize>i << 3)));
    store<f64>(x + (<usize>i << 3), xi);
    const row = <usize>i * <usize>half;
    if (i < far) {
      if (regular && regularRow(flags, columns + (row << 2), i, rows)) scatterRegular(columns + (row << 2), values + (row << 2), i, xi, sums);
      else scatterRow(columns, values, half, i, xi, sums, cross, hi, rows, false, sink);
    } else {
      scatterRow(columns, values, half, i, xi, sums, cross, hi, rows, true, sink);
    }
  }
  barrier(context);
  for (let i = lo; i < hi; i++) {
    beat(context);
    const row = <usize>i * <usize>half;
    if (regular && regularRow(flags, columns + (row << 2), i, rows)) {
      store<f64>(residual + (<usize>i << 3), negatedUpperSum(columns + (row << 2), values + (row << 2), i, x));
      continue;
    }
    let sum0 = 0.0, sum1 = 0.0, sum2 = 0.0, sum3 = 0.0;
    for (let s = 0; s < half; s += 4) {
      sum0 += term(columns, values, row, s, x);
      sum1 += term(columns, values, row, s + 1, x);
      sum2 += term(columns, values, row, s + 2, x);
      sum3 += term(columns, values, row, s + 3, x);
    }
    store<f64>(residual + (<usize>i << 3), -((sum0 + sum1) + (sum2 + sum3)));
  }
  addCross(system, context, lo, hi, residual, -1);
}

/** Entry s of row `row` times x_j; near the next thread's rows (nearCross), those are read from the ghost copy. */
@inline
function termOrGhost(columns: usize, values: usize, row: usize, s: i32, x: usize, ghost: usize, rows: i32, hi: i32, nearCross: bool): f64 {
  const j = load<i32>(columns + ((row + <usize>s) << 2));
  const at = !nearCross || j < hi || j == rows ? x + (<usize>j << 3) : ghost + (<usize>(j - hi) << 3);
  return <f64>load<f32>(values + ((row + <usize>s) << 2)) * load<f64>(at);
}

/**
 * Row i of a backward sweep; near the next thread's rows, those are read from the ghost copy. The sweep is
 * bound by its recurrence: x_i waits for x_{i+1}. So the entries on the image rows below, computed long
 * before, are summed first (two sums side by side: their count 2r(4r + 1) is even), and the `near` ones on
 * the row's own image row last, nearest last.
 */
@inline
function backwardRow(
  columns: usize, values: usize, diagonal: usize, half: i32, near: i32, rows: i32, b: usize, x: usize, sums: usize, ghost: usize,
  hi: i32, i: i32, nearCross: bool
): void {
  const row = <usize>i * <usize>half;
  let sum0 = 0.0, sum1 = 0.0;
  for (let s = near; s < half; s += 2) {
    sum0 += termOrGhost(columns, values, row, s, x, ghost, rows, hi, nearCross);
    sum1 += termOrGhost(columns, values, row, s + 1, x, ghost, rows, hi, nearCross);
  }
  let sum = load<f64>(sums + (<usize>i << 3)) + (sum0 + sum1);
  for (let s = near - 1; s >= 0; s--) sum += termOrGhost(columns, values, row, s, x, ghost, rows, hi, nearCross);
  store<f64>(x + (<usize>i << 3), (load<f64>(b + (<usize>i << 3)) - sum) * (1.0 / load<f64>(diagonal + (<usize>i << 3))));
}

/**
 * One backward Gauss-Seidel sweep: the lower sums of the current x first, then rows from the end.
 * Upper neighbours in the next thread's rows are read from a copy taken before the sweep (the ghost
 * buffer, this thread's own), so after the middle barrier a thread reads only its own rows and buffers
 * and needs no barrier at the end. values: the entries in f32, as for gaussSeidelFromZero.
 */
export function gaussSeidelBackward(
  system: usize, values: usize, flags: usize, b: usize, x: usize, sums: usize, product: usize, context: usize
): void {
  const rows = field(system, 0), half = field(system, 1);
  const columns = pointerField(system, 2), diagonal = pointerField(system, 4), entries = pointerField(system, 3);
  const lo = firstRow(system, context), hi = endRow(system, context);
  const cross = buffer(system, 8, context, 0), ghost = buffer(system, 9, context, 0), sink = scratchSlot(context);
  barrier(context); // x complete
  memory.fill(sums + (<usize>lo << 3), 0, <usize>(hi - lo) << 3);
  clearCross(system, context);
  const far = farEnd(system, context, lo, hi), near = sameRowEntries(half);
  const regular = ASC_FEATURE_SIMD && half == REGULAR_HALF;
  for (let i = lo; i < far; i++) {
    beat(context);
    const row = <usize>i * <usize>half;
    if (regular && regularRow(flags, columns + (row << 2), i, rows)) scatterRegular(columns + (row << 2), values + (row << 2), i, load<f64>(x + (<usize>i << 3)), sums);
    else scatterRow(columns, values, half, i, load<f64>(x + (<usize>i << 3)), sums, cross, hi, rows, false, sink);
  }
  for (let i = far; i < hi; i++) {
    beat(context);
    scatterRow(columns, values, half, i, load<f64>(x + (<usize>i << 3)), sums, cross, hi, rows, true, sink);
  }
  if (threads(context) > 1 && hi < rows) {
    memory.copy(ghost, x + (<usize>hi << 3), <usize>min(crossLength(system), rows - hi) << 3);
  }
  barrier(context);
  addCross(system, context, lo, hi, sums, 1);
  for (let i = hi - 1; i >= far; i--) {
    beat(context);
    backwardRow(columns, values, diagonal, half, near, rows, b, x, sums, ghost, hi, i, true);
  }
  // With `product`, y = A x of the swept x as well, row by row as each x_i is final: row i gathers its upper
  // neighbours, final before it, and scatters into theirs, whose own gathers are done; so every stored entry meets
  // final values. The rows near the next thread's (from far on) read its rows, which are final only once it is
  // done: they come after a barrier, as stencilMultiply's do. The outer CG takes it instead of a product (solve.ts).
  const fused = product != 0;
  if (fused) memory.fill(product + (<usize>lo << 3), 0, <usize>(hi - lo) << 3);
  for (let i = far - 1; i >= lo; i--) {
    beat(context);
    const row = <usize>i * <usize>half;
    if (regular && regularRow(flags, columns + (row << 2), i, rows)) {
      const d = load<f64>(diagonal + (<usize>i << 3));
      backwardRegular(columns + (row << 2), values + (row << 2), entries + (row << 3), d, 1.0 / d, load<f64>(b + (<usize>i << 3)),
        load<f64>(sums + (<usize>i << 3)), i, x, fused ? product : 0);
    } else {
      backwardRow(columns, values, diagonal, half, near, rows, b, x, sums, ghost, hi, i, false);
      if (fused) multiplyRow(system, x, product, cross, hi, i, false, sink);
    }
  }
  if (fused && threads(context) > 1) {
    barrier(context); // x final in every thread's rows; the cross buffers read (addCross above)
    clearCross(system, context);
    for (let i = far; i < hi; i++) {
      beat(context);
      multiplyRow(system, x, product, cross, hi, i, true, sink);
    }
    barrier(context);
    addCross(system, context, lo, hi, product, 1);
  }
}
