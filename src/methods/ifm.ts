// Information-flow matting (Aksoy, Aydin, Pollefeys, "Designing Effective Inter-Pixel Information Flow for
// Natural Image Matting", CVPR 2017) as a method, with the parameters of the authors' toolbox
// (yaksoy/AffinityBasedMattingToolbox, getMattingParams('IFM')): the colour-mixture, known-to-unknown,
// intra-unknown and local (closed-form) flows, the transparency test that switches the known-to-unknown flow off,
// edge and patch trimming, and the final edge trim; the system on the unknown pixels (assembly/methods/
// ifm-system.ts) is symmetric positive definite and solved by preconditioned CG (assembly/methods/ifm-pcg.ts),
// on the engine's threads where each has enough rows, from the known-to-unknown estimates unless the caller gives a start.
import { buildSystem, bytesPerUnknown, releasePhoto } from "../alpha.js";
import type { Engine } from "../engine.js";
import { type IfmKernels, TRANSPARENCY_VALUES, ifmKernels } from "./ifm-kernels.js";
import { buildKdTree, kdTreeBytes, nearestNeighbours } from "./kdtree.js";
import { MOST_LEFT as GRID_MOST_LEFT, SLICE as GRID_SLICE, TILES_PER_NEIGHBOUR as GRID_TILES_PER_NEIGHBOUR, TRIAL_QUERIES as GRID_TRIAL_QUERIES, TRIAL_SLICE as GRID_TRIAL_SLICE } from "./grid-search.js";
import { IFM_TOLERANCE, SOLVER_OPTIONS, choiceSpec, toleranceSpec } from "./options.js";
import { solveProgress } from "./progress.js";
import type { AlphaMethod, MethodContext, ProblemSize } from "./types.js";
import { coarseBytes, setUpCoarse } from "./ifm-coarse.js";
import { solveIfm, splitIfmRows } from "./ifm-solve.js";
import { SEARCH_THREADING, gridQueries, rowPass, searchThreads, teamScratchBytes } from "./search-team.js";

const LABEL = { background: 0, foreground: 1, unknown: 2 };

/** The toolbox's parameters: neighbour counts K, spatial weights s of the search features, flow weights. */
export const IFM_PARAMETERS = {
  colourMixture: { k: 20, spatial: 1 },
  knownToUnknown: { k: 7, spatial: 10, weight: 0.05 },
  intraUnknown: { k: 5, spatial: 0.05, farK: 1, farSpatial: 0.0005, weightSpatial: 0.05 / 10000, weight: 0.01 },
  local: { epsilon: 1e-6, radius: 1, weight: 1 / 9 },
  patchTrimK: 5,
  transparencyThreshold: 0.0099,
  /** The paper's final step: alpha 0 / 1 where edge trimming labelled the pixel (the toolbox leaves it off). */
  finalEdgeTrim: true,
};

/**
 * preconditioner: "multigrid", block Jacobi plus a coarse correction (a two-level method, assembly/methods/ifm-coarse.ts
 * and ifm-blocks.ts), or "jacobi" alone.
 */
const options = {
  ...SOLVER_OPTIONS,
  tolerance: toleranceSpec(IFM_TOLERANCE),
  preconditioner: choiceSpec<"multigrid" | "jacobi">("multigrid", ["multigrid", "jacobi"]),
};

/** Share of the progress bar for building the system. */
const BUILD_SHARE = 0.3;

/**
 * The paper's energy choice (section 5): least-squares fit of the unknown region's histogram by the foreground's
 * and background's near it; a residual norm / 30 above the threshold means a highly transparent matte.
 */
export function highlyTransparent(histograms: Float64Array, threshold: number): boolean {
  const f = histograms.subarray(0, 30), b = histograms.subarray(30, 60), u = histograms.subarray(60, 90);
  const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, v, i) => s + v * y[i], 0);
  const ff = dot(f, f), fb = dot(f, b), bb = dot(b, b), fu = dot(f, u), bu = dot(b, u);
  const det = ff * bb - fb * fb;
  const a = det !== 0 ? (fu * bb - bu * fb) / det : 0;
  const c = det !== 0 ? (bu * ff - fu * fb) / det : 0;
  let residual = 0;
  for (let i = 0; i < 30; i++) residual += (a * f[i] + c * b[i] - u[i]) ** 2;
  return Math.sqrt(residual) / 30 > threshold;
}

