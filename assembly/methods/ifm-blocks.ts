// The fine part of information flow's two-level preconditioner (assembly/methods/ifm-coarse.ts): block Jacobi, the
// exact inverse of A's diagonal blocks on small square blocks of pixels, in place of 1 / A's diagonal (Saad,
// Iterative Methods for Sparse Linear Systems, sec. 10.2). A pixel's strongest couplings (the local flow's 3 x 3
// windows, the colour-mixture rows' nearest pixels) mostly join pixels a few apart, which Jacobi leaves to CG; on
// 4 x 4 blocks CG took 13-31 % fewer steps (GT02, GT05, GT13, GT24). Each block is a principal submatrix of the
// symmetric positive definite A, so it is too; its inverse is formed once (from its Cholesky factor) and stored as
// f32, so that applying it is a small dense product (no chain of dependent divisions as in a triangular solve). The
// stored inverse is symmetric, and positive definite unless f32 rounding breaks it, which for an SPD block would
// need a condition number near 1e7 in the block; a Cholesky pivot lost in rounding is replaced by its diagonal
// entry, which keeps the factor's product L L^T positive definite.
//
// block record (i32 fields): [0] blocks [1] block starts (i32 blocks + 1: block b's rows are entries [1][b] to
//   [1][b + 1] of [2]) [2] the rows by block, ascending within each (i32 rows) [3] inverse starts (i32 blocks + 1,
//   in entries) [4] the inverses (f32: a block of s rows holds s rows of stride(s) entries, s rounded up to a
//   multiple of 4, the padding 0)

import { addCoarse } from "./ifm-coarse";
import { field, pointerField } from "../record";
import { beat, lane, threadIndex, threads } from "../team";

/** Rows a block holds at most: BLOCK_SIDE^2, with BLOCK_SIDE in src/methods/ifm-coarse.ts. */
const MOST_ROWS = 16;
/** Entries a colour-mixture row of (I - W) holds at most: the row's own and its k <= 63 neighbours'. */
const MOST_ENTRIES = 64;
// A pivot below this share of its diagonal entry is taken as lost in rounding.
const LOST = 1e-12;

@inline
function packed(i: i32, j: i32): i32 {
  return ((i * (i + 1)) >> 1) + j;
}

/** Entry (i, j), j <= i, of the packed lower triangle at `block` (f64). */
@inline
function triangleEntry(block: usize, i: i32, j: i32): usize {
  return block + (<usize>packed(i, j) << 3);
}

/** A block of `size` rows: its inverse's row stride (size rounded up to a multiple of 4). */
@inline
function stride(size: i32): i32 {
  return (size + 3) & ~3;
}

/**
 * The block record's lists from each row's block (blockOf, i32 rows, blocks numbered from 0), and each row's place
 * in its block into `place` (i32 rows). Returns the lower triangles' entries in all (ifmBlockEntries' f64 scratch).
 */
export function ifmBlockLayout(blocks: usize, rows: i32, blockOf: usize, place: usize): i32 {
  const count = field(blocks, 0), starts = pointerField(blocks, 1), order = pointerField(blocks, 2), inverseStarts = pointerField(blocks, 3);
  memory.fill(starts, 0, <usize>(count + 1) << 2);
  for (let u = 0; u < rows; u++) {
    const at = starts + (<usize>(load<i32>(blockOf + (<usize>u << 2)) + 1) << 2);
    store<i32>(at, load<i32>(at) + 1);
  }
  let triangles = 0, inverses = 0;
  store<i32>(inverseStarts, 0);
  for (let b = 0; b < count; b++) {
    const size = load<i32>(starts + (<usize>(b + 1) << 2));
    store<i32>(starts + (<usize>(b + 1) << 2), load<i32>(starts + (<usize>b << 2)) + size);
    triangles += (size * (size + 1)) >> 1;
    inverses += size * stride(size);
    store<i32>(inverseStarts + (<usize>(b + 1) << 2), inverses);
  }
  // Rows ascending, each after its block's earlier rows: place holds the row's entry in `order` until made local.
  for (let u = 0; u < rows; u++) {
    const b = load<i32>(blockOf + (<usize>u << 2)), at = starts + (<usize>b << 2);
    const next = load<i32>(at);
    store<i32>(order + (<usize>next << 2), u);
    store<i32>(place + (<usize>u << 2), next);
    store<i32>(at, next + 1);
  }
  for (let b = count; b > 0; b--) store<i32>(starts + (<usize>b << 2), load<i32>(starts + (<usize>(b - 1) << 2)));
  store<i32>(starts, 0);
  for (let u = 0; u < rows; u++) {
    const at = place + (<usize>u << 2);
    store<i32>(at, load<i32>(at) - load<i32>(starts + (<usize>load<i32>(blockOf + (<usize>u << 2)) << 2)));
  }
  return triangles;
}

