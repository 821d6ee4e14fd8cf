// KNN matting (Chen, Li, Tang 2013) as pymatting 1.1.15 computes it (estimate_alpha_knn): the k nearest pixels in
// colour and position for each (neighbors, distanceWeights) pair, the graph Laplacian of their symmetrised
// affinities, pymatting's soft constraints (make_linear_system, lambda 100) and CG to pymatting's tolerance on the
// residual. pymatting preconditions by Jacobi; the soft kernel here too, the binary kernel by symmetric SOR
// in Eisenstat's form (half the iterations at about the cost of one each, assembly/methods/knn-sgs.ts): the same
// system, solved to the same tolerance. Starting from the trimap saves at most a tenth of the iterations. Hot loops
// in assembly/methods/knn.ts, knn-cg.ts and knn-sgs.ts; the system's form, why it may be restricted and how its
// matrix is held are explained there. The neighbour searches, and which of them are skipped, are in knn-search.ts.
import { MattingError } from "../errors.js";
import { type KnnSearchKernels, knnGraph, knnGraphBytes } from "./knn-search.js";
import { searchThreads } from "./search-team.js";
import { SOLVER_OPTIONS, choiceSpec, numberListSpec } from "./options.js";
import { solveProgress } from "./progress.js";
import { CONSTRAINT_WEIGHT } from "./sparse.js";
import { seedGuess } from "./guess.js";
import { iterateInSlices, relativeResidual } from "../slices.js";
import type { AlphaMethod } from "./types.js";
import type { Arena, Engine } from "../engine.js";

/** Options of method "knn" (pymatting's knn_laplacian arguments, camelCase). */
export interface KnnOptions {
  /** Neighbours per pixel, one count per neighbour search (pymatting's n_neighbors). Default [20, 10]. */
  neighbors?: number[];
  /** Weight of the pixel position against colour in each search's features (distance_weights). Default [2.0, 0.1]. */
  distanceWeights?: number[];
  /** Affinity of neighbours: "binary" (1) or "soft" (1 - mean |feature difference|). Default "binary". */
  kernel?: "binary" | "soft";
}

/** The knn kernels of the wasm module (assembly/methods/knn.ts, knn-cg.ts); exported for the tests' system oracle. */
export interface KnnKernels extends KnnSearchKernels {
  knnDegrees(sets: number, pixels: number, degree: number): void;
  knnSystem(sets: number, pixels: number, labels: number, degree: number, activeIndex: number, lambda: number, diagonal: number, rhs: number): void;
  knnEdgeCounts(sets: number, rows: number, counts: number): void;
  knnEdgeFill(sets: number, rows: number, cursor: number, columns: number): void;
  knnMergeRows(rows: number, rowStart: number, columns: number, seen: number): number;
  knnSplitRows(rows: number, rowStart: number, columns: number, split: number): void;
  knnSgsStart(operator: number, b: number, x: number, rho: number, u: number, q: number, t: number, state: number): number;
  knnSgsIterate(operator: number, x: number, rho: number, u: number, q: number, t: number, state: number, maxSteps: number, tolerance: number): number;
  knnSgsFinish(operator: number, x: number, rho: number, state: number): void;
  sparseRowStarts(rows: number, rowStart: number): number;
  knnJacobi(diagonal: number, rows: number, inverse: number): void;
  knnCgStart(operator: number, b: number, x: number, r: number, z: number, p: number, state: number): number;
  knnCgIterate(operator: number, x: number, r: number, z: number, p: number, q: number, state: number, maxSteps: number, tolerance: number): number;
}

const MAX_SEARCHES = 8;
const MAX_NEIGHBORS = 1000;
/** Known pixels this many hops from the unknown ones are solved for too (assembly/solve/constrain.ts). */
const HOPS = 1;
/** Share of the progress bar given to the neighbour searches and the assembly. */
const GRAPH_SHARE = 0.5;

