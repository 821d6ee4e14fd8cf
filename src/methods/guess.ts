// Warm starts: the caller's initialAlpha (AlphaOptions) as the initial guess of a method's iterative solve.
// The guess changes where CG starts, not the system nor its stopping test (|b - Ax| <= tolerance |b|, with the
// system's own b), so the answer is the same system's solution within the same tolerance. The best guess for a
// similar system is the last one's unclamped solution (AlphaSolution, from keepSolution), not its alpha.
import type { Arena, Engine, Kernels } from "../engine.js";
import { MattingError } from "../errors.js";
import type { AlphaSolution } from "../types.js";
import { checkTrimap, describeValue, type CheckedPlane } from "../validate.js";
import type { MethodContext } from "./types.js";

interface GuessKernels extends Kernels {
  seedSolution(labels: number, index: number, alpha: number, pixels: number, x: number): void;
  composeSolution(labels: number, index: number, x: number, pixels: number, out: number): void;
  firstNonFinite(src: number, count: number): number;
}

/** Whether a warm start is in the solution form { width, height, unclamped } rather than an alpha. */
export function isSolution(value: unknown): value is AlphaSolution {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return false;
  try {
    return "unclamped" in value;
  } catch {
    return false; // a revoked Proxy: read as an alpha, whose check names it
  }
}

/** A solution-form warm start checked against the image: SIZE_MISMATCH, or INVALID_INPUT unless one f32 per pixel. */
export function checkSolution(value: AlphaSolution, image: CheckedPlane, name: string): CheckedPlane {
  let plane: { width: unknown; height: unknown; data: unknown };
  try {
    plane = { width: value.width, height: value.height, data: value.unclamped };
  } catch (cause) {
    throw new MattingError("INVALID_INPUT", `${name} could not be read: ${describeValue(cause)}`, { name }, { cause });
  }
  if (!(plane.data instanceof Float32Array)) {
    throw new MattingError("INVALID_INPUT", `${name}.unclamped must be a Float32Array, got ${describeValue(plane.data)}`, { name });
  }
  const checked = checkTrimap(plane, image, name);
  if (checked.channels !== 1) {
    throw new MattingError("BAD_CHANNELS", `${name}.unclamped has ${checked.data.length} values; it needs one per pixel, ${image.pixels}`, { name });
  }
  return checked;
}

/** Copies a checked solution-form start into the arena; INVALID_VALUE at its first NaN or infinity. */
export function loadSolution(arena: Arena, engine: Engine, solution: CheckedPlane, name: string): number {
  const ptr = arena.copyIn(solution.data);
  const bad = (engine.kernels as GuessKernels).firstNonFinite(ptr, solution.pixels);
  if (bad >= 0) {
    const value = solution.data[bad];
    throw new MattingError(
      "INVALID_VALUE",
      `${name}.unclamped value ${bad} (pixel x=${bad % solution.width}, y=${Math.floor(bad / solution.width)}) is ${value}; a start must be finite`,
      { name, index: bad, value },
    );
  }
  return ptr;
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

/** The solve's values before clamping (f32 per pixel into `out`): the solution x on unknown pixels, 1 or 0 on known ones. */
export function composeSolution(engine: Engine, labels: number, unknownIndex: number, x: number, pixels: number, out: number): void {
  (engine.kernels as GuessKernels).composeSolution(labels, unknownIndex, x, pixels, out);
}
