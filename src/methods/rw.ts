// Random-walk matting (Grady et al. 2005) as pymatting 1.1.15 computes it (estimate_alpha_rw): colour
// weights to the (2r+1)^2 neighbours, row-normalised Laplacian, pymatting's penalty system, solved over
// the unknown pixels and a band around them (assembly/methods/rw.ts, src/methods/penalty.ts).
import type { Kernels } from "../engine.js";
import { choiceSpec, numberSpec, SOLVER_OPTIONS } from "./options.js";
import { BAND_REACHES, PENALTY, type PenaltyKernels, allocateStencil, indexFreePixels, penaltyPeakBytes, solvePenaltySystem } from "./penalty.js";
import type { AlphaMethod } from "./types.js";

export interface RandomWalkOptions {
  /** rw: colour scale of the weights exp(-|I_i - I_j|^2 / sigma^2). Default 1/30 (pymatting's constant 900). */
  sigma?: number;
  /**
   * rw: added to the random-walk Laplacian's diagonal (pymatting's `regularization`, renamed because matte's
   * foreground options have a `regularization` of their own). Default 1e-8.
   */
  laplacianRegularization?: number;
}

interface RandomWalkKernels extends Kernels {
  rwStencil(image: number, labels: number, freeIndex: number, width: number, height: number, rows: number, radius: number,
    inverseSigmaSquared: number, regularization: number, lambda: number, reach: number,
    columns: number, values: number, diagonal: number, rhs: number): void;
}

const options = {
  /**
   * Colour scale of the weights exp(-|I_i - I_j|^2 / sigma^2). pymatting documents sigma = 0.033 but its code
   * uses the constant 900 = 1 / (1/30)^2 whatever sigma it is given; 1/30 gives its results.
   */
  sigma: numberSpec(1 / 30, (v) => Number.isFinite(v) && v >= 1e-3 && v <= 10, "a number from 0.001 to 10"),
  /** Added to the Laplacian's diagonal (times the row's degree). */
  laplacianRegularization: numberSpec(1e-8, (v) => Number.isFinite(v) && v >= 0 && v <= 1, "a number from 0 to 1"),
  /**
   * "jacobi" (pymatting's): it also gives pymatting's alpha where pixels hang by weights of 1e-6 and less to the
   * rest, which no solver settles at a relative residual of 1e-7 and where the answer is the iteration's path;
   * "multigrid" (the closed-form solver's) converges in fewer iterations to a matte that differs there.
   */
  preconditioner: choiceSpec<"multigrid" | "jacobi">("jacobi", ["multigrid", "jacobi"]),
  ...SOLVER_OPTIONS,
};

/**
 * Neighbours at offsets in [-1, 1]^2, pymatting's default. pymatting also takes larger radii, but then clamping at
 * the image border makes its system unsymmetric (methods/rw.ts), which conjugate gradients do not solve.
 */
const RADIUS = 1;
/** The stored reach: the radius itself for Jacobi; the multigrid takes the closed-form layout of radius 1 (reach 2). */
const reachOf = (preconditioner: "multigrid" | "jacobi") => (preconditioner === "jacobi" ? RADIUS : 2);
const halfOf = (reach: number) => ((2 * reach + 1) ** 2 - 1) / 2;

/** Share of the progress bar given to building the system. */
const BUILD_SHARE = 0.05;

export const randomWalk: AlphaMethod<typeof options> = {
  name: "rw",
  options,
  warmStart: true,
  minimumSide: () => ({ side: 2, reason: "a random walk" }),
  peakBytes: (size, o, engine) => penaltyPeakBytes(size.pixels, size.unknown, halfOf(reachOf(o.preconditioner)), o.preconditioner, engine.threads),
  async solve(context, o) {
    const { arena, engine, pixels, width, height } = context;
    const k = engine.kernels as RandomWalkKernels & PenaltyKernels;
    const started = performance.now();
    context.progress({ phase: "laplacian", fraction: 0 });
    const reach = reachOf(o.preconditioner);
    const half = halfOf(reach);
    const { freeIndex, rows } = indexFreePixels(arena, engine, pixels, width, height, BAND_REACHES * RADIUS, half, o.preconditioner);
    const stencil = allocateStencil(arena, rows, half);
    k.rwStencil(pixels.image, pixels.labels, freeIndex, width, height, rows, RADIUS, 1 / (o.sigma * o.sigma), o.laplacianRegularization, PENALTY, reach,
      stencil.columns, stencil.values, stencil.diagonal, stencil.rhs);
    return solvePenaltySystem(context, { rows, half, unknownIndex: freeIndex, ...stencil }, reach, performance.now() - started, o, BUILD_SHARE);
  },
};
