// A two-level preconditioner for information flow's system (assembly/methods/ifm-system.ts): Jacobi plus an exact
// coarse correction, M^-1 = D^-1 + Z E^-1 Z^T with E = Z^T A Z (additive two-level Schwarz; Toselli and Widlund,
// Domain Decomposition Methods, sec. 2.3). Z's columns are, on each aggregate (a square block of pixels), the
// functions 1, R, G and B: the colour-affine functions near the null space of both the local flow (Levin et al.
// 2008, sec. 3) and the colour-mixture flow (LLE weights reproduce each pixel's colour from its neighbours'), which
// Jacobi leaves to hundreds of CG steps. M^-1 is symmetric positive definite (D^-1 is, Z E^-1 Z^T is semidefinite),
// so CG stays plain CG. E is small and dense (at most some thousand rows, chosen by the engine), factored once by
// Cholesky; a pivot that falls below DEPENDENT of its original value (a basis function dependent on the others, as
// on a block of one colour) drops its coarse unknown.
//
// coarse record (i32 fields): [0] coarse unknowns m (4 per aggregate) [1] aggregate of each row (i32 rows)
//   [2] basis values (f32 rows x 4: 1 and the colour less the aggregate's mean) [3] E, then its Cholesky factor
//   (f64 m x m, lower triangle; a dropped unknown's diagonal entry 0) [4] coarse vector (f64 m)
//   [5] the fine part's block record (assembly/methods/ifm-blocks.ts: M^-1 = B^-1 + Z E^-1 Z^T, B A's diagonal
//   blocks), or 0 for Jacobi's D^-1

import { field, pointerField } from "../record";
import { beat } from "../team";

const DOFS = 4;
// A Cholesky pivot below this share of E's diagonal entry: its unknown is dropped (dependent basis function).
const DEPENDENT = 1e-8;

/**
 * Numbers the aggregates: the side x side blocks of pixels holding an unknown pixel, in raster order of the
 * blocks, into aggregateOf (i32 per row). cells: i32 per block (scratch). Returns the count of aggregates.
 */
export function ifmCoarseAggregates(unknownIndex: usize, width: i32, height: i32, side: i32, cells: usize, aggregateOf: usize): i32 {
  const gw = (width + side - 1) / side, gh = (height + side - 1) / side;
  memory.fill(cells, 0xff, <usize>(gw * gh) << 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (load<i32>(unknownIndex + (<usize>(y * width + x) << 2)) >= 0) store<i32>(cells + (<usize>((y / side) * gw + x / side) << 2), 0);
    }
  }
  let count = 0;
  for (let c = 0; c < gw * gh; c++) {
    const at = cells + (<usize>c << 2);
    if (load<i32>(at) >= 0) store<i32>(at, count++);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = load<i32>(unknownIndex + (<usize>(y * width + x) << 2));
      if (u >= 0) store<i32>(aggregateOf + (<usize>u << 2), load<i32>(cells + (<usize>((y / side) * gw + x / side) << 2)));
    }
  }
  return count;
}

/**
 * Each row's basis values: 1 and its colour (image: f64 RGB per pixel) less its aggregate's mean colour, so that
 * E is not needlessly ill-conditioned. means: f64 x 4 per aggregate (scratch).
 */
export function ifmCoarseBasis(image: usize, unknownIndex: usize, pixels: i32, aggregateOf: usize, aggregates: i32, means: usize, basis: usize): void {
  memory.fill(means, 0, <usize>aggregates << 5);
  for (let p = 0; p < pixels; p++) {
    const u = load<i32>(unknownIndex + (<usize>p << 2));
    if (u < 0) continue;
    const m = means + (<usize>load<i32>(aggregateOf + (<usize>u << 2)) << 5);
    for (let c = 0; c < 3; c++) store<f64>(m + (<usize>c << 3), load<f64>(m + (<usize>c << 3)) + load<f64>(image + (<usize>(p * 3 + c) << 3)));
    store<f64>(m, load<f64>(m, 24) + 1, 24);
  }
  for (let p = 0; p < pixels; p++) {
    const u = load<i32>(unknownIndex + (<usize>p << 2));
    if (u < 0) continue;
    const m = means + (<usize>load<i32>(aggregateOf + (<usize>u << 2)) << 5);
    const count = load<f64>(m, 24), row = basis + (<usize>u << 4);
    store<f32>(row, 1);
    for (let c = 0; c < 3; c++) {
      store<f32>(row + (<usize>(c + 1) << 2), <f32>(load<f64>(image + (<usize>(p * 3 + c) << 3)) - load<f64>(m + (<usize>c << 3)) / count));
    }
  }
}

