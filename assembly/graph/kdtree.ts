// Exact k nearest neighbours (squared Euclidean distance, f32) among n points of a few coordinates each, by a k-d
// tree (Friedman, Bentley, Finkel 1977) built in linear memory: the points are reordered so that every node's points
// are contiguous, each node splits its range near the middle (at a multiple of four points, so that every node
// starts on a block of four) by its widest coordinate, and a node's children are implicit (2i + 1, 2i + 2), so the
// tree needs no pointers and no allocation per node. The search visits the nearer child first and prunes a far one
// by the distance to its points' bounding box (searchTree: a loop over a stack, not recursion).
//
// The coordinates are stored once, in tree order, in blocks of four points, coordinate by coordinate (four lanes per
// coordinate): a leaf's distances are summed four at a time with SIMD, or lane by lane in the scalar build, in the
// same order (the same f32 results). A candidate is the 64-bit key (distance bits << 32 | original index): keys of
// non-negative f32 distances order as the distances do, ties by the lower index, so one integer comparison ranks them.
//
// Each node also keeps the bounding box of its points. A cell bounded by splits alone can be far larger than the
// points in it: photo colours lie on thin curves and sheets of the colour cube, and a query outside them (an
// unknown pixel's colour among the foreground's) otherwise opens every cell its ball touches. A far child is skipped
// when a cheap bound (its split plane and the box of the node the walk came from) is beyond the worst kept, or else
// when its box is; a leaf reached below it is box-tested before its scan.
//
// tree (i32 fields): [0] points n [1] dims [2] nodes [3] blocked coordinates (kdCoordinateBytes) [4] original index
//                    of each reordered point (i32) [5] split coordinate per inner node (i32) [6] split value per inner
//                    node (f32) [7] bounding box per node (kdBoxBytes: boxVectors(dims) groups of four lows, then as
//                    many of four highs, f32; lanes past dims hold -Infinity lows and Infinity highs, so that they
//                    add nothing; an empty node Infinity lows and -Infinity highs)
// The build is in assembly/graph/kdtree-build.ts.

import { field, pointerField } from "../record";
import { candidateKey, keep, keepInto, keptCount, keptKeys, restartKept, wanted, worstDistance, worstKey } from "./kept";

const LEAF_SIZE: i32 = 32;
const MAX_DIMS: i32 = 16;
/**
 * The search scans a node of at most this many points whole instead of walking into its children: the leaves are
 * built smaller (LEAF_SIZE, for knn-skip's bounds over a leaf's points), but a query's k nearest in five coordinates
 * lie across a dozen leaves, and two leaves' scan costs less than their box tests and stack steps (knn 0.973).
 */
const SCAN_POINTS: i32 = 64;

/** Nodes of the tree over n points: a full binary tree deep enough that every leaf holds about LEAF_SIZE or fewer. */
export function kdNodeCount(n: i32): i32 {
  let nodes = 1, capacity = LEAF_SIZE;
  while (capacity < n) {
    capacity <<= 1;
    nodes = 2 * nodes + 1;
  }
  return nodes;
}

/** Bytes of the blocked coordinates: whole blocks of four points, 16 bytes per coordinate. */
export function kdCoordinateBytes(n: i32, dims: i32): i32 {
  return ((n + 3) >> 2) * dims * 16;
}

/** Groups of four coordinates a box holds: the dims, padded. */
@inline export function boxVectors(dims: i32): i32 {
  return (dims + 3) >> 2;
}

/** Bytes of one node's box: lows and highs, four lanes per group. */
@inline export function boxBytes(dims: i32): usize {
  return <usize>boxVectors(dims) << 5;
}

/** Bytes of the nodes' bounding boxes. */
export function kdBoxBytes(n: i32, dims: i32): i32 {
  return kdNodeCount(n) * <i32>boxBytes(dims);
}

/** Where a node over [lo, hi) splits: near the middle, on a multiple of four points from lo (lo is one too). */
@inline export function splitAt(lo: i32, hi: i32): i32 {
  return lo + (((hi - lo) >> 3) << 2);
}

// The tree being searched and the query in progress: its coordinates (and, for SIMD, each in four lanes), the cell
// offsets, two blocks' eight distances, and the k best keys so far, sorted.
let blocked: usize = 0;
let pointIndex: usize = 0;
let splitDims: usize = 0;
let splitValues: usize = 0;
let boxes: usize = 0;
let dimensions: i32 = 0;
let innerNodes: i32 = 0;
let queryPoint: usize = 0;
let querySplats: usize = 0;
let stack: usize = 0;
let boxSquares: usize = 0;
const STACK_ENTRIES: i32 = 64;
let laneDistances: usize = 0;

