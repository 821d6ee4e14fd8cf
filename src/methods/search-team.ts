// The neighbour searches' queries (assembly/graph/search-together.ts), and information flow's per-row passes
// (assembly/methods/ifm-together.ts), on the engine's threads: where the engine has helper threads and a search has
// enough queries, every thread answers chunks of them at once, each with its own scratch; the answers are one thread's
// bit for bit. Below the threshold, or on one thread, the plain kernels run. (The k-d tree's build on threads is in
// kdtree.ts, edge trimming's in ifm.ts; both take their chunk sizes from here.)
import type { Arena, Engine, Kernels } from "../engine.js";

/**
 * minQueries: fewer queries than this, and one thread answers them. kdChunk, gridChunk, rowChunk, trimRows: queries a
 * thread takes at a time from the k-d tree's job, pixels from the grid's, rows from information flow's per-row passes,
 * image rows from edge trimming's (about a millisecond of work or less); pointChunk: points a thread writes at a time
 * into a k-d tree's blocks (a multiple of four). Tests lower them all, to split small images into many chunks.
 */
export const SEARCH_THREADING = { minQueries: 4096, kdChunk: 256, gridChunk: 2048, rowChunk: 256, trimRows: 4, pointChunk: 16384 };

const aligned = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** How many threads answer a search of `queries` queries on `engine`. */
export function searchThreads(engine: Engine | undefined, queries: number): number {
  return engine !== undefined && engine.threads > 1 && queries >= SEARCH_THREADING.minQueries ? engine.threads : 1;
}

/** The extra scratch bytes `threads` threads take over one thread's `bytes` (each its own copy, plus 16 for its counts). */
export function teamScratchBytes(threads: number, bytes: number): number {
  return threads > 1 ? threads * (aligned(bytes) + 16) + 64 - bytes : 0;
}

/**
 * Scratch of `bytes` for each of `threads` threads, `stride` apart (the module's threadScratch finds a thread's), with
 * 16 bytes past each that a kernel may keep its own counts in; one thread gets `bytes` alone.
 */
export function threadScratch(arena: Arena, threads: number, bytes: number): { scratch: number; stride: number } {
  const stride = aligned(bytes) + 16;
  return { scratch: arena.alloc(threads > 1 ? threads * stride : bytes), stride };
}

interface KdKernels extends Kernels {
  kdQuery(tree: number, queries: number, from: number, to: number, k: number, indices: number, distances: number, scratch: number): void;
  kdQueryOwnPoints(tree: number, from: number, to: number, k: number, indices: number, distances: number, scratch: number, rows: number): void;
  kdQueryScratchBytes(k: number): number;
}

/**
 * The k-d tree's queries of one search: `run(from, to)` answers queries [from, to) (kdQuery's query points, or the
 * tree's own points when `queries` is 0, answered in rows[original] when `rows` is not 0), on `threads` threads.
 */
export function kdQueries(arena: Arena, kernels: KdKernels, engine: Engine | undefined, count: number, tree: number, queries: number, rows: number,
  k: number, indices: number, distances: number) {
  const threads = searchThreads(engine, count);
  const { scratch, stride } = threadScratch(arena, threads, kernels.kdQueryScratchBytes(k)), job = threads > 1 ? arena.alloc(11 * 4) : 0;
  return {
    threads,
    run(from: number, to: number): void {
      if (threads > 1) {
        arena.i32(job, 11).set([from, to, SEARCH_THREADING.kdChunk, scratch, stride, tree, queries, k, indices, distances, rows]);
        engine!.together("kdQueryTogether", [job]);
      } else if (queries === 0) {
        kernels.kdQueryOwnPoints(tree, from, to, k, indices, distances, scratch, rows);
      } else {
        kernels.kdQuery(tree, queries, from, to, k, indices, distances, scratch);
      }
    },
  };
}

interface GridKernels extends Kernels {
  gridScratchBytes(k: number, width: number): number;
  gridQueryPixels(features: number, layout: number, width: number, height: number, k: number, from: number, to: number, rows: number,
    budget: number, indices: number, scratch: number, counts: number): void;
}

/**
 * The grid's queries of one search over a `width` x `height` image for k neighbours (about `queries` of them in all):
 * `run(...)` is gridQueryPixels over pixels [from, to), on `threads` threads, the counts (queries asked and left)
 * added to those at `counts` either way.
 */
export function gridQueries(arena: Arena, kernels: GridKernels, engine: Engine | undefined, queries: number, features: number, layout: number,
  width: number, height: number, k: number) {
  const threads = searchThreads(engine, queries);
  const { scratch, stride } = threadScratch(arena, threads, kernels.gridScratchBytes(k, width)), job = threads > 1 ? arena.alloc(14 * 4) : 0;
  return {
    threads,
    run(from: number, to: number, rows: number, budget: number, indices: number, counts: number): void {
      if (threads > 1) {
        arena.i32(job, 14).set([from, to, SEARCH_THREADING.gridChunk, scratch, stride, features, layout, width, height, k, rows, budget, indices, counts]);
        engine!.together("gridQueryTogether", [job]);
      } else {
        kernels.gridQueryPixels(features, layout, width, height, k, from, to, rows, budget, indices, scratch, counts);
      }
    },
  };
}

/** Information flow's per-row passes (assembly/methods/ifm-together.ts), by the kind its job names. */
export const ROW_PASSES = { colourMixture: 0, knownToUnknown: 1, patchForeground: 2, patchBackground: 3 } as const;

/**
 * Runs one of information flow's per-row passes over rows [0, count) on the engine's threads when `threads` > 1
 * (searchThreads), each thread with `bytes` of its own scratch, and returns true; or returns false, and the caller
 * runs the plain kernel on one thread. `args`: the pass's arguments, as assembly/methods/ifm-together.ts lists them.
 */
export function rowPass(arena: Arena, engine: Engine, threads: number, pass: keyof typeof ROW_PASSES, count: number, bytes: number, args: number[]): boolean {
  if (threads <= 1 || count === 0) return false;
  const mark = arena.mark();
  const { scratch, stride } = threadScratch(arena, threads, bytes), job = arena.alloc((6 + args.length) * 4);
  arena.i32(job, 6 + args.length).set([0, count, SEARCH_THREADING.rowChunk, scratch, stride, ROW_PASSES[pass], ...args]);
  try {
    engine.together("ifmRowsTogether", [job]);
  } finally {
    arena.release(mark);
  }
  return true;
}
