// One application of the aggregation multigrid preconditioner (layout in assembly/aggregation.ts):
// z = M^-1 r by a cycle that smooths the fine stencil system, corrects it from the block levels,
// and smooths again in reverse. Block levels work in f32: the preconditioner only has to be a good
// approximate inverse, not an accurate one; the outer CG keeps f64.

import { HEADER_BYTES, LEVEL_BYTES } from "./aggregation";
import { blockGaussSeidel, blockGaussSeidelFromZero, blockProduct } from "./smooth";
import { endRow, firstRow, gaussSeidelBackward, gaussSeidelFromZero } from "./fine";
import { field, pointerField } from "./record";
import { barrier, beat, contribute, lane, rangeEnd, rangeStart, reduce, soloContext, threadIndex, threads, total } from "./team";

const DOFS = 4;
const BLOCK = 16;
// Symmetric sweep pairs on the coarsest level (at most 128 nodes): more changed no iteration count.
const COARSEST_SWEEPS = 2;
// The K-cycle skips its second step when the first leaves less than this share of the residual.
const KRYLOV_ENOUGH = 0.1;
// Smoothed aggregation's parents per block-level node (3x3) and per fine row (2x2); see assembly/smoothed.ts.
const SMOOTHED_PARENTS = 9;
const SMOOTHED_ROW_PARENTS = 4;

@inline
function levelRecord(hierarchy: usize, level: i32): usize {
  return hierarchy + <usize>HEADER_BYTES + <usize>(level * LEVEL_BYTES);
}

/** Smoothed aggregation (header field 13 is 1; assembly/smoothed.ts): several parents per row and node, 5x5-node stencils. */
@inline
function smoothed(hierarchy: usize): bool {
  return field(hierarchy, 13) != 0;
}

/**
 * Levels with more nodes than this (header field 14; src/alpha.ts FORWARD_AFTER_NODES) sweep forward after the coarse
 * correction on one thread; see smoothCycle.
 */
@inline
function forwardAfter(hierarchy: usize): i32 {
  return field(hierarchy, 14);
}

/** Neighbour blocks per node on the block levels: 3x3, or 5x5 with smoothed prolongators. */
@inline
function neighbourCount(hierarchy: usize): i32 {
  return smoothed(hierarchy) ? 25 : 9;
}

/** Scale of the fine level's coarse correction (header field 11, f32); see aggregation.ts. */
@inline
function overCorrection(hierarchy: usize): f32 {
  return load<f32>(hierarchy + 44);
}

/**
 * The first step's five sums over `count` f32 (accumulated in f64), in one pass over u, bk and w1, each
 * contributed to the team's slot: u.bk, u.w1, bk.bk, w1.w1, bk.w1.
 */
function contributeFirstDots(u: usize, bk: usize, w1: usize, count: i32, context: usize): void {
  let ub = 0.0, uw = 0.0, bb = 0.0, ww = 0.0, bw = 0.0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Even and odd entries in two lanes (count is a multiple of 4: four unknowns per node), the lanes added at the end.
    let ub2 = f64x2.splat(0), uw2 = ub2, bb2 = ub2, ww2 = ub2, bw2 = ub2;
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 2;
      const ui = f64x2.promote_low_f32x4(v128.load64_zero(u + o)), bi = f64x2.promote_low_f32x4(v128.load64_zero(bk + o));
      const wi = f64x2.promote_low_f32x4(v128.load64_zero(w1 + o));
      ub2 = f64x2.add(ub2, f64x2.mul(ui, bi));
      uw2 = f64x2.add(uw2, f64x2.mul(ui, wi));
      bb2 = f64x2.add(bb2, f64x2.mul(bi, bi));
      ww2 = f64x2.add(ww2, f64x2.mul(wi, wi));
      bw2 = f64x2.add(bw2, f64x2.mul(bi, wi));
    }
    ub = f64x2.extract_lane(ub2, 0) + f64x2.extract_lane(ub2, 1);
    uw = f64x2.extract_lane(uw2, 0) + f64x2.extract_lane(uw2, 1);
    bb = f64x2.extract_lane(bb2, 0) + f64x2.extract_lane(bb2, 1);
    ww = f64x2.extract_lane(ww2, 0) + f64x2.extract_lane(ww2, 1);
    bw = f64x2.extract_lane(bw2, 0) + f64x2.extract_lane(bw2, 1);
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const ui = <f64>load<f32>(u + o), bi = <f64>load<f32>(bk + o), wi = <f64>load<f32>(w1 + o);
    ub += ui * bi;
    uw += ui * wi;
    bb += bi * bi;
    ww += wi * wi;
    bw += bi * wi;
  }
  contribute(context, 0, ub);
  contribute(context, 1, uw);
  contribute(context, 2, bb);
  contribute(context, 3, ww);
  contribute(context, 4, bw);
}