/** The arena rounds every allocation up to 16 bytes. */
const aligned = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * The most solve() holds at once, for width x height (n) pixels: the neighbour lists (and soft weights) of every search, then
 * either the searches' allocations (knn-search.ts knnGraphBytes) or the system: each pixel's row index, per row the
 * diagonal and the right-hand side, beside the degrees while they are set up, then for the binary kernel its compressed rows (two
 * entries per edge before repeats are summed, and a row's worth of scratch), and the CG record, the inverse
 * diagonal, five CG vectors and their state, which reuse the binary kernel's dead lists where they fit (first fit,
 * as Arena.alloc). The rows are the unknown pixels and every pixel one edge from one, which depends on the
 * neighbours found, so the bound takes every pixel as a row and every edge as joining two (on the photos, a quarter
 * to a half of the pixels are rows, with about 28 entries each).
 */
export function knnPeakBytes(width: number, height: number, neighbors: number[], soft: boolean, kernels: KnnSearchKernels, engine?: Engine): number {
  const n = width * height;
  const lists = neighbors.reduce((sum, k) => sum + aligned(n * k * 4) * (soft ? 2 : 1), aligned(4 * (1 + 3 * neighbors.length)));
  const search = knnGraphBytes(kernels, width, height, neighbors, true, searchThreads(engine, n));
  const rows = n, edges = neighbors.reduce((sum, k) => sum + k, 0) * rows;
  const compressed = soft ? 0 : aligned((rows + 1) * 4) + aligned(rows * 4) + aligned(2 * edges * 4);
  const solveAllocations = [28, ...Array(6).fill(rows * 8), 48].map(aligned);
  const free = soft ? [] : neighbors.map((k) => n * k * 4);
  let atTop = 0;
  for (const bytes of solveAllocations) {
    const range = free.findIndex((room) => room >= bytes);
    if (range >= 0) free[range] -= bytes;
    else atTop += bytes;
  }
  const system = aligned(n * 4) + 2 * aligned(rows * 8) + Math.max(aligned(n * 8), compressed + Math.max(aligned(rows * 4), atTop));
  return lists + Math.max(search, system);
}

/**
 * The binary kernel's system as compressed rows, each edge in both its rows, repeats summed (assembly/methods/knn.ts
 * knnEdgeCounts, knnEdgeFill, knnMergeRows); the neighbour lists are dead after it and their memory is recycled for
 * the CG vectors. `fields`: the sets record's.
 */
function compressEdges(arena: Arena, kernels: KnnKernels, sets: number, n: number, rows: number, fields: number[]): { rowStart: number; columns: number; split: number } {
  const rowStart = arena.alloc((rows + 1) * 4), split = arena.alloc(rows * 4);
  arena.i32(rowStart, rows + 1).fill(0);
  kernels.knnEdgeCounts(sets, rows, rowStart + 4);
  const counted = kernels.sparseRowStarts(rows, rowStart);
  const columns = arena.alloc(counted * 4);
  const mark = arena.mark();
  const cursor = arena.alloc(rows * 4);
  arena.i32(cursor, rows).set(arena.i32(rowStart, rows));
  kernels.knnEdgeFill(sets, rows, cursor, columns);
  const seen = cursor;
  arena.i32(seen, rows).fill(-1);
  const entries = kernels.knnMergeRows(rows, rowStart, columns, seen);
  kernels.knnSplitRows(rows, rowStart, columns, split);
  arena.release(mark);
  arena.recycle(columns + entries * 4, (counted - entries) * 4);
  for (let s = 1; s < fields.length; s += 3) arena.recycle(fields[s + 1], n * fields[s] * 4);
  return { rowStart, columns, split };
}

const options = {
  neighbors: numberListSpec([20, 10], (v) => Number.isInteger(v) && v >= 1 && v <= MAX_NEIGHBORS, `integers from 1 to ${MAX_NEIGHBORS}`, MAX_SEARCHES),
  distanceWeights: numberListSpec([2.0, 0.1], (v) => Number.isFinite(v) && v >= 0 && v <= 1e6, "numbers from 0 to 1e6", MAX_SEARCHES),
  kernel: choiceSpec<"binary" | "soft">("binary", ["binary", "soft"]),
  ...SOLVER_OPTIONS,
};

