// Exact k nearest neighbours (squared Euclidean distance) among n points of a few coordinates each, by a k-d tree
// (Friedman, Bentley, Finkel 1977) built in linear memory: the points are reordered so that every node's points
// are contiguous, each node splits at the median of its widest coordinate, and a node's children are implicit
// (2i + 1, 2i + 2), so the tree needs no pointers and no allocation per node. The search visits the nearer child
// first and prunes a far one by the distance to its cell, kept incrementally (Arya and Mount 1993).
//
// Ties are broken by the point's index: of two points at the same distance, the lower index is the nearer.
// Distances are summed in the points' own precision (f32 or f64), coordinate by coordinate.
//
// tree (i32 fields): [0] points n [1] dims [2] element bytes (4 or 8) [3] leaf size [4] nodes
//                    [5] reordered coordinates (n * dims elements) [6] original index of each reordered point (i32)
//                    [7] split coordinate per node (i32, -1 for a leaf) [8] split value per node (f64)
//                    [9] with SIMD and f32 points: the reordered coordinates again in blocks of four points, coordinate
//                        by coordinate (four lanes per coordinate), so that a leaf's distances are summed four at a
//                        time in the same order as one at a time (the same f32 results); 0 otherwise

import { field, pointerField } from "../record";

const LEAF_SIZE: i32 = 32;
const MAX_DIMS: i32 = 16;

/** Nodes of the tree over n points: a full binary tree deep enough that every leaf holds at most LEAF_SIZE. */
export function kdNodeCount(n: i32): i32 {
  let nodes = 1, capacity = LEAF_SIZE;
  while (capacity < n) {
    capacity <<= 1;
    nodes = 2 * nodes + 1;
  }
  return nodes;
}

/** Bytes of the blocked copy of the coordinates (field 9), 0 where it is not used. */
export function kdBlockedBytes(n: i32, dims: i32, elementBytes: i32): i32 {
  return ASC_FEATURE_SIMD && elementBytes == 4 ? ((n + 3) >> 2) * dims * 16 : 0;
}

/** Bytes of the tree's arrays for n points of `dims` coordinates (the record itself is 40 bytes). */
export function kdTreeBytes(n: i32, dims: i32, elementBytes: i32): f64 {
  const nodes = <f64>kdNodeCount(n);
  return <f64>n * <f64>(dims * elementBytes + 4) + nodes * 12 + <f64>kdBlockedBytes(n, dims, elementBytes) + 64;
}

@inline function coordinate<T>(points: usize, dims: i32, i: i32, d: i32): f64 {
  return <f64>load<T>(points + ((<usize>i * <usize>dims + <usize>d) * sizeof<T>()));
}

function swapPoints<T>(points: usize, index: usize, dims: i32, a: i32, b: i32): void {
  for (let d = 0; d < dims; d++) {
    const pa = points + ((<usize>a * <usize>dims + <usize>d) * sizeof<T>()), pb = points + ((<usize>b * <usize>dims + <usize>d) * sizeof<T>());
    const t = load<T>(pa);
    store<T>(pa, load<T>(pb));
    store<T>(pb, t);
  }
  const ia = index + (<usize>a << 2), ib = index + (<usize>b << 2);
  const t = load<i32>(ia);
  store<i32>(ia, load<i32>(ib));
  store<i32>(ib, t);
}

/** Hoare-style quickselect: afterwards the points of [lo, hi) are split at `nth` by coordinate d (<= left, >= right). */
function selectNth<T>(points: usize, index: usize, dims: i32, lo: i32, hi: i32, nth: i32, d: i32): void {
  let left = lo, right = hi - 1;
  while (right > left) {
    // Median of three as the pivot keeps sorted and constant runs from going quadratic.
    const mid = left + ((right - left) >> 1);
    const a = coordinate<T>(points, dims, left, d), b = coordinate<T>(points, dims, mid, d), c = coordinate<T>(points, dims, right, d);
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    let i = left, j = right;
    while (i <= j) {
      while (coordinate<T>(points, dims, i, d) < pivot) i++;
      while (coordinate<T>(points, dims, j, d) > pivot) j--;
      if (i <= j) {
        swapPoints<T>(points, index, dims, i, j);
        i++;
        j--;
      }
    }
    if (nth <= j) right = j;
    else if (nth >= i) left = i;
    else return;
  }
}

