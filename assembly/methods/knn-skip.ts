// Which known pixels' neighbour searches KNN matting may skip (assembly/methods/knn.ts builds the system). A known
// pixel's own list matters only through the rows it holds: it adds to their degrees and right-hand sides, and it
// makes the pixel itself a row when it holds an unknown one. A list that holds no row changes nothing, so it need
// not be searched, which a bound proves without the search: the k-th smallest distance from pixel p to any k
// pixels (here those of the leaf p falls in, in the search's k-d tree, or of a window around p in the image) bounds
// its k-th nearest's from above, so when no row is within that bound, none is among p's k nearest.
//
// The rows (the unknown pixels and the known ones one edge from one, either way) are only known once every list
// is, so the first test uses the pixels reached from the unknown ones (`reached`, nonzero: the unknown pixels and
// those in their lists in any search). Two kinds of row may be missing from it: a known pixel with an unknown one
// in its own list in another search (in this one it is tested, and may be skipped, though a row's list matters
// whole), and, in a skipped list, a pixel that is a row for that reason. Both are checked once the rows are known
// (knnCheckSkipped), and the lists found are searched after all; that adds edges to rows but no rows (a skipped
// pixel has no unknown one within its bound, so none in its list), so the rows stay as they are.
//
// Distances are f32 sums of squares in coordinate order, as assembly/graph/kdtree.ts sums them, so that a bound and
// the tree's distances compare exactly. A skipped pixel's list is all -1, which is what the system's kernels read as
// no neighbour.

import { LABEL_UNKNOWN as UNKNOWN } from "../convert";
import { blockSquaredDistances, laneSquaredDistance, splitAt } from "../graph/kdtree";
import { field, pointerField } from "../record";

const FEATURES: usize = 5;

/** Marks reached every unknown pixel and every pixel in an unknown one's list (k per pixel). */
export function knnMarkReached(neighbours: usize, k: i32, pixels: i32, labels: usize, reached: usize): void {
  const flag: u8 = 1;
  for (let p = 0; p < pixels; p++) {
    if (load<u8>(labels + <usize>p) != UNKNOWN) continue;
    store<u8>(reached + <usize>p, load<u8>(reached + <usize>p) | flag);
    const list = neighbours + (<usize>p * <usize>k << 2);
    for (let e = 0; e < k; e++) {
      const j = load<i32>(list + (<usize>e << 2));
      if (j >= 0) store<u8>(reached + <usize>j, load<u8>(reached + <usize>j) | flag);
    }
  }
}

@inline function copyFeatures(features: usize, p: i32, out: usize, at: i32): void {
  memory.copy(out + <usize>at * FEATURES * 4, features + <usize>p * FEATURES * 4, FEATURES * 4);
}

/** Gathers the features of the reached pixels (reached[p] != 0) into `out` (when not 0); returns their number. */
export function knnGatherReached(features: usize, pixels: i32, reached: usize, out: usize): i32 {
  let count = 0;
  for (let p = 0; p < pixels; p++) {
    if (load<u8>(reached + <usize>p) == 0) continue;
    if (out != 0) copyFeatures(features, p, out, count);
    count++;
  }
  return count;
}

/** Gathers the features of the rows (activeIndex[p] >= 0) that were not reached into `out` (when not 0); returns their number. */
export function knnGatherLate(features: usize, pixels: i32, reached: usize, activeIndex: usize, out: usize): i32 {
  let count = 0;
  for (let p = 0; p < pixels; p++) {
    if (load<u8>(reached + <usize>p) != 0 || load<i32>(activeIndex + (<usize>p << 2)) < 0) continue;
    if (out != 0) copyFeatures(features, p, out, count);
    count++;
  }
  return count;
}

/** Side of the window whose pixels bound the k-th nearest distance: the smallest odd one with at least k pixels. */
@inline function windowSide(k: i32): i32 {
  let side = 1;
  while (side * side < k) side += 2;
  return side;
}

/** Bytes the bounds' scratch needs for k neighbours: a window's distances and a sorted list of some of them, or a leaf's list and a block's four. */
export function knnBoundScratchBytes(k: i32): i32 {
  const side = windowSide(k);
  return max(2 * side * side, k + 4) << 2;
}

