// Exact k nearest neighbours over feature vectors (assembly/graph/kdtree.ts), for any method that needs them:
// the tree built in the arena, the queries run in slices between which the caller may yield and check abort.
import type { Arena, Engine, Kernels } from "../engine.js";
import { SEARCH_THREADING, kdQueries, searchThreads } from "./search-team.js";

export interface KdTreeKernels extends Kernels {
  kdNodeCount(n: number): number;
  kdCoordinateBytes(n: number, dims: number): number;
  kdBoxBytes(n: number, dims: number): number;
  kdQueryOwnPoints(tree: number, from: number, to: number, k: number, indices: number, distances: number, scratch: number, rows: number): void;
  kdBuild(tree: number, source: number, n: number, dims: number, work: number): void;
  kdQuery(tree: number, queries: number, from: number, to: number, k: number, indices: number, distances: number, scratch: number): void;
  kdQueryScratchBytes(k: number): number;
}

/** Coordinates per point the tree accepts. */
export const KD_MAX_DIMS = 16;

/** The deepest level whose subtrees the threads share out (2^8 of them); its task list and job take at most this many bytes. */
const MOST_SPLIT_DEPTH = 8;
const SPLIT_JOB_BYTES = 4 + 12 * 2 ** MOST_SPLIT_DEPTH + 64;

/**
 * Bytes buildKdTree takes at its peak for n points of `dims` coordinates: the tree and the build's working copy (and,
 * on threads, their job).
 */
export function kdTreeBytes(kernels: KdTreeKernels, n: number, dims: number): number {
  return 32 + kernels.kdCoordinateBytes(n, dims) + n * 4 + (kernels.kdNodeCount(n) >> 1) * 8 + kernels.kdBoxBytes(n, dims) + n * dims * 4 + 16 + SPLIT_JOB_BYTES;
}

/**
 * Builds a tree over n points of `dims` f32 coordinates at `points` (left as they are); returns its record. The tree
 * holds 4 * dims + 4 bytes per point, 8 per inner node (about n / 16 of them) and 8 * dims per node for its box; the build needs 4 * dims more per
 * point while it runs. `points` may instead be a function that writes the points into the build's working copy,
 * which saves the memory of a table of them beside the tree. With `engine`, its threads build the subtrees below
 * the first few levels where there are enough points (src/methods/search-team.ts), the same tree bit for bit.
 */
export function buildKdTree(arena: Arena, kernels: KdTreeKernels, points: number | ((coordinates: number) => void), n: number, dims: number,
  engine?: Engine): number {
  if (!(dims >= 1 && dims <= KD_MAX_DIMS)) throw new RangeError(`a k-d tree takes 1 to ${KD_MAX_DIMS} coordinates, got ${dims}`);
  const inner = kernels.kdNodeCount(n) >> 1;
  const tree = arena.alloc(32);
  const coordinates = arena.alloc(kernels.kdCoordinateBytes(n, dims)), index = arena.alloc(n * 4);
  const splitDim = arena.alloc(inner * 4), splitValue = arena.alloc(inner * 4), boxes = arena.alloc(kernels.kdBoxBytes(n, dims));
  arena.i32(tree + 12, 5).set([coordinates, index, splitDim, splitValue, boxes]);
  const mark = arena.mark();
  // 16 bytes past the points: the build reads a point's coordinates four at a time.
  const work = arena.alloc(n * dims * 4 + 16);
  if (typeof points === "function") points(work);
  // The build copies its source into `work` first; a source that is `work` itself is left as it is.
  const source = typeof points === "function" ? work : points;
  const threads = searchThreads(engine, n);
  if (threads > 1) {
    // Subtrees at a depth with at least eight per thread, taken from a cursor; the top levels split by one thread.
    const depth = Math.min(Math.ceil(Math.log2(8 * threads)), MOST_SPLIT_DEPTH, Math.max(0, Math.floor(Math.log2(kernels.kdNodeCount(n) + 1)) - 1));
    const tasks = arena.alloc(4 + 12 * 2 ** depth), job = arena.alloc(10 * 4);
    arena.i32(job, 10).set([0, 0, tree, source, n, dims, work, depth, tasks, SEARCH_THREADING.pointChunk]);
    engine!.together("kdBuildTogether", [job]);
  } else {
    kernels.kdBuild(tree, source, n, dims, work);
  }
  arena.release(mark);
  return tree;
}

/** Queries per slice: about 10 ms of work on 5-dimensional colour and position features. */
const QUERIES_PER_SLICE = 16384;

/**
 * The k nearest tree points to each of `count` query points (the tree's dims, f32), or to each of the
 * tree's own n points when `queries` is "own points": their indices at `indices` (i32, count * k, nearest first,
 * ties to the lower index, -1 past the tree's size) and, unless `distances` is 0, their squared distances (f64).
 * `{ rows }` asks the own points whose rows[index] (i32) is not negative, answered in that row (count: the tree's
 * size). `between(done)` runs after each slice (yield, abort, progress). With `engine`, its threads share the
 * queries where there are enough (src/methods/search-team.ts), each slice then that many times longer.
 */
export async function nearestNeighbours(
  arena: Arena, kernels: KdTreeKernels, tree: number, queries: number | "own points" | { rows: number }, count: number, k: number, indices: number,
  distances: number, between: (done: number) => Promise<void> | void, engine?: Engine,
): Promise<void> {
  const mark = arena.mark();
  const points = typeof queries === "number" ? queries : 0, rows = typeof queries === "object" ? queries.rows : 0;
  const search = kdQueries(arena, kernels, engine, count, tree, points, rows, k, indices, distances);
  const slice = QUERIES_PER_SLICE * search.threads;
  for (let from = 0; from < count; from += slice) {
    const to = Math.min(count, from + slice);
    search.run(from, to);
    await between(to);
  }
  arena.release(mark);
}
