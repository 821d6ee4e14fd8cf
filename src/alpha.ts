// Closed-form alpha matting (Levin, Lischinski, Weiss 2008) over the engine's kernels:
// windowed statistics -> Laplacian restricted to the unknown pixels -> preconditioned CG -> alpha.
import type { Arena, Engine } from "./engine.js";
import { MattingError, abortError } from "./errors.js";
import type { AlphaResult, AlphaStats, Progress } from "./types.js";
import { type CheckedPlane, type ResolvedAlphaOptions, checkImage, checkTrimap, resolveAlphaOptions } from "./validate.js";
import type { AlphaOptions, RGBImage, Trimap } from "./types.js";

const now = () => performance.now();
/** Gives timers (and so AbortSignal timeouts) a chance to run between solver slices. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
/** Target length of one uninterrupted solver slice. */
const SLICE_MS = 40;
const LAPLACIAN_SHARE = 0.1;

/** Bytes per image pixel held during the Laplacian build: f64 RGB, label, unknown index, window mean and inverse. */
const BYTES_PER_PIXEL = 24 + 1 + 4 + 24 + 48;

export interface PixelBuffers {
  image: number; // f64 RGB
  labels: number; // u8
  counts: { background: number; foreground: number; unknown: number };
}

/** Copies image and trimap into the arena as f64 RGB and labels, rejecting NaN or out-of-range floats. */
export function loadPixels(arena: Arena, engine: Engine, image: CheckedPlane, trimap: CheckedPlane): PixelBuffers {
  const k = engine.kernels;
  const n = image.pixels;
  const imagePtr = arena.alloc(n * 24);
  const labels = arena.alloc(n);
  const counts = arena.alloc(12);

  const mark = arena.mark();
  const rawImage = arena.copyIn(image.data);
  if (image.kind === "f32") {
    checkUnitFloats(engine, rawImage, image.data.length, image.channels, image.width, "image");
    k.imageFromFloat(rawImage, n, imagePtr);
  } else {
    k.imageFrom8(rawImage, n, image.channels, imagePtr);
  }
  arena.release(mark);

  const rawTrimap = arena.copyIn(trimap.data);
  if (trimap.kind === "f32") {
    checkUnitFloats(engine, rawTrimap, trimap.data.length, trimap.channels, trimap.width, "trimap");
    k.labelsFromTrimapFloat(rawTrimap, n, trimap.channels, labels, counts);
  } else {
    k.labelsFromTrimap8(rawTrimap, n, trimap.channels, labels, counts);
  }
  arena.release(mark);
  const [background, foreground, unknown] = arena.i32(counts, 3);
  return { image: imagePtr, labels, counts: { background, foreground, unknown } };
}

function checkUnitFloats(engine: Engine, ptr: number, count: number, channels: number, width: number, name: string): void {
  const bad = engine.kernels.firstValueOutsideUnit(ptr, count);
  if (bad < 0) return;
  const value = new Float32Array(engine.kernels.memory.buffer, (ptr >>> 0) + bad * 4, 1)[0];
  const pixel = Math.floor(bad / channels);
  throw new MattingError(
    "INVALID_VALUE",
    `${name} sample ${bad} (pixel x=${pixel % width}, y=${Math.floor(pixel / width)}) is ${value}; float data must lie in [0, 1]`,
    { name, index: bad, value },
  );
}

export function checkTrimapCounts(counts: PixelBuffers["counts"], name = "trimap"): void {
  if (counts.unknown === 0) return;
  if (counts.foreground === 0) {
    throw new MattingError("NO_FOREGROUND", `${name} marks no pixel as foreground (255, or >= 0.9 for floats)`, { ...counts });
  }
  if (counts.background === 0) {
    throw new MattingError("NO_BACKGROUND", `${name} marks no pixel as background (0, or <= 0.1 for floats)`, { ...counts });
  }
}

export interface LaplacianSystem {
  rows: number;
  nonzeros: number;
  unknownIndex: number; // i32 per pixel
  rowStart: number; // i32, rows + 1
  columns: number; // i32, nonzeros
  values: number; // f64, nonzeros
  rhs: number; // f64, rows
  diagonal: number; // f64, rows
}

/** Builds the restricted Laplacian system in CSR. The window statistics are released afterwards. */
export function buildLaplacian(
  arena: Arena, engine: Engine, pixels: PixelBuffers, width: number, height: number, radius: number, epsilon: number,
): LaplacianSystem {
  const k = engine.kernels;
  const n = width * height;
  const unknownIndex = arena.alloc(n * 4);
  const rows = k.indexUnknowns(pixels.labels, n, unknownIndex);
  const rowStart = arena.alloc((rows + 1) * 4);
  const nonzeros = k.laplacianRowStarts(pixels.labels, width, height, radius, rowStart);
  // CSR + rhs + diagonal now, then the larger of window statistics and the solver's six vectors.
  const span = 4 * radius + 1;
  const statsBytes = n * 72 + width * 80 + span * span * 8 + 64;
  arena.ensureFits(nonzeros * 12 + rows * 16 + Math.max(statsBytes, rows * 48 + 64) + n * 4 + 256, `a ${width}x${height} image with ${rows} unknown pixels`);
  const columns = arena.alloc(nonzeros * 4);
  const values = arena.alloc(nonzeros * 8);
  const rhs = arena.alloc(rows * 8);
  const diagonal = arena.alloc(rows * 8);

  const mark = arena.mark();
  const means = arena.alloc(n * 24);
  const inverses = arena.alloc(n * 48);
  const columnSums = arena.alloc(width * 80);
  const local = arena.alloc(span * span * 8);
  k.windowStats(pixels.image, pixels.labels, width, height, radius, epsilon, means, inverses, columnSums);
  k.laplacianAssemble(pixels.image, pixels.labels, unknownIndex, width, height, radius, means, inverses,
    rowStart, columns, values, rhs, diagonal, local);
  arena.release(mark);
  return { rows, nonzeros, unknownIndex, rowStart, columns, values, rhs, diagonal };
}