/** The 4 f64 at `row` += left x (the 4 f64 at `right`), in two v128 pairs where SIMD is on. */
@inline
function addScaledRow(row: usize, left: f64, right: usize): void {
  if (ASC_FEATURE_SIMD) {
    const l = f64x2.splat(left);
    v128.store(row, f64x2.add(v128.load(row), f64x2.mul(l, v128.load(right))));
    v128.store(row, f64x2.add(v128.load(row, 16), f64x2.mul(l, v128.load(right, 16))), 16);
  } else {
    for (let j = 0; j < DOFS; j++) store<f64>(row + (<usize>j << 3), load<f64>(row + (<usize>j << 3)) + left * load<f64>(right + (<usize>j << 3)));
  }
}

/**
 * E[a block, b block] += scale phi_u phi_v^T (4 x 4 entries; phi the rows' basis values, f32, widened into
 * `wide`, 4 f64) where the block lies in E's lower triangle (a >= b), the only part the factor reads: the
 * caller adds each off-diagonal pair both ways, and one of the two lands there.
 */
@inline
function addOuter(matrix: usize, m: i32, a: i32, b: i32, phiU: usize, phiV: usize, scale: f64, wide: usize): void {
  if (a < b) return;
  for (let j = 0; j < DOFS; j++) store<f64>(wide + (<usize>j << 3), <f64>load<f32>(phiV + (<usize>j << 2)));
  for (let i = 0; i < DOFS; i++) {
    addScaledRow(matrix + (<usize>((a * DOFS + i) * m + b * DOFS) << 3), scale * <f64>load<f32>(phiU + (<usize>i << 2)), wide);
  }
}

/**
 * Adds scale x (the 4 f32 at phi) into the slot of aggregate b among the `count` slots (aggregates at `slots`, i32;
 * 4 f64 each at `sums`), opening one where b has none. Returns the new count.
 */
@inline
function addToSlot(slots: usize, sums: usize, count: i32, b: i32, scale: f64, phi: usize): i32 {
  let slot = 0;
  while (slot < count && load<i32>(slots + (<usize>slot << 2)) != b) slot++;
  const target = sums + (<usize>(slot * DOFS) << 3);
  if (slot == count) {
    store<i32>(slots + (<usize>slot << 2), b);
    memory.fill(target, 0, DOFS << 3);
    count++;
  }
  for (let i = 0; i < DOFS; i++) {
    const at = target + (<usize>i << 3);
    store<f64>(at, load<f64>(at) + scale * <f64>load<f32>(phi + (<usize>i << 2)));
  }
  return count;
}

/**
 * Row u's pairs merged by aggregate into E: each slot holds s = sum a_uv phi_v over u's pairs (u, v) with v in
 * aggregate b, which adds phi_u s^T to E[a, b] and s phi_u^T to E[b, a] (those of the two in E's lower triangle;
 * both where a = b). phiU: the 4 f32 of phi_u; wide: 4 f64 of scratch.
 */
function addPairSlots(matrix: usize, m: i32, a: i32, phiU: usize, wide: usize, slots: usize, sums: usize, count: i32): void {
  for (let i = 0; i < DOFS; i++) store<f64>(wide + (<usize>i << 3), <f64>load<f32>(phiU + (<usize>i << 2)));
  for (let s = 0; s < count; s++) {
    const b = load<i32>(slots + (<usize>s << 2)), sum = sums + (<usize>(s * DOFS) << 3);
    if (a >= b) {
      for (let i = 0; i < DOFS; i++) addScaledRow(matrix + (<usize>((a * DOFS + i) * m + b * DOFS) << 3), <f64>load<f32>(phiU + (<usize>i << 2)), sum);
    }
    if (b >= a) {
      for (let i = 0; i < DOFS; i++) addScaledRow(matrix + (<usize>((b * DOFS + i) * m + a * DOFS) << 3), load<f64>(sum + (<usize>i << 3)), wide);
    }
  }
}

