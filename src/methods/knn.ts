// KNN matting (Chen, Li, Tang 2013) as pymatting 1.1.15 computes it (estimate_alpha_knn): the k nearest pixels in
// colour and position for each (neighbors, distanceWeights) pair, the graph Laplacian of their symmetrised
// affinities, pymatting's soft constraints (make_linear_system, lambda 100) and CG. Hot loops in
// assembly/methods/knn.ts; the system's form and why it may be restricted are explained there.
import { MattingError } from "../errors.js";
import { type KdTreeKernels, buildKdTree, nearestNeighbours } from "./kdtree.js";
import { SOLVER_OPTIONS, choiceSpec, numberListSpec } from "./options.js";
import { solveProgress } from "./progress.js";
import { CONSTRAINT_WEIGHT, SPARSE_BYTES, type SparseKernels, assembleSparse, solveSparse } from "./sparse.js";
import type { AlphaMethod } from "./types.js";

/** Options of method "knn" (pymatting's knn_laplacian arguments, camelCase). */
export interface KnnOptions {
  /** Neighbours per pixel, one count per neighbour search (pymatting's n_neighbors). Default [20, 10]. */
  neighbors?: number[];
  /** Weight of the pixel position against colour in each search's features (distance_weights). Default [2.0, 0.1]. */
  distanceWeights?: number[];
  /** Affinity of neighbours: "binary" (1) or "soft" (1 - mean |feature difference|). Default "binary". */
  kernel?: "binary" | "soft";
}

interface KnnKernels extends SparseKernels, KdTreeKernels {
  knnFeatures(image: number, width: number, height: number, distanceWeight: number, features: number): void;
  knnSoftWeights(features: number, pixels: number, k: number, neighbours: number, weights: number): void;
  knnDegrees(sets: number, pixels: number, degree: number): void;
  knnActiveRows(sets: number, pixels: number, labels: number, hops: number, activeIndex: number): number;
  knnRowCounts(sets: number, pixels: number, activeIndex: number, counts: number): void;
  knnFill(sets: number, pixels: number, labels: number, degree: number, activeIndex: number, lambda: number,
    cursor: number, columns: number, values: number, diagonal: number, rhs: number): void;
}

const MAX_SEARCHES = 8;
const MAX_NEIGHBORS = 1000;
/** Known pixels this many hops from the unknown ones are solved for too (assembly/solve/constrain.ts). */
const HOPS = 1;
/** Share of the progress bar given to the neighbour searches and the assembly. */
const GRAPH_SHARE = 0.5;
const FEATURES = 5;

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
  peakBytes(size, o) {
    const edges = o.neighbors.reduce((sum, k) => sum + k, 0);
    // Per pixel: features and the tree over them (about 50 bytes), neighbour lists (and soft weights), degree, row index, alpha out.
    const graph = size.pixels * (50 + edges * (o.kernel === "soft" ? 8 : 4) + 8 + 4 + 4);
    // The system: its rows (the unknown pixels and, as measured on photos, up to as many known ones again), each with
    // its own edges and, on average as many, those of the pixels that have it as a neighbour, before repeats are summed.
    // An estimate: assembleSparse checks the exact count before it allocates the entries.
    const rows = Math.min(size.pixels, 2 * size.unknown);
    return graph + rows * (SPARSE_BYTES.perRow + 2 * edges * SPARSE_BYTES.perEntry) + 4096;
  },
  async solve(context, o) {
    const { arena, pixels, width, height } = context;
    const kernels = context.engine.kernels as KnnKernels;
    const n = width * height;
    const started = performance.now();
    const searches = o.neighbors.length;
    const sets = arena.alloc(4 * (1 + 3 * searches));
    const fields = [searches];
    const graphProgress = (search: number, done: number) =>
      context.progress({ phase: "laplacian", fraction: (GRAPH_SHARE * 0.9 * (search + done / n)) / searches });
    graphProgress(0, 0);
    for (let s = 0; s < searches; s++) {
      const k = o.neighbors[s];
      const neighbours = arena.alloc(n * k * 4);
      const weights = o.kernel === "soft" ? arena.alloc(n * k * 4) : 0;
      const mark = arena.mark();
      const features = arena.alloc(n * FEATURES * 4);
      kernels.knnFeatures(pixels.image, width, height, o.distanceWeights[s], features);
      const tree = buildKdTree(arena, kernels, features, n, FEATURES);
      await nearestNeighbours(arena, kernels, tree, "own points", n, k, neighbours, 0, async (done) => {
        graphProgress(s, done);
        await context.checkpoint();
      });
      if (weights !== 0) kernels.knnSoftWeights(features, n, k, neighbours, weights);
      arena.release(mark);
      fields.push(k, neighbours, weights);
    }
    arena.i32(sets, fields.length).set(fields);
    const degree = arena.alloc(n * 8);
    kernels.knnDegrees(sets, n, degree);
    const activeIndex = arena.alloc(n * 4);
    const rows = kernels.knnActiveRows(sets, n, pixels.labels, HOPS, activeIndex);
    const system = assembleSparse(arena, kernels, rows,
      (counts) => kernels.knnRowCounts(sets, n, activeIndex, counts),
      (cursor, columns, values, diagonal, rhs) =>
        kernels.knnFill(sets, n, pixels.labels, degree, activeIndex, CONSTRAINT_WEIGHT, cursor, columns, values, diagonal, rhs));
    const laplacian = performance.now() - started;
    context.progress({ phase: "laplacian", fraction: GRAPH_SHARE });
    await context.checkpoint();
    // Jacobi, as pymatting: symmetric Gauss-Seidel halves the iterations on these graphs but doubles their cost.
    const solved = await solveSparse(context, system, { ...o, preconditioner: "jacobi" }, solveProgress(context, o.tolerance, GRAPH_SHARE), activeIndex);
    return {
      solution: solved.solution, unknownIndex: activeIndex,
      iterations: solved.iterations, residual: solved.residual, converged: solved.converged,
      milliseconds: { laplacian, preconditioner: solved.setupMilliseconds, solve: performance.now() - started - laplacian - solved.setupMilliseconds },
      threads: 1,
    };
  },
};
