// Warm starts: the caller's initialAlpha (AlphaOptions) as the initial guess of a method's iterative solve.
// The guess changes where CG starts, not the system nor its stopping test (|b - Ax| <= tolerance |b|, with the
// system's own b), so the answer is the same system's solution within the same tolerance.
import type { Kernels } from "../engine.js";
import type { MethodContext } from "./types.js";

interface GuessKernels extends Kernels {
  seedSolution(labels: number, index: number, alpha: number, pixels: number, x: number): void;
}

/**
 * Writes the warm start, if the caller gave one, into the solution vector `x` whose rows `index` (i32 per pixel,
 * -1 for no row) numbers: alpha on unknown pixels, the trimap's value on known pixels that have a row.
 * Rows without a pixel keep what x holds.
 */
export function seedGuess(context: MethodContext, index: number, x: number): void {
  if (!context.initialAlpha) return;
  const { engine, pixels, width, height } = context;
  (engine.kernels as GuessKernels).seedSolution(pixels.labels, index, context.initialAlpha, width * height, x);
}