/** Inserts v into the list of `kept` values at `list` sorted by `below` (capacity `size`), dropping its last if full. */
@inline function insertSorted(list: usize, kept: i32, size: i32, v: f32, ascending: bool): i32 {
  if (kept == size) {
    const last = load<f32>(list + (<usize>(size - 1) << 2));
    if (ascending ? v >= last : v <= last) return kept;
  }
  let i = kept < size ? kept++ : size - 1;
  while (i > 0) {
    const before = load<f32>(list + (<usize>(i - 1) << 2));
    if (ascending ? before <= v : before >= v) break;
    store<f32>(list + (<usize>i << 2), before);
    i--;
  }
  store<f32>(list + (<usize>i << 2), v);
  return kept;
}

/** The window of windowBound: its side and top-left corner. */
let windowX0 = 0;
let windowY0 = 0;
let windowW = 0;
let windowH = 0;

/**
 * An upper bound on the f32 squared distance from p to its k-th nearest pixel: the k-th smallest distance to the
 * pixels of a window around p (moved inside the image at its borders; Infinity when the image has fewer pixels
 * than k in it). The window's distances are left at `scratch` in row order (knnBoundScratchBytes).
 */
function windowBound(features: usize, width: i32, height: i32, k: i32, p: i32, scratch: usize): f32 {
  const side = windowSide(k), half = side >> 1;
  const x = p % width, y = p / width;
  const w = min(side, width), h = min(side, height);
  windowW = w;
  windowH = h;
  if (w * h < k) {
    windowW = 0;
    return Infinity;
  }
  const x0 = min(max(x - half, 0), width - w), y0 = min(max(y - half, 0), height - h);
  windowX0 = x0;
  windowY0 = y0;
  const fp = features + <usize>p * FEATURES * 4;
  const q0 = load<f32>(fp), q1 = load<f32>(fp, 4), q2 = load<f32>(fp, 8), q3 = load<f32>(fp, 12), q4 = load<f32>(fp, 16);
  // The k-th smallest of m values is the smallest of the m - k + 1 largest: keep whichever list is shorter.
  const m = w * h, largest = m - k + 1 < k, size = largest ? m - k + 1 : k;
  const list = scratch + (<usize>m << 2);
  let kept = 0, at = scratch;
  for (let row = y0; row < y0 + h; row++) {
    for (let column = x0; column < x0 + w; column++) {
      const fm = features + <usize>(row * width + column) * FEATURES * 4;
      // The tree's order: (q - m)^2 per coordinate, summed from the first.
      let sum: f32 = 0;
      let diff = q0 - load<f32>(fm);
      sum += diff * diff;
      diff = q1 - load<f32>(fm, 4);
      sum += diff * diff;
      diff = q2 - load<f32>(fm, 8);
      sum += diff * diff;
      diff = q3 - load<f32>(fm, 12);
      sum += diff * diff;
      diff = q4 - load<f32>(fm, 16);
      sum += diff * diff;
      store<f32>(at, sum);
      at += 4;
      kept = insertSorted(list, kept, size, sum, !largest);
    }
  }
  return load<f32>(list + (<usize>(size - 1) << 2));
}

// The leaf of leafBound: its points' range in tree order, in the tree `leafTree`.
let leafTree: usize = 0;
let leafLo = 0;
let leafHi = 0;

/** Distances of block b of `blocked` (tree order, five coordinates) to the query at `fp` (splat at querySplats with SIMD), at `out`. */
@inline function blockDistancesTo(blocked: usize, b: i32, fp: usize, out: usize): void {
  const base = blocked + ((<usize>b * <usize>DIMS) << 4);
  if (ASC_FEATURE_SIMD) {
    v128.store(out, blockSquaredDistances(base, querySplats, DIMS));
    return;
  }
  for (let lane = 0; lane < 4; lane++) store<f32>(out + (<usize>lane << 2), laneSquaredDistance(base, fp, lane, DIMS));
}