/** The f64 scratch entry (a, c) of block `block` (rows a and c in it): its lower triangle's, at triangleStarts[block]. */
@inline
function entryAt(entries: usize, triangleStarts: usize, place: usize, block: i32, a: i32, c: i32): usize {
  const pa = load<i32>(place + (<usize>a << 2)), pc = load<i32>(place + (<usize>c << 2));
  return entries + (<usize>(load<i32>(triangleStarts + (<usize>block << 2)) + (pa >= pc ? packed(pa, pc) : packed(pc, pa))) << 3);
}

/** entries[a, c] += value where rows a and c share a block. */
@inline
function addWithin(entries: usize, triangleStarts: usize, blockOf: usize, place: usize, a: i32, c: i32, value: f64): void {
  const block = load<i32>(blockOf + (<usize>a << 2));
  if (load<i32>(blockOf + (<usize>c << 2)) != block) return;
  const at = entryAt(entries, triangleStarts, place, block, a, c);
  store<f64>(at, load<f64>(at) + value);
}

/**
 * Where each block's lower triangle starts in ifmBlockEntries' scratch (i32 blocks + 1, into `triangleStarts`).
 */
export function ifmBlockTriangleStarts(blocks: usize, triangleStarts: usize): void {
  const count = field(blocks, 0), starts = pointerField(blocks, 1);
  let triangles = 0;
  for (let b = 0; b <= count; b++) {
    store<i32>(triangleStarts + (<usize>b << 2), triangles);
    if (b < count) {
      const size = load<i32>(starts + (<usize>(b + 1) << 2)) - load<i32>(starts + (<usize>b << 2));
      triangles += (size * (size + 1)) >> 1;
    }
  }
}

/**
 * Rows [first, end)'s share of A's diagonal blocks (f64 lower triangles at `entries`, placed by triangleStarts,
 * zeroed by the caller), from the system's parts as ifmMultiply applies them: the diagonal the non-local terms do
 * not supply and the stencil's pairs, each intra-unknown pair's w on both ends' diagonal and -w between them, and
 * each colour-mixture row's (I - W) entries e (1 on the row's own unknown, -w_uj on each unknown neighbour's) as
 * e_a e_c for every two of them in one block (the row's entries and their blocks read once, then compared).
 */
