// How the solver's threads share the work (assembly/team.ts, assembly/fine.ts): each takes the unknown
// pixels of a band of image rows, and on the first block levels the nodes of the same band. Bands
// start at multiples of SPLIT_ROWS image rows, so that the 4x4, 8x8 and 16x16 pixel blocks of block
// levels 0-2 never straddle two threads and restriction and prolongation stay within each thread.
// A row of the radius-r Laplacian reaches 2r image rows down (assembly/stencil.ts); with 2r <= SPLIT_ROWS
// (radius 8 at most) those rows lie in the next thread's band or this one's, never further.
import type { Arena } from "./engine.js";

const SPLIT_ROWS = 16;
/** Fewer unknowns per thread than this, and one thread does it all: barriers would cost more than they save. */
export const MIN_ROWS_PER_THREAD = 8192;
/**
 * A block level is split only while every thread has at least minNodesPerThread of its nodes; the levels
 * below are replicated (every thread runs them whole, see assembly/cycle.ts). Changed only by tests, to reach
 * the replicated levels at other depths.
 */
export const LEVEL_SPLITTING = {
  minNodesPerThread: 64,
  /** Block levels that may be split: 0 to this one (2 at most: 16x16 pixel blocks, see SPLIT_ROWS). */
  maxLevel: 1,
  /** The parents of a split level's nodes are built on threads (splitParents); off, by the calling thread, for comparison. */
  parentsOnThreads: true,
};

export interface Split {
  /** First image row of each thread's band (the first is 0). */
  bandStarts: number[];
  /** Offset of the threads' first unknown rows (i32 x threads + 1, the last = rows). */
  rowRanges: number;
  /** Per thread, scratch for what crosses into the next thread's rows (f64 x crossLength): cross and ghost buffers. */
  cross: number;
  ghost: number;
  crossLength: number;
}

/**
 * Bands of about rows / threads unknowns each, or undefined when the image is too small for threads
 * to pay. unknownIndex: i32 per pixel, the row of an unknown pixel or -1. minRowsPerThread is lowered
 * only by tests, to split images small enough for wide stencils to be built quickly.
 */
export function splitRows(
  arena: Arena, unknownIndex: number, width: number, height: number, rows: number, threads: number, radius: number,
  minRowsPerThread = MIN_ROWS_PER_THREAD,
): Split | undefined {
  const reach = 2 * radius;
  if (threads < 2 || rows < threads * minRowsPerThread || reach > SPLIT_ROWS) return undefined;
  const map = arena.i32(unknownIndex, width * height);
  // before[b]: unknowns above image row b * SPLIT_ROWS.
  const bands = Math.ceil(height / SPLIT_ROWS);
  const before = new Int32Array(bands + 1);
  let seen = 0;
  for (let b = 0; b < bands; b++) {
    before[b] = seen;
    const end = Math.min(height, (b + 1) * SPLIT_ROWS) * width;
    for (let p = b * SPLIT_ROWS * width; p < end; p++) if (map[p] >= 0) seen++;
  }
  before[bands] = seen;
  const starts = [0];
  const firstRows = [0];
  for (let t = 1; t < threads; t++) {
    const goal = (t * rows) / threads;
    let best = starts[t - 1] / SPLIT_ROWS + 1;
    for (let b = best; b < bands; b++) if (Math.abs(before[b] - goal) < Math.abs(before[best] - goal)) best = b;
    if (best >= bands) return undefined;
    starts.push(best * SPLIT_ROWS);
    firstRows.push(before[best]);
  }
  firstRows.push(rows);
  if (firstRows.some((first, t) => t > 0 && first - firstRows[t - 1] < minRowsPerThread / 2)) return undefined;
  const rowRanges = arena.alloc(4 * firstRows.length);
  arena.i32(rowRanges, firstRows.length).set(firstRows);
  // A row's upper neighbours lie at most `reach` image rows down and `reach` columns right, so at most
  // reach * width + reach pixels, and as many unknowns, further on in raster order.
  const crossLength = reach * width + reach;
  const cross = arena.alloc(threads * crossLength * 8);
  const ghost = arena.alloc(threads * crossLength * 8);
  return { bandStarts: starts, rowRanges, cross, ghost, crossLength };
}

/**
 * The threads' node ranges (i32 x threads + 1) on block level `level`, whose nodes are numbered in
 * raster order of their cells (cell: i32 per node, y * gridWidth + x; a cell is 4 << level pixels
 * wide), or 0 when the level is not to be split.
 */
export function nodeRanges(arena: Arena, split: Split | undefined, level: number, cell: number, nodes: number, gridWidth: number): number {
  if (!split || level > LEVEL_SPLITTING.maxLevel) return 0;
  const bounds = bandBounds(arena, split, level, cell, nodes, gridWidth);
  if (bounds.some((first, t) => t > 0 && first - bounds[t - 1] < LEVEL_SPLITTING.minNodesPerThread)) return 0;
  return storeRanges(arena, bounds);
}

/**
 * The threads' ranges (i32 x threads + 1) of the parents of a split level's nodes, on block level `level`, however few
 * they are: each thread builds the parents of its own nodes (assembly/coarse-together.ts). 0 from level 3 on, whose
 * 32-pixel cells may straddle two bands (levels that deep are split only in tests: LEVEL_SPLITTING).
 */
export function splitParents(arena: Arena, split: Split, level: number, cell: number, nodes: number, gridWidth: number): number {
  return level > 2 ? 0 : storeRanges(arena, bandBounds(arena, split, level, cell, nodes, gridWidth));
}

/** The first node of each thread's band, then `nodes`. */
function bandBounds(arena: Arena, split: Split, level: number, cell: number, nodes: number, gridWidth: number): number[] {
  const cells = arena.i32(cell, nodes);
  const firstAtOrAfter = (value: number) => {
    let lo = 0, hi = nodes;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cells[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [...split.bandStarts.map((y) => firstAtOrAfter((y >> (2 + level)) * gridWidth)), nodes];
}

function storeRanges(arena: Arena, bounds: number[]): number {
  const ranges = arena.alloc(4 * bounds.length);
  arena.i32(ranges, bounds.length).set(bounds);
  return ranges;
}
