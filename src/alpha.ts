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

/** Bytes per image pixel: f64 RGB, label, unknown index, alpha out. */
const BYTES_PER_PIXEL = 24 + 1 + 4 + 4;

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

/** The restricted Laplacian in the stencil layout of assembly/stencil.ts (pointers into the arena). */
export interface StencilSystem {
  rows: number; // unknown pixels
  half: number; // stored off-diagonal offsets per row
  unknownIndex: number; // i32 per pixel: row of an unknown pixel, -1 for known ones
  columns: number; // i32, rows * half (the dummy row `rows` where there is no entry)
  values: number; // f64, rows * half
  diagonal: number; // f64, rows
  rhs: number; // f64, rows + 1
}

/** Builds the Laplacian restricted to the unknown pixels, with its right-hand side. */
export function buildSystem(
  arena: Arena, engine: Engine, pixels: PixelBuffers, width: number, height: number, radius: number, epsilon: number,
): StencilSystem {
  const k = engine.kernels;
  const n = width * height;
  const half = k.stencilHalf(radius);
  const rows = pixels.counts.unknown;
  arena.ensureFits(n * 4 + rows * bytesPerUnknown(half), `a ${width}x${height} image with ${rows} unknown pixels`);
  const unknownIndex = arena.alloc(n * 4);
  k.indexUnknowns(pixels.labels, n, unknownIndex);
  const columns = arena.alloc(rows * half * 4);
  const values = arena.alloc(rows * half * 8);
  const diagonal = arena.alloc(rows * 8);
  const rhs = arena.alloc((rows + 1) * 8);
  const mark = arena.mark();
  const scratch = arena.alloc(k.stencilScratchBytes(width, radius));
  k.assembleStencil(pixels.image, pixels.labels, unknownIndex, width, height, radius, epsilon,
    rows, columns, values, diagonal, rhs, scratch);
  arena.release(mark);
  arena.f64(rhs + rows * 8, 1)[0] = 0;
  return { rows, half, unknownIndex, columns, values, diagonal, rhs };
}

/** Bytes per unknown pixel for the system and the solver: entries, diagonal, rhs, factor, pivot, five vectors. */
function bytesPerUnknown(half: number): number {
  return half * (4 + 8) + 8 + 8 + half * 4 + 8 + 5 * 8 + 64;
}

/** The same matrix in compressed sparse rows (ascending columns), for inspection and tests. */
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

export function buildLaplacian(
  arena: Arena, engine: Engine, pixels: PixelBuffers, width: number, height: number, radius: number, epsilon: number,
): LaplacianSystem {
  const k = engine.kernels;
  const system = buildSystem(arena, engine, pixels, width, height, radius, epsilon);
  const { rows, half } = system;
  const rowStart = arena.alloc((rows + 1) * 4);
  const cursor = arena.alloc(rows * 4);
  const nonzeros = k.stencilToCsr(rows, half, system.columns, system.values, system.diagonal, rowStart, 0, 0, cursor);
  const columns = arena.alloc(nonzeros * 4);
  const values = arena.alloc(nonzeros * 8);
  k.stencilToCsr(rows, half, system.columns, system.values, system.diagonal, rowStart, columns, values, cursor);
  return { rows, nonzeros, unknownIndex: system.unknownIndex, rowStart, columns, values, rhs: system.rhs, diagonal: system.diagonal };
}

export interface SolveResult {
  solution: number; // f64, rows + 1
  iterations: number;
  residual: number;
  converged: boolean;
  /** Milliseconds spent setting up the preconditioner. */
  setupMilliseconds: number;
}

const PRECONDITIONER_CODES = { jacobi: 0, multigrid: 1 } as const;
/** Bytes of one multigrid level record (16 i32 fields, see assembly/multigrid.ts). */
const LEVEL_BYTES = 64;
const MAX_LEVELS = 16;
/** Coarsening stops below this many unknowns, or when a level shrinks by less than COARSENING_GAIN. */
const COARSEST_ROWS = 256;
const COARSENING_GAIN = 0.8;

/**
 * The multigrid hierarchy below the fine system: grids halved until small, Galerkin operators on each.
 * Returns the level records' offset and their count.
 */
function setUpMultigrid(arena: Arena, engine: Engine, system: StencilSystem, width: number, height: number, radius: number): [number, number] {
  const k = engine.kernels;
  const levels = arena.alloc(LEVEL_BYTES * MAX_LEVELS);
  const vector = (rows: number) => arena.alloc((rows + 1) * 8);
  const record = (level: number, fields: number[]) => arena.i32(levels + level * LEVEL_BYTES, fields.length).set(fields);
  let fine = { width, height, reach: 2 * radius, half: system.half, index: system.unknownIndex, rows: system.rows,
    columns: system.columns, values: system.values, diagonal: system.diagonal };
  // Level 0's x and b are the CG vectors, set at each application.
  record(0, [width, height, fine.reach, fine.half, fine.index, fine.rows, fine.columns, fine.values, fine.diagonal,
    0, 0, vector(fine.rows), vector(fine.rows)]);
  let count = 1;
  while (count < MAX_LEVELS && fine.rows > COARSEST_ROWS && fine.width >= 3 && fine.height >= 3) {
    const cw = (fine.width >> 1) + 1, ch = (fine.height >> 1) + 1;
    const mark = arena.mark();
    const index = arena.alloc(cw * ch * 4);
    const rows = k.coarsenGrid(fine.index, fine.width, fine.height, index, cw, ch);
    if (rows > COARSENING_GAIN * fine.rows) {
      arena.release(mark);
      break;
    }
    const reach = (fine.reach + 2) >> 1;
    const half = ((2 * reach + 1) ** 2 - 1) / 2;
    const columns = arena.alloc(rows * half * 4);
    const values = arena.alloc(rows * half * 8);
    const diagonal = arena.alloc(rows * 8);
    k.galerkin(fine.index, fine.width, fine.height, fine.reach, fine.rows, fine.columns, fine.values, fine.diagonal,
      index, cw, ch, reach, rows, columns, values, diagonal);
    record(count, [cw, ch, reach, half, index, rows, columns, values, diagonal, vector(rows), vector(rows), vector(rows), vector(rows)]);
    fine = { width: cw, height: ch, reach, half, index, rows, columns, values, diagonal };
    count++;
  }
  return [levels, count];
}

