// KNN matting's neighbour lists, one set per (k, w) search, with the searches of far known pixels skipped where a
// bound proves that their lists hold no row of the system (assembly/methods/knn-skip.ts explains the bound and why
// that leaves the system as it is). First, per search: its features, and the unknown pixels' k nearest, which with
// them are marked reached. Then, per search, with every search's marks in: each known pixel not reached is tested
// against a tree over the reached ones and skipped when none is within its bound; the others get their k nearest.
// Last, with the rows known, the skipped pixels are checked (knnCheckSkipped) and the few found are searched after
// all. The neighbours come from grid-search.ts (a scan of the image around each pixel where the position weighs
// enough, the k-d tree elsewhere); a search still on the grid after the first step skips nothing, since its
// searches cost less than the tests. Every search's features (and tree, if built) are kept from the first step to
// the last (rebuilding them would cost much of the time saved).
import { buildKdTree, kdTreeBytes } from "./kdtree.js";
import { type GridSearchKernels, type PixelSearch, pixelNeighbours, pixelSearch, pixelSearchBytes } from "./grid-search.js";
import type { Arena, Engine } from "../engine.js";
import { teamScratchBytes } from "./search-team.js";

export interface KnnSearchKernels extends GridSearchKernels {
  knnFeatures(image: number, width: number, height: number, distanceWeight: number, features: number): void;
  knnSoftWeights(features: number, pixels: number, k: number, neighbours: number, weights: number): void;
  knnActiveRows(sets: number, pixels: number, labels: number, hops: number, activeIndex: number): number;
  knnMarkReached(neighbours: number, k: number, pixels: number, labels: number, reached: number): void;
  knnGatherReached(features: number, pixels: number, reached: number, out: number): number;
  knnGatherLate(features: number, pixels: number, reached: number, activeIndex: number, out: number): number;
  knnBoundScratchBytes(k: number): number;
  knnSkipFar(tree: number, features: number, width: number, height: number, k: number, from: number, to: number, labels: number, reached: number,
    neighbours: number, rows: number, bounds: number, scratch: number, own: number): number;
  knnCheckSkipped(tree: number, features: number, k: number, from: number, to: number, activeIndex: number, neighbours: number, bounds: number, again: number): number;
  knnRowsOfLabel(labels: number, pixels: number, known: number, rows: number): void;
}

export const FEATURES = 5;
/**
 * Searches with more neighbours than this are never skipped: the window bound keeps the k smallest of at least k
 * distances by insertion, and its window grows with k (9 x 9 at 64).
 */
export const MAX_SKIPPED_NEIGHBORS = 64;

export interface KnnGraph {
  /** The sets record (assembly/methods/knn.ts) and its fields. */
  sets: number;
  fields: number[];
  /** Each pixel's row, or -1, and the number of rows (knnActiveRows). */
  activeIndex: number;
  rows: number;
  /** Lists skipped, and of those searched after all, over all searches. */
  skipped: number;
  searchedAfter: number;
}

export interface KnnSearchInput {
  image: number;
  labels: number;
  width: number;
  height: number;
  neighbors: number[];
  distanceWeights: number[];
  soft: boolean;
  /** Skip the far known pixels' searches (false: search every pixel, the plain way the tests compare with). */
  skipFar: boolean;
  hops: number;
}

/**
 * Allocates and fills the neighbour lists (and soft weights) of every search and the pixels' rows; the rest of what
 * it allocates is released. `between(fraction)` runs between slices of the work, with the share of it done.
 */