export function ifmBlockEntries(system: usize, blockOf: usize, place: usize, triangleStarts: usize, entries: usize, first: i32, end: i32): void {
  const rows = field(system, 0), half = field(system, 1), columns = pointerField(system, 2), values = pointerField(system, 3);
  const cmK = field(system, 11), cmColumns = pointerField(system, 12), cmWeights = pointerField(system, 13);
  const iuOffsets = pointerField(system, 6), iuColumns = pointerField(system, 15), iuWeights = pointerField(system, 16);
  const ownDiagonal = pointerField(system, 17);
  const rowIds = memory.data(MOST_ENTRIES << 2), rowBlocks = memory.data(MOST_ENTRIES << 2), rowValues = memory.data(MOST_ENTRIES << 3);
  for (let u = first; u < end; u++) {
    addWithin(entries, triangleStarts, blockOf, place, u, u, load<f64>(ownDiagonal + (<usize>u << 3)));
    for (let s = 0; s < half; s++) {
      const at = <usize>u * <usize>half + <usize>s;
      const v = load<i32>(columns + (at << 2));
      if (v != rows) addWithin(entries, triangleStarts, blockOf, place, u, v, load<f64>(values + (at << 3)));
    }
    const iuEnd = <usize>load<i32>(iuOffsets + (<usize>(u + 1) << 2));
    for (let e = <usize>load<i32>(iuOffsets + (<usize>u << 2)); e < iuEnd; e++) {
      const v = load<i32>(iuColumns + (e << 2)), w = <f64>load<f32>(iuWeights + (e << 2));
      addWithin(entries, triangleStarts, blockOf, place, u, u, w);
      addWithin(entries, triangleStarts, blockOf, place, v, v, w);
      addWithin(entries, triangleStarts, blockOf, place, u, v, -w);
    }
    // The row's (I - W) entries (its own, then its unknown neighbours'), each paired with itself and with every
    // earlier one in the same block: a comparison of block numbers per pair, nothing moved.
    store<i32>(rowIds, u);
    store<i32>(rowBlocks, load<i32>(blockOf + (<usize>u << 2)));
    store<f64>(rowValues, 1);
    addWithin(entries, triangleStarts, blockOf, place, u, u, 1);
    let count = 1;
    const row = <usize>u * <usize>cmK;
    for (let j = 0; j < cmK; j++) {
      const v = load<i32>(cmColumns + ((row + <usize>j) << 2));
      if (v == rows) continue;
      const block = load<i32>(blockOf + (<usize>v << 2)), value = -<f64>load<f32>(cmWeights + ((row + <usize>j) << 2));
      for (let i = 0; i < count; i++) {
        if (load<i32>(rowBlocks + (<usize>i << 2)) != block) continue;
        const at = entryAt(entries, triangleStarts, place, block, v, load<i32>(rowIds + (<usize>i << 2)));
        store<f64>(at, load<f64>(at) + value * load<f64>(rowValues + (<usize>i << 3)));
      }
      const at = entryAt(entries, triangleStarts, place, block, v, v);
      store<f64>(at, load<f64>(at) + value * value);
      store<i32>(rowIds + (<usize>count << 2), v);
      store<i32>(rowBlocks + (<usize>count << 2), block);
      store<f64>(rowValues + (<usize>count << 3), value);
      count++;
    }
  }
}

/** Entry (i, j) of a dense MOST_ROWS x MOST_ROWS f64 matrix at `dense`, row by row. */
@inline
function denseEntry(dense: usize, i: i32, j: i32): usize {
  return dense + (<usize>(i * MOST_ROWS + j) << 3);
}

/**
 * Blocks [first, end): each block's lower triangle (f64, as ifmBlockEntries left it), copied into a dense local
 * matrix, -> its Cholesky factor L (L_ij = (A_ij - sum_{t<j} L_it L_jt) / L_jj, L_ii = sqrt(A_ii - sum_{t<i}
 * L_it^2)), then L^-1 in place (row by row: (L^-1)_ij = -(sum_{j<=t<i} L_it (L^-1)_tj) / L_ii), then the inverse
 * L^-T L^-1 (entry (i, j) the dot product of columns i and j of L^-1) into the record's f32 inverses.
 */
export function ifmBlockInverse(blocks: usize, triangleStarts: usize, entries: usize, first: i32, end: i32): void {
  const starts = pointerField(blocks, 1), inverseStarts = pointerField(blocks, 3), inverses = pointerField(blocks, 4);
  const L = memory.data(MOST_ROWS * MOST_ROWS << 3, 16), N = memory.data(MOST_ROWS * MOST_ROWS << 3, 16);
  for (let b = first; b < end; b++) {
    const size = load<i32>(starts + (<usize>(b + 1) << 2)) - load<i32>(starts + (<usize>b << 2));
    const block = entries + (<usize>load<i32>(triangleStarts + (<usize>b << 2)) << 3);
    for (let i = 0; i < size; i++) memory.copy(denseEntry(L, i, 0), triangleEntry(block, i, 0), <usize>(i + 1) << 3);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = load<f64>(denseEntry(L, i, j));
        for (let t = 0; t < j; t++) sum -= load<f64>(denseEntry(L, i, t)) * load<f64>(denseEntry(L, j, t));
        if (j < i) {
          store<f64>(denseEntry(L, i, j), sum / load<f64>(denseEntry(L, j, j)));
        } else {
          const entry = load<f64>(denseEntry(L, i, i));
          store<f64>(denseEntry(L, i, i), Math.sqrt(sum > LOST * entry ? sum : entry));
        }
      }
    }
    for (let i = 0; i < size; i++) {
      const diagonal = load<f64>(denseEntry(L, i, i));
      for (let j = 0; j < i; j++) {
        let sum = 0.0;
        for (let t = j; t < i; t++) sum += load<f64>(denseEntry(L, i, t)) * load<f64>(denseEntry(N, t, j));
        store<f64>(denseEntry(N, i, j), -sum / diagonal);
      }
      store<f64>(denseEntry(N, i, i), 1 / diagonal);
    }
    const width = stride(size), inverse = inverses + (<usize>load<i32>(inverseStarts + (<usize>b << 2)) << 2);
    memory.fill(inverse, 0, <usize>(size * width) << 2);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j <= i; j++) {
        // Column i of L^-1 is 0 above row i: the dot product runs over rows t >= i.
        let sum = 0.0;
        for (let t = i; t < size; t++) sum += load<f64>(denseEntry(N, t, i)) * load<f64>(denseEntry(N, t, j));
        store<f32>(inverse + (<usize>(i * width + j) << 2), <f32>sum);
        store<f32>(inverse + (<usize>(j * width + i) << 2), <f32>sum);
      }
    }
  }
}