/** Writes the f32 search points of `count` pixels listed at `pixels` (i32; 0: every pixel) to `out`. */
type SearchPoints = (pixels: number, count: number, out: number) => void;

/** Search points: pixelFeatures' colour-and-position features with spatial weight s, computed for the listed pixels. */
function featurePoints(context: MethodContext, k: IfmKernels, spatial: number): { points: SearchPoints; dims: number } {
  const { width, height, pixels } = context;
  return { points: (list, count, out) => k.pixelFeatureRows(pixels.image, width, height, spatial, list, count, out), dims: spatial > 0 ? 5 : 3 };
}

/** Rows of neighbour lists `nearest` needs room for: one more per query than asked (for the query itself). */
const foundEntries = (queries: number, count: number) => queries * (count + 1);

/**
 * The k nearest candidates (pixels listed at `candidates`, candidateCount of them) of each query
 * pixel, the query itself left out, as pixel indices: `count` i32 per query at `out`, which must hold
 * foundEntries(queryCount, count) i32 (the search's own list, compacted in place). Either the queries are the
 * candidates themselves (the same list), and count + 1 are asked, each query being its own nearest, or no query is
 * a candidate (each caller's lists hold pixels of different labels), and count are asked. Points are written straight
 * into the tree, so no table of every pixel's features is held beside it. The search runs in f32: features are
 * colours and scaled positions, far coarser than its rounding.
 */
async function nearest(context: MethodContext, k: IfmKernels, points: SearchPoints, dims: number, candidates: number,
  candidateCount: number, queries: number, queryCount: number, count: number, out: number): Promise<void> {
  const { arena } = context;
  const mark = arena.mark();
  const tree = buildKdTree(arena, k, (coordinates) => points(candidates, candidateCount, coordinates), candidateCount, dims, context.engine);
  // Queries that are the tree's own points are asked in the tree's order, where neighbouring queries walk the same nodes.
  const own = queries === candidates && queryCount === candidateCount, asked = own ? count + 1 : count;
  if (own) {
    await nearestNeighbours(arena, k, tree, "own points", queryCount, asked, out, 0, () => context.checkpoint(), context.engine);
  } else {
    const queryPoints = arena.alloc(queryCount * dims * 4);
    points(queries, queryCount, queryPoints);
    await nearestNeighbours(arena, k, tree, queryPoints, queryCount, asked, out, 0, () => context.checkpoint(), context.engine);
  }
  k.neighbourPixels(out, queryCount, asked, candidates, queries, count, out);
  arena.release(mark);
}

// The grid's budget per neighbour, its slices and its trial are knn's (src/methods/grid-search.ts).
/**
 * The queries a pass leaves, when at most one in GRID_FEW_LEFT, get a second pass with GRID_SECOND_BUDGET times the
 * budget: a few queries in texture or of an odd colour cost far less so than a tree of every pixel.
 */
const GRID_FEW_LEFT = 16;
const GRID_SECOND_BUDGET = 16;

/**
 * The colour-mixture flow's search: the `count` + 1 nearest pixels of the whole image to each of the `rows` query
 * pixels at `queries` (the query itself among them), by colour and position (spatial weight 1), as `nearest` finds
 * them with a tree of every pixel, then compacted by neighbourPixels into `count` per row at `out`. The queries are
 * first scanned on the image's grid of tiles about each (assembly/graph/grid-search.ts: the tree's answers to the
 * bit, reading only the tiles that can hold a nearer pixel), which needs no tree; a query that reads more than its
 * budget of tiles gets a second pass with a larger budget where such queries are few, and the queries still left
 * (every query once the grid is given up: too many left on trial) go to the tree of every pixel, built only then,
 * after the grid's copy is released. Returns how many queries each answered.
 */
