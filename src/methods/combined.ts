// The combination of information flow, closed-form and shared matting. Where the paper's own transparency test
// (assembly/methods/ifm-trim.ts, Aksoy et al. 2017 section 5), computed from the photo and trimap alone, finds a
// highly transparent matte (veils, soft gradients, where information flow without its known-to-unknown flow
// measured worse than closed-form), closed-form alone. Elsewhere every unknown pixel takes a weighted median of
// three mattes from three families that fail in different places: information flow (non-local affinities, the
// most accurate alone, two votes), closed-form (local colour-line affinities, one vote) and shared matting
// (foreground / background sampling, one vote). Information flow's alpha stands unless the other two both lie on
// one side of it; then it moves halfway to the nearer. Last, where a pixel's colour is one that no mix of a known
// foreground and a known background colour explains (a flag in the unknown band, an object the trimap left out),
// the sampling voters have no sample that explains it and guess one side (information flow's flows and shared
// matting both draw on known colours), while closed-form's local colour lines only interpolate. Such a pixel moves
// toward closed-form by w = u m: u = min(r / UNEXPLAINED_RESIDUAL, 1), r its colour-line residual (the RGB distance
// from its colour to the segment between its nearest known foreground colour and its nearest known background
// colour, unit RGB), and m the mean of u over the unknown pixels of the window of UNEXPLAINED_RADIUS about it, so
// that a region of unexplained colours moves all the way and a lone unexplained pixel amid explained ones (noise,
// a glint in hair) barely. Each method runs with its defaults; the vote's weights are the integers above.
import type { Engine } from "../engine.js";
import { closedForm } from "./cf.js";
import { IFM_PARAMETERS, highlyTransparent, ifmMinimumPixels, informationFlow } from "./ifm.js";
import { type IfmKernels, TRANSPARENCY_VALUES, ifmKernels } from "./ifm-kernels.js";
import { buildKdTree, kdTreeBytes, nearestNeighbours } from "./kdtree.js";
import { searchThreads, teamScratchBytes } from "./search-team.js";
import { IFM_TOLERANCE, SOLVER_OPTIONS, optionalSpec } from "./options.js";
import { sharedMatting } from "./sm.js";
import type { AlphaMethod, MethodContext, MethodSolution, OptionTable, ProblemSize, ResolvedOptions } from "./types.js";

/**
 * tolerance: when given, both solves' (ifm's and cf's); by default each its own (ifm 1e-6, cf 1e-7), so that where the
 * transparency test fires combined is closed-form exactly as `method: "cf"` gives it.
 */
const options = { ...SOLVER_OPTIONS, tolerance: optionalSpec(SOLVER_OPTIONS.tolerance) };

interface VoteKernels {
  indexUnknowns(labels: number, pixels: number, unknownIndex: number): number;
  gatherMatte(labels: number, pixels: number, unknownIndex: number, solution: number, slot: number, mattes: number): number;
  weightedMedianVote(rows: number, mattes: number, alpha: number): void;
  colourLineResiduals(
    image: number, unknown: number, rows: number, foreground: number, nearestForeground: number, background: number, nearestBackground: number, residuals: number,
  ): void;
  unexplainedWeights(labels: number, width: number, height: number, residuals: number, scale: number, radius: number, table: number, weights: number): void;
  towardClosedForm(rows: number, mattes: number, weights: number, alpha: number): void;
}

/**
 * The colour-line residual (unit RGB) at which a pixel counts as wholly unexplained: 0.025, about 6 of 255 levels,
 * a few times the photos' 8-bit noise, so that a mix of known colours seen through noise counts as explained.
 * Partly fitted (the README gives the figures at half and double this value).
 */
export const UNEXPLAINED_RESIDUAL = 0.025;

/**
 * The half-width of the window over which a pixel's neighbours must be unexplained too: 3, a 7 x 7 window, wider
 * than a strand of hair or a glint (1-3 pixels at the photos' scale) and than the 3 x 3 colour-line window,
 * narrower than the objects the move is for. The README gives the figures at 3 x 3 and 15 x 15.
 */
export const UNEXPLAINED_RADIUS = 3;