/** The most threads a team has (src/api.ts): each has its own gathered block in ifmBlockSolve. */
const MOST_THREADS = 64;

/**
 * z = B^-1 r + Z y on every row (f64 vectors; y the coarse vector of ifmCoarseRestrictSolve, in the coarse record):
 * each block's r gathered (zero-padded to its stride), each row of its inverse times it (f64x2 pairs where SIMD is
 * on), plus the row's coarse part, scattered into z; a heartbeat per 64 blocks (context: the caller's team
 * context, or 0). On a team each thread solves its share of the blocks (a block's rows are its own, so z is one
 * thread's bit for bit once every thread has returned), gathering into a block of its own.
 */
export function ifmBlockSolve(blocks: usize, coarse: usize, r: usize, z: usize, context: usize): void {
  const count = field(blocks, 0), starts = pointerField(blocks, 1), order = pointerField(blocks, 2);
  const inverseStarts = pointerField(blocks, 3), inverses = pointerField(blocks, 4);
  const team = context == 0 ? 1 : threads(context), index = context == 0 ? 0 : threadIndex(context);
  const local = memory.data(MOST_THREADS * MOST_ROWS << 3, 16) + (<usize>(context == 0 ? 0 : lane(context)) * (MOST_ROWS << 3));
  const first = <i32>(<i64>count * index / team), end = <i32>(<i64>count * (index + 1) / team);
  for (let b = first; b < end; b++) {
    if (context != 0 && (b & 63) == 0) beat(context);
    const start = load<i32>(starts + (<usize>b << 2)), size = load<i32>(starts + (<usize>(b + 1) << 2)) - start;
    const width = stride(size), rowsAt = order + (<usize>start << 2);
    const inverse = inverses + (<usize>load<i32>(inverseStarts + (<usize>b << 2)) << 2);
    for (let i = 0; i < size; i++) store<f64>(local + (<usize>i << 3), load<f64>(r + (<usize>load<i32>(rowsAt + (<usize>i << 2)) << 3)));
    for (let i = size; i < width; i++) store<f64>(local + (<usize>i << 3), 0);
    for (let i = 0; i < size; i++) {
      const row = inverse + (<usize>(i * width) << 2);
      let sum = 0.0;
      if (ASC_FEATURE_SIMD) {
        let pair = f64x2.splat(0);
        for (let t = 0; t < width; t += 4) {
          const values = v128.load(row + (<usize>t << 2)), at = local + (<usize>t << 3);
          pair = f64x2.add(pair, f64x2.mul(f64x2.promote_low_f32x4(values), v128.load(at)));
          pair = f64x2.add(pair, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(values, values, 2, 3, 2, 3)), v128.load(at, 16)));
        }
        sum = f64x2.extract_lane(pair, 0) + f64x2.extract_lane(pair, 1);
      } else {
        for (let t = 0; t < width; t++) sum += <f64>load<f32>(row + (<usize>t << 2)) * load<f64>(local + (<usize>t << 3));
      }
      const u = load<i32>(rowsAt + (<usize>i << 2));
      store<f64>(z + (<usize>u << 3), addCoarse(coarse, u, sum));
    }
  }
}