/** The preconditioner's arrays, laid out in the arena. */
function setUpPreconditioner(
  arena: Arena, engine: Engine, system: StencilSystem, width: number, height: number, radius: number,
  kind: ResolvedAlphaOptions["preconditioner"],
): [number, number] {
  if (kind === "multigrid") return setUpMultigrid(arena, engine, system, width, height, radius);
  const inverseDiagonal = arena.alloc((system.rows + 1) * 8);
  engine.kernels.jacobiSetup(system.diagonal, system.rows, inverseDiagonal);
  return [inverseDiagonal, 0];
}

/** Preconditioned CG from x = 0, in slices of about SLICE_MS between which progress and abort are handled. */
export async function solveSystem(
  arena: Arena, engine: Engine, system: StencilSystem, grid: { width: number; height: number }, options: ResolvedAlphaOptions,
  report: (iteration: number, residual: number) => void,
): Promise<SolveResult> {
  const k = engine.kernels;
  const { rows } = system;
  const started = now();
  const [first, second] = setUpPreconditioner(arena, engine, system, grid.width, grid.height, options.radius, options.preconditioner);
  const setupMilliseconds = now() - started;
  const descriptor = arena.alloc(32);
  arena.i32(descriptor, 8).set([rows, system.half, system.columns, system.values, system.diagonal,
    PRECONDITIONER_CODES[options.preconditioner], first, second]);
  const vector = () => arena.alloc((rows + 1) * 8);
  const x = vector(), r = vector(), z = vector(), p = vector(), q = vector();
  const state = arena.alloc(32);
  arena.f64(x, rows + 1).fill(0);
  let residual = k.pcgStart(descriptor, system.rhs, x, r, z, p, state);
  let iterations = 0;
  let slice = 1;
  while (residual > options.tolerance && iterations < options.maxIterations) {
    const steps = Math.min(slice, options.maxIterations - iterations);
    const sliceStarted = now();
    const ran = k.pcgIterate(descriptor, x, r, z, p, q, state, steps, options.tolerance);
    const elapsed = now() - sliceStarted;
    iterations += ran;
    const [, bNorm, rNorm] = arena.f64(state, 3);
    residual = bNorm > 0 ? rNorm / bNorm : rNorm;
    if (ran < steps) break; // converged, or the search direction vanished in rounding
    slice = Math.max(1, Math.min(4 * slice, Math.round((slice * SLICE_MS) / Math.max(elapsed, 0.5))));
    report(iterations, residual);
    await yieldToEventLoop();
    if (options.signal?.aborted) throw abortError(options.signal);
  }
  return { solution: x, iterations, residual, converged: residual <= options.tolerance, setupMilliseconds };
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
      milliseconds: { laplacian: 0, preconditioner: 0, solve: 0, total: 0 }, wasmMemoryBytes: 0, peakBytes: 0,
    };
    const finish = (alpha: Float32Array): AlphaResult => {
      stats.milliseconds.total = now() - started;
      stats.wasmMemoryBytes = engine.memoryBytes;
      stats.peakBytes = arena.peak;
      return { alpha, stats };
    };
    if (pixels.counts.unknown === 0) return finish(alphaOut(0, 0));

    progress({ phase: "laplacian", fraction: 0 });
    const system = buildSystem(arena, engine, pixels, width, height, opts.radius, opts.epsilon);
    const laplacianDone = now();
    stats.milliseconds.laplacian = laplacianDone - started;
    progress({ phase: "laplacian", fraction: LAPLACIAN_SHARE });
    await yieldToEventLoop();
    if (signal?.aborted) throw abortError(signal);

    const logTolerance = Math.log(opts.tolerance);
    const solved = await solveSystem(arena, engine, system, { width, height }, opts, (iteration, residual) => {
      const done = Math.min(1, Math.max(0, Math.log(residual) / logTolerance));
      progress({ phase: "solve", fraction: LAPLACIAN_SHARE + (1 - LAPLACIAN_SHARE) * (Number.isFinite(done) ? done : 0), iteration, residual });
    });
    stats.milliseconds.preconditioner = solved.setupMilliseconds;
    stats.milliseconds.solve = now() - laplacianDone - solved.setupMilliseconds;
    stats.iterations = solved.iterations;
    stats.residual = solved.residual;
    stats.converged = solved.converged;
    const alpha = alphaOut(solved.solution, system.unknownIndex);
    progress({ phase: "solve", fraction: 1, iteration: solved.iterations, residual: solved.residual });
    return finish(alpha);
  });
}

