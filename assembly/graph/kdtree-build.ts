// The k-d tree's build (assembly/graph/kdtree.ts describes the tree and its record): the points reordered node by
// node with a quickselect on the widest coordinate of the node's box, each node's box measured, and the coordinates
// then written in tree order, in blocks of four points.

import { boxBytes, boxVectors, kdCoordinateBytes, kdNodeCount, splitAt } from "./kdtree";
import { field, pointerField } from "../record";
import { barrier, beat, takeChunk, threadIndex } from "../team";

@inline function coordinate(points: usize, dims: i32, i: i32, d: i32): f32 {
  return load<f32>(points + ((<usize>i * <usize>dims + <usize>d) << 2));
}

function swapPoints(points: usize, index: usize, dims: i32, a: i32, b: i32): void {
  const pa = points + ((<usize>a * <usize>dims) << 2), pb = points + ((<usize>b * <usize>dims) << 2);
  let d = 0;
  if (ASC_FEATURE_SIMD) {
    for (; d + 4 <= dims; d += 4) {
      const at = <usize>d << 2;
      const t = v128.load(pa + at);
      v128.store(pa + at, v128.load(pb + at));
      v128.store(pb + at, t);
    }
  }
  for (; d < dims; d++) {
    const at = <usize>d << 2;
    const t = load<f32>(pa + at);
    store<f32>(pa + at, load<f32>(pb + at));
    store<f32>(pb + at, t);
  }
  const ia = index + (<usize>a << 2), ib = index + (<usize>b << 2);
  const t = load<i32>(ia);
  store<i32>(ia, load<i32>(ib));
  store<i32>(ib, t);
}

/** Hoare-style quickselect: afterwards the points of [lo, hi) are split at `nth` by coordinate d (<= left, >= right). */
function selectNth(points: usize, index: usize, dims: i32, lo: i32, hi: i32, nth: i32, d: i32): void {
  let left = lo, right = hi - 1;
  while (right > left) {
    // Median of three as the pivot keeps sorted and constant runs from going quadratic.
    const mid = left + ((right - left) >> 1);
    const a = coordinate(points, dims, left, d), b = coordinate(points, dims, mid, d), c = coordinate(points, dims, right, d);
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    // Stepping pointers to coordinate d of points i and j.
    const row = <usize>dims << 2, base = points + (<usize>d << 2);
    let i = left, j = right;
    let atI = base + <usize>i * row, atJ = base + <usize>j * row;
    while (i <= j) {
      while (load<f32>(atI) < pivot) {
        i++;
        atI += row;
      }
      while (load<f32>(atJ) > pivot) {
        j--;
        atJ -= row;
      }
      if (i <= j) {
        swapPoints(points, index, dims, i, j);
        i++;
        j--;
        atI += row;
        atJ -= row;
      }
    }
    if (nth <= j) right = j;
    else if (nth >= i) left = i;
    else return;
  }
}

/**
 * The bounding box of the points [lo, hi) into node `node`'s box, in one pass over them (each point's coordinates
 * are contiguous). With SIMD a point's groups of four are read whole: past the last point's dims that reads up to
 * 12 bytes beyond the points, which the build's working copy has room for (kdBuild); those lanes are set after.
 */
function measureBox(tree: usize, points: usize, node: i32, lo: i32, hi: i32): void {
  const dims = field(tree, 1), vectors = boxVectors(dims);
  const stride = boxBytes(dims), box = pointerField(tree, 7) + <usize>node * stride, highs = box + (stride >> 1);
  const row = <usize>dims << 2;
  if (ASC_FEATURE_SIMD && vectors <= 2) {
    let low0 = f32x4.splat(Infinity), high0 = f32x4.splat(-Infinity), low1 = low0, high1 = high0;
    for (let i = lo, at = points + <usize>lo * row; i < hi; i++, at += row) {
      const a = v128.load(at);
      low0 = f32x4.pmin(low0, a);
      high0 = f32x4.pmax(high0, a);
      if (vectors == 2) {
        const b = v128.load(at, 16);
        low1 = f32x4.pmin(low1, b);
        high1 = f32x4.pmax(high1, b);
      }
    }
    v128.store(box, low0);
    v128.store(highs, high0);
    if (vectors == 2) {
      v128.store(box, low1, 16);
      v128.store(highs, high1, 16);
    }
  } else {
    for (let d = 0; d < dims; d++) {
      store<f32>(box + (<usize>d << 2), Infinity);
      store<f32>(highs + (<usize>d << 2), -Infinity);
    }
    for (let i = lo, at = points + <usize>lo * row; i < hi; i++, at += row) {
      for (let d = 0; d < dims; d++) {
        const v = load<f32>(at + (<usize>d << 2)), l = box + (<usize>d << 2), h = highs + (<usize>d << 2);
        store<f32>(l, min(load<f32>(l), v));
        store<f32>(h, max(load<f32>(h), v));
      }
    }
  }
  for (let d = dims; d < vectors << 2; d++) {
    store<f32>(box + (<usize>d << 2), -Infinity);
    store<f32>(highs + (<usize>d << 2), Infinity);
  }
}

/**
 * Measures node's box and, unless the node is a leaf, splits its points [lo, hi) by the box's widest coordinate (the
 * first of equals) and stores the split: returns where the right child's points start, or -1 at a leaf.
 */