async function colourMixtureNeighbours(context: MethodContext, k: IfmKernels, queries: number, rows: number, count: number, out: number): Promise<{ grid: number; second: number; tree: number }> {
  const { arena, width, height, pixels } = context;
  const n = width * height, found = count + 1, spatial = IFM_PARAMETERS.colourMixture.spatial;
  const mark = arena.mark();
  const rowOf = arena.alloc(n * 4);
  k.queryRows(queries, rows, n, rowOf);
  const gridMark = arena.mark();
  const features = arena.alloc(n * 20), layout = arena.alloc(k.gridLayoutBytes(width, height));
  k.pixelFeatureRows(pixels.image, width, height, spatial, 0, n, features);
  k.gridLayout(features, width, height, layout);
  const grid = gridQueries(arena, k, context.engine, rows, features, layout, width, height, found), counts = arena.alloc(8);
  arena.i32(counts, 2).fill(0);
  let from = 0;
  while (from < n) {
    const [asked, left] = arena.i32(counts, 2);
    if (asked >= GRID_TRIAL_QUERIES && left > GRID_MOST_LEFT * asked) break;
    const to = Math.min(n, from + (asked < GRID_TRIAL_QUERIES ? GRID_TRIAL_SLICE : GRID_SLICE * grid.threads));
    grid.run(from, to, rowOf, GRID_TILES_PER_NEIGHBOUR * found, out, counts);
    from = to;
    await context.checkpoint();
  }
  const [asked, left] = arena.i32(counts, 2);
  let second = 0;
  if (from === n && left > 0 && left * GRID_FEW_LEFT <= asked) {
    grid.run(0, n, rowOf, GRID_SECOND_BUDGET * GRID_TILES_PER_NEIGHBOUR * found, out, counts);
    second = left - (arena.i32(counts, 2)[1] - left);
  }
  arena.release(gridMark);
  // The rows still wanted: those the grid left, and those of the pixels it did not reach.
  const open = k.countOpenRows(rowOf, 0, n);
  if (open > 0) {
    const points = featurePoints(context, k, spatial);
    const tree = buildKdTree(arena, k, (coordinates) => points.points(0, n, coordinates), n, points.dims, context.engine);
    await nearestNeighbours(arena, k, tree, { rows: rowOf }, n, found, out, 0, () => context.checkpoint(), context.engine);
  }
  k.neighbourPixels(out, rows, found, 0, queries, count, out);
  arena.release(mark);
  return { grid: rows - open - second, second, tree: open };
}

/** Rows of weights computed per slice (f64 scratch of this many rows, then narrowed into the f32 table). */
const WEIGHT_ROWS_PER_SLICE = 8192;

/**
 * A flow's weights as an f32 table of rows x k: `compute(first, count, out)` writes rows [first, first + count)
 * as f64 into `out`, in slices with abort checks between.
 */
async function weightTable(context: MethodContext, k: IfmKernels, rows: number, perRow: number,
  compute: (first: number, count: number, out: number) => void): Promise<number> {
  const { arena } = context;
  const table = arena.alloc(rows * perRow * 4);
  const mark = arena.mark();
  const scratch = arena.alloc(Math.min(rows, WEIGHT_ROWS_PER_SLICE) * perRow * 8);
  for (let first = 0; first < rows; first += WEIGHT_ROWS_PER_SLICE) {
    const count = Math.min(WEIGHT_ROWS_PER_SLICE, rows - first);
    compute(first, count, scratch);
    k.narrowToF32(scratch, count * perRow, table + first * perRow * 4);
    await context.checkpoint();
  }
  arena.release(mark);
  return table;
}

export interface Flows {
  unknown: number; // i32 pixel per row
  edgeTrimmed: number; // labels
  colourMixture: { neighbours: number; weights: number }; // i32 and f32, rows x k
  intraUnknown: { neighbours: number; weights: number; k: number }; // i32 and f32, rows x k
  knownToUnknown?: { patchTrimmed: number; queries: number; count: number; estimate: number; confidence: number };
  /**
   * How the colour-mixture search went: the queries the grid answered on its first pass and on its second, and
   * those left to the tree of every pixel.
   */
  colourMixtureSearch: { grid: number; second: number; tree: number };
}

/**
 * The flows' neighbours and weights. The arena is a stack: what the system needs is allocated where it stays,
 * each phase's searches and scratch above it and released at the phase's end, so that the peak is one phase's.
 */