/**
 * The squared distances (f32) from a query to the four points of a block stored coordinate by coordinate at `base`,
 * the query given as one four-lane splat per coordinate at `splats`, summed coordinate by coordinate from the first.
 * Whoever compares distances with this tree's exactly (assembly/methods/knn-skip.ts) sums through this function.
 */
@inline export function blockSquaredDistances(base: usize, splats: usize, dims: i32): v128 {
  let sum = f32x4.splat(0);
  for (let d = 0; d < dims; d++) {
    const diff = f32x4.sub(v128.load(splats + (<usize>d << 4)), v128.load(base + (<usize>d << 4)));
    sum = f32x4.add(sum, f32x4.mul(diff, diff));
  }
  return sum;
}

/** One lane of blockSquaredDistances from the query's plain coordinates at `query`, in the same order (the scalar build). */
@inline export function laneSquaredDistance(base: usize, query: usize, lane: i32, dims: i32): f32 {
  let sum: f32 = 0;
  for (let d = 0; d < dims; d++) {
    const diff = load<f32>(query + (<usize>d << 2)) - load<f32>(base + (<usize>d << 4) + (<usize>lane << 2));
    sum += diff * diff;
  }
  return sum;
}

/** Lanes of block b whose distance (at laneDistances) is within the worst kept: a bit per lane. */
@inline function blockDistances(b: i32): i32 {
  const base = blocked + ((<usize>b * <usize>dimensions) << 4);
  if (ASC_FEATURE_SIMD) {
    const sum = blockSquaredDistances(base, querySplats, dimensions);
    v128.store(laneDistances, sum);
    return i32x4.bitmask(f32x4.le(sum, f32x4.splat(worstDistance)));
  }
  let within = 0;
  for (let lane = 0; lane < 4; lane++) {
    const sum = laneSquaredDistance(base, queryPoint, lane, dimensions);
    store<f32>(laneDistances + (<usize>lane << 2), sum);
    if (sum <= worstDistance) within |= 1 << lane;
  }
  return within;
}

/**
 * Offers the points first + i (i a set bit of `lanes`, up to eight: one or two blocks, their distances at
 * laneDistances) that lie before `hi` to the kept list.
 */
@inline function offerLanes(lanes: i32, first: i32, hi: i32): void {
  if (hi - first < 8) lanes &= (1 << (hi - first)) - 1;
  while (lanes != 0) {
    const lane = ctz(lanes);
    lanes &= lanes - 1;
    const key = candidateKey(load<f32>(laneDistances + (<usize>lane << 2)), load<i32>(pointIndex + (<usize>(first + lane) << 2)));
    if (key < worstKey) keep(key);
  }
}

/**
 * Two blocks' distances (points first.. first + 7) screened with the worst kept before either is offered (one
 * branch per eight points: most pairs have no point within it); it only shrinks, and offerLanes compares each key
 * with the worst at that moment.
 */
@inline function offerPair(sumA: v128, sumB: v128, first: i32, hi: i32): void {
  const worst = f32x4.splat(worstDistance);
  const lanes = i32x4.bitmask(f32x4.le(sumA, worst)) | (i32x4.bitmask(f32x4.le(sumB, worst)) << 4);
  if (lanes == 0) return;
  v128.store(laneDistances, sumA);
  v128.store(laneDistances, sumB, 16);
  offerLanes(lanes, first, hi);
}

/** One block's distances (points first.. first + 3), screened and offered as offerPair does two. */
@inline function offerBlock(sum: v128, first: i32, hi: i32): void {
  v128.store(laneDistances, sum);
  offerLanes(i32x4.bitmask(f32x4.le(sum, f32x4.splat(worstDistance))), first, hi);
}

/** Offers the points of [lo, hi) (lo a multiple of four) to the kept list. */
function searchLeaf(lo: i32, hi: i32): void {
  if (ASC_FEATURE_SIMD && dimensions == 5) {
    searchLeaf5(lo, hi);
    return;
  }
  if (ASC_FEATURE_SIMD && dimensions == 3) {
    searchLeaf3(lo, hi);
    return;
  }
  for (let b = lo >> 2, last = (hi - 1) >> 2; b <= last; b++) offerLanes(blockDistances(b), b << 2, hi);
}

