// pymatting's penalised system (make_linear_system: A = L + lambda C over every pixel, b = lambda on the
// foreground) for the methods whose Laplacian is a stencil (random walk, learning-based): solved over the
// unknown pixels and a band of known pixels around them (assembly/methods/penalty.ts says why that gives
// the same alpha), in the stencil layout of the closed-form system, so that its solver and multigrid apply.
import { type PixelBuffers, type StencilSystem, bytesPerUnknown, solveSystem } from "../alpha.js";
import type { Arena, Engine, Kernels } from "../engine.js";
import { splitRows } from "../split.js";
import { choiceSpec } from "./options.js";
import { seedGuess } from "./guess.js";
import { solveProgress } from "./progress.js";
import type { MethodContext, MethodSolution } from "./types.js";

/** pymatting's constraint weight lambda (make_linear_system's lambda_value). */
export const PENALTY = 100;
/**
 * Known pixels within this many stencil reaches of an unknown pixel are solved for; beyond, a pixel's deviation
 * from its trimap value has shrunk by lambda / (row sum) ~ 10-100 per reach twice over, and its effect on alpha
 * once more (below 1e-4 in the band test of tests/methods-pymatting.oracle.test.ts, where one reach passes and
 * none fails).
 */
export const BAND_REACHES = 2;

export interface PenaltyKernels extends Kernels {
  indexBand(labels: number, width: number, height: number, band: number, scratch: number, freeIndex: number): number;
}

export const PRECONDITIONER_OPTION = choiceSpec<"multigrid" | "jacobi">("multigrid", ["multigrid", "jacobi"]);

/** Bytes a stencil method holds per solved pixel (system, solver, preconditioner); about twice the unknowns are solved. */
export function penaltyPeakBytes(pixels: number, unknown: number, half: number, preconditioner: "multigrid" | "jacobi", threads: number): number {
  return pixels * 12 + Math.min(pixels, 2 * unknown) * bytesPerUnknown(half, preconditioner, threads) + 4096;
}

/** The free pixels (unknown, and known within `band`), numbered; checks that their system fits before it is built. */
export function indexFreePixels(arena: Arena, engine: Engine, pixels: PixelBuffers, width: number, height: number, band: number,
  half: number, preconditioner: "multigrid" | "jacobi"): { freeIndex: number; rows: number } {
  const k = engine.kernels as PenaltyKernels;
  const n = width * height;
  const freeIndex = arena.alloc(n * 4);
  const mark = arena.mark();
  const scratch = arena.alloc(n * 4);
  const rows = k.indexBand(pixels.labels, width, height, band, scratch, freeIndex);
  arena.release(mark);
  arena.ensureFits(rows * bytesPerUnknown(half, preconditioner, engine.threads), `a ${width}x${height} image with ${rows} pixels to solve for`);
  return { freeIndex, rows };
}

/** The arrays of a stencil system over `rows` free pixels (assembly/stencil.ts layout). */
export function allocateStencil(arena: Arena, rows: number, half: number): { columns: number; values: number; diagonal: number; rhs: number } {
  return { columns: arena.alloc(rows * half * 4), values: arena.alloc(rows * half * 8), diagonal: arena.alloc(rows * 8), rhs: arena.alloc((rows + 1) * 8) };
}

/**
 * Solves the stencil system with the closed-form solver (multigrid or Jacobi PCG), threads sharing rows when they
 * pay. reach: the stored offsets' reach (the multigrid needs the closed-form layout, reach 2 or 4; threads pass
 * at most two image rows to each other, reach 2).
 */
export async function solvePenaltySystem(
  context: MethodContext, system: Omit<StencilSystem, "split">, reach: number, laplacianMilliseconds: number,
  o: { tolerance: number; maxIterations: number; preconditioner: "multigrid" | "jacobi" }, share: number,
): Promise<MethodSolution> {
  const { arena, engine, pixels, width, height } = context;
  const split = reach <= 2 ? splitRows(arena, engine.kernels, system.unknownIndex, width, height, system.rows, engine.threads, Math.ceil(reach / 2)) : undefined;
  context.progress({ phase: "laplacian", fraction: share });
  await context.checkpoint();
  const started = performance.now();
  const solved = await solveSystem(arena, engine, { ...system, split }, pixels, { width, height },
    { ...o, radius: Math.ceil(reach / 2), epsilon: 0, signal: context.signal, seed: (x) => seedGuess(context, system.unknownIndex, x) }, solveProgress(context, o.tolerance, share));
  return {
    solution: solved.solution, unknownIndex: system.unknownIndex,
    iterations: solved.iterations, residual: solved.residual, converged: solved.converged,
    milliseconds: { laplacian: laplacianMilliseconds, preconditioner: solved.setupMilliseconds, solve: performance.now() - started - solved.setupMilliseconds },
    threads: split ? engine.threads : 1,
  };
}