export async function buildFlows(context: MethodContext, k: IfmKernels, rows: number): Promise<Flows> {
  const { arena, engine, width, height, pixels } = context;
  const n = width * height;
  // The per-row passes run on the engine's threads as the searches do (src/methods/search-team.ts).
  const threads = searchThreads(engine, rows);
  const P = IFM_PARAMETERS;
  const unknown = arena.alloc(rows * 4);
  k.pixelsWithLabel(pixels.labels, n, LABEL.unknown, unknown);
  const edgeTrimmed = arena.alloc(n);
  let mark = arena.mark();
  const histograms = arena.alloc(TRANSPARENCY_VALUES * 8);
  k.transparencyHistograms(pixels.image, pixels.labels, width, height, arena.alloc(n), histograms);
  const useKnownToUnknown = !highlyTransparent(arena.f64(histograms, TRANSPARENCY_VALUES).slice(), P.transparencyThreshold);
  arena.release(mark);
  const trimScratch = arena.alloc(k.edgeTrimScratchBytes(width, height));
  if (threads > 1) {
    const job = arena.alloc(16 * 4);
    arena.i32(job, 16).set([0, 0, 0, 0, 0, 0, 0, 0, 0, SEARCH_THREADING.trimRows, pixels.image, width, height, pixels.labels, edgeTrimmed, trimScratch]);
    engine.together("edgeTrimTogether", [job]);
  } else {
    k.edgeTrim(pixels.image, width, height, pixels.labels, edgeTrimmed, trimScratch);
  }
  arena.release(mark);
  const ku = useKnownToUnknown
    ? { patchTrimmed: arena.alloc(n), queries: arena.alloc(rows * 4), count: 0, estimate: arena.alloc(rows * 8), confidence: arena.alloc(rows * 8) }
    : undefined;
  // Known pixels, listed for the searches (trimming only adds to them), and their nearest to each query.
  const knownLists = () => ({
    foreground: arena.alloc((pixels.counts.foreground + rows) * 4), background: arena.alloc((pixels.counts.background + rows) * 4),
  });
  const knownNear = (queries: number, count: number) => ({
    fgNear: arena.alloc(foundEntries(queries, count) * 4), bgNear: arena.alloc(foundEntries(queries, count) * 4),
  });

  if (ku) {
    // Patch trimming compares window distributions with those of the nearest known pixels by window mean.
    mark = arena.mark();
    const means = arena.alloc(n * 24);
    k.windowMeans(pixels.image, width, height, means);
    const { foreground, background } = knownLists();
    const { fgNear, bgNear } = knownNear(rows, P.patchTrimK);
    const fgCount = k.pixelsWithLabel(pixels.labels, n, LABEL.foreground, foreground);
    const bgCount = k.pixelsWithLabel(pixels.labels, n, LABEL.background, background);
    const meanPoints: SearchPoints = (list, count, out) => k.gatherRows(means, 3, 8, list, count, out);
    await nearest(context, k, meanPoints, 3, foreground, fgCount, unknown, rows, P.patchTrimK, fgNear);
    // Only the pixels whose foreground match leaves their label to the background are searched among its pixels.
    const scratch = arena.alloc(k.patchTrimScratchBytes());
    const toForeground = arena.alloc(rows * 8), needed = arena.alloc(rows * 4), neededPixels = arena.alloc(rows * 4);
    if (!rowPass(arena, engine, threads, "patchForeground", rows, k.patchTrimScratchBytes(), [pixels.image, width, height, means, unknown, fgNear, P.patchTrimK, toForeground])) {
      k.patchTrimDistances(pixels.image, width, height, means, unknown, rows, fgNear, P.patchTrimK, scratch, toForeground);
    }
    const needs = k.patchTrimNeeded(unknown, rows, toForeground, needed, neededPixels);
    if (needs > 0) await nearest(context, k, meanPoints, 3, background, bgCount, neededPixels, needs, P.patchTrimK, bgNear);
    arena.u8(ku.patchTrimmed, n).set(arena.u8(pixels.labels, n));
    if (!rowPass(arena, engine, threads, "patchBackground", needs, k.patchTrimScratchBytes(),
      [pixels.image, width, height, means, neededPixels, needed, toForeground, bgNear, P.patchTrimK, ku.patchTrimmed])) {
      k.patchTrimBackground(pixels.image, width, height, means, neededPixels, needed, needs, toForeground, bgNear, P.patchTrimK, scratch, ku.patchTrimmed);
    }
    arena.release(mark);
  }

  const cmK = P.colourMixture.k;
  const cmNeighbours = arena.alloc(foundEntries(rows, cmK) * 4);
  const cmSearch = await colourMixtureNeighbours(context, k, unknown, rows, cmK, cmNeighbours);
  arena.recycle(cmNeighbours + rows * cmK * 4, rows * 4);
  const cmScratch = arena.alloc(k.flowScratchBytes(cmK));
  const cm = {
    neighbours: cmNeighbours,
    weights: await weightTable(context, k, rows, cmK, (first, count, out) => {
      const at = [unknown + first * 4, cmNeighbours + first * cmK * 4];
      if (!rowPass(arena, engine, threads, "colourMixture", count, k.flowScratchBytes(cmK), [pixels.image, ...at, cmK, out])) {
        k.colourMixtureWeights(pixels.image, at[0], count, at[1], cmK, cmScratch, out);
      }
    }),
  };

  const iuK = P.intraUnknown.k + P.intraUnknown.farK;
  const iuNeighbours = arena.alloc(rows * iuK * 4);
  mark = arena.mark();
  const near = arena.alloc(foundEntries(rows, P.intraUnknown.k) * 4), far = arena.alloc(foundEntries(rows, P.intraUnknown.farK) * 4);
  const nearPoints = featurePoints(context, k, P.intraUnknown.spatial), farPoints = featurePoints(context, k, P.intraUnknown.farSpatial);
  await nearest(context, k, nearPoints.points, nearPoints.dims, unknown, rows, unknown, rows, P.intraUnknown.k, near);
  await nearest(context, k, farPoints.points, farPoints.dims, unknown, rows, unknown, rows, P.intraUnknown.farK, far);
  k.interleaveRows(rows, near, P.intraUnknown.k, far, P.intraUnknown.farK, iuNeighbours);
  arena.release(mark);
  const iu = {
    neighbours: iuNeighbours, k: iuK,
    weights: await weightTable(context, k, rows, iuK, (first, count, out) =>
      k.intraUnknownWeights(pixels.image, width, height, P.intraUnknown.weightSpatial, unknown + first * 4, count, iuNeighbours + first * iuK * 4, iuK, out)),
  };

  if (ku) {
    // The known-to-unknown flow samples the trimmed trimap's known pixels for the pixels it leaves unknown.
    mark = arena.mark();
    const { foreground, background } = knownLists();
    const { fgNear, bgNear } = knownNear(rows, P.knownToUnknown.k);
    const trimmedFg = k.pixelsWithLabel(ku.patchTrimmed, n, LABEL.foreground, foreground);
    const trimmedBg = k.pixelsWithLabel(ku.patchTrimmed, n, LABEL.background, background);
    ku.count = k.pixelsWithLabel(ku.patchTrimmed, n, LABEL.unknown, ku.queries);
    const { points, dims } = featurePoints(context, k, P.knownToUnknown.spatial);
    await nearest(context, k, points, dims, foreground, trimmedFg, ku.queries, ku.count, P.knownToUnknown.k, fgNear);
    await nearest(context, k, points, dims, background, trimmedBg, ku.queries, ku.count, P.knownToUnknown.k, bgNear);
    const kuK = P.knownToUnknown.k, kuScratch = k.flowScratchBytes(2 * kuK) + 16 * kuK;
    if (!rowPass(arena, engine, searchThreads(engine, ku.count), "knownToUnknown", ku.count, kuScratch,
      [pixels.image, ku.queries, fgNear, bgNear, kuK, ku.estimate, ku.confidence])) {
      k.knownToUnknownEstimates(pixels.image, ku.queries, ku.count, fgNear, bgNear, kuK, arena.alloc(kuScratch), ku.estimate, ku.confidence);
    }
    arena.release(mark);
  }
  return { unknown, edgeTrimmed, colourMixture: cm, intraUnknown: iu, knownToUnknown: ku, colourMixtureSearch: cmSearch };
}