/**
 * Rows [first, end)'s share of E = Z^T A Z, its lower triangle (in 4 x 4 blocks), into the coarse record's matrix
 * (zeroed by the slice with first = 0),
 * from the system's parts as ifmMultiply applies them: the stencil and the diagonal it does not hold, the
 * colour-mixture term ((I - W) Z)^T ((I - W) Z) row by row, the intra-unknown pairs. A row's off-diagonal pairs
 * (the stencil's entries a_uv, the intra-unknown flows' -w) are summed by aggregate first, so that each aggregate
 * they reach costs one or two 4 x 4 blocks rather than two per pair. scratch: ifmCoarseScratchBytes(max(colour-mixture
 * k, stencil half + intra-unknown k)).
 */
export function ifmCoarseOperator(system: usize, coarse: usize, scratch: usize, first: i32, end: i32): void {
  const rows = field(system, 0), half = field(system, 1), columns = pointerField(system, 2), values = pointerField(system, 3);
  const cmK = field(system, 11), cmColumns = pointerField(system, 12), cmWeights = pointerField(system, 13);
  const iuOffsets = pointerField(system, 6), iuColumns = pointerField(system, 15), iuWeights = pointerField(system, 16);
  const iuK = field(system, 14), ownDiagonal = pointerField(system, 17);
  const m = field(coarse, 0), aggregateOf = pointerField(coarse, 1), basis = pointerField(coarse, 2), matrix = pointerField(coarse, 3);
  if (first == 0) memory.fill(matrix, 0, <usize>m * <usize>m << 3);
  // Slots for the most aggregates a row's merge can reach: its pairs' or its colour-mixture neighbours' and its own.
  const slots = max(cmK, half + iuK) + 1;
  const wide = scratch, rowAggregates = scratch + (DOFS << 3), rowValues = rowAggregates + ((<usize>slots << 2) + 15 & ~15);
  for (let u = first; u < end; u++) {
    const a = load<i32>(aggregateOf + (<usize>u << 2)), phiU = basis + (<usize>u << 4);
    // u's diagonal: the stencil's and data term's, plus the weight of each of its intra-unknown flows.
    let diagonal = load<f64>(ownDiagonal + (<usize>u << 3));
    let count = 0;
    for (let s = 0; s < half; s++) {
      const at = <usize>u * <usize>half + <usize>s;
      const v = load<i32>(columns + (at << 2));
      if (v == rows) continue;
      count = addToSlot(rowAggregates, rowValues, count, load<i32>(aggregateOf + (<usize>v << 2)), load<f64>(values + (at << 3)), basis + (<usize>v << 4));
    }
    const iuEnd = <usize>load<i32>(iuOffsets + (<usize>(u + 1) << 2));
    for (let e = <usize>load<i32>(iuOffsets + (<usize>u << 2)); e < iuEnd; e++) {
      const v = load<i32>(iuColumns + (e << 2));
      const w = <f64>load<f32>(iuWeights + (e << 2)), b = load<i32>(aggregateOf + (<usize>v << 2)), phiV = basis + (<usize>v << 4);
      diagonal += w;
      addOuter(matrix, m, b, b, phiV, phiV, w, wide);
      count = addToSlot(rowAggregates, rowValues, count, b, -w, phiV);
    }
    addPairSlots(matrix, m, a, phiU, wide, rowAggregates, rowValues, count);
    addOuter(matrix, m, a, a, phiU, phiU, diagonal, wide);
    // Row u of (I - W) Z, merged by aggregate: phi_u on u's, minus w_uj phi_v on each unknown neighbour's.
    store<i32>(rowAggregates, a);
    for (let i = 0; i < DOFS; i++) store<f64>(rowValues + (<usize>i << 3), <f64>load<f32>(phiU + (<usize>i << 2)));
    count = 1;
    for (let j = 0; j < cmK; j++) {
      const e = <usize>u * <usize>cmK + <usize>j;
      const v = load<i32>(cmColumns + (e << 2));
      if (v == rows) continue;
      count = addToSlot(rowAggregates, rowValues, count, load<i32>(aggregateOf + (<usize>v << 2)), -<f64>load<f32>(cmWeights + (e << 2)), basis + (<usize>v << 4));
    }
    for (let s = 0; s < count; s++) {
      const left = rowValues + (<usize>(s * DOFS) << 3), a1 = load<i32>(rowAggregates + (<usize>s << 2));
      for (let t = 0; t < count; t++) {
        const b1 = load<i32>(rowAggregates + (<usize>t << 2));
        if (a1 < b1) continue; // E's lower triangle only (see addOuter)
        const right = rowValues + (<usize>(t * DOFS) << 3);
        for (let i = 0; i < DOFS; i++) addScaledRow(matrix + (<usize>((a1 * DOFS + i) * m + b1 * DOFS) << 3), load<f64>(left + (<usize>i << 3)), right);
      }
    }
  }
}