/**
 * An upper bound on p's k-th nearest distance from the leaf that p's features lead to in `own`, a kdtree.ts tree
 * over every pixel: the k-th smallest distance to its points (Infinity when it holds fewer than k). Its points are
 * near each other in all five features, so where the position weighs little (knn's second search, whose neighbours
 * lie tens of pixels away and close in colour) the bound is far below a window's around p. Any leaf's points are
 * distinct pixels, so which leaf the walk reaches (a point equal to a split may lie on either side) changes only
 * how low the bound is. `list`: room for k f32 and then four.
 */
function leafBound(own: usize, features: usize, p: i32, k: i32, list: usize): f32 {
  const inner = field(own, 2) >> 1, blocked = pointerField(own, 3), splitDims = pointerField(own, 5), splitValues = pointerField(own, 6);
  const fp = features + <usize>p * FEATURES * 4;
  let node = 0, lo = 0, hi = field(own, 0);
  while (node < inner) {
    // The side of the split the query lies on.
    const mid = splitAt(lo, hi);
    if (load<f32>(fp + (<usize>load<i32>(splitDims + (<usize>node << 2)) << 2)) < load<f32>(splitValues + (<usize>node << 2))) {
      node = 2 * node + 1;
      hi = mid;
    } else {
      node = 2 * node + 2;
      lo = mid;
    }
  }
  leafTree = own;
  leafLo = lo;
  leafHi = hi;
  if (hi - lo < k) return Infinity;
  if (ASC_FEATURE_SIMD) {
    for (let d = 0; d < DIMS; d++) v128.store(querySplats + (<usize>d << 4), f32x4.splat(load<f32>(fp + (<usize>d << 2))));
  }
  const lanes = list + (<usize>k << 2);
  let kept = 0;
  for (let first = lo; first < hi; first += 4) {
    blockDistancesTo(blocked, first >> 2, fp, lanes);
    for (let lane = 0, count = min(4, hi - first); lane < count; lane++) kept = insertSorted(list, kept, k, load<f32>(lanes + (<usize>lane << 2)), true);
  }
  return load<f32>(list + (<usize>(k - 1) << 2));
}

/** Whether a point of the last leafBound's leaf with reached[pixel] != 0 is within `limit` of p. */
function leafHolds(features: usize, p: i32, reached: usize, limit: f32): bool {
  const blocked = pointerField(leafTree, 3), index = pointerField(leafTree, 4), fp = features + <usize>p * FEATURES * 4;
  for (let i = leafLo; i < leafHi; i++) {
    if (load<u8>(reached + <usize>load<i32>(index + (<usize>i << 2))) == 0) continue;
    if (laneSquaredDistance(blocked + ((<usize>(i >> 2) * <usize>DIMS) << 4), fp, i & 3, DIMS) <= limit) return true;
  }
  return false;
}

/** Whether a pixel of the last window with reached[pixel] != 0 is within `limit` (its distance at scratch). */
function windowHolds(width: i32, reached: usize, scratch: usize, limit: f32): bool {
  let at = scratch;
  for (let row = windowY0; row < windowY0 + windowH; row++) {
    for (let column = windowX0; column < windowX0 + windowW; column++) {
      if (load<f32>(at) <= limit && load<u8>(reached + <usize>(row * width + column)) != 0) return true;
      at += 4;
    }
  }
  return false;
}

/** rows[p] = p for the pixels whose label is unknown (known 0) or known (known 1), else -1. */
export function knnRowsOfLabel(labels: usize, pixels: i32, known: i32, rows: usize): void {
  for (let p = 0; p < pixels; p++) {
    const isKnown = load<u8>(labels + <usize>p) != UNKNOWN;
    store<i32>(rows + (<usize>p << 2), isKnown == (known != 0) ? p : -1);
  }
}

/** Pixels between two tests while they fail (knnSkipFar). */
const PROBE: i32 = 8;
const DIMS: i32 = 5;
const DIMS_BYTES: i32 = DIMS * 4;

// The tree searched for a point within a bound (the record of assembly/graph/kdtree.ts, read as it documents it).
let treeBlocked: usize = 0;
let treeBoxes: usize = 0;
let treeInner: i32 = 0;
let treeSplitDims: usize = 0;
let treeSplitValues: usize = 0;
let queryAt: usize = 0;
/** The query's coordinates as two groups of four, zero past the five (SIMD). */
const queryGroups: usize = memory.data(32, 16);
/** Each coordinate of the query in four lanes (SIMD). */
const querySplats: usize = memory.data(DIMS_BYTES * 4, 16);
let bound: f32 = 0;
let pruneBound: f64 = 0;