/**
 * The system record of assembly/methods/ifm-system.ts, with its right-hand side; with "multigrid", the coarse
 * correction's set-up (src/methods/ifm-coarse.ts) from the assembled parts and the photo, which must still be held.
 */
export async function assembleIfm(context: MethodContext, k: IfmKernels, flows: Flows, preconditioner: "jacobi" | "multigrid" = "jacobi") {
  const { arena, engine, width, height, pixels } = context;
  const n = width * height;
  const P = IFM_PARAMETERS;
  const stencil = await buildSystem(arena, engine, pixels, width, height, P.local.radius, P.local.epsilon);
  const { rows, half } = stencil;
  k.scaleValues(stencil.values, rows * half, P.local.weight);
  k.scaleValues(stencil.diagonal, rows, P.local.weight);
  k.scaleValues(stencil.rhs, rows, P.local.weight);
  const ku = flows.knownToUnknown;
  if (ku) {
    k.addKnownToUnknown(n, pixels.labels, stencil.unknownIndex, flows.edgeTrimmed, ku.patchTrimmed, ku.queries, ku.count,
      ku.estimate, ku.confidence, P.knownToUnknown.weight, stencil.diagonal, stencil.rhs);
  }
  // A's whole diagonal is summed where the preconditioner then inverts it.
  const inverse = arena.alloc((rows + 1) * 8);
  arena.f64(inverse, rows).set(arena.f64(stencil.diagonal, rows));
  k.addColourMixture(rows, P.colourMixture.k, flows.colourMixture.neighbours, flows.colourMixture.weights, stencil.unknownIndex, pixels.labels,
    inverse, stencil.rhs);
  const iu = flows.intraUnknown;
  k.addIntraUnknown(rows, iu.k, iu.neighbours, iu.weights, P.intraUnknown.weight, stencil.unknownIndex, inverse);
  // Each intra-unknown pair held once where both ends found it: fewer entries for the product to visit.
  const iuOffsets = arena.alloc((rows + 1) * 4);
  k.mergeIntraUnknown(rows, iu.k, iu.neighbours, iu.weights, iuOffsets);
  k.ifmJacobiSetup(inverse, rows);
  const record = arena.alloc(21 * 4);
  arena.i32(record, 21).set([rows, half, stencil.columns, stencil.values, 0, 0, iuOffsets, 0, 0, 0, 0,
    P.colourMixture.k, flows.colourMixture.neighbours, flows.colourMixture.weights, iu.k, iu.neighbours, iu.weights, stencil.diagonal, inverse, 0, 0]);
  const setUpStarted = performance.now();
  if (preconditioner === "multigrid") await setUpCoarse(context, k, record, stencil.unknownIndex);
  return { record, rows, rhs: stencil.rhs, unknownIndex: stencil.unknownIndex, setUpMilliseconds: performance.now() - setUpStarted };
}