/** The second step's three sums in one pass over v2 (the cycle's x), w1, w2 and b: v2.w1, v2.w2, v2.b. */
function contributeSecondDots(v2: usize, w1: usize, w2: usize, b: usize, count: i32, context: usize): void {
  let gamma = 0.0, beta = 0.0, alpha = 0.0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // As in contributeFirstDots: even and odd entries in two lanes.
    let gamma2 = f64x2.splat(0), beta2 = gamma2, alpha2 = gamma2;
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 2;
      const vi = f64x2.promote_low_f32x4(v128.load64_zero(v2 + o));
      gamma2 = f64x2.add(gamma2, f64x2.mul(vi, f64x2.promote_low_f32x4(v128.load64_zero(w1 + o))));
      beta2 = f64x2.add(beta2, f64x2.mul(vi, f64x2.promote_low_f32x4(v128.load64_zero(w2 + o))));
      alpha2 = f64x2.add(alpha2, f64x2.mul(vi, f64x2.promote_low_f32x4(v128.load64_zero(b + o))));
    }
    gamma = f64x2.extract_lane(gamma2, 0) + f64x2.extract_lane(gamma2, 1);
    beta = f64x2.extract_lane(beta2, 0) + f64x2.extract_lane(beta2, 1);
    alpha = f64x2.extract_lane(alpha2, 0) + f64x2.extract_lane(alpha2, 1);
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const vi = <f64>load<f32>(v2 + o);
    gamma += vi * <f64>load<f32>(w1 + o);
    beta += vi * <f64>load<f32>(w2 + o);
    alpha += vi * <f64>load<f32>(b + o);
  }
  contribute(context, 0, gamma);
  contribute(context, 1, beta);
  contribute(context, 2, alpha);
}

function scale(v: usize, s: f32, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f32x4.splat(s);
    for (; i + 4 <= count; i += 4) v128.store(v + (<usize>i << 2), f32x4.mul(sv, v128.load(v + (<usize>i << 2))));
  }
  for (; i < count; i++) store<f32>(v + (<usize>i << 2), s * load<f32>(v + (<usize>i << 2)));
}

/**
 * A vector of a level record (fields 3-5, 10-13): on a replicated level (field 15, the bytes between the
 * threads' copies, not 0) this thread's own copy, else the one all threads share.
 */
@inline
function vector(record: usize, k: i32, context: usize): usize {
  return pointerField(record, k) + <usize>(field(record, 15) * lane(context));
}

/** Start of this thread's nodes on a level: all of them when the level is not split or N is 1. */
@inline
function firstNode(record: usize, context: usize): i32 {
  const ranges = pointerField(record, 14);
  return ranges == 0 ? 0 : rangeStart(context, ranges);
}

@inline
function endNode(record: usize, context: usize): i32 {
  const ranges = pointerField(record, 14);
  return ranges == 0 ? field(record, 0) : rangeEnd(context, ranges, field(record, 0));
}

/**
 * This thread's inner nodes on a split level, [innerBound(0), innerBound(1)): those not on the first or last row of
 * cells of its band, whose neighbours all lie in its own nodes (src/split.ts nodeRanges stores them after the N + 1
 * ranges). On a level that is not split, none: the sweeps then read every neighbour from x anyway.
 */