function buildNode<T>(tree: usize, node: i32, lo: i32, hi: i32): void {
  const dims = field(tree, 1), nodes = field(tree, 4);
  const points = pointerField(tree, 5), index = pointerField(tree, 6);
  const splitDim = pointerField(tree, 7), splitValue = pointerField(tree, 8);
  if (2 * node + 1 >= nodes) {
    store<i32>(splitDim + (<usize>node << 2), -1);
    return;
  }
  let widest = 0, widestSpan = -1.0;
  for (let d = 0; d < dims; d++) {
    let low = Infinity, high = -Infinity;
    for (let i = lo; i < hi; i++) {
      const v = coordinate<T>(points, dims, i, d);
      low = min(low, v);
      high = max(high, v);
    }
    if (high - low > widestSpan) {
      widestSpan = high - low;
      widest = d;
    }
  }
  const mid = lo + ((hi - lo) >> 1);
  if (hi > lo) selectNth<T>(points, index, dims, lo, hi, mid, widest);
  store<i32>(splitDim + (<usize>node << 2), widest);
  store<f64>(splitValue + (<usize>node << 3), hi > lo ? coordinate<T>(points, dims, mid, widest) : 0);
  buildNode<T>(tree, 2 * node + 1, lo, mid);
  buildNode<T>(tree, 2 * node + 2, mid, hi);
}

/**
 * Builds the tree over `source` (n points of `dims` coordinates, f32 or f64 by elementBytes) into the arrays
 * named in the record, which the engine allocated (kdTreeBytes): fields [5..8] must be set, [0..4] are written.
 */
export function kdBuild(tree: usize, source: usize, n: i32, dims: i32, elementBytes: i32): void {
  store<i32>(tree, n);
  store<i32>(tree + 4, dims);
  store<i32>(tree + 8, elementBytes);
  store<i32>(tree + 12, LEAF_SIZE);
  store<i32>(tree + 16, kdNodeCount(n));
  const points = pointerField(tree, 5), index = pointerField(tree, 6);
  memory.copy(points, source, <usize>n * <usize>dims * <usize>elementBytes);
  for (let i = 0; i < n; i++) store<i32>(index + (<usize>i << 2), i);
  if (elementBytes == 4) buildNode<f32>(tree, 0, 0, n);
  else buildNode<f64>(tree, 0, 0, n);
  const blocked = pointerField(tree, 9);
  if (blocked == 0) return;
  memory.fill(blocked, 0, <usize>kdBlockedBytes(n, dims, elementBytes));
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dims; d++) {
      store<f32>(blocked + ((<usize>(i >> 2) * <usize>dims + <usize>d) << 4) + (<usize>(i & 3) << 2), load<f32>(points + ((<usize>i * <usize>dims + <usize>d) << 2)));
    }
  }
}

// The query in progress: its point (and, for blocked leaves, each coordinate in four lanes), the cell offsets, and the k best so far, sorted by (distance, index).
let queryPoint: usize = 0;
let querySplats: usize = 0;
let offsets: usize = 0;
let keptDistance: usize = 0;
let keptIndex: usize = 0;
let keptCount: i32 = 0;
let wanted: i32 = 0;

/** Whether (da, ia) is farther than (db, ib): by distance, then by index. */
@inline function farther(da: f64, ia: i32, db: f64, ib: i32): bool {
  return da > db || (da == db && ia > ib);
}

/** Inserts (distance, index) into the kept list, sorted nearest first, dropping the farthest when it is full. */
function offer(distance: f64, index: i32): void {
  let i = keptCount < wanted ? keptCount++ : keptCount - 1;
  // Shift the farther ones up by one (a list of k rather than a heap: k is small and the moves are contiguous).
  while (i > 0) {
    const before = <usize>(i - 1);
    const pd = load<f64>(keptDistance + (before << 3)), pi = load<i32>(keptIndex + (before << 2));
    if (!farther(pd, pi, distance, index)) break;
    store<f64>(keptDistance + (<usize>i << 3), pd);
    store<i32>(keptIndex + (<usize>i << 2), pi);
    i--;
  }
  store<f64>(keptDistance + (<usize>i << 3), distance);
  store<i32>(keptIndex + (<usize>i << 2), index);
}

