// How the solver's threads share the work (assembly/team.ts, assembly/fine.ts): each takes the unknown
// pixels of a band of image rows, and on the first block levels the nodes of the same band. Bands
// start at multiples of bandRows() image rows (8 while block levels 0-1 are split, 16 with level 2 too), so that the
// 4x4, 8x8 (and 16x16) pixel blocks of the split levels never straddle two threads and restriction and prolongation stay within each thread;
// the next level's parents are built on threads only where their cells do not straddle either (splitParents).
// A row of the radius-r Laplacian reaches 2r image rows down (assembly/stencil.ts); every band but the last is at
// least 2r rows tall (2r <= MAX_REACH: radius 8 at most), so those rows lie in the next thread's band or this
// one's, never further.
import type { Arena, Kernels } from "./engine.js";

/** The kernels splitRows counts with. */
export type BandKernels = Pick<Kernels, "bandCounts" | "bandScratchBytes">;

/** The longest reach (2r image rows) of a stencil that threads share. */
const MAX_REACH = 16;
/**
 * What a band's work costs, per unknown pixel (the fine sweeps, the CG's products, the transfers) and per node of
 * block levels 0 and 1 (occupied 4x4 and 8x8 pixel cells; visited once and twice per iteration): measured on one
 * thread, per iteration, on GT02 and GT08 Trimap1 (about 95 ns per unknown, 420-465 ns per level-0 node, 560-650 ns per
 * level-1 node). Bands are balanced by this cost rather than by unknowns alone, where the multigrid runs (radius 1, 2).
 */
const COST = { unknown: 1, firstNode: 5, secondNode: 6 };
/** Fewer unknowns per thread than this, and one thread does it all: barriers would cost more than they save. */
export const MIN_ROWS_PER_THREAD = 8192;
/**
 * A block level is split only while every thread has at least minNodesPerThread of its nodes; the levels
 * below are replicated (every thread runs them whole, see assembly/cycle.ts). Changed only by tests, to reach
 * the replicated levels at other depths.
 */
export const LEVEL_SPLITTING = {
  minNodesPerThread: 64,
  /** Block levels that may be split: 0 to this one (2 at most: 16x16 pixel blocks, see bandRows). */
  maxLevel: 2,
  /**
   * Block level 2 is split only where every thread has at least this many unknown pixels (and the multigrid runs:
   * radius 1 or 2); else levels 0-1. Split, it costs about 36 more barriers per iteration and spares each thread
   * running it whole: measured on two threads (README, "Level 2 split on large systems"), 0.94 of the wall time
   * (median) from 100 k unknowns up; split at every size, up to 1.2 on systems of 25-60 k.
   */
  deepRowsPerThread: 50000,
  /** The parents of a split level's nodes are built on threads (splitParents); off, by the calling thread, for comparison. */
  parentsOnThreads: true,
};

export interface Split {
  /** The deepest block level the threads split (0-2; see LEVEL_SPLITTING): bands start at multiples of bandRows(deepest). */
  deepest: number;
  /** First image row of each thread's band (the first is 0). */
  bandStarts: number[];
  /** Offset of the threads' first unknown rows (i32 x threads + 1, the last = rows). */
  rowRanges: number;
  /** Per thread, scratch for what crosses into the next thread's rows (f64 x crossLength): cross and ghost buffers. */
  cross: number;
  ghost: number;
  crossLength: number;
  /**
   * Per thread (i32 x threads), the first of its rows on the last `reach` image rows of its band (the last thread's:
   * rows): the rows before it have all their upper neighbours in the thread's own rows (assembly/fine.ts farEnd).
   */
  farRows: number;
}

/**
 * Bands start at multiples of this many image rows when levels 0 to `deepest` are split: the split levels' cells
 * (4 << level pixels) never straddle two.
 */
export function bandRows(deepest: number): number {
  return 4 << Math.min(Math.max(deepest, 1), 2);
}

/** The deepest block level to split for `rows` unknowns on `threads` threads at `radius` (LEVEL_SPLITTING). */
export function deepestSplit(rows: number, threads: number, radius: number): number {
  return Math.min(LEVEL_SPLITTING.maxLevel, radius <= 2 && rows >= threads * LEVEL_SPLITTING.deepRowsPerThread ? 2 : 1);
}

/**
 * Bands of about equal work (COST: unknowns, and at radius 1 and 2 the first two block levels' nodes), or undefined
 * when the image is too small for threads to pay. unknownIndex: i32 per pixel, the row of an unknown pixel or -1.
 * minRowsPerThread is lowered only by tests, to split images small enough for wide stencils to be built quickly.
 */