export async function knnGraph(arena: Arena, kernels: KnnSearchKernels, input: KnnSearchInput, between: (fraction: number) => Promise<void>,
  engine?: Engine): Promise<KnnGraph> {
  const { width, height, labels, neighbors } = input;
  const n = width * height, searches = neighbors.length;
  const sets = arena.alloc(4 * (1 + 3 * searches));
  const fields = [searches];
  for (const k of neighbors) fields.push(k, arena.alloc(n * k * 4), input.soft ? arena.alloc(n * k * 4) : 0);
  arena.i32(sets, fields.length).set(fields);
  const activeIndex = arena.alloc(n * 4);
  const skipping = neighbors.map((k) => input.skipFar && k <= MAX_SKIPPED_NEIGHBORS);
  // Shares of the progress: the first step (everything when nothing is skipped), the second, the check.
  const first = skipping.some(Boolean) ? 0.25 : 1, second = 0.7;
  const at = (share: number, start: number, s: number, done: number) => between(start + (share * (s + done / n)) / searches);
  const mark = arena.mark();
  const reached = arena.alloc(n);
  arena.u8(reached, n).fill(0);
  const rows = arena.alloc(n * 4);
  const kept: { search: PixelSearch; bounds: number }[] = [];
  for (let s = 0; s < searches; s++) {
    const k = neighbors[s], neighbours = fields[2 + 3 * s];
    const searchMark = arena.mark();
    const features = arena.alloc(n * FEATURES * 4);
    kernels.knnFeatures(input.image, width, height, input.distanceWeights[s], features);
    const search = pixelSearch(arena, kernels, features, width, height);
    if (!skipping[s]) {
      await pixelNeighbours(arena, kernels, search, k, rows, true, neighbours, (done) => at(first, 0, s, done), engine);
      if (input.soft) kernels.knnSoftWeights(features, n, k, neighbours, fields[3 + 3 * s]);
      arena.release(searchMark);
      continue;
    }
    kernels.knnRowsOfLabel(labels, n, 0, rows);
    await pixelNeighbours(arena, kernels, search, k, rows, false, neighbours, (done) => at(first, 0, s, done), engine);
    kernels.knnMarkReached(neighbours, k, n, labels, reached);
    kept[s] = { search, bounds: arena.alloc(n * 4) };
  }
  let skipped = 0;
  for (let s = 0; s < searches; s++) {
    if (!skipping[s]) continue;
    const k = neighbors[s], neighbours = fields[2 + 3 * s], { search, bounds } = kept[s], features = search.features;
    if (search.grid) {
      // The grid's searches cost less than the tests that would skip them: every known pixel is searched.
      skipping[s] = false;
      kernels.knnRowsOfLabel(labels, n, 1, rows);
      await pixelNeighbours(arena, kernels, search, k, rows, false, neighbours, (done) => at(second, first, s, done), engine);
      if (input.soft) kernels.knnSoftWeights(features, n, k, neighbours, fields[3 + 3 * s]);
      continue;
    }
    const treeMark = arena.mark();
    const near = subsetTree(arena, kernels, kernels.knnGatherReached(0, n, reached, 0), (work) => kernels.knnGatherReached(features, n, reached, work), engine);
    const scratch = arena.alloc(kernels.knnBoundScratchBytes(k));
    for (let from = 0; from < n; from += TEST_SLICE) {
      skipped += kernels.knnSkipFar(near, features, width, height, k, from, Math.min(n, from + TEST_SLICE), labels, reached, neighbours, rows, bounds, scratch,
        search.tree);
      await at(second, first, s, 0);
    }
    arena.release(treeMark);
    await pixelNeighbours(arena, kernels, search, k, rows, false, neighbours, (done) => at(second, first, s, done), engine);
  }
  const rowCount = kernels.knnActiveRows(sets, n, labels, input.hops, activeIndex);
  let searchedAfter = 0;
  for (let s = 0; s < searches; s++) {
    if (!skipping[s]) continue;
    const k = neighbors[s], neighbours = fields[2 + 3 * s], { search, bounds } = kept[s], features = search.features;
    const treeMark = arena.mark();
    const late = subsetTree(arena, kernels, kernels.knnGatherLate(0, n, reached, activeIndex, 0), (work) => kernels.knnGatherLate(features, n, reached, activeIndex, work), engine);
    arena.i32(rows, n).fill(-1);
    let found = 0;
    for (let from = 0; from < n; from += TEST_SLICE) {
      found += kernels.knnCheckSkipped(late, features, k, from, Math.min(n, from + TEST_SLICE), activeIndex, neighbours, bounds, rows);
      await at(1 - first - second, first + second, s, 0);
    }
    arena.release(treeMark);
    if (found > 0) await pixelNeighbours(arena, kernels, search, k, rows, false, neighbours, () => at(1 - first - second, first + second, s, 0), engine);
    if (input.soft) kernels.knnSoftWeights(features, n, k, neighbours, fields[3 + 3 * s]);
    searchedAfter += found;
  }
  arena.release(mark);
  return { sets, fields, activeIndex, rows: rowCount, skipped, searchedAfter };
}

/** Pixels tested per slice, between which the caller may yield. */
const TEST_SLICE = 16384;

/** A tree over `count` pixels' features, written by `gather`; 0 (no tree, nothing within any bound) when there are none. */
function subsetTree(arena: Arena, kernels: KnnSearchKernels, count: number, gather: (work: number) => void, engine?: Engine): number {
  return count === 0 ? 0 : buildKdTree(arena, kernels, gather, count, FEATURES, engine);
}

/**
 * The most knnGraph holds at once beyond the lists: the rows, the reached marks and query rows, the features, tree
 * and bounds of every search that skips (kept from the first step to the last), and on top either a search's that does
 * not or a tree over some of the pixels; the query scratch (the tree's or the grid's) and a window bound's.
 */
export function knnGraphBytes(kernels: KnnSearchKernels, width: number, height: number, neighbors: number[], skipFar: boolean, threads = 1): number {
  const n = width * height;
  const aligned = (bytes: number) => Math.ceil(bytes / 16) * 16;
  const kept = skipFar ? neighbors.filter((k) => k <= MAX_SKIPPED_NEIGHBORS).length : 0;
  const k = Math.max(...neighbors);
  const search = aligned(n * FEATURES * 4) + Math.max(pixelSearchBytes(kernels, width, height), kdTreeBytes(kernels, n, FEATURES));
  return aligned(n) + 2 * aligned(n * 4) + kept * aligned(n * 4) + (kept + 1) * search
    + Math.max(aligned(kernels.kdQueryScratchBytes(k)) + teamScratchBytes(threads, kernels.kdQueryScratchBytes(k)),
      aligned(kernels.gridScratchBytes(k, width)) + teamScratchBytes(threads, kernels.gridScratchBytes(k, width))) + aligned(kernels.knnBoundScratchBytes(Math.min(k, MAX_SKIPPED_NEIGHBORS))) + 16 * 16;
}
