// The combination of information flow, closed-form and shared matting. Where the paper's own transparency test
// (assembly/methods/ifm-trim.ts, Aksoy et al. 2017 section 5), computed from the photo and trimap alone, finds a
// highly transparent matte (veils, soft gradients, where information flow without its known-to-unknown flow
// measured worse than closed-form), closed-form alone. Elsewhere every unknown pixel takes a weighted median of
// three mattes from three families that fail in different places: information flow (non-local affinities, the
// most accurate alone, two votes), closed-form (local colour-line affinities, one vote) and shared matting
// (foreground / background sampling, one vote). Information flow's alpha stands unless the other two both lie on
// one side of it; then it moves halfway to the nearer. No parameter is fitted: each method runs with its
// defaults, and the vote's weights are the integers above.
import type { Engine } from "../engine.js";
import { closedForm } from "./cf.js";
import { IFM_PARAMETERS, highlyTransparent, informationFlow } from "./ifm.js";
import { TRANSPARENCY_VALUES, ifmKernels } from "./ifm-kernels.js";
import { SOLVER_OPTIONS } from "./options.js";
import { sharedMatting } from "./sm.js";
import type { AlphaMethod, MethodContext, MethodSolution, OptionTable, ProblemSize } from "./types.js";

const options = { ...SOLVER_OPTIONS };

interface VoteKernels {
  indexUnknowns(labels: number, pixels: number, unknownIndex: number): number;
  gatherMatte(labels: number, pixels: number, unknownIndex: number, solution: number, slot: number, mattes: number): number;
  weightedMedianVote(rows: number, mattes: number, alpha: number): void;
}

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

const closedFormWith = (o: object) => ({ ...(closedFormDefaults as object), ...o }) as never;

/**
 * The three voters, each with its share of the progress bar (about its share of the time). Closed-form runs last:
 * its solver takes the photo's memory for its vectors (src/alpha.ts, solveSystem); the others are told to keep it
 * (PixelBuffers.keepImage, which releasePhoto honours).
 */
function voters(o: object) {
  return [
    { method: informationFlow, options: o as never, progressTo: 0.75 },
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
 * Bytes held on top of the voter running: the vote's index (4 per pixel), three mattes and the vote (32 per
 * unknown), and the photo (24 per pixel) that a voter would otherwise have reused for its vectors.
 */
const voteBytes = (size: ProblemSize) => size.pixels * 28 + size.unknown * 32 + 64;

export const combined: AlphaMethod<typeof options> = {
  name: "combined",
  options,
  warmStart: true,
  minimumSide: () => ({ side: 3, reason: "3x3 windows" }),
  peakBytes: (size, o, engine: Engine) =>
    Math.max(...voters(o).map((v) => v.method.peakBytes(size, v.options, engine))) + voteBytes(size) + size.pixels,
  async solve(context, o) {
    if (transparentMatte(context)) return closedForm.solve(context, closedFormWith(o));
    const { arena, engine, width, height, pixels } = context;
    const k = engine.kernels as unknown as VoteKernels;
    const n = width * height;
    const rows = pixels.counts.unknown;
    const unknownIndex = arena.alloc(n * 4), mattes = arena.alloc(rows * 24), alpha = arena.alloc(rows * 8);
    k.indexUnknowns(pixels.labels, n, unknownIndex);
    const summary: MethodSolution = {
      solution: alpha, unknownIndex, iterations: 0, residual: 0, converged: true, milliseconds: { laplacian: 0, preconditioner: 0, solve: 0 }, threads: 1,
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
    k.weightedMedianVote(rows, mattes, alpha);
    return summary;
  },
};