/**
 * The most arena bytes buildFlows, assembleIfm and the solve hold at once: the largest of their phases' (each
 * phase holds what the later ones need, plus its own searches and scratch), for TOO_LARGE up front.
 */
export function ifmPeakBytes(size: ProblemSize, engine: Engine, preconditioner: "jacobi" | "multigrid" = options.preconditioner.default): number {
  const k = ifmKernels(engine);
  const { pixels: n, unknown: u, width } = size;
  const P = IFM_PARAMETERS;
  const found = (count: number) => foundEntries(u, count) * 4;
  /**
   * A search of u queries over `points` points: the tree, the query points (or, for queries among the tree's own
   * points, the rows of a tree of every pixel: `ownPoints`), the query scratch.
   */
  const threads = searchThreads(engine, u);
  const search = (points: number, dims: number, count: number, ownPoints?: "all" | "same") =>
    kdTreeBytes(k, points, dims) + 64 + (ownPoints === "all" ? points * 4 : ownPoints === "same" ? 0 : u * dims * 4) + k.kdQueryScratchBytes(count + 1)
    + teamScratchBytes(threads, k.kdQueryScratchBytes(count + 1));
  const knownLists = (n + 2 * u) * 4;
  const cmK = P.colourMixture.k, iuK = P.intraUnknown.k + P.intraUnknown.farK;
  // The per-row passes' scratch, one per thread on several (the largest, the known-to-unknown estimates', for all).
  const rowScratch = k.flowScratchBytes(2 * P.knownToUnknown.k) + 16 * P.knownToUnknown.k, passScratch = rowScratch + teamScratchBytes(threads, rowScratch);
  const weightScratch = (perRow: number) => Math.min(u, WEIGHT_ROWS_PER_SLICE) * perRow * 8 + passScratch;
  // Unknown list, edge- and patch-trimmed labels, known-to-unknown queries, estimates and confidences.
  const held = u * 4 + 2 * n + u * 20;
  const cm = found(cmK) + u * cmK * 4, iu = u * iuK * 8;
  const trim = 2 * n + n * 24 + knownLists + 2 * found(P.patchTrimK) + search(n, 3, P.patchTrimK) + k.patchTrimScratchBytes() + u * 16
    + teamScratchBytes(threads, k.patchTrimScratchBytes());
  // The colour mixture's grid (features, layout, scratch) and then, for the queries it leaves, the tree of every pixel.
  const cmGrid = n * 4 + n * 20 + k.gridLayoutBytes(width, size.height) + k.gridScratchBytes(cmK + 1, width) + teamScratchBytes(threads, k.gridScratchBytes(cmK + 1, width)) + 64;
  const colourMixture = Math.max(found(cmK) + Math.max(cmGrid, search(n, 5, cmK, "all")), cm + weightScratch(cmK));
  const intraUnknown = cm + Math.max(u * iuK * 4 + found(P.intraUnknown.k) + found(P.intraUnknown.farK) + search(u, 5, P.intraUnknown.k, "same"), iu + weightScratch(iuK));
  const knownToUnknown = cm + iu + knownLists + 2 * found(P.knownToUnknown.k) + search(n, 5, P.knownToUnknown.k) + weightScratch(0);
  // The unknown index, the stencil system (bytesPerUnknown counts CG's vectors and preconditioner too), its build's
  // scratch and the threads' cross buffers (src/split.ts), the intra-unknown pairs' row offsets, the solve's scatter
  // buffers on threads (assembly/methods/ifm-pcg.ts), the coarse correction (src/methods/ifm-coarse.ts) and the alpha
  // the runner composes on top (4 per pixel).
  const half = engine.kernels.stencilHalf(P.local.radius);
  const threadBytes = engine.threads * (engine.kernels.stencilScratchBytes(width, P.local.radius) + 2 * (2 * width + 2) * 8);
  const scatterBuffers = engine.threads > 1 ? engine.threads * (u + 1) * 8 + 64 : 0;
  const coarse = preconditioner === "multigrid" ? coarseBytes(u, n, cmK) : 0;
  const iuOffsets = (u + 1) * 4;
  const system = cm + iu + iuOffsets + n * 4 + u * bytesPerUnknown(half, "jacobi") + threadBytes + scatterBuffers + n * 4 + coarse;
  return held + Math.max(trim, colourMixture, intraUnknown, knownToUnknown, system) + 65536;
}