/**
 * searchLeaf for five coordinates (knn's and ifm's colour and position), the query's splats held in locals, two
 * blocks at a time (offerPair). The sums are blockSquaredDistances', in its order (0 + x is x for the first square,
 * which is not negative).
 */
function searchLeaf5(lo: i32, hi: i32): void {
  const q0 = v128.load(querySplats), q1 = v128.load(querySplats, 16), q2 = v128.load(querySplats, 32);
  const q3 = v128.load(querySplats, 48), q4 = v128.load(querySplats, 64);
  const last = (hi - 1) >> 2;
  let b = lo >> 2;
  for (; b < last; b += 2) {
    const base = blocked + <usize>b * 80;
    offerPair(distances5(base, q0, q1, q2, q3, q4), distances5(base + 80, q0, q1, q2, q3, q4), b << 2, hi);
  }
  if (b == last) offerBlock(distances5(blocked + <usize>b * 80, q0, q1, q2, q3, q4), b << 2, hi);
}

/** searchLeaf5 for three coordinates (colours alone). */
function searchLeaf3(lo: i32, hi: i32): void {
  const q0 = v128.load(querySplats), q1 = v128.load(querySplats, 16), q2 = v128.load(querySplats, 32);
  const last = (hi - 1) >> 2;
  let b = lo >> 2;
  for (; b < last; b += 2) {
    const base = blocked + <usize>b * 48;
    offerPair(partial3(base, q0, q1, q2), partial3(base + 48, q0, q1, q2), b << 2, hi);
  }
  if (b == last) offerBlock(partial3(blocked + <usize>b * 48, q0, q1, q2), b << 2, hi);
}

/** The sums of the first three coordinates' squares of blockSquaredDistances, in its order. */
@inline function partial3(base: usize, q0: v128, q1: v128, q2: v128): v128 {
  const d0 = f32x4.sub(q0, v128.load(base)), d1 = f32x4.sub(q1, v128.load(base, 16)), d2 = f32x4.sub(q2, v128.load(base, 32));
  let sum = f32x4.mul(d0, d0);
  sum = f32x4.add(sum, f32x4.mul(d1, d1));
  return f32x4.add(sum, f32x4.mul(d2, d2));
}

/** blockSquaredDistances for five coordinates, the query's splats given. */
@inline function distances5(base: usize, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128): v128 {
  const d0 = f32x4.sub(q0, v128.load(base)), d1 = f32x4.sub(q1, v128.load(base, 16)), d2 = f32x4.sub(q2, v128.load(base, 32));
  const d3 = f32x4.sub(q3, v128.load(base, 48)), d4 = f32x4.sub(q4, v128.load(base, 64));
  let sum = f32x4.mul(d0, d0);
  sum = f32x4.add(sum, f32x4.mul(d1, d1));
  sum = f32x4.add(sum, f32x4.mul(d2, d2));
  sum = f32x4.add(sum, f32x4.mul(d3, d3));
  return f32x4.add(sum, f32x4.mul(d4, d4));
}

/**
 * The distance a far cell must exceed to be skipped: the worst kept one, with slack for the f32 rounding of
 * the points' distances (relative, and absolute for sums of squares that underflow).
 */
@inline function pruneAbove(): f64 {
  return <f64>worstDistance * (1.0 + 1e-5) + 1e-37;
}

/**
 * The squared distance from the query to node `node`'s bounding box, in f32: its rounding (a relative 1e-6 for 16
 * coordinates at most) is far inside pruneAbove's slack, and a square that underflows only makes it smaller.
 */
@inline function boxDistance(node: i32, keepSquares: bool): f32 {
  const vectors = boxVectors(dimensions);
  const box = boxes + <usize>node * (<usize>vectors << 5), highs = box + (<usize>vectors << 4);
  if (ASC_FEATURE_SIMD) {
    // pmax is maxps: the coordinates are not NaN, and a -0 squares as 0.
    const zero = f32x4.splat(0);
    let sum = zero;
    for (let v = 0; v < vectors; v++) {
      const q = v128.load(queryPoint + (<usize>v << 4));
      const below = f32x4.sub(v128.load(box + (<usize>v << 4)), q), above = f32x4.sub(q, v128.load(highs + (<usize>v << 4)));
      const outside = f32x4.pmax(f32x4.pmax(below, above), zero);
      const square = f32x4.mul(outside, outside);
      if (keepSquares) v128.store(boxSquares + (<usize>v << 4), square);
      sum = f32x4.add(sum, square);
    }
    sum = f32x4.add(sum, v128.shuffle<f32>(sum, sum, 2, 3, 0, 1));
    return f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1);
  }
  let sum: f32 = 0;
  for (let d = 0, lanes = vectors << 2; d < lanes; d++) {
    const q = load<f32>(queryPoint + (<usize>d << 2));
    const outside = max(max(load<f32>(box + (<usize>d << 2)) - q, q - load<f32>(highs + (<usize>d << 2))), 0 as f32);
    if (keepSquares) store<f32>(boxSquares + (<usize>d << 2), outside * outside);
    sum += outside * outside;
  }
  return sum;
}