@inline
function innerBound(record: usize, context: usize, end: i32): i32 {
  const ranges = pointerField(record, 14);
  return ranges == 0 || threads(context) == 1 ? 0 : load<i32>(ranges + (<usize>(threads(context) + 1 + 2 * threadIndex(context) + end) << 2));
}

/** Offset of node n's vector entries. */
@inline
function node(n: i32): usize {
  return <usize>(n * DOFS) << 2;
}

/**
 * Runs `step` on this thread's share when the coarser level is split between the threads, else on
 * thread 0 alone over everything while the others wait: coarse levels are too small to share.
 */
@inline
function sharedOrSolo(coarse: usize, context: usize): usize {
  if (threads(context) == 1 || pointerField(coarse, 14) != 0) return context;
  barrier(context);
  return threadIndex(context) == 0 ? soloContext(context) : 0;
}

/** target += ru t: one node's four f32 unknowns, by a fine row's four coefficients t for that node. */
@inline function addScaled(target: usize, t: usize, ru: f32): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(target, f32x4.add(v128.load(target), f32x4.mul(v128.load(t), f32x4.splat(ru))));
  } else {
    for (let k = 0; k < DOFS; k++) {
      const at = target + (<usize>k << 2);
      store<f32>(at, load<f32>(at) + load<f32>(t + (<usize>k << 2)) * ru);
    }
  }
}

/**
 * A fine row's value from its node's correction: sum_k t[k] source[k] (f32), added in k's order from 0; with SIMD the
 * four products at once, then the same additions (0 + p0 is p0: a -0 product then reads +0 either way once added).
 */
@inline
function rowValue(t: usize, source: usize): f32 {
  if (ASC_FEATURE_SIMD) {
    const p = f32x4.mul(v128.load(t), v128.load(source));
    return ((<f32>0 + f32x4.extract_lane(p, 0)) + f32x4.extract_lane(p, 1) + f32x4.extract_lane(p, 2)) + f32x4.extract_lane(p, 3);
  }
  let sum: f32 = 0;
  for (let k = 0; k < DOFS; k++) sum += load<f32>(t + (<usize>k << 2)) * load<f32>(source + (<usize>k << 2));
  return sum;
}

/** target += T^T r for a child node's prolongator T (row i: child unknown i, f32 4x4 row-major) and residual r. */
@inline
function restrictNode(t: usize, r: usize, target: usize): void {
  if (ASC_FEATURE_SIMD) {
    const rv = v128.load(r);
    let sum = f32x4.mul(v128.load(t), v128.shuffle<f32>(rv, rv, 0, 0, 0, 0));
    sum = f32x4.add(sum, f32x4.mul(v128.load(t, 16), v128.shuffle<f32>(rv, rv, 1, 1, 1, 1)));
    sum = f32x4.add(sum, f32x4.mul(v128.load(t, 32), v128.shuffle<f32>(rv, rv, 2, 2, 2, 2)));
    sum = f32x4.add(sum, f32x4.mul(v128.load(t, 48), v128.shuffle<f32>(rv, rv, 3, 3, 3, 3)));
    v128.store(target, f32x4.add(v128.load(target), sum));
  } else {
    for (let i = 0; i < DOFS; i++) {
      const ri = load<f32>(r + (<usize>i << 2));
      for (let k = 0; k < DOFS; k++) {
        const at = target + (<usize>k << 2);
        store<f32>(at, load<f32>(at) + load<f32>(t + (<usize>(i * DOFS + k) << 2)) * ri);
      }
    }
  }
}