/** Every unknown pixel's colour mixture mixes its 20 nearest other pixels: an image of fewer has no such 20. */
export const ifmMinimumPixels = { pixels: IFM_PARAMETERS.colourMixture.k + 1, reason: `the colour mixture's ${IFM_PARAMETERS.colourMixture.k} nearest neighbours` };

export const informationFlow: AlphaMethod<typeof options> = {
  name: "ifm",
  options,
  warmStart: true,
  minimumSide: () => ({ side: 3, reason: "the local flow's 3x3 windows" }),
  minimumPixels: () => ifmMinimumPixels,
  peakBytes: (size, o, engine) => ifmPeakBytes(size, engine, o.preconditioner ?? options.preconditioner.default),
  async solve(context, o) {
    const { engine, width, height, pixels } = context;
    const k = ifmKernels(engine);
    const rows = pixels.counts.unknown;
    const started = performance.now();
    context.progress({ phase: "laplacian", fraction: 0 });
    const flows = await buildFlows(context, k, rows);
    await context.checkpoint();
    // Callers that run ifm inside themselves (combined) pass their own options, without this one.
    const system = await assembleIfm(context, k, flows, o.preconditioner ?? options.preconditioner.default);
    // Nothing of ours reads the photo after assembly: its 24 bytes per pixel take the solver's vectors.
    releasePhoto(context.arena, pixels, width, height);
    const laplacian = performance.now() - started;
    context.progress({ phase: "laplacian", fraction: BUILD_SHARE });
    await context.checkpoint();
    const ku = flows.knownToUnknown;
    const start = ku && ((x: number) => k.ifmEstimateGuess(width * height, pixels.labels, system.unknownIndex, flows.edgeTrimmed, ku.patchTrimmed,
      ku.queries, ku.count, ku.estimate, x));
    const solved = await solveIfm(context, system, splitIfmRows(context, system), o, solveProgress(context, o.tolerance, BUILD_SHARE), start);
    if (IFM_PARAMETERS.finalEdgeTrim) k.applyEdgeTrim(width * height, pixels.labels, system.unknownIndex, flows.edgeTrimmed, solved.x);
    return {
      solution: solved.x, unknownIndex: system.unknownIndex, iterations: solved.iterations, residual: solved.residual,
      converged: solved.residual <= o.tolerance,
      milliseconds: { laplacian: laplacian - system.setUpMilliseconds, preconditioner: system.setUpMilliseconds, solve: performance.now() - started - laplacian },
      threads: solved.threads,
    };
  },
};