/**
 * The search from the root, without recursion: each step walks from a node down to the leaf (or node of at most
 * SCAN_POINTS) on the query's side, leaving the far child of every split on a stack with a lower bound on its
 * distance (the box distance of the node the walk last took from the stack, its term in the split's coordinate raised
 * to the split plane's when that is larger: the far child's points lie in that box and beyond the plane), scans that
 * leaf unless its box is beyond the worst kept, then takes the stacked children last in first out (the nearest split
 * first, as a recursive walk would) and enters the first whose bound and box are within the worst kept. A node's box
 * holds its points, so its distance bounds theirs; the stacked bound only spares box tests. The stack holds at most
 * one child per level.
 */
function searchTree(n: i32): void {
  let node = 0, lo = 0, hi = n, top = 0;
  let lower: f32 = 0, tested = false;
  memory.fill(boxSquares, 0, <usize>(MAX_DIMS * 4));
  while (true) {
    while (node < innerNodes && hi - lo > SCAN_POINTS) {
      const splitDim = load<i32>(splitDims + (<usize>node << 2));
      const mid = splitAt(lo, hi);
      const diff = load<f32>(queryPoint + (<usize>splitDim << 2)) - load<f32>(splitValues + (<usize>node << 2));
      const entry = stack + (<usize>top << 4);
      tested = false;
      store<f32>(entry, lower + max(diff * diff - load<f32>(boxSquares + (<usize>splitDim << 2)), 0), 12);
      top++;
      if (diff < 0) {
        store<i32>(entry, 2 * node + 2);
        store<i32>(entry, mid, 4);
        store<i32>(entry, hi, 8);
        node = 2 * node + 1;
        hi = mid;
      } else {
        store<i32>(entry, 2 * node + 1);
        store<i32>(entry, lo, 4);
        store<i32>(entry, mid, 8);
        node = 2 * node + 2;
        lo = mid;
      }
    }
    // A leaf just taken from the stack has had its box tested.
    if (tested || worstDistance == Infinity || <f64>boxDistance(node, false) <= pruneAbove()) searchLeaf(lo, hi);
    while (true) {
      if (top == 0) return;
      top--;
      const entry = stack + (<usize>top << 4);
      const bound = pruneAbove();
      if (<f64>load<f32>(entry, 12) > bound) continue;
      node = load<i32>(entry);
      lower = boxDistance(node, true);
      if (<f64>lower > bound) continue;
      lo = load<i32>(entry, 4);
      hi = load<i32>(entry, 8);
      tested = true;
      break;
    }
  }
}

/** Scratch bytes a query needs for k neighbours. */
export function kdQueryScratchBytes(k: i32): i32 {
  return STACK_ENTRIES * 16 + MAX_DIMS * (16 + 4 + 4) + 48 + ((k + 1) >> 1) * 16;
}

function startQueries(tree: usize, k: i32, scratch: usize): void {
  dimensions = field(tree, 1);
  innerNodes = field(tree, 2) >> 1;
  blocked = pointerField(tree, 3);
  pointIndex = pointerField(tree, 4);
  splitDims = pointerField(tree, 5);
  splitValues = pointerField(tree, 6);
  boxes = pointerField(tree, 7);
  stack = scratch;
  querySplats = stack + <usize>(STACK_ENTRIES * 16);
  queryPoint = querySplats + <usize>(MAX_DIMS * 16);
  boxSquares = queryPoint + <usize>(MAX_DIMS * 4);
  laneDistances = boxSquares + <usize>(MAX_DIMS * 4);
  // Zero past dims, read as groups of four by boxDistance.
  memory.fill(queryPoint, 0, <usize>(MAX_DIMS * 4));
  // The kept keys after the eight lanes' distances and the zero slot before the first key (kept.ts keepInto), aligned.
  keepInto(laneDistances + 48, min(k, field(tree, 0)));
}