export const knn: AlphaMethod<typeof options> = {
  name: "knn",
  options,
  warmStart: true,
  checkOptions({ neighbors, distanceWeights }) {
    if (neighbors.length !== distanceWeights.length) {
      throw new MattingError("INVALID_OPTION",
        `options neighbors and distanceWeights must have the same length (one per neighbour search), got ${neighbors.length} and ${distanceWeights.length}`,
        { option: "distanceWeights", value: distanceWeights });
    }
  },
  peakBytes: (size, o, engine) => knnPeakBytes(size.width, size.height, o.neighbors, o.kernel === "soft", engine.kernels as KnnKernels, engine),
  async solve(context, o) {
    const { arena, pixels, width, height } = context;
    const kernels = context.engine.kernels as KnnKernels;
    const n = width * height;
    const started = performance.now();
    const graphProgress = (fraction: number) => context.progress({ phase: "laplacian", fraction: GRAPH_SHARE * 0.9 * fraction });
    graphProgress(0);
    const { sets, fields, activeIndex, rows } = await knnGraph(arena, kernels, {
      image: pixels.image, labels: pixels.labels, width, height, neighbors: o.neighbors, distanceWeights: o.distanceWeights,
      soft: o.kernel === "soft", skipFar: true, hops: HOPS,
    }, async (fraction) => {
      graphProgress(fraction);
      await context.checkpoint();
    }, context.engine);
    const diagonal = arena.alloc(rows * 8), rhs = arena.alloc(rows * 8);
    const mark = arena.mark();
    const degree = arena.alloc(n * 8);
    kernels.knnDegrees(sets, n, degree);
    kernels.knnSystem(sets, n, pixels.labels, degree, activeIndex, CONSTRAINT_WEIGHT, diagonal, rhs);
    arena.release(mark);
    const compressed = o.kernel === "binary" ? compressEdges(arena, kernels, sets, n, rows, fields) : undefined;
    const laplacian = performance.now() - started;
    context.progress({ phase: "laplacian", fraction: GRAPH_SHARE });
    await context.checkpoint();

    const setupStarted = performance.now();
    const operator = arena.alloc(28);
    const inverse = arena.alloc(rows * 8);
    kernels.knnJacobi(diagonal, rows, inverse);
    arena.i32(operator, 7).set([rows, sets, diagonal, inverse, compressed?.rowStart ?? 0, compressed?.columns ?? 0, compressed?.split ?? 0]);
    const preconditioner = performance.now() - setupStarted;
    const vector = () => arena.alloc(rows * 8);
    const x = vector(), r = vector(), z = vector(), p = vector(), q = vector();
    arena.f64(x, rows).fill(0);
    seedGuess(context, activeIndex, x);
    const state = arena.alloc(48);
    const report = solveProgress(context, o.tolerance, GRAPH_SHARE);
    // The binary kernel: symmetric SOR CG on the compressed rows (z: the sweeps' scratch); the soft: Jacobi.
    const sgs = compressed !== undefined;
    const first = sgs ? kernels.knnSgsStart(operator, rhs, x, r, p, q, z, state) : kernels.knnCgStart(operator, rhs, x, r, z, p, state);
    const solved = await iterateInSlices(first, o.tolerance, o.maxIterations,
      (steps) => (sgs ? kernels.knnSgsIterate(operator, x, r, p, q, z, state, steps, o.tolerance) : kernels.knnCgIterate(operator, x, r, z, p, q, state, steps, o.tolerance)),
      () => relativeResidual(arena.f64(state, 3)),
      async (done, now) => {
        report(done, now);
        await context.checkpoint();
      });
    if (sgs) kernels.knnSgsFinish(operator, x, r, state);
    // SSOR CG sums the true residual only now and then: its last value is read after the finish.
    const iterations = solved.iterations, residual = sgs ? relativeResidual(arena.f64(state, 3)) : solved.residual;
    return {
      solution: x, unknownIndex: activeIndex, iterations, residual, converged: residual <= o.tolerance,
      milliseconds: { laplacian, preconditioner, solve: performance.now() - started - laplacian - preconditioner },
      threads: 1,
    };
  },
};
