// Information-flow matting (Aksoy, Aydin, Pollefeys, "Designing Effective Inter-Pixel Information Flow for
// Natural Image Matting", CVPR 2017) as a method, with the parameters of the authors' toolbox
// (yaksoy/AffinityBasedMattingToolbox, getMattingParams('IFM')): the colour-mixture, known-to-unknown,
// intra-unknown and local (closed-form) flows, the transparency test that switches the known-to-unknown flow off,
// edge and patch trimming, and the final edge trim; the system on the unknown pixels (assembly/methods/
// ifm-system.ts) is symmetric positive definite and solved by Jacobi-preconditioned CG.
import { buildSystem } from "../alpha.js";
import { type IfmKernels, TRANSPARENCY_VALUES, ifmKernels } from "./ifm-kernels.js";
import { buildKdTree, nearestNeighbours } from "./kdtree.js";
import { SOLVER_OPTIONS } from "./options.js";
import { seedGuess } from "./guess.js";
import { solveProgress } from "./progress.js";
import type { AlphaMethod, MethodContext, ResolvedOptions } from "./types.js";
import { iterateInSlices, relativeResidual } from "../slices.js";

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

const options = { ...SOLVER_OPTIONS };
type IfmOptions = ResolvedOptions<typeof options>;

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

/**
 * The k nearest candidates (rows of `features`, dims values each, f32 or f64 by featureBytes; candidates 0 means
 * every pixel, f32 only) of each query pixel, the query itself left out, as pixel indices: k i32 per query at
 * `out`. The search runs in f32: features are colours and scaled positions, far coarser than its rounding.
 */
async function nearest(context: MethodContext, k: IfmKernels, features: number, featureBytes: 4 | 8, dims: number, candidates: number,
  candidateCount: number, queries: number, queryCount: number, count: number, out: number): Promise<void> {
  const { arena } = context;
  const mark = arena.mark();
  let points = features;
  if (candidates !== 0) {
    points = arena.alloc(candidateCount * dims * 4);
    k.gatherRows(features, dims, featureBytes, candidates, candidateCount, points);
  }
  const tree = buildKdTree(arena, k, points, candidateCount, dims);
  const queryPoints = arena.alloc(queryCount * dims * 4);
  k.gatherRows(features, dims, featureBytes, queries, queryCount, queryPoints);
  // One more than wanted, for the query itself when it is among the candidates.
  const found = arena.alloc(queryCount * (count + 1) * 4);
  await nearestNeighbours(arena, k, tree, queryPoints, queryCount, count + 1, found, 0, () => context.checkpoint());
  k.neighbourPixels(found, queryCount, count + 1, candidates, queries, count, out);
  arena.release(mark);
}

export interface Flows {
  unknown: number; // i32 pixel per row
  edgeTrimmed: number; // labels
  colourMixture: { neighbours: number; weights: number };
  intraUnknown: { neighbours: number; weights: number; k: number };
  knownToUnknown?: { patchTrimmed: number; queries: number; count: number; estimate: number; confidence: number };
}