/** x += T xc for a child node's prolongator T (as in restrictNode) and its parent's correction xc. */
@inline
function prolongNode(t: usize, xc: usize, x: usize): void {
  if (ASC_FEATURE_SIMD) {
    const c = v128.load(xc);
    // row i's four products, then their sums: a 4x4 transpose by shuffles, added lane by lane
    const p0 = f32x4.mul(v128.load(t), c), p1 = f32x4.mul(v128.load(t, 16), c);
    const p2 = f32x4.mul(v128.load(t, 32), c), p3 = f32x4.mul(v128.load(t, 48), c);
    const s01 = f32x4.add(v128.shuffle<f32>(p0, p1, 0, 4, 1, 5), v128.shuffle<f32>(p0, p1, 2, 6, 3, 7));
    const s23 = f32x4.add(v128.shuffle<f32>(p2, p3, 0, 4, 1, 5), v128.shuffle<f32>(p2, p3, 2, 6, 3, 7));
    const sums = f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
    v128.store(x, f32x4.add(v128.load(x), sums));
  } else {
    for (let i = 0; i < DOFS; i++) {
      let sum: f32 = 0;
      for (let k = 0; k < DOFS; k++) sum += load<f32>(t + (<usize>(i * DOFS + k) << 2)) * load<f32>(xc + (<usize>k << 2));
      const at = x + (<usize>i << 2);
      store<f32>(at, load<f32>(at) + sum);
    }
  }
}

/** x_l from b_l on block level l: smoothing around a Krylov-accelerated correction from level l + 1. */
function smoothCycle(hierarchy: usize, levels: i32, l: i32, scratch: usize, context: usize): void {
  const record = levelRecord(hierarchy, l);
  const count = neighbourCount(hierarchy);
  const nodes = field(record, 0), neighbours = pointerField(record, 1), blocks = pointerField(record, 2);
  const x = vector(record, 3, context), b = vector(record, 4, context), r = vector(record, 5, context), inverses = pointerField(record, 9);
  if (l == levels - 1) {
    memory.fill(x, 0, <usize>((nodes + 1) * DOFS) << 2);
    for (let k = 0; k < COARSEST_SWEEPS; k++) {
      blockGaussSeidel(nodes, count, neighbours, blocks, inverses, b, x, false, scratch, 0, nodes, x, 0, 0, context);
      blockGaussSeidel(nodes, count, neighbours, blocks, inverses, b, x, true, scratch, 0, nodes, x, 0, 0, context);
    }
    return;
  }
  const lo = firstNode(record, context), hi = endNode(record, context);
  blockGaussSeidelFromZero(nodes, count, neighbours, blocks, inverses, b, x, r, scratch, lo, hi, innerBound(record, context, 0), context);
  const coarse = levelRecord(hierarchy, l + 1);
  if (threads(context) > 1 && field(coarse, 15) != 0) {
    // Level l + 1 replicated: once every thread's share of r is in, each restricts all of r, in the same order, into
    // its own copy of the coarse right-hand side (the solo context's ranges are all the nodes) and runs the coarser
    // levels alone on its own copies: the same data and arithmetic, so the same correction in every thread, with no
    // barrier inside. Each then prolongs it into its own nodes of x.
    barrier(context); // every thread's residual is in
    coarseCorrection(hierarchy, levels, l, scratch, soloContext(context), x, r, lo, hi);
    // Other threads may still be restricting this thread's r: the values before the sweep go to A v2 instead,
    // unused until the K-cycle's second product (a barrier after this sweep).
    const old = vector(record, 13, context);
    memory.copy(old + node(lo), x + node(lo), node(hi - lo));
    barrier(context); // the sweep reads other threads' nodes from old
    blockGaussSeidel(nodes, count, neighbours, blocks, inverses, b, x, true, scratch, lo, hi, old, innerBound(record, context, 0), innerBound(record, context, 1), context);
    return;
  }
  const share = sharedOrSolo(coarse, context);
  if (share != 0) coarseCorrection(hierarchy, levels, l, scratch, share, x, r, firstNode(record, share), endNode(record, share));
  if (threads(context) > 1) {
    if (share != context) barrier(context); // thread 0's solo correction is in
    memory.copy(r + node(lo), x + node(lo), node(hi - lo));
    barrier(context); // the sweep reads other threads' nodes from r
    blockGaussSeidel(nodes, count, neighbours, blocks, inverses, b, x, true, scratch, lo, hi, r, innerBound(record, context, 0), innerBound(record, context, 1), context);
  } else {
    // A level larger than the caches (more nodes than header field 14; high-res GT04 Trimap1's first block level: 191643 nodes, 110 MB of blocks) sweeps
    // forward after the correction too, reading its blocks in the order they are stored as the sweep from zero does: a
    // backward sweep streaming them from the end was most of the block levels' time there, and the iterations stayed
    // the same (32). The cycle is then not symmetric, which the K-cycle's steps and the outer flexible CG allow; on the
    // low-res cases, whose levels fit the caches, a forward pair took more iterations (GT05 Trimap2 44 -> 64), so
    // smaller levels keep the symmetric pair.
    blockGaussSeidel(nodes, count, neighbours, blocks, inverses, b, x, nodes <= forwardAfter(hierarchy), scratch, 0, nodes, x, 0, 0, context);
  }
}

