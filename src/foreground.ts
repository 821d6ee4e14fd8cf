// Foreground and background colours behind an alpha matte: the multi-level method of Germer et al.,
// "Fast Multi-Level Foreground Estimation" (ICPR 2020); the per-level solve is in assembly/foreground.ts.
import type { Arena, Engine } from "./engine.js";
import { abortError } from "./errors.js";
import { loadAlpha, loadPadded } from "./planes.js";
import type { AlphaInput, ForegroundOptions, ForegroundResult, Progress, RGBImage } from "./types.js";
import { checkImage } from "./validate.js";
import { type ResolvedForegroundOptions, checkAlpha, resolveForegroundOptions } from "./validate-matte.js";
import { yieldToEventLoop } from "./yield.js";

const now = () => performance.now();
/** Longest stretch of levels run without giving timers and abort signals a turn. */
const SLICE_MS = 40;

interface Level {
  width: number;
  height: number;
  sweeps: number;
}

/**
 * The pyramid: L = ceil(log2(max(width, height))) + 1 levels whose sides grow as round(side^(l / L)) from 1 to
 * the full size, as in the paper; levels within smallSize x smallSize get more (cheap) sweeps.
 */
export function pyramidLevels(width: number, height: number, options: ResolvedForegroundOptions): Level[] {
  const last = Math.ceil(Math.log2(Math.max(width, height)));
  const levels: Level[] = [];
  for (let l = 0; l <= last; l++) {
    const w = last === 0 ? width : Math.round(width ** (l / last));
    const h = last === 0 ? height : Math.round(height ** (l / last));
    const small = w <= options.smallSize && h <= options.smallSize;
    levels.push({ width: w, height: h, sweeps: small ? options.smallIterations : options.bigIterations });
  }
  return levels;
}

/** Pixels of the largest level below the full size (at least 1). */
function largestLowerLevel(levels: Level[]): number {
  return Math.max(1, ...levels.slice(0, -1).map((level) => level.width * level.height));
}

/** Bytes foregroundLevels allocates besides the padded image and the alpha. */
export function foregroundWorkBytes(levels: Level[]): number {
  const full = levels[levels.length - 1];
  return full.width * full.height * 32 + largestLowerLevel(levels) * 52 + 256;
}

/**
 * Runs the levels over a padded f32 image and f32 alpha already in the arena; returns the full-size padded
 * foreground and background buffers. `report(fraction)` gets the share of sweeps done.
 */
export async function foregroundLevels(
  arena: Arena, engine: Engine, image: number, alpha: number, width: number, height: number,
  options: ResolvedForegroundOptions, report: (fraction: number) => void,
): Promise<{ foreground: number; background: number }> {
  const k = engine.kernels;
  const n = width * height;
  const levels = pyramidLevels(width, height, options);
  const last = levels.length - 1;
  // Level l writes into the full-size pair when last - l is even and into the smaller pair otherwise, so that
  // each level reads the previous level's colours from the other pair.
  const below = largestLowerLevel(levels);
  const full = { foreground: arena.alloc(n * 16), background: arena.alloc(n * 16) };
  const smaller = { foreground: arena.alloc(below * 16), background: arena.alloc(below * 16) };
  const levelImage = arena.alloc(below * 16);
  const levelAlpha = arena.alloc(below * 4);
  // Level 0 starts from the mean colour for both F and B.
  const start = arena.alloc(16);
  k.meanColour(image, n, start);
  let previous = { foreground: start, background: start, width: 1, height: 1 };

  const totalWork = levels.reduce((sum, level) => sum + level.width * level.height * level.sweeps, 0);
  let work = 0;
  let sliceStart = now();
  for (let l = 0; l <= last; l++) {
    const { width: w, height: h, sweeps } = levels[l];
    const target = (last - l) % 2 === 0 ? full : smaller;
    let levelImagePtr = image;
    let levelAlphaPtr = alpha;
    if (l < last) {
      k.resizeNearest(image, width, height, levelImage, w, h, 4);
      k.resizeNearest(alpha, width, height, levelAlpha, w, h, 1);
      levelImagePtr = levelImage;
      levelAlphaPtr = levelAlpha;
    }
    k.resizeNearest(previous.foreground, previous.width, previous.height, target.foreground, w, h, 4);
    k.resizeNearest(previous.background, previous.width, previous.height, target.background, w, h, 4);
    k.foregroundSweeps(levelImagePtr, levelAlphaPtr, w, h, target.foreground, target.background,
      sweeps, options.regularization, options.gradientWeight);
    previous = { ...target, width: w, height: h };
    work += w * h * sweeps;
    if (l < last && now() - sliceStart > SLICE_MS) {
      report(work / totalWork);
      await yieldToEventLoop();
      sliceStart = now();
    }
    // Checked after every level, not only after a turn of the event loop: onProgress may have aborted.
    if (l < last && options.signal?.aborted) throw abortError(options.signal);
  }
  return full;
}

export interface ForegroundRun extends ForegroundResult {
  milliseconds: number;
  peakBytes: number;
}

export async function estimateForegroundRun(
  engine: Engine, image: RGBImage, alpha: AlphaInput, options?: ForegroundOptions,
): Promise<ForegroundRun> {
  const checkedImage = checkImage(image);
  const checkedAlpha = checkAlpha(alpha, checkedImage);
  const opts = resolveForegroundOptions(options);
  const { width, height, pixels: n } = checkedImage;
  const progress = (p: Progress) => opts.onProgress?.(p);
  if (opts.signal?.aborted) throw abortError(opts.signal);

  return engine.run(async (arena) => {
    const started = now();
    const rawBytes = Math.max(checkedImage.data.byteLength, checkedAlpha.data.byteLength);
    arena.ensureFits(n * 20 + rawBytes + foregroundWorkBytes(pyramidLevels(width, height, opts)), `foreground of a ${width}x${height} image`);
    const imagePtr = loadPadded(arena, engine, checkedImage, "image");
    const alphaPtr = loadAlpha(arena, engine, checkedAlpha, "alpha");
    progress({ phase: "foreground", fraction: 0 });
    const colours = await foregroundLevels(arena, engine, imagePtr, alphaPtr, width, height, opts,
      (fraction) => progress({ phase: "foreground", fraction }));
    // The padded image is no longer needed: it receives each unpadded result in turn.
    const unpadded = (padded: number) => {
      engine.kernels.unpadRgb(padded, n, imagePtr);
      return arena.f32(imagePtr, n * 3).slice();
    };
    const foreground = unpadded(colours.foreground);
    const background = unpadded(colours.background);
    progress({ phase: "foreground", fraction: 1 });
    return { foreground, background, milliseconds: now() - started, peakBytes: arena.peak };
  }, opts.signal);
}

export async function estimateForegroundWith(
  engine: Engine, image: RGBImage, alpha: AlphaInput, options?: ForegroundOptions,
): Promise<ForegroundResult> {
  const { foreground, background } = await estimateForegroundRun(engine, image, alpha, options);
  return { foreground, background };
}
