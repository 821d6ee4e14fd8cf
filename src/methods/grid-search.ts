// Exact k nearest pixels by colour and position (r, g, b, x, y features of every pixel), by the grid scan of
// assembly/graph/grid-search.ts where the position weighs enough for it to pay, by the k-d tree (kdtree.ts) where it
// does not: a query that scans more than its budget of tiles is left to the tree, and a search whose queries are left
// to it too often gives the grid up and asks the tree for the rest. The tree is built only when first needed. The
// answers are the tree's either way.
import { type KdTreeKernels, buildKdTree, kdTreeBytes, nearestNeighbours } from "./kdtree.js";
import type { Arena, Engine } from "../engine.js";
import { gridQueries } from "./search-team.js";

export interface GridSearchKernels extends KdTreeKernels {
  gridLayoutBytes(width: number, height: number): number;
  gridLayout(features: number, width: number, height: number, layout: number): void;
  gridScratchBytes(k: number, width: number): number;
  gridEveryRow(rows: number, n: number): void;
  gridQueryPixels(features: number, layout: number, width: number, height: number, k: number, from: number, to: number, rows: number,
    budget: number, indices: number, scratch: number, counts: number): void;
}

const FEATURES = 5;
/** A query's budget, in tiles of 16 pixels per neighbour sought. */
export const TILES_PER_NEIGHBOUR = 4;
/** Pixels per slice of the grid's queries; the first slices are shorter, while the grid is on trial. */
export const SLICE = 16384;
export const TRIAL_SLICE = 1024;
/** The grid is on trial for this many queries, and given up when more than this share of them is left to the tree. */
export const TRIAL_QUERIES = 256;
export const MOST_LEFT = 1 / 8;
/** At most one query in FEW_LEFT left by a search's pass: those get a second pass with SECOND_BUDGET times the budget. */
const FEW_LEFT = 256;
const SECOND_BUDGET = 64;

/** One image's features, searched again and again (for several query sets) with the same k. */
export interface PixelSearch {
  features: number;
  width: number;
  height: number;
  /** gridLayout's copy, the queries asked and left to the tree so far (two i32), and whether the grid is still used. */
  layout: number;
  counts: number;
  grid: boolean;
  /** The tree over the features, 0 until first needed. */
  tree: number;
}

/** Allocates a search over the five features per pixel at `features` (left as they are) and lays them out for the grid. */
export function pixelSearch(arena: Arena, kernels: GridSearchKernels, features: number, width: number, height: number): PixelSearch {
  const layout = arena.alloc(kernels.gridLayoutBytes(width, height)), counts = arena.alloc(8);
  kernels.gridLayout(features, width, height, layout);
  arena.i32(counts, 2).fill(0);
  return { features, width, height, layout, counts, grid: true, tree: 0 };
}

/** Bytes pixelSearch allocates, and at most the tree it builds. */
export function pixelSearchBytes(kernels: GridSearchKernels, width: number, height: number): number {
  const aligned = (bytes: number) => Math.ceil(bytes / 16) * 16;
  return aligned(kernels.gridLayoutBytes(width, height)) + 16 + kdTreeBytes(kernels, width * height, FEATURES);
}

/**
 * The k nearest pixels to each pixel p with rows[p] >= 0 (i32, one per pixel; "every pixel": each in its own row,
 * `rows` then only scratch), as row rows[p] of `indices` (i32, k per row, nearest first, ties to the lower index,
 * -1 past the image's pixels). `rows` is scratch afterwards. `between(done)` runs between slices of the work.
 * With `engine`, its threads share the queries (src/methods/search-team.ts; `queries`: about how many are asked).
 */
export async function pixelNeighbours(arena: Arena, kernels: GridSearchKernels, search: PixelSearch, k: number, rows: number, every: boolean,
  indices: number, between: (done: number) => Promise<void> | void, engine?: Engine, queries = search.width * search.height): Promise<void> {
  const n = search.width * search.height;
  if (every) kernels.gridEveryRow(rows, n);
  const mark = arena.mark();
  const grid = gridQueries(arena, kernels, engine, queries, search.features, search.layout, search.width, search.height, k);
  const budget = TILES_PER_NEIGHBOUR * k;
  const [askedBefore] = arena.i32(search.counts, 1);
  let leftBefore = arena.i32(search.counts, 2)[1];
  let from = 0;
  while (from < n && search.grid) {
    const [asked] = arena.i32(search.counts, 1);
    const to = Math.min(n, from + (asked < TRIAL_QUERIES ? TRIAL_SLICE : SLICE * grid.threads));
    grid.run(from, to, rows, budget, indices, search.counts);
    const [total, left] = arena.i32(search.counts, 2);
    if (total >= TRIAL_QUERIES && left > MOST_LEFT * total) search.grid = false;
    from = to;
    await between(from);
  }
  // A few queries left (sparse texture, an odd colour): a second pass with a far larger budget, which costs little
  // beside a tree built for them.
  const [askedNow, leftNow] = arena.i32(search.counts, 2);
  if (from === n && leftNow > leftBefore && (leftNow - leftBefore) * FEW_LEFT <= askedNow - askedBefore) {
    const counts = arena.alloc(8);
    arena.i32(counts, 2).fill(0);
    grid.run(0, n, rows, SECOND_BUDGET * budget, indices, counts);
    if (arena.i32(counts, 2)[1] === 0) leftBefore = leftNow;
  }
  arena.release(mark);
  if (from === n && arena.i32(search.counts, 2)[1] === leftBefore) return;
  if (search.tree === 0) search.tree = buildKdTree(arena, kernels, search.features, n, FEATURES, engine);
  // The tree's share of the progress: the pixels the grid did not reach.
  const reached = from;
  await nearestNeighbours(arena, kernels, search.tree, { rows }, n, k, indices, 0, (done) => between(reached + ((n - reached) * done) / n), engine);
}