function splitNode(tree: usize, points: usize, node: i32, lo: i32, hi: i32): i32 {
  const dims = field(tree, 1);
  measureBox(tree, points, node, lo, hi);
  if (2 * node + 1 >= field(tree, 2)) return -1;
  const box = pointerField(tree, 7) + <usize>node * boxBytes(dims), highs = box + (boxBytes(dims) >> 1);
  let widest = 0, widestSpan: f32 = -1;
  for (let d = 0; d < dims; d++) {
    const span = load<f32>(highs + (<usize>d << 2)) - load<f32>(box + (<usize>d << 2));
    if (span > widestSpan) {
      widestSpan = span;
      widest = d;
    }
  }
  const mid = splitAt(lo, hi);
  if (hi > lo) selectNth(points, pointerField(tree, 4), dims, lo, hi, mid, widest);
  store<i32>(pointerField(tree, 5) + (<usize>node << 2), widest);
  // An empty right half (only in trees of a few points) is never entered: its split is above every coordinate.
  store<f32>(pointerField(tree, 6) + (<usize>node << 2), mid < hi ? coordinate(points, dims, mid, widest) : Infinity);
  return mid;
}

function buildNode(tree: usize, points: usize, node: i32, lo: i32, hi: i32): void {
  const mid = splitNode(tree, points, node, lo, hi);
  if (mid < 0) return;
  buildNode(tree, points, 2 * node + 1, lo, mid);
  buildNode(tree, points, 2 * node + 2, mid, hi);
}

/** The header, the working copy of the points and the identity index: the build's start. */
function startBuild(tree: usize, source: usize, n: i32, dims: i32, work: usize): void {
  store<i32>(tree, n);
  store<i32>(tree + 4, dims);
  store<i32>(tree + 8, kdNodeCount(n));
  const index = pointerField(tree, 4);
  memory.copy(work, source, <usize>n * <usize>dims * 4);
  for (let i = 0; i < n; i++) store<i32>(index + (<usize>i << 2), i);
  memory.fill(pointerField(tree, 3), 0, <usize>kdCoordinateBytes(n, dims));
}

/** Points [from, to) (from a multiple of four) written from the working copy into the tree's blocks of four. */
function blockPoints(tree: usize, work: usize, dims: i32, from: i32, to: i32): void {
  const blocked = pointerField(tree, 3);
  for (let i = from; i < to; i++) {
    for (let d = 0; d < dims; d++) {
      store<f32>(blocked + ((<usize>(i >> 2) * <usize>dims + <usize>d) << 4) + (<usize>(i & 3) << 2), coordinate(work, dims, i, d));
    }
  }
}

/**
 * Builds the tree over `source` (n points of `dims` f32 coordinates) into the arrays named in the record, which the
 * engine allocated: fields [3..7] must be set, [0..2] are written. `work` holds n * dims f32 and 16 bytes more
 * (measureBox reads past the last point) during the build.
 */
export function kdBuild(tree: usize, source: usize, n: i32, dims: i32, work: usize): void {
  startBuild(tree, source, n, dims, work);
  buildNode(tree, work, 0, 0, n);
  blockPoints(tree, work, dims, 0, n);
}

/**
 * The nodes at depth `depth` below `node` (or leaves above it, built whole), after splitting those above: their
 * (node, lo, hi) appended to the task list at `tasks` (i32 count, then three i32 per task).
 */
function splitTop(tree: usize, points: usize, node: i32, lo: i32, hi: i32, depth: i32, tasks: usize, context: usize): void {
  if (depth == 0) {
    const count = load<i32>(tasks), task = tasks + 4 + (<usize>count * 12);
    store<i32>(task, node);
    store<i32>(task, lo, 4);
    store<i32>(task, hi, 8);
    store<i32>(tasks, count + 1);
    return;
  }
  const mid = splitNode(tree, points, node, lo, hi);
  // The others wait for this thread at a barrier meanwhile, watching its heartbeat: a beat per node split.
  beat(context);
  if (mid < 0) return;
  splitTop(tree, points, 2 * node + 1, lo, mid, depth - 1, tasks, context);
  splitTop(tree, points, 2 * node + 2, mid, hi, depth - 1, tasks, context);
}

/**
 * kdBuild on the engine's threads (src/methods/kdtree.ts): the first thread starts the build and splits the nodes
 * above depth `depth`; then every thread takes subtrees at that depth from a cursor and builds them whole, and
 * then chunks of points to write into the blocks. A subtree's points, index, boxes and splits are its own, and its
 * splits do not depend on the order in which subtrees are built: the tree one thread builds, bit for bit.
 * job (i32): [0] subtree cursor [1] points cursor [2] tree [3] source [4] n [5] dims [6] work [7] depth
 *   [8] task list (4 + 12 * 2^depth bytes) [9] points per chunk (a multiple of four)
 */
export function kdBuildTogether(job: usize, context: usize): void {
  const tree = pointerField(job, 2), n = field(job, 4), dims = field(job, 5), work = pointerField(job, 6), tasks = pointerField(job, 8);
  if (threadIndex(context) == 0) {
    startBuild(tree, pointerField(job, 3), n, dims, work);
    beat(context);
    store<i32>(tasks, 0);
    splitTop(tree, work, 0, 0, n, field(job, 7), tasks, context);
  }
  barrier(context);
  const count = load<i32>(tasks);
  for (;;) {
    const t = takeChunk(job, 1);
    if (t >= count) break;
    const task = tasks + 4 + (<usize>t * 12);
    buildNode(tree, work, load<i32>(task), load<i32>(task, 4), load<i32>(task, 8));
    beat(context);
  }
  barrier(context);
  const chunk = field(job, 9);
  for (;;) {
    const from = takeChunk(job + 4, chunk);
    if (from >= n) break;
    blockPoints(tree, work, dims, from, min(n, from + chunk));
    beat(context);
  }
}
