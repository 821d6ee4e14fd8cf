// Trimaps without drawing one: from a (segmentation) mask with unknown bands measured by an exact Euclidean
// distance transform (assembly/distance.ts), from an alpha matte by levels, and counts of a trimap's kinds.
import type { Engine } from "./engine.js";
import { loadAlpha, loadLabels, loadMask } from "./planes.js";
import type { AlphaMatte, Trimap, TrimapFromAlphaOptions, TrimapFromMaskOptions, TrimapImage, TrimapStats } from "./types.js";
import { checkMatte, resolveTrimapFromAlphaOptions, resolveTrimapFromMaskOptions } from "./validate-matte.js";

/**
 * Mask pixels at or above half the range (>= 128 for 8-bit, >= 0.5 for floats) are inside. Inside pixels within
 * `foreground` pixels (Euclidean, centre to centre) of the nearest outside pixel become unknown (128), the rest
 * foreground (255); outside pixels within `background` pixels of the nearest inside pixel become unknown, the
 * rest background (0). A band of 1 is the one-pixel ring along the edge; 0 leaves that side without a band.
 */
export async function trimapFromMaskWith(engine: Engine, mask: AlphaMatte, options?: TrimapFromMaskOptions): Promise<TrimapImage> {
  const checked = checkMatte(mask, "mask");
  const bands = resolveTrimapFromMaskOptions(options);
  const { width, height, pixels: n } = checked;
  const k = engine.kernels;
  return engine.run((arena) => {
    const scratchBytes = k.distanceScratchBytes(width, height);
    arena.ensureFits(n * 18 + scratchBytes + checked.data.byteLength + 64, `a trimap for a ${width}x${height} mask`);
    const inside = loadMask(arena, engine, checked, "mask");
    const toOutside = arena.alloc(n * 8);
    const toInside = arena.alloc(n * 8);
    const scratch = arena.alloc(scratchBytes);
    k.squaredDistances(inside, 0, width, height, toOutside, scratch);
    k.squaredDistances(inside, 1, width, height, toInside, scratch);
    const out = arena.alloc(n);
    k.trimapFromMaskDistances(inside, toOutside, toInside, n, bands.foreground, bands.background, out);
    return { width, height, data: arena.u8(out, n).slice() };
  });
}

/**
 * Alpha at or below `low` is background (0), at or above `high` foreground (255), the rest unknown (128); then
 * every pixel within `band` pixels (Euclidean) of an unknown pixel becomes unknown too.
 */
export async function trimapFromAlphaWith(engine: Engine, alpha: AlphaMatte, options?: TrimapFromAlphaOptions): Promise<TrimapImage> {
  const checked = checkMatte(alpha, "alpha");
  const { low, high, band } = resolveTrimapFromAlphaOptions(options);
  const { width, height, pixels: n } = checked;
  const k = engine.kernels;
  return engine.run((arena) => {
    const scratchBytes = band > 0 ? k.distanceScratchBytes(width, height) : 0;
    arena.ensureFits(n * 13 + scratchBytes + checked.data.byteLength + 64, `a trimap for a ${width}x${height} alpha`);
    const alphaPtr = loadAlpha(arena, engine, checked, "alpha");
    const out = arena.alloc(n);
    k.trimapFromAlphaLevels(alphaPtr, n, low, high, out);
    if (band > 0) {
      const toUnknown = arena.alloc(n * 8);
      const scratch = arena.alloc(scratchBytes);
      k.squaredDistances(out, 128, width, height, toUnknown, scratch);
      k.widenUnknown(out, toUnknown, n, band);
    }
    return { width, height, data: arena.u8(out, n).slice() };
  });
}

/** Counts of foreground, background and unknown pixels, read as estimateAlpha reads a trimap. */
export async function trimapStatsWith(engine: Engine, trimap: Trimap): Promise<TrimapStats> {
  const checked = checkMatte(trimap, "trimap");
  const n = checked.pixels;
  return engine.run((arena) => {
    arena.ensureFits(n + checked.data.byteLength + 64, `statistics of a ${checked.width}x${checked.height} trimap`);
    const { counts: { background, foreground, unknown } } = loadLabels(arena, engine, checked);
    return {
      pixels: n, foreground, background, unknown,
      fractions: { foreground: foreground / n, background: background / n, unknown: unknown / n },
    };
  });
}