/**
 * Level l's correction from level l + 1 on `share`: bc = T^T r over share's nodes (children and parents split at
 * the same image rows), the K-cycle on level l + 1, then x += T xc over level l's nodes [lo, hi).
 */
function coarseCorrection(hierarchy: usize, levels: i32, l: i32, scratch: usize, share: usize, x: usize, r: usize, lo: i32, hi: i32): void {
  const record = levelRecord(hierarchy, l), coarse = levelRecord(hierarchy, l + 1);
  const clo = firstNode(record, share), chi = endNode(record, share);
  const bc = vector(coarse, 10, share), xc = vector(coarse, 11, share);
  const plo = firstNode(coarse, share), phi = endNode(coarse, share);
  const parent = pointerField(record, 6), prolongator = pointerField(record, 7);
  memory.fill(bc + node(plo), 0, node(phi - plo));
  if (smoothed(hierarchy)) {
    // One thread only (the engine builds smoothed levels for one): up to SMOOTHED_PARENTS parents per node.
    const dummy = field(coarse, 0);
    for (let n = 0; n < field(record, 0); n++) {
      for (let i = 0; i < SMOOTHED_PARENTS; i++) {
        const q = load<i32>(parent + (<usize>(n * SMOOTHED_PARENTS + i) << 2));
        if (q == dummy) continue;
        restrictNode(prolongator + (<usize>((n * SMOOTHED_PARENTS + i) * BLOCK) << 2), r + node(n), bc + node(q));
      }
    }
    krylovCycle(hierarchy, levels, l + 1, scratch, share);
    for (let n = lo; n < hi; n++) {
      for (let i = 0; i < SMOOTHED_PARENTS; i++) {
        const q = load<i32>(parent + (<usize>(n * SMOOTHED_PARENTS + i) << 2));
        if (q == dummy) continue;
        prolongNode(prolongator + (<usize>((n * SMOOTHED_PARENTS + i) * BLOCK) << 2), xc + node(q), x + node(n));
      }
    }
    return;
  }
  for (let n = clo; n < chi; n++) {
    beat(share);
    restrictNode(prolongator + (<usize>(n * BLOCK) << 2), r + node(n), bc + node(load<i32>(parent + (<usize>n << 2))));
  }
  krylovCycle(hierarchy, levels, l + 1, scratch, share);
  for (let n = lo; n < hi; n++) {
    beat(share);
    prolongNode(prolongator + (<usize>(n * BLOCK) << 2), xc + node(load<i32>(parent + (<usize>n << 2))), x + node(n));
  }
}

/**
 * The K-cycle (Notay and Vassilevski 2008): level l's correction u = A_l^-1 bk approximated by two
 * steps of conjugate gradients on A_l preconditioned by smoothCycle, which finds the scaling that the
 * piecewise prolongator of unsmoothed aggregation gets wrong. Input: level field 10 (bk); output:
 * field 11 (u). Uses the level's x, b, and fields 12, 13 (A v1, A v2).
 */