/** Whether (distance, index) would enter the kept list: it is not full, or it is nearer than the farthest kept. */
@inline function wouldKeep(distance: f64, index: i32): bool {
  return keptCount < wanted || farther(load<f64>(keptDistance + (<usize>(keptCount - 1) << 3)), load<i32>(keptIndex + (<usize>(keptCount - 1) << 2)), distance, index);
}

/** The farthest kept distance (the list is full). */
@inline function worstKept(): f64 {
  return load<f64>(keptDistance + (<usize>(keptCount - 1) << 3));
}

/** The distance a far cell must exceed to be skipped: the worst kept one, with slack for rounding (cell bounds are f64). */
@inline function pruneAbove(): f64 {
  return keptCount < wanted ? Infinity : worstKept() * (1.0 + 1e-5) + 1e-300;
}

function searchLeaf<T>(tree: usize, lo: i32, hi: i32): void {
  const dims = field(tree, 1);
  const points = pointerField(tree, 5), index = pointerField(tree, 6);
  for (let i = lo; i < hi; i++) {
    let distance: T = <T>0;
    const p = points + <usize>i * <usize>dims * sizeof<T>();
    for (let d = 0; d < dims; d++) {
      const diff: T = load<T>(queryPoint + (<usize>d * sizeof<T>())) - load<T>(p + (<usize>d * sizeof<T>()));
      distance += diff * diff;
    }
    const idx = load<i32>(index + (<usize>i << 2));
    if (wouldKeep(<f64>distance, idx)) offer(<f64>distance, idx);
  }
}

@inline function offerLane(lo: i32, hi: i32, i: i32, index: usize, distance: f32): void {
  if (i < lo || i >= hi) return;
  const idx = load<i32>(index + (<usize>i << 2));
  if (wouldKeep(<f64>distance, idx)) offer(<f64>distance, idx);
}

/** searchLeaf over the blocked copy: four distances at a time, each summed as searchLeaf<f32> sums it. */
function searchLeafBlocked(tree: usize, lo: i32, hi: i32): void {
  const dims = field(tree, 1);
  const blocked = pointerField(tree, 9), index = pointerField(tree, 6);
  const blockBytes = <usize>dims << 4;
  for (let b = lo >> 2, last = (hi - 1) >> 2; b <= last; b++) {
    const base = blocked + <usize>b * blockBytes;
    let sum = f32x4.splat(0);
    for (let d = 0; d < dims; d++) {
      const diff = f32x4.sub(v128.load(querySplats + (<usize>d << 4)), v128.load(base + (<usize>d << 4)));
      sum = f32x4.add(sum, f32x4.mul(diff, diff));
    }
    // Skip the block when every lane is farther than the worst kept (a tie may still win on its index).
    if (keptCount == wanted && !v128.any_true(f32x4.le(sum, f32x4.splat(<f32>worstKept())))) continue;
    const first = b << 2;
    offerLane(lo, hi, first, index, f32x4.extract_lane(sum, 0));
    offerLane(lo, hi, first + 1, index, f32x4.extract_lane(sum, 1));
    offerLane(lo, hi, first + 2, index, f32x4.extract_lane(sum, 2));
    offerLane(lo, hi, first + 3, index, f32x4.extract_lane(sum, 3));
  }
}