export async function buildFlows(context: MethodContext, k: IfmKernels, rows: number): Promise<Flows> {
  const { arena, width, height, pixels } = context;
  const n = width * height;
  const P = IFM_PARAMETERS;
  const unknown = arena.alloc(rows * 4);
  k.pixelsWithLabel(pixels.labels, n, LABEL.unknown, unknown);
  const edgeTrimmed = arena.alloc(n);
  let mark = arena.mark();
  const histograms = arena.alloc(TRANSPARENCY_VALUES * 8);
  k.transparencyHistograms(pixels.image, pixels.labels, width, height, arena.alloc(n), histograms);
  const useKnownToUnknown = !highlyTransparent(arena.f64(histograms, TRANSPARENCY_VALUES).slice(), P.transparencyThreshold);
  arena.release(mark);
  k.edgeTrim(pixels.image, width, height, pixels.labels, edgeTrimmed, arena.alloc(n));
  arena.release(mark);

  const cm = { neighbours: arena.alloc(rows * P.colourMixture.k * 4), weights: arena.alloc(rows * P.colourMixture.k * 8) };
  const iuK = P.intraUnknown.k + P.intraUnknown.farK;
  const iu = { neighbours: arena.alloc(rows * iuK * 4), weights: arena.alloc(rows * iuK * 8), k: iuK };
  const ku = useKnownToUnknown
    ? { patchTrimmed: arena.alloc(n), queries: arena.alloc(rows * 4), count: 0, estimate: arena.alloc(rows * 8), confidence: arena.alloc(rows * 8) }
    : undefined;

  mark = arena.mark();
  // Known pixels, listed once for the searches; trimming only adds to them.
  const foreground = arena.alloc((pixels.counts.foreground + rows) * 4), background = arena.alloc((pixels.counts.background + rows) * 4);
  const fgNear = arena.alloc(ku ? rows * P.knownToUnknown.k * 4 : 0), bgNear = arena.alloc(ku ? rows * P.knownToUnknown.k * 4 : 0);
  if (ku) {
    // Patch trimming compares window distributions with those of the nearest known pixels by window mean.
    const meansMark = arena.mark();
    const means = arena.alloc(n * 24);
    k.windowMeans(pixels.image, width, height, means);
    const fgCount = k.pixelsWithLabel(pixels.labels, n, LABEL.foreground, foreground);
    const bgCount = k.pixelsWithLabel(pixels.labels, n, LABEL.background, background);
    await nearest(context, k, means, 8, 3, foreground, fgCount, unknown, rows, P.patchTrimK, fgNear);
    await nearest(context, k, means, 8, 3, background, bgCount, unknown, rows, P.patchTrimK, bgNear);
    arena.u8(ku.patchTrimmed, n).set(arena.u8(pixels.labels, n));
    k.patchTrim(pixels.image, width, height, means, unknown, rows, fgNear, bgNear, P.patchTrimK, arena.alloc(k.patchTrimScratchBytes()), ku.patchTrimmed);
    arena.release(meansMark);
  }
  const features = arena.alloc(n * 5 * 4);
  let dims = k.pixelFeatures(pixels.image, width, height, P.colourMixture.spatial, features);
  await nearest(context, k, features, 4, dims, 0, n, unknown, rows, P.colourMixture.k, cm.neighbours);
  k.colourMixtureWeights(pixels.image, unknown, rows, cm.neighbours, P.colourMixture.k, arena.alloc(k.flowScratchBytes(P.colourMixture.k)), cm.weights);

  const near = arena.alloc(rows * P.intraUnknown.k * 4), far = arena.alloc(rows * P.intraUnknown.farK * 4);
  dims = k.pixelFeatures(pixels.image, width, height, P.intraUnknown.spatial, features);
  await nearest(context, k, features, 4, dims, unknown, rows, unknown, rows, P.intraUnknown.k, near);
  dims = k.pixelFeatures(pixels.image, width, height, P.intraUnknown.farSpatial, features);
  await nearest(context, k, features, 4, dims, unknown, rows, unknown, rows, P.intraUnknown.farK, far);
  k.interleaveRows(rows, near, P.intraUnknown.k, far, P.intraUnknown.farK, iu.neighbours);
  k.intraUnknownWeights(pixels.image, width, height, P.intraUnknown.weightSpatial, unknown, rows, iu.neighbours, iuK, iu.weights);

  if (ku) {
    // The known-to-unknown flow samples the trimmed trimap's known pixels for the pixels it leaves unknown.
    const trimmedFg = k.pixelsWithLabel(ku.patchTrimmed, n, LABEL.foreground, foreground);
    const trimmedBg = k.pixelsWithLabel(ku.patchTrimmed, n, LABEL.background, background);
    ku.count = k.pixelsWithLabel(ku.patchTrimmed, n, LABEL.unknown, ku.queries);
    dims = k.pixelFeatures(pixels.image, width, height, P.knownToUnknown.spatial, features);
    await nearest(context, k, features, 4, dims, foreground, trimmedFg, ku.queries, ku.count, P.knownToUnknown.k, fgNear);
    await nearest(context, k, features, 4, dims, background, trimmedBg, ku.queries, ku.count, P.knownToUnknown.k, bgNear);
    k.knownToUnknownEstimates(pixels.image, ku.queries, ku.count, fgNear, bgNear, P.knownToUnknown.k,
      arena.alloc(k.flowScratchBytes(2 * P.knownToUnknown.k) + 16 * P.knownToUnknown.k), ku.estimate, ku.confidence);
  }
  arena.release(mark);
  return { unknown, edgeTrimmed, colourMixture: cm, intraUnknown: iu, knownToUnknown: ku };
}