/** A node's box: two groups of four f32 lows, then two of highs (kdtree.ts boxVectors for five coordinates). */
const BOX_BYTES: usize = 64;

/**
 * The f32 squared distance from the query to node `node`'s bounding box (lanes past the five add nothing; with
 * SIMD the lanes are summed in another order, which pruneBound's slack covers).
 */
@inline function boxDistance(node: i32): f32 {
  const box = treeBoxes + <usize>node * BOX_BYTES;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), queryLow = v128.load(queryGroups), queryHigh = v128.load(queryGroups, 16);
    // pmax is maxps (f32x4.max's NaN and signed-zero rules cost several instructions on x64): the coordinates are
    // not NaN, and a -0 squares as 0, so the sum is the same.
    const low = f32x4.pmax(f32x4.pmax(f32x4.sub(v128.load(box), queryLow), f32x4.sub(queryLow, v128.load(box, 32))), zero);
    const high = f32x4.pmax(f32x4.pmax(f32x4.sub(v128.load(box, 16), queryHigh), f32x4.sub(queryHigh, v128.load(box, 48))), zero);
    const sum = f32x4.add(f32x4.mul(low, low), f32x4.mul(high, high));
    return f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
  }
  let sum: f32 = 0;
  for (let d = 0; d < DIMS; d++) {
    const q = load<f32>(queryAt + (<usize>d << 2));
    const outside = max(max(load<f32>(box + (<usize>d << 2)) - q, q - load<f32>(box + 32 + (<usize>d << 2))), 0 as f32);
    sum += outside * outside;
  }
  return sum;
}

/**
 * Whether a point of the tree's block b (four points, coordinate by coordinate) among its first `lanes` is within
 * the bound; the distances summed by kdtree.ts's own function, so that they compare exactly with the tree's.
 */
@inline function blockWithin(b: i32, lanes: i32): bool {
  const base = treeBlocked + ((<usize>b * <usize>DIMS) << 4);
  if (ASC_FEATURE_SIMD) {
    const sum = blockSquaredDistances(base, querySplats, DIMS);
    return (i32x4.bitmask(f32x4.le(sum, f32x4.splat(bound))) & ((1 << lanes) - 1)) != 0;
  }
  for (let lane = 0; lane < lanes; lane++) {
    if (laneSquaredDistance(base, queryAt, lane, DIMS) <= bound) return true;
  }
  return false;
}

/** Whether a point of the node over [lo, hi) (lo a multiple of four) is within the bound. */
function anyWithin(node: i32, lo: i32, hi: i32): bool {
  // kdtree.ts's own slack for the box's rounding: a box only prunes when clearly beyond.
  if (<f64>boxDistance(node) > pruneBound) return false;
  if (node >= treeInner) {
    for (let first = lo; first < hi; first += 4) {
      if (blockWithin(first >> 2, min(4, hi - first))) return true;
    }
    return false;
  }
  // kdtree.ts splitAt: near the middle, on a multiple of four points from lo; the query's side first.
  const mid = lo + (((hi - lo) >> 3) << 2);
  const splitDim = load<i32>(treeSplitDims + (<usize>node << 2));
  if (load<f32>(queryAt + (<usize>splitDim << 2)) < load<f32>(treeSplitValues + (<usize>node << 2))) {
    return anyWithin(2 * node + 1, lo, mid) || anyWithin(2 * node + 2, mid, hi);
  }
  return anyWithin(2 * node + 2, mid, hi) || anyWithin(2 * node + 1, lo, mid);
}

/** Reads `tree` (0: none) for anyWithin; returns its number of points. */
function startTree(tree: usize): i32 {
  const points = tree == 0 ? 0 : field(tree, 0);
  if (points > 0) {
    treeBlocked = pointerField(tree, 3);
    treeSplitDims = pointerField(tree, 5);
    treeSplitValues = pointerField(tree, 6);
    treeBoxes = pointerField(tree, 7);
    treeInner = field(tree, 2) >> 1;
  }
  return points;
}

