// Exact k nearest neighbours over feature vectors (assembly/graph/kdtree.ts), for any method that needs them:
// the tree built in the arena, the queries run in slices between which the caller may yield and check abort.
import type { Arena, Kernels } from "../engine.js";

export interface KdTreeKernels extends Kernels {
  kdTreeBytes(n: number, dims: number, elementBytes: number): number;
  kdNodeCount(n: number): number;
  kdBlockedBytes(n: number, dims: number, elementBytes: number): number;
  kdQueryOwnPoints(tree: number, from: number, to: number, k: number, indices: number, distances: number, scratch: number): void;
  kdBuild(tree: number, source: number, n: number, dims: number, elementBytes: number): void;
  kdQuery(tree: number, queries: number, from: number, to: number, k: number, indices: number, distances: number, scratch: number): void;
  kdQueryScratchBytes(k: number): number;
}

/** Coordinates per point the tree accepts. */
export const KD_MAX_DIMS = 16;

/**
 * Builds a tree over n points of `dims` coordinates at `points` (f32 when elementBytes is 4, f64 when 8); returns its
 * record. `points` may instead write the points straight into the tree's own copy of them, which saves the memory
 * of a second copy while the tree is built.
 */
export function buildKdTree(
  arena: Arena, kernels: KdTreeKernels, points: number | ((coordinates: number) => void), n: number, dims: number, elementBytes: 4 | 8,
): number {
  if (!(dims >= 1 && dims <= KD_MAX_DIMS)) throw new RangeError(`a k-d tree takes 1 to ${KD_MAX_DIMS} coordinates, got ${dims}`);
  const nodes = kernels.kdNodeCount(n);
  const tree = arena.alloc(48);
  const coordinates = arena.alloc(n * dims * elementBytes), index = arena.alloc(n * 4);
  const splitDim = arena.alloc(nodes * 4), splitValue = arena.alloc(nodes * 8);
  const blockedBytes = kernels.kdBlockedBytes(n, dims, elementBytes);
  const blocked = blockedBytes > 0 ? arena.alloc(blockedBytes) : 0;
  arena.i32(tree + 20, 5).set([coordinates, index, splitDim, splitValue, blocked]);
  if (typeof points === "function") points(coordinates);
  kernels.kdBuild(tree, typeof points === "function" ? coordinates : points, n, dims, elementBytes);
  return tree;
}

/** Queries per slice: about 10 ms of work on 5-dimensional colour and position features. */
const QUERIES_PER_SLICE = 16384;

/**
 * The k nearest tree points to each of `count` query points (the tree's dims and precision), or to each of the
 * tree's own n points when `queries` is "own points": their indices at `indices` (i32, count * k, nearest first,
 * ties to the lower index, -1 past the tree's size) and, unless `distances` is 0, their squared distances (f64).
 * `between(done)` runs after each slice (yield, abort, progress).
 */
export async function nearestNeighbours(
  arena: Arena, kernels: KdTreeKernels, tree: number, queries: number | "own points", count: number, k: number, indices: number, distances: number,
  between: (done: number) => Promise<void> | void,
): Promise<void> {
  const mark = arena.mark();
  const scratch = arena.alloc(kernels.kdQueryScratchBytes(k));
  for (let from = 0; from < count; from += QUERIES_PER_SLICE) {
    const to = Math.min(count, from + QUERIES_PER_SLICE);
    if (queries === "own points") kernels.kdQueryOwnPoints(tree, from, to, k, indices, distances, scratch);
    else kernels.kdQuery(tree, queries, from, to, k, indices, distances, scratch);
    await between(to);
  }
  arena.release(mark);
}