/** Bytes of ifmCoarseOperator's scratch for rows that reach at most k + 1 aggregates (see ifmCoarseOperator). */
export function ifmCoarseScratchBytes(k: i32): i32 {
  return DOFS * 8 + (k + 1) * (4 + DOFS * 8) + 16;
}

/** sum_{k < count} a[k] b[k] over f64 (v128 pairs where SIMD is on). */
@inline
function rowDot(a: usize, b: usize, count: i32): f64 {
  let sum = 0.0, k = 0;
  if (ASC_FEATURE_SIMD) {
    let pair = f64x2.splat(0);
    for (; k + 1 < count; k += 2) pair = f64x2.add(pair, f64x2.mul(v128.load(a + (<usize>k << 3)), v128.load(b + (<usize>k << 3))));
    sum = f64x2.extract_lane(pair, 0) + f64x2.extract_lane(pair, 1);
  }
  for (; k < count; k++) sum += load<f64>(a + (<usize>k << 3)) * load<f64>(b + (<usize>k << 3));
  return sum;
}

/**
 * Rows [first, end) of E's Cholesky factor in place, row by row (E = L L^T, L in the lower triangle; each entry a
 * dot product of two contiguous rows), so that it can run in slices. A pivot below DEPENDENT of E's diagonal entry
 * drops its unknown: L's diagonal entry is 0, later rows' entries in its column are 0, and solves skip it.
 */
export function ifmCoarseFactor(coarse: usize, first: i32, end: i32): void {
  const m = field(coarse, 0), matrix = pointerField(coarse, 3);
  for (let i = first; i < end; i++) {
    const row = matrix + (<usize>(i * m) << 3);
    for (let j = 0; j < i; j++) {
      const diagonal = load<f64>(matrix + (<usize>(j * m + j) << 3));
      const at = row + (<usize>j << 3);
      store<f64>(at, diagonal == 0 ? 0 : (load<f64>(at) - rowDot(row, matrix + (<usize>(j * m) << 3), j)) / diagonal);
    }
    const at = row + (<usize>i << 3);
    const entry = load<f64>(at), pivot = entry - rowDot(row, row, i);
    store<f64>(at, pivot > DEPENDENT * entry ? Math.sqrt(pivot) : 0);
  }
}

/** a[k] -= scale b[k] for k < count (v128 pairs where SIMD is on). */
@inline
function subtractScaled(a: usize, scale: f64, b: usize, count: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const s = f64x2.splat(scale);
    for (; k + 1 < count; k += 2) {
      const at = a + (<usize>k << 3);
      v128.store(at, f64x2.sub(v128.load(at), f64x2.mul(s, v128.load(b + (<usize>k << 3)))));
    }
  }
  for (; k < count; k++) {
    const at = a + (<usize>k << 3);
    store<f64>(at, load<f64>(at) - scale * load<f64>(b + (<usize>k << 3)));
  }
}

/**
 * y = E^+ y by the factor: forward substitution (L y' = y, each entry a dot product with its row of L), then
 * backward (L^T y = y', column by column: once y_i is known, row i of L times y_i leaves the entries before it,
 * so that both read L's rows contiguously); dropped unknowns 0; a heartbeat per row.
 */