/**
 * The k nearest to the point at queryPoint, written as row `row` of indices (and distances). The search keeps only
 * points within `bound` and prunes with it until k are kept. Any bound gives the exact answer: one at least the k-th
 * nearest distance keeps all k nearest, and one below it keeps fewer than k, which sends the search again from
 * Infinity. A bound just above the k-th distance spares the insertions and box tests of points farther out.
 */
function queryOne(tree: usize, k: i32, row: i32, indices: usize, distances: usize, bound: f32): void {
  if (ASC_FEATURE_SIMD) {
    for (let d = 0; d < dimensions; d++) v128.store(querySplats + (<usize>d << 4), f32x4.splat(load<f32>(queryPoint + (<usize>d << 2))));
  }
  restartKept(bound);
  searchTree(field(tree, 0));
  if (keptCount < wanted && bound != Infinity) {
    restartKept(Infinity);
    searchTree(field(tree, 0));
  }
  const out = indices + <usize>row * <usize>k * 4;
  for (let j = 0; j < k; j++) {
    const found = j < keptCount;
    const key = found ? load<u64>(keptKeys + (<usize>j << 3)) : 0;
    store<i32>(out + (<usize>j << 2), found ? <i32>key : -1);
    if (distances != 0) {
      store<f64>(distances + ((<usize>row * <usize>k + <usize>j) << 3), found ? <f64>reinterpret<f32>(<u32>(key >> 32)) : Infinity);
    }
  }
}

/**
 * The k nearest points of the tree to each of queries [from, to) (points of the tree's dims, f32): their original
 * indices, nearest first, at indices + (query * k) * 4; their squared distances (f64 holding the f32 sums) likewise
 * at `distances` unless it is 0. k may exceed n: the missing neighbours are -1 at distance Infinity.
 */
export function kdQuery(tree: usize, queries: usize, from: i32, to: i32, k: i32, indices: usize, distances: usize, scratch: usize): void {
  startQueries(tree, k, scratch);
  const bytes = <usize>dimensions << 2;
  for (let q = from; q < to; q++) {
    memory.copy(queryPoint, queries + <usize>q * bytes, bytes);
    queryOne(tree, k, q, indices, distances, Infinity);
  }
}

/**
 * kdQuery with the tree's own points as the queries, taken in the tree's order (neighbouring queries then walk
 * the same nodes, which the cache keeps): positions [from, to) of the reordered points; each answer goes to the
 * row of the point's original index, or, when `rows` is not 0, to rows[original index] (i32; a point whose row is
 * negative is not asked).
 */
export function kdQueryOwnPoints(tree: usize, from: i32, to: i32, k: i32, indices: usize, distances: usize, scratch: usize, rows: usize): void {
  startQueries(tree, k, scratch);
  // The previous query's k-th distance (squared, f32 as summed), or -1 when there is none to start from.
  let previousWorst: f64 = -1;
  for (let position = from; position < to; position++) {
    const original = load<i32>(pointIndex + (<usize>position << 2));
    const row = rows == 0 ? original : load<i32>(rows + (<usize>original << 2));
    if (row < 0) continue;
    const lane = blocked + ((<usize>(position >> 2) * <usize>dimensions) << 4) + (<usize>(position & 3) << 2);
    // The new query's coordinates replace the previous one's, and their distance (f64, exact enough) is measured.
    let gap: f64 = 0;
    for (let d = 0; d < dimensions; d++) {
      const at = queryPoint + (<usize>d << 2), value = load<f32>(lane + (<usize>d << 4));
      const diff = <f64>value - <f64>load<f32>(at);
      gap += diff * diff;
      store<f32>(at, value);
    }
    queryOne(tree, k, row, indices, distances, previousWorst < 0 ? Infinity : startBound(gap, previousWorst));
    previousWorst = keptCount == wanted ? <f64>worstDistance : -1;
  }
}

/**
 * A start bound (queryOne) for a query at squared distance `gap` from the previous one, whose k-th nearest lay at
 * squared distance `worst`: by the triangle inequality the previous query's k nearest lie within sqrt(gap) +
 * sqrt(worst) of the new one, so its own k-th nearest does too. The slack (relative 1e-5, absolute 1e-37) covers the
 * rounding of the tree's f32 sums, so that the search from Infinity, which would also give the exact answer, is not
 * needed.
 */
@inline function startBound(gap: f64, worst: f64): f32 {
  const radius = Math.sqrt(gap) + Math.sqrt(worst);
  return <f32>(radius * radius * (1.0 + 1e-5) + 1e-37);
}