export interface SolveResult {
  solution: number; // f64, rows
  iterations: number;
  residual: number;
  converged: boolean;
}

/** Jacobi-preconditioned CG from x = 0, in slices of about SLICE_MS between which progress and abort are handled. */
export async function solveSystem(
  arena: Arena, engine: Engine, system: LaplacianSystem, options: ResolvedAlphaOptions,
  report: (iteration: number, residual: number) => void,
): Promise<SolveResult> {
  const k = engine.kernels;
  const { rows, rowStart, columns, values } = system;
  const vector = () => arena.alloc(rows * 8);
  const inverseDiagonal = vector();
  const x = vector(), r = vector(), z = vector(), p = vector(), q = vector();
  const state = arena.alloc(32);
  arena.f64(x, rows).fill(0);
  k.jacobiSetup(system.diagonal, rows, inverseDiagonal);
  let residual = k.pcgStart(rows, rowStart, columns, values, inverseDiagonal, system.rhs, x, r, z, p, state);
  let iterations = 0;
  let slice = 8;
  while (residual > options.tolerance && iterations < options.maxIterations) {
    const steps = Math.min(slice, options.maxIterations - iterations);
    const started = now();
    const ran = k.pcgIterate(rows, rowStart, columns, values, inverseDiagonal, x, r, z, p, q, state, steps, options.tolerance);
    const elapsed = now() - started;
    iterations += ran;
    const [, bNorm, rNorm] = arena.f64(state, 3);
    residual = bNorm > 0 ? rNorm / bNorm : rNorm;
    if (ran < steps) break; // converged, or the search direction vanished in rounding
    slice = Math.max(1, Math.min(4 * slice, Math.round((slice * SLICE_MS) / Math.max(elapsed, 0.5))));
    report(iterations, residual);
    await yieldToEventLoop();
    if (options.signal?.aborted) throw abortError(options.signal);
  }
  return { solution: x, iterations, residual, converged: residual <= options.tolerance };
}

export async function estimateAlphaWith(engine: Engine, image: RGBImage, trimap: Trimap, options?: AlphaOptions): Promise<AlphaResult> {
  const checkedImage = checkImage(image);
  const checkedTrimap = checkTrimap(trimap, checkedImage);
  const opts = resolveAlphaOptions(options);
  const { width, height, pixels: n } = checkedImage;
  const size = 2 * opts.radius + 1;
  if (width < size || height < size) {
    throw new MattingError("IMAGE_TOO_SMALL", `image is ${width}x${height}; radius ${opts.radius} needs at least ${size}x${size}`, { width, height, radius: opts.radius });
  }
  const progress = (p: Progress) => opts.onProgress?.(p);
  const signal = opts.signal;
  if (signal?.aborted) throw abortError(signal);

  return engine.run(async (arena) => {
    const started = now();
    const rawBytes = Math.max(checkedImage.data.byteLength, checkedTrimap.data.byteLength);
    arena.ensureFits(n * BYTES_PER_PIXEL + rawBytes + width * 80 + 4096, `a ${width}x${height} image`);
    const pixels = loadPixels(arena, engine, checkedImage, checkedTrimap);
    checkTrimapCounts(pixels.counts);
    const alphaOut = (solution: number, unknownIndex: number) => {
      const alpha = arena.alloc(n * 4);
      engine.kernels.composeAlpha(pixels.labels, unknownIndex, solution, n, alpha);
      return arena.f32(alpha, n).slice();
    };
    const stats: AlphaStats = {
      width, height, unknownPixels: pixels.counts.unknown, iterations: 0, residual: 0, converged: true,
      milliseconds: { laplacian: 0, solve: 0, total: 0 }, wasmMemoryBytes: 0, peakBytes: 0,
    };
    const finish = (alpha: Float32Array): AlphaResult => {
      stats.milliseconds.total = now() - started;
      stats.wasmMemoryBytes = engine.memoryBytes;
      stats.peakBytes = arena.peak;
      return { alpha, stats };
    };
    if (pixels.counts.unknown === 0) return finish(alphaOut(0, 0));

    progress({ phase: "laplacian", fraction: 0 });
    const system = buildLaplacian(arena, engine, pixels, width, height, opts.radius, opts.epsilon);
    const laplacianDone = now();
    stats.milliseconds.laplacian = laplacianDone - started;
    progress({ phase: "laplacian", fraction: LAPLACIAN_SHARE });
    await yieldToEventLoop();
    if (signal?.aborted) throw abortError(signal);

    const logTolerance = Math.log(opts.tolerance);
    const solved = await solveSystem(arena, engine, system, opts, (iteration, residual) => {
      const done = Math.min(1, Math.max(0, Math.log(residual) / logTolerance));
      progress({ phase: "solve", fraction: LAPLACIAN_SHARE + (1 - LAPLACIAN_SHARE) * (Number.isFinite(done) ? done : 0), iteration, residual });
    });
    stats.milliseconds.solve = now() - laplacianDone;
    stats.iterations = solved.iterations;
    stats.residual = solved.residual;
    stats.converged = solved.converged;
    const alpha = alphaOut(solved.solution, system.unknownIndex);
    progress({ phase: "solve", fraction: 1, iteration: solved.iterations, residual: solved.residual });
    return finish(alpha);
  });
}