function krylovCycle(hierarchy: usize, levels: i32, l: i32, scratch: usize, context: usize): void {
  const record = levelRecord(hierarchy, l);
  const count = neighbourCount(hierarchy);
  const neighbours = pointerField(record, 1), blocks = pointerField(record, 2);
  const x = vector(record, 3, context), b = vector(record, 4, context), bk = vector(record, 10, context), u = vector(record, 11, context);
  const w1 = vector(record, 12, context), w2 = vector(record, 13, context);
  const lo = firstNode(record, context), hi = endNode(record, context);
  const from = node(lo), length = (hi - lo) * DOFS, bytes = node(hi - lo);
  memory.copy(b + from, bk + from, bytes);
  smoothCycle(hierarchy, levels, l, scratch, context);
  memory.copy(u + from, x + from, bytes);
  if (l == levels - 1) return;
  barrier(context); // every thread's x is in
  blockProduct(count, neighbours, blocks, x, w1, lo, hi, context);
  contributeFirstDots(u + from, bk + from, w1 + from, length, context);
  reduce(context, 5);
  const c1 = total(context, 0), a1 = total(context, 1), bb = total(context, 2), ww = total(context, 3), bw = total(context, 4);
  if (!(a1 > 0)) return;
  const step1 = c1 / a1;
  // b = bk - step1 A v1, the residual after the first step; |b|^2 expanded, to save a reduction
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f32x4.splat(<f32>step1);
    for (; i + 4 <= length; i += 4) {
      const at = from + (<usize>i << 2);
      v128.store(b + at, f32x4.sub(v128.load(bk + at), f32x4.mul(sv, v128.load(w1 + at))));
    }
  }
  for (; i < length; i++) {
    const at = from + (<usize>i << 2);
    store<f32>(b + at, load<f32>(bk + at) - <f32>step1 * load<f32>(w1 + at));
  }
  const rr = bb - 2 * step1 * bw + step1 * step1 * ww;
  if (rr <= KRYLOV_ENOUGH * KRYLOV_ENOUGH * bb) {
    scale(u + from, <f32>step1, length);
    return;
  }
  smoothCycle(hierarchy, levels, l, scratch, context);
  barrier(context);
  blockProduct(count, neighbours, blocks, x, w2, lo, hi, context);
  contributeSecondDots(x + from, w1 + from, w2 + from, b + from, length, context);
  reduce(context, 3);
  const gamma = total(context, 0), beta = total(context, 1), alpha2 = total(context, 2);
  const rho2 = beta - gamma * gamma / a1;
  if (!(rho2 > 0)) {
    scale(u + from, <f32>step1, length);
    return;
  }
  const s2 = alpha2 / rho2, s1 = step1 - s2 * gamma / a1;
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const s1v = f32x4.splat(<f32>s1), s2v = f32x4.splat(<f32>s2);
    for (; k + 4 <= length; k += 4) {
      const at = from + (<usize>k << 2);
      v128.store(u + at, f32x4.add(f32x4.mul(s1v, v128.load(u + at)), f32x4.mul(s2v, v128.load(x + at))));
    }
  }
  for (; k < length; k++) {
    const at = from + (<usize>k << 2);
    store<f32>(u + at, <f32>s1 * load<f32>(u + at) + <f32>s2 * load<f32>(x + at));
  }
}

/**
 * z = M^-1 r (vectors of rows + 1 f64, the last kept 0) for this thread's rows; system: see fine.ts. product: 0, or
 * where the last sweep also writes A z (fine.ts gaussSeidelBackward).
 */
