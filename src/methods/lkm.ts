// Large-kernel matting (He, Sun, Tang 2010) as pymatting 1.1.15 computes it (estimate_alpha_lkm): the
// matting Laplacian of radius-10 windows applied by box sums without forming it (set up in
// assembly/methods/lkm.ts, applied in one sweep by assembly/methods/lkm-product.ts), pymatting's penalty system
// over all pixels, Jacobi-preconditioned CG (assembly/methods/lkm-cg.ts) run in slices between which progress
// and abort are served.
import type { Kernels } from "../engine.js";
import { numberSpec, SOLVER_OPTIONS } from "./options.js";
import { PENALTY } from "./penalty.js";
import { seedGuess } from "./guess.js";
import { solveProgress } from "./progress.js";
import type { AlphaMethod } from "./types.js";
import { iterateInSlices, relativeResidual } from "../slices.js";

interface LargeKernelKernels extends Kernels {
  lkmScratchBytes(width: number, height: number): number;
  lkmSetup(image: number, width: number, height: number, radius: number, epsilon: number, windows: number, diagonal: number, scratch: number): void;
  indexAllPixels(pixels: number, index: number): void;
  penaltyTerms(labels: number, pixels: number, lambda: number, penalty: number, rhs: number): void;
  lkmJacobi(diagonal: number, penalty: number, pixels: number, inverse: number): void;
  lkmCgStart(operator: number, b: number, x: number, r: number, z: number, p: number, state: number): number;
  lkmCgIterate(operator: number, x: number, r: number, p: number, q: number, state: number, maxSteps: number, tolerance: number): number;
}

const options = {
  /** Regularisation of the window covariances (as closed-form's epsilon, scaled by 1 / |w| as pymatting does). */
  epsilon: numberSpec(1e-7, (v) => v >= 1e-12 && v <= 1, "a number from 1e-12 to 1"),
  /** Window radius; windows are (2r+1) x (2r+1). */
  radius: numberSpec(10, (v) => Number.isInteger(v) && v >= 1 && v <= 50, "an integer from 1 to 50"),
  ...SOLVER_OPTIONS,
};

/** Share of the progress bar given to the window set-up. */
const SETUP_SHARE = 0.05;

/** Bytes per window: 11 f64 (assembly/methods/lkm-product.ts's layout). */
const WINDOW_BYTES = 88;

/** f64 per window (11) and per pixel: diagonal, penalty, rhs, inverse diagonal, four CG vectors, scratch (20); the index. */
function largeKernelBytes(width: number, height: number, radius: number): number {
  const windows = Math.max(0, width - 2 * radius) * Math.max(0, height - 2 * radius);
  return windows * WINDOW_BYTES + width * height * (8 * 8 + 160 + 4) + width * 80 + 4096;
}

export const largeKernel: AlphaMethod<typeof options> = {
  name: "lkm",
  options,
  warmStart: true,
  minimumSide: ({ radius }) => ({ side: 2 * radius + 1, reason: `radius ${radius}` }),
  peakBytes: (size, o) => largeKernelBytes(size.width, size.height, o.radius),
  async solve(context, o) {
    const { arena, engine, pixels, width, height } = context;
    const k = engine.kernels as LargeKernelKernels;
    const n = width * height;
    const started = performance.now();
    context.progress({ phase: "laplacian", fraction: 0 });
    const vector = () => arena.alloc(n * 8);
    const windows = arena.alloc((width - 2 * o.radius) * (height - 2 * o.radius) * WINDOW_BYTES);
    const diagonal = vector(), penalty = vector(), rhs = vector(), inverse = vector();
    const scratch = arena.alloc(k.lkmScratchBytes(width, height));
    const index = arena.alloc(n * 4);
    k.indexAllPixels(n, index);
    k.lkmSetup(pixels.image, width, height, o.radius, o.epsilon, windows, diagonal, scratch);
    k.penaltyTerms(pixels.labels, n, PENALTY, penalty, rhs);
    k.lkmJacobi(diagonal, penalty, n, inverse);
    const operator = arena.alloc(28);
    arena.i32(operator, 7).set([windows, width, height, o.radius, penalty, scratch, inverse]);
    const laplacian = performance.now() - started;
    context.progress({ phase: "laplacian", fraction: SETUP_SHARE });
    await context.checkpoint();

    // The start's z = M^-1 r is copied to p at once: q holds it (the iterations keep no z).
    const x = vector(), r = vector(), p = vector(), q = vector();
    arena.f64(x, n).fill(0);
    seedGuess(context, index, x);
    const state = arena.alloc(24);
    const report = solveProgress(context, o.tolerance, SETUP_SHARE);
    const { iterations, residual } = await iterateInSlices(k.lkmCgStart(operator, rhs, x, r, q, p, state), o.tolerance, o.maxIterations,
      (steps) => k.lkmCgIterate(operator, x, r, p, q, state, steps, o.tolerance), () => relativeResidual(arena.f64(state, 3)),
      async (done, now) => {
        report(done, now);
        await context.checkpoint();
      });
    return {
      solution: x, unknownIndex: index, iterations, residual, converged: residual <= o.tolerance,
      milliseconds: { laplacian, preconditioner: 0, solve: performance.now() - started - laplacian },
      threads: 1,
    };
  },
};