export function splitRows(
  arena: Arena, kernels: BandKernels, unknownIndex: number, width: number, height: number, rows: number, threads: number, radius: number,
  minRowsPerThread = MIN_ROWS_PER_THREAD,
): Split | undefined {
  const reach = 2 * radius;
  if (threads < 2 || rows < threads * minRowsPerThread || reach > MAX_REACH) return undefined;
  const deepest = deepestSplit(rows, threads, radius), step = bandRows(deepest), blocks = radius <= 2;
  // Per band of `step` image rows b: its unknowns and occupied 4x4 and 8x8 cells (assembly/bands.ts); before[b],
  // cost[b]: the unknowns and cost above image row b * step.
  const bands = Math.ceil(height / step);
  const mark = arena.mark();
  const countsAt = arena.alloc(bands * 12), aboveAt = arena.alloc((height + 1) * 4);
  kernels.bandCounts(unknownIndex, width, height, step, countsAt, aboveAt, arena.alloc(kernels.bandScratchBytes(width)));
  const counts = arena.i32(countsAt, bands * 3).slice();
  // aboveRow[y]: the unknowns above image row y.
  const aboveRow = arena.i32(aboveAt, height + 1).slice();
  arena.release(mark);
  const before = new Int32Array(bands + 1), cost = new Float64Array(bands + 1);
  let seen = 0, spent = 0;
  for (let b = 0; b < bands; b++) {
    before[b] = seen;
    cost[b] = spent;
    const unknowns = counts[3 * b], firstNodes = counts[3 * b + 1], secondNodes = counts[3 * b + 2];
    seen += unknowns;
    spent += COST.unknown * unknowns + (blocks ? COST.firstNode * firstNodes + COST.secondNode * secondNodes : 0);
  }
  before[bands] = seen;
  cost[bands] = spent;
  // Every band but the last holds at least `reach` image rows (see the top of this file), and at least one step.
  const least = Math.max(1, Math.ceil(reach / step));
  const starts = [0];
  const firstRows = [0];
  for (let t = 1; t < threads; t++) {
    const goal = (t * spent) / threads;
    let best = starts[t - 1] / step + least;
    for (let b = best; b < bands; b++) if (Math.abs(cost[b] - goal) < Math.abs(cost[best] - goal)) best = b;
    if (best >= bands) return undefined;
    starts.push(best * step);
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
  // Every band but the last holds at least `reach` image rows, so its last `reach` start within it.
  const farRows = arena.alloc(4 * threads);
  arena.i32(farRows, threads).set(starts.map((_, t) => (t + 1 < threads ? aboveRow[starts[t + 1] - reach] : rows)));
  return { deepest, bandStarts: starts, rowRanges, cross, ghost, crossLength, farRows };
}

/** Whether block level `level`'s cells (4 << level pixels high) all lie within one band each. */
function cellsWithinBands(split: Split, level: number): boolean {
  return split.bandStarts.every((y) => y % (4 << level) === 0);
}

/**
 * The threads' node ranges (i32 x threads + 1) on block level `level`, whose nodes are numbered in
 * raster order of their cells (cell: i32 per node, y * gridWidth + x; a cell is 4 << level pixels
 * wide), or 0 when the level is not to be split. After them, per thread, its inner nodes as a range (i32 x 2): those
 * after its first row of cells and before its last, whose 3x3 neighbours are all its own nodes (assembly/smooth.ts
 * reads them without testing where each lies; a sweep from zero, which reads only earlier neighbours, so reads every
 * node from the range's start on); empty where the band has fewer than three rows of cells.
 */
export function nodeRanges(arena: Arena, split: Split | undefined, level: number, cell: number, nodes: number, gridWidth: number): number {
  if (!split || level > split.deepest || !cellsWithinBands(split, level)) return 0;
  const bounds = bandBounds(arena, split, level, cell, nodes, gridWidth);
  if (bounds.some((first, t) => t > 0 && first - bounds[t - 1] < LEVEL_SPLITTING.minNodesPerThread)) return 0;
  const cells = arena.i32(cell, nodes);
  const rowOf = (n: number) => Math.floor(cells[n] / gridWidth);
  // Per thread: the first node after its first row of cells (from there on, a sweep from zero reads no earlier
  // thread's node), and the first on its last row (from there on, nodes may have neighbours in the next thread's).
  const inner = bounds.slice(0, -1).flatMap((lo, t) => {
    const hi = bounds[t + 1];
    if (hi === lo) return [hi, hi];
    const start = Math.min(hi, firstAtOrAfter(cells, nodes, (rowOf(lo) + 1) * gridWidth));
    return [start, Math.max(start, firstAtOrAfter(cells, nodes, rowOf(hi - 1) * gridWidth))];
  });
  return storeRanges(arena, [...bounds, ...inner]);
}

/**
 * The threads' ranges (i32 x threads + 1) of the parents of a split level's nodes, on block level `level`, however few
 * they are: each thread builds the parents of its own nodes (assembly/coarse-together.ts). 0 where the parents'
 * cells (4 << level pixels) straddle two bands: level 2's 16-pixel cells on bands at multiples of 8 rows, levels 3 on
 * (split only in tests: LEVEL_SPLITTING); the calling thread then builds them alone, the same bits.
 */
export function splitParents(arena: Arena, split: Split, level: number, cell: number, nodes: number, gridWidth: number): number {
  return !cellsWithinBands(split, level) ? 0 : storeRanges(arena, bandBounds(arena, split, level, cell, nodes, gridWidth));
}

/** The first node of each thread's band, then `nodes`. */
function bandBounds(arena: Arena, split: Split, level: number, cell: number, nodes: number, gridWidth: number): number[] {
  const cells = arena.i32(cell, nodes);
  return [...split.bandStarts.map((y) => firstAtOrAfter(cells, nodes, (y >> (2 + level)) * gridWidth)), nodes];
}

/** The first node whose cell (ascending) is at or after `value`, or `nodes`. */
function firstAtOrAfter(cells: Int32Array, nodes: number, value: number): number {
  let lo = 0, hi = nodes;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cells[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function storeRanges(arena: Arena, bounds: number[]): number {
  const ranges = arena.alloc(4 * bounds.length);
  arena.i32(ranges, bounds.length).set(bounds);
  return ranges;
}