export function aggregationApply(system: usize, hierarchy: usize, r: usize, z: usize, product: usize, context: usize): void {
  const levels = field(hierarchy, 0);
  const sums = pointerField(hierarchy, 6), residual = pointerField(hierarchy, 7), rowNode = pointerField(hierarchy, 8), rowBasis = pointerField(hierarchy, 9);
  const scratch = pointerField(hierarchy, 10), sweepValues = pointerField(hierarchy, 12), regularFlags = pointerField(hierarchy, 15);
  gaussSeidelFromZero(system, sweepValues, regularFlags, r, z, sums, residual, context);
  const first = levelRecord(hierarchy, 0);
  const share = sharedOrSolo(first, context);
  if (share != 0) {
    const x1 = pointerField(first, 11), b1 = pointerField(first, 10);
    const lo = firstRow(system, share), hi = endRow(system, share);
    const nlo = firstNode(first, share), nhi = endNode(first, share);
    memory.fill(b1 + node(nlo), 0, node(nhi - nlo));
    if (smoothed(hierarchy)) {
      smoothedFineCorrection(hierarchy, levels, first, residual, rowNode, rowBasis, scratch, z, lo, hi, share);
      gaussSeidelBackward(system, sweepValues, regularFlags, r, z, sums, product, context);
      return;
    }
    for (let u = lo; u < hi; u++) {
      beat(share);
      const ru = <f32>load<f64>(residual + (<usize>u << 3));
      const target = b1 + node(load<i32>(rowNode + (<usize>u << 2)));
      const t = rowBasis + (<usize>(u * DOFS) << 2);
      addScaled(target, t, ru);
    }
    krylovCycle(hierarchy, levels, 0, scratch, share);
    const over = overCorrection(hierarchy);
    for (let u = lo; u < hi; u++) {
      beat(share);
      const source = x1 + node(load<i32>(rowNode + (<usize>u << 2)));
      const t = rowBasis + (<usize>(u * DOFS) << 2);
      const at = z + (<usize>u << 3);
      store<f64>(at, load<f64>(at) + <f64>(over * rowValue(t, source)));
    }
  }
  gaussSeidelBackward(system, sweepValues, regularFlags, r, z, sums, product, context);
}

/**
 * The fine level's correction through smoothed prolongator rows (one thread): b1 = P^T r, the K-cycle on
 * the first block level, z += P x1. rowParents: 4 i32 per fine row (the first level's node count for none,
 * whose x1 entry is 0); rowProlongator: 4 x 4 f32 per row, the row's coefficients for each parent's unknowns.
 */
function smoothedFineCorrection(
  hierarchy: usize, levels: i32, first: usize, residual: usize, rowParents: usize, rowProlongator: usize, scratch: usize, z: usize,
  lo: i32, hi: i32, context: usize
): void {
  const x1 = pointerField(first, 11), b1 = pointerField(first, 10), dummy = field(first, 0);
  for (let u = lo; u < hi; u++) {
    const ru = <f32>load<f64>(residual + (<usize>u << 3));
    for (let i = 0; i < SMOOTHED_ROW_PARENTS; i++) {
      const q = load<i32>(rowParents + (<usize>(u * SMOOTHED_ROW_PARENTS + i) << 2));
      if (q == dummy) continue;
      const target = b1 + node(q);
      const t = rowProlongator + (<usize>((u * SMOOTHED_ROW_PARENTS + i) * DOFS) << 2);
      addScaled(target, t, ru);
    }
  }
  krylovCycle(hierarchy, levels, 0, scratch, context);
  const over = overCorrection(hierarchy);
  for (let u = lo; u < hi; u++) {
    let sum: f32 = 0;
    const parents = rowParents + (<usize>(u * SMOOTHED_ROW_PARENTS) << 2);
    const t = rowProlongator + (<usize>(u * SMOOTHED_ROW_PARENTS * DOFS) << 2);
    if (ASC_FEATURE_SIMD) {
      const low = f32x4.add(
        f32x4.mul(v128.load(t), v128.load(x1 + node(load<i32>(parents)))),
        f32x4.mul(v128.load(t, 16), v128.load(x1 + node(load<i32>(parents, 4)))),
      );
      const high = f32x4.add(
        f32x4.mul(v128.load(t, 32), v128.load(x1 + node(load<i32>(parents, 8)))),
        f32x4.mul(v128.load(t, 48), v128.load(x1 + node(load<i32>(parents, 12)))),
      );
      const v = f32x4.add(low, high);
      sum = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
    } else {
      for (let i = 0; i < SMOOTHED_ROW_PARENTS; i++) {
        const source = x1 + node(load<i32>(parents + (<usize>i << 2)));
        for (let k = 0; k < DOFS; k++) sum += load<f32>(t + (<usize>((i * DOFS + k) << 2))) * load<f32>(source + (<usize>k << 2));
      }
    }
    const at = z + (<usize>u << 3);
    store<f64>(at, load<f64>(at) + <f64>(over * sum));
  }
}