/** Whether a point of the tree (of `points`) is within p's bound. */
function treeHolds(features: usize, points: i32, p: i32, limit: f32): bool {
  if (points == 0) return false;
  queryAt = features + <usize>p * FEATURES * 4;
  if (ASC_FEATURE_SIMD) {
    // The box's lanes past the five: -Infinity lows and Infinity highs, so any query value there adds nothing.
    v128.store(queryGroups, v128.load(queryAt));
    store<f32>(queryGroups, load<f32>(queryAt, 16), 16);
    for (let d = 0; d < DIMS; d++) v128.store(querySplats + (<usize>d << 4), f32x4.splat(load<f32>(queryAt + (<usize>d << 2))));
  }
  bound = limit;
  pruneBound = <f64>limit * (1.0 + 1e-5) + 1e-37;
  return anyWithin(0, 0, points);
}

/**
 * The first test, in one search (features, k), of the pixels of [from, to): rows[p] = -1 for the unknown and
 * p for the known; a known pixel that is not reached, with no reached pixel within its bound (in its window, or in
 * `tree`, a kdtree.ts tree over the reached pixels), is skipped instead: its k list entries -1, rows[p] = -1, and
 * its bound kept at bounds[p] (f32). The bound is leafBound's in `own` (the search's tree over every pixel, or 0),
 * or the window's where there is none. Returns the number skipped. `scratch`: knnBoundScratchBytes(k).
 */
export function knnSkipFar(tree: usize, features: usize, width: i32, height: i32, k: i32, from: i32, to: i32, labels: usize, reached: usize,
  neighbours: usize, rows: usize, bounds: usize, scratch: usize, own: usize): i32 {
  const points = startTree(tree);
  let skipped = 0;
  // A test costs about a third of a search, and most pixels fail it: a pixel is only tested after one that passed,
  // or every PROBE pixels while they fail (the far pixels come in long runs).
  let untested = PROBE;
  for (let p = from; p < to; p++) {
    const known = load<u8>(labels + <usize>p) != UNKNOWN;
    store<i32>(rows + (<usize>p << 2), known ? p : -1);
    if (!known || load<u8>(reached + <usize>p) != 0) continue;
    if (++untested < PROBE) continue;
    untested = PROBE;
    // The leaf of the search's tree, where it has one: for a search where colour weighs most, a bound far below the
    // window's at about its cost. Else (or when the leaf holds fewer than k) the window.
    let limit = own != 0 ? leafBound(own, features, p, k, scratch) : <f32>Infinity;
    if (limit != Infinity) {
      if (leafHolds(features, p, reached, limit) || treeHolds(features, points, p, limit)) {
        untested = 0;
        continue;
      }
    } else {
      limit = windowBound(features, width, height, k, p, scratch);
      if (windowW == 0 || windowHolds(width, reached, scratch, limit) || treeHolds(features, points, p, limit)) {
        untested = 0;
        continue;
      }
    }
    store<i32>(rows + (<usize>p << 2), -1);
    store<f32>(bounds + (<usize>p << 2), limit);
    const list = neighbours + (<usize>p * <usize>k << 2);
    for (let e = 0; e < k; e++) store<i32>(list + (<usize>e << 2), -1);
    skipped++;
  }
  return skipped;
}

/**
 * The check once the rows are known (activeIndex), of the pixels of [from, to) skipped in one search (list entry
 * -1 first; k per pixel): again[p] = p for those that are rows themselves or have a row within their bound
 * (bounds[p]) in `tree` (a tree over the rows that were not reached); they are searched after all. Returns their
 * number.
 */
export function knnCheckSkipped(tree: usize, features: usize, k: i32, from: i32, to: i32, activeIndex: usize, neighbours: usize, bounds: usize, again: usize): i32 {
  const points = startTree(tree);
  let found = 0;
  for (let p = from; p < to; p++) {
    if (load<i32>(neighbours + (<usize>p * <usize>k << 2)) >= 0) continue;
    const row = load<i32>(activeIndex + (<usize>p << 2)) >= 0;
    if (!row && !treeHolds(features, points, p, load<f32>(bounds + (<usize>p << 2)))) continue;
    store<i32>(again + (<usize>p << 2), p);
    found++;
  }
  return found;
}