function coarseSolve(coarse: usize, context: usize): void {
  const m = field(coarse, 0), factor = pointerField(coarse, 3), y = pointerField(coarse, 4);
  for (let i = 0; i < m; i++) {
    beat(context);
    const diagonal = load<f64>(factor + (<usize>(i * m + i) << 3));
    const at = y + (<usize>i << 3);
    store<f64>(at, diagonal == 0 ? 0 : (load<f64>(at) - rowDot(factor + (<usize>(i * m) << 3), y, i)) / diagonal);
  }
  for (let i = m - 1; i >= 0; i--) {
    beat(context);
    const diagonal = load<f64>(factor + (<usize>(i * m + i) << 3));
    if (diagonal == 0) continue;
    const at = y + (<usize>i << 3), value = load<f64>(at) / diagonal;
    store<f64>(at, value);
    subtractScaled(y, value, factor + (<usize>(i * m) << 3), i);
  }
}

/**
 * The coarse vector y = E^+ Z^T r over all rows: one thread's work, with heartbeats (context: its team context, so
 * that the threads waiting for it at a barrier see it alive).
 */
export function ifmCoarseRestrictSolve(coarse: usize, rows: i32, r: usize, context: usize): void {
  const m = field(coarse, 0), aggregateOf = pointerField(coarse, 1), basis = pointerField(coarse, 2), y = pointerField(coarse, 4);
  memory.fill(y, 0, <usize>m << 3);
  for (let u = 0; u < rows; u++) {
    if ((u & 1023) == 0) beat(context);
    const ru = load<f64>(r + (<usize>u << 3)), phi = basis + (<usize>u << 4);
    const target = y + (<usize>(load<i32>(aggregateOf + (<usize>u << 2)) * DOFS) << 3);
    if (ASC_FEATURE_SIMD) {
      // The same products and sums as the loop below, two lanes at a time.
      const values = v128.load(phi), scale = f64x2.splat(ru);
      const low = f64x2.mul(f64x2.promote_low_f32x4(values), scale);
      const high = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(values, values, 2, 3, 2, 3)), scale);
      v128.store(target, f64x2.add(v128.load(target), low));
      v128.store(target, f64x2.add(v128.load(target, 16), high), 16);
      continue;
    }
    for (let i = 0; i < DOFS; i++) {
      const at = target + (<usize>i << 3);
      store<f64>(at, load<f64>(at) + <f64>load<f32>(phi + (<usize>i << 2)) * ru);
    }
  }
  coarseSolve(coarse, context);
}

/** sum + (Z y)_u: row u's basis values times its aggregate's entries of the coarse vector y. */
@inline
export function addCoarse(coarse: usize, u: i32, sum: f64): f64 {
  const phi = pointerField(coarse, 2) + (<usize>u << 4);
  const source = pointerField(coarse, 4) + (<usize>(load<i32>(pointerField(coarse, 1) + (<usize>u << 2)) * DOFS) << 3);
  if (ASC_FEATURE_SIMD) {
    // The four products two at a time, summed in the loop's order.
    const values = v128.load(phi);
    const low = f64x2.mul(f64x2.promote_low_f32x4(values), v128.load(source));
    const high = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(values, values, 2, 3, 2, 3)), v128.load(source, 16));
    return sum + f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1);
  }
  for (let i = 0; i < DOFS; i++) sum += <f64>load<f32>(phi + (<usize>i << 2)) * load<f64>(source + (<usize>i << 3));
  return sum;
}

/** z = D^-1 r + Z y on rows [lo, hi), y the coarse vector of ifmCoarseRestrictSolve. */
export function ifmCoarseProlong(coarse: usize, inverseDiagonal: usize, r: usize, z: usize, lo: i32, hi: i32): void {
  for (let u = lo; u < hi; u++) {
    store<f64>(z + (<usize>u << 3), addCoarse(coarse, u, load<f64>(inverseDiagonal + (<usize>u << 3)) * load<f64>(r + (<usize>u << 3))));
  }
}