const LABEL_BACKGROUND = 0, LABEL_FOREGROUND = 1, LABEL_UNKNOWN = 2;

/**
 * Each unknown pixel's colour-line residual (f64 per unknown pixel, raster order): the nearest known foreground
 * and background colours by one k-d tree over each side's colours in turn, then the distance to their segment.
 * Must run while the photo is still loaded.
 */
async function colourLineResiduals(context: MethodContext, k: IfmKernels & VoteKernels, rows: number, residuals: number): Promise<void> {
  const { arena, width, height, pixels } = context;
  const n = width * height;
  const mark = arena.mark();
  const unknown = arena.alloc(rows * 4);
  k.pixelsWithLabel(pixels.labels, n, LABEL_UNKNOWN, unknown);
  const queries = arena.alloc(rows * 12);
  k.pixelFeatureRows(pixels.image, width, height, 0, unknown, rows, queries);
  const nearest = async (label: number) => {
    const count = label === LABEL_FOREGROUND ? pixels.counts.foreground : pixels.counts.background;
    const list = arena.alloc(count * 4), found = arena.alloc(rows * 4);
    k.pixelsWithLabel(pixels.labels, n, label, list);
    const inner = arena.mark();
    const tree = buildKdTree(arena, k, (points) => k.pixelFeatureRows(pixels.image, width, height, 0, list, count, points), count, 3, context.engine);
    await nearestNeighbours(arena, k, tree, queries, rows, 1, found, 0, () => context.checkpoint(), context.engine);
    arena.release(inner);
    return { list, found };
  };
  const f = await nearest(LABEL_FOREGROUND), b = await nearest(LABEL_BACKGROUND);
  k.colourLineResiduals(pixels.image, unknown, rows, f.list, f.found, b.list, b.found, residuals);
  arena.release(mark);
}

/** The most bytes colourLineResiduals holds: the pixel lists, the queries, the found rows, one side's tree. */
function colourLineBytes(size: ProblemSize, engine: Engine): number {
  const k = ifmKernels(engine);
  return size.pixels * 4 + size.unknown * 24 + kdTreeBytes(k, size.pixels - size.unknown, 3) + k.kdQueryScratchBytes(1)
    + teamScratchBytes(searchThreads(engine, size.unknown), k.kdQueryScratchBytes(1)) + 256;
}

/** Bytes of unexplainedWeights' summed-area tables: an f64 sum and an i32 count per corner. */
const unexplainedTableBytes = (width: number, height: number) => (width + 1) * (height + 1) * 12;

/** Whether the paper's test finds the matte highly transparent. */
export function transparentMatte(context: MethodContext): boolean {
  const { arena, engine, width, height, pixels } = context;
  const k = ifmKernels(engine);
  const mark = arena.mark();
  const histograms = arena.alloc(TRANSPARENCY_VALUES * 8);
  k.transparencyHistograms(pixels.image, pixels.labels, width, height, arena.alloc(width * height), histograms);
  const transparent = highlyTransparent(arena.f64(histograms, TRANSPARENCY_VALUES).slice(), IFM_PARAMETERS.transparencyThreshold);
  arena.release(mark);
  return transparent;
}

const defaultsOf = (table: OptionTable) => Object.fromEntries(Object.entries(table).map(([key, spec]) => [key, spec.default])) as never;
const closedFormDefaults = defaultsOf(closedForm.options);
const sharedMattingDefaults = defaultsOf(sharedMatting.options);

/** The options a solve of combined's runs with: combined's, its tolerance the caller's or else `fallback`. */
const ownTolerance = (o: ResolvedOptions<typeof options>, fallback: number) => ({ ...o, tolerance: o.tolerance ?? fallback });
const closedFormWith = (o: ResolvedOptions<typeof options>) =>
  ({ ...(closedFormDefaults as object), ...ownTolerance(o, SOLVER_OPTIONS.tolerance.default) }) as never;

/**
 * The three voters, each with its share of the progress bar (about its share of the time). Closed-form runs last:
 * its solver takes the photo's memory for its vectors (src/alpha.ts, solveSystem); the others are told to keep it
 * (PixelBuffers.keepImage, which releasePhoto honours).
 */
