// Learning-based digital matting (Zheng and Kambhamettu 2009) as pymatting 1.1.15 computes it
// (estimate_alpha_lbdm): per-window ridge regressions give the Laplacian (assembly/methods/lbdm.ts),
// pymatting's penalty system, solved over the unknown pixels and a band around them (src/methods/penalty.ts)
// by conjugate gradients with the closed-form solver's multigrid, whose colour-affine coarse space is this
// Laplacian's near-null space too (pymatting uses an incomplete Cholesky factor).
import type { Kernels } from "../engine.js";
import { numberSpec, SOLVER_OPTIONS } from "./options.js";
import { BAND_REACHES, PENALTY, PRECONDITIONER_OPTION, type PenaltyKernels, allocateStencil, indexFreePixels, penaltyPeakBytes, solvePenaltySystem } from "./penalty.js";
import type { AlphaMethod } from "./types.js";

interface LearningBasedKernels extends Kernels {
  lbdmScratchBytes(radius: number): number;
  lbdmStencil(image: number, labels: number, freeIndex: number, width: number, height: number, rows: number, radius: number,
    epsilon: number, lambda: number, columns: number, values: number, diagonal: number, rhs: number, scratch: number): void;
  stencilHalf(radius: number): number;
}

const options = {
  /** Ridge regularisation of the per-window regressions. */
  epsilon: numberSpec(1e-7, (v) => v >= 1e-12 && v <= 1, "a number from 1e-12 to 1"),
  /** Window radius; windows are (2r+1) x (2r+1). */
  radius: numberSpec(1, (v) => Number.isInteger(v) && v >= 1 && v <= 2, "an integer from 1 to 2"),
  preconditioner: PRECONDITIONER_OPTION,
  ...SOLVER_OPTIONS,
};

/** Share of the progress bar given to building the system. */
const BUILD_SHARE = 0.15;

export const learningBased: AlphaMethod<typeof options> = {
  name: "lbdm",
  options,
  warmStart: true,
  minimumSide: ({ radius }) => ({ side: 2 * radius + 1, reason: `radius ${radius}` }),
  peakBytes: (size, o, engine) => penaltyPeakBytes(size.pixels, size.unknown, engine.kernels.stencilHalf(o.radius), o.preconditioner, engine.threads),
  async solve(context, o) {
    const { arena, engine, pixels, width, height } = context;
    const k = engine.kernels as LearningBasedKernels & PenaltyKernels;
    const started = performance.now();
    context.progress({ phase: "laplacian", fraction: 0 });
    const half = k.stencilHalf(o.radius);
    const { freeIndex, rows } = indexFreePixels(arena, engine, pixels, width, height, BAND_REACHES * 2 * o.radius, half, o.preconditioner);
    const stencil = allocateStencil(arena, rows, half);
    const mark = arena.mark();
    const scratch = arena.alloc(k.lbdmScratchBytes(o.radius));
    k.lbdmStencil(pixels.image, pixels.labels, freeIndex, width, height, rows, o.radius, o.epsilon, PENALTY,
      stencil.columns, stencil.values, stencil.diagonal, stencil.rhs, scratch);
    arena.release(mark);
    return solvePenaltySystem(context, { rows, half, unknownIndex: freeIndex, ...stencil }, 2 * o.radius, performance.now() - started, o, BUILD_SHARE);
  },
};