function searchNode<T>(tree: usize, node: i32, lo: i32, hi: i32, cellDistance: f64): void {
  const splitDim = load<i32>(pointerField(tree, 7) + (<usize>node << 2));
  if (splitDim < 0) {
    if (ASC_FEATURE_SIMD && sizeof<T>() == 4 && pointerField(tree, 9) != 0) searchLeafBlocked(tree, lo, hi);
    else searchLeaf<T>(tree, lo, hi);
    return;
  }
  const split = load<f64>(pointerField(tree, 8) + (<usize>node << 3));
  const mid = lo + ((hi - lo) >> 1);
  const diff = <f64>load<T>(queryPoint + (<usize>splitDim * sizeof<T>())) - split;
  const near = diff < 0 ? 2 * node + 1 : 2 * node + 2;
  if (diff < 0) searchNode<T>(tree, near, lo, mid, cellDistance);
  else searchNode<T>(tree, near, mid, hi, cellDistance);
  const offsetAt = offsets + (<usize>splitDim << 3);
  const oldOffset = load<f64>(offsetAt);
  const farDistance = cellDistance - oldOffset * oldOffset + diff * diff;
  if (farDistance > pruneAbove()) return;
  store<f64>(offsetAt, diff);
  if (diff < 0) searchNode<T>(tree, near + 1, mid, hi, farDistance);
  else searchNode<T>(tree, near - 1, lo, mid, farDistance);
  store<f64>(offsetAt, oldOffset);
}

/** Scratch bytes a query needs for k neighbours. */
export function kdQueryScratchBytes(k: i32): i32 {
  return MAX_DIMS * 8 + MAX_DIMS * 16 + k * 12 + 16;
}

function startQueries(tree: usize, k: i32, scratch: usize): void {
  offsets = scratch;
  querySplats = scratch + <usize>(MAX_DIMS * 8);
  keptDistance = querySplats + <usize>(MAX_DIMS * 16);
  keptIndex = keptDistance + (<usize>k << 3);
  wanted = min(k, field(tree, 0));
}

/** The k nearest to the point at queryPoint, written as row `row` of indices (and distances). */
function queryOne(tree: usize, k: i32, row: i32, indices: usize, distances: usize): void {
  const n = field(tree, 0), dims = field(tree, 1), elementBytes = field(tree, 2);
  memory.fill(offsets, 0, <usize>(MAX_DIMS * 8));
  keptCount = 0;
  if (elementBytes == 4) {
    if (ASC_FEATURE_SIMD) {
      for (let d = 0; d < dims; d++) v128.store(querySplats + (<usize>d << 4), f32x4.splat(load<f32>(queryPoint + (<usize>d << 2))));
    }
    searchNode<f32>(tree, 0, 0, n, 0);
  } else {
    searchNode<f64>(tree, 0, 0, n, 0);
  }
  const out = indices + <usize>row * <usize>k * 4;
  for (let j = 0; j < k; j++) {
    const found = j < keptCount;
    store<i32>(out + (<usize>j << 2), found ? load<i32>(keptIndex + (<usize>j << 2)) : -1);
    if (distances != 0) store<f64>(distances + ((<usize>row * <usize>k + <usize>j) << 3), found ? load<f64>(keptDistance + (<usize>j << 3)) : Infinity);
  }
}

/**
 * The k nearest points of the tree to each of queries [from, to) (points of the tree's dims and precision): their
 * original indices, nearest first, at indices + (query * k) * 4; their squared distances (f64) likewise at
 * `distances` unless it is 0. k may exceed n: the missing neighbours are -1 at distance Infinity.
 */
export function kdQuery(tree: usize, queries: usize, from: i32, to: i32, k: i32, indices: usize, distances: usize, scratch: usize): void {
  const dims = field(tree, 1), elementBytes = field(tree, 2);
  startQueries(tree, k, scratch);
  for (let q = from; q < to; q++) {
    queryPoint = queries + <usize>q * <usize>dims * <usize>elementBytes;
    queryOne(tree, k, q, indices, distances);
  }
}

/**
 * kdQuery with the tree's own points as the queries, taken in the tree's order (neighbouring queries then walk
 * the same nodes, which the cache keeps): positions [from, to) of the reordered points; each answer goes to the
 * row of the point's original index.
 */
export function kdQueryOwnPoints(tree: usize, from: i32, to: i32, k: i32, indices: usize, distances: usize, scratch: usize): void {
  const dims = field(tree, 1), elementBytes = field(tree, 2);
  const points = pointerField(tree, 5), index = pointerField(tree, 6);
  startQueries(tree, k, scratch);
  for (let position = from; position < to; position++) {
    queryPoint = points + <usize>position * <usize>dims * <usize>elementBytes;
    queryOne(tree, k, load<i32>(index + (<usize>position << 2)), indices, distances);
  }
}