function voters(o: ResolvedOptions<typeof options>) {
  return [
    { method: informationFlow, options: ownTolerance(o, IFM_TOLERANCE) as never, progressTo: 0.75 },
    { method: sharedMatting, options: sharedMattingDefaults, progressTo: 0.85 },
    { method: closedForm, options: closedFormWith(o), progressTo: 1 },
  ];
}

/** The context a voter runs in: its progress fractions mapped into [from, to] of the whole call, the photo kept unless it is the last. */
function stage(context: MethodContext, from: number, to: number, last: boolean): MethodContext {
  const pixels = { ...context.pixels, keepImage: !last || context.pixels.keepImage };
  return { ...context, pixels, progress: (p) => context.progress({ ...p, fraction: from + (to - from) * p.fraction }) };
}

/**
 * Bytes held on top of the voter running: three mattes and the residuals (32 per unknown), and the photo (24 per
 * pixel) that a voter would otherwise have reused for its vectors.
 */
const voteBytes = (size: ProblemSize) => size.pixels * 24 + size.unknown * 32 + 64;
/** Bytes of the vote itself, after the voters: its index (4 per pixel), its alpha and the move's weights (16 per unknown), the move's tables. */
const tallyBytes = (size: ProblemSize) => size.pixels * 4 + size.unknown * 16 + unexplainedTableBytes(size.width, size.height) + 128;

export const combined: AlphaMethod<typeof options> = {
  name: "combined",
  options,
  warmStart: true,
  minimumSide: () => ({ side: 3, reason: "3x3 windows" }),
  minimumPixels: () => ifmMinimumPixels,
  peakBytes: (size, o, engine: Engine) =>
    Math.max(colourLineBytes(size, engine), tallyBytes(size), ...voters(o).map((v) => v.method.peakBytes(size, v.options, engine)))
      + voteBytes(size) + size.pixels,
  async solve(context, o) {
    if (transparentMatte(context)) return closedForm.solve(context, closedFormWith(o));
    const { arena, engine, width, height, pixels } = context;
    const k = ifmKernels(engine) as IfmKernels & VoteKernels;
    const n = width * height;
    const rows = pixels.counts.unknown;
    // Only the three mattes and the residuals are held while the voters run; the vote's alpha and index come after.
    const mattes = arena.alloc(rows * 24), residuals = arena.alloc(rows * 8);
    await colourLineResiduals(context, k, rows, residuals);
    const summary: MethodSolution = {
      solution: 0, unknownIndex: 0, iterations: 0, residual: 0, converged: true, milliseconds: { laplacian: 0, preconditioner: 0, solve: 0 }, threads: 1,
    };
    let from = 0;
    const all = voters(o);
    for (const [slot, voter] of all.entries()) {
      const mark = arena.mark();
      const solved = await voter.method.solve(stage(context, from, voter.progressTo, slot === all.length - 1), voter.options);
      k.gatherMatte(pixels.labels, n, solved.unknownIndex, solved.solution, slot, mattes);
      arena.release(mark);
      from = voter.progressTo;
      summary.iterations += solved.iterations;
      summary.residual = Math.max(summary.residual, solved.residual);
      summary.converged &&= solved.converged;
      summary.threads = Math.max(summary.threads, solved.threads);
      for (const phase of ["laplacian", "preconditioner", "solve"] as const) summary.milliseconds[phase] += solved.milliseconds[phase];
    }
    const unknownIndex = arena.alloc(n * 4), alpha = arena.alloc(rows * 8);
    k.indexUnknowns(pixels.labels, n, unknownIndex);
    summary.solution = alpha;
    summary.unknownIndex = unknownIndex;
    k.weightedMedianVote(rows, mattes, alpha);
    const mark = arena.mark();
    const weights = arena.alloc(rows * 8);
    k.unexplainedWeights(pixels.labels, width, height, residuals, 1 / UNEXPLAINED_RESIDUAL, UNEXPLAINED_RADIUS, arena.alloc(unexplainedTableBytes(width, height)), weights);
    k.towardClosedForm(rows, mattes, weights, alpha);
    arena.release(mark);
    return summary;
  },
};