/** The system record of assembly/methods/ifm-system.ts, with its right-hand side. */
export async function assembleIfm(context: MethodContext, k: IfmKernels, flows: Flows) {
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
  const diagonal = arena.alloc(rows * 8);
  arena.f64(diagonal, rows).set(arena.f64(stencil.diagonal, rows));
  k.addColourMixture(rows, P.colourMixture.k, flows.colourMixture.neighbours, flows.colourMixture.weights, stencil.unknownIndex, pixels.labels,
    diagonal, stencil.rhs);
  const iu = flows.intraUnknown;
  k.addIntraUnknown(rows, iu.k, iu.neighbours, iu.weights, P.intraUnknown.weight, stencil.unknownIndex, diagonal);
  const inverse = arena.alloc((rows + 1) * 8);
  k.ifmJacobiSetup(diagonal, rows, inverse);
  const record = arena.alloc(19 * 4);
  arena.i32(record, 19).set([rows, half, stencil.columns, stencil.values, diagonal, 0, 0, 0, 0, 0, 0,
    P.colourMixture.k, flows.colourMixture.neighbours, flows.colourMixture.weights, iu.k, iu.neighbours, iu.weights, stencil.diagonal, inverse]);
  return { record, rows, rhs: stencil.rhs, unknownIndex: stencil.unknownIndex };
}

/** Jacobi PCG from x = 0 (or the caller's warm start) in slices of about SLICE_MS, with progress and abort between them. */
async function solveIfm(context: MethodContext, k: IfmKernels, record: number, rows: number, rhs: number, unknownIndex: number, o: IfmOptions) {
  const { arena } = context;
  const report = solveProgress(context, o.tolerance, BUILD_SHARE);
  const vector = () => {
    const v = arena.alloc((rows + 1) * 8);
    arena.f64(v, rows + 1).fill(0);
    return v;
  };
  const x = vector(), r = vector(), z = vector(), p = vector(), q = vector();
  seedGuess(context, unknownIndex, x);
  const state = arena.alloc(24);
  const { iterations, residual } = await iterateInSlices(k.ifmPcgStart(record, rhs, x, r, z, p, state), o.tolerance, o.maxIterations,
    (steps) => k.ifmPcgIterate(record, x, r, z, p, q, state, steps, o.tolerance), () => relativeResidual(arena.f64(state, 3)),
    async (done, now) => {
      report(done, now);
      await context.checkpoint();
    });
  return { x, iterations, residual };
}

export const informationFlow: AlphaMethod<typeof options> = {
  name: "ifm",
  options,
  warmStart: true,
  minimumSide: () => ({ side: 3, reason: "the local flow's 3x3 windows" }),
  // Building: labels (2), unknown index (4), search features (40) and a k-d tree over every pixel (about 32);
  // per unknown pixel the flows' neighbour lists and weights, the stencil system, CG vectors and diagonals.
  peakBytes: (size) => size.pixels * 80 + size.unknown * 720 + size.width * 80 + 65536,
  async solve(context, o) {
    const { engine, width, height, pixels } = context;
    const k = ifmKernels(engine);
    const rows = pixels.counts.unknown;
    const started = performance.now();
    context.progress({ phase: "laplacian", fraction: 0 });
    const flows = await buildFlows(context, k, rows);
    await context.checkpoint();
    const system = await assembleIfm(context, k, flows);
    const laplacian = performance.now() - started;
    context.progress({ phase: "laplacian", fraction: BUILD_SHARE });
    await context.checkpoint();
    const solved = await solveIfm(context, k, system.record, rows, system.rhs, system.unknownIndex, o);
    if (IFM_PARAMETERS.finalEdgeTrim) k.applyEdgeTrim(width * height, pixels.labels, system.unknownIndex, flows.edgeTrimmed, solved.x);
    return {
      solution: solved.x, unknownIndex: system.unknownIndex, iterations: solved.iterations, residual: solved.residual,
      converged: solved.residual <= o.tolerance, milliseconds: { laplacian, preconditioner: 0, solve: performance.now() - started - laplacian }, threads: 1,
    };
  },
};
