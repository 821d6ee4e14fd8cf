// 8-bit RGBA cutouts and composites from foreground colours and alpha; the per-pixel arithmetic is in
// assembly/compose.ts.
import type { Engine } from "./engine.js";
import { MattingError } from "./errors.js";
import { loadAlpha, loadRgb64 } from "./planes.js";
import type { AlphaInput, Colour, CutoutOptions, RGBAImage, RGBImage } from "./types.js";
import { checkImage } from "./validate.js";
import { checkAlpha, parseColour, resolveCutoutOptions } from "./validate-matte.js";

/**
 * RGBA of `foreground` (the estimated foreground colours, or the photo itself for a naive cutout) with alpha:
 * straight (RGB = round(255 F)) by default, premultiplied (RGB = round(255 a F)) on request; A = round(255 a).
 */
export async function cutoutWith(engine: Engine, foreground: RGBImage, alpha: AlphaInput, options?: CutoutOptions): Promise<RGBAImage> {
  const checkedForeground = checkImage(foreground, "foreground");
  const checkedAlpha = checkAlpha(alpha, checkedForeground);
  const { premultiplied } = resolveCutoutOptions(options);
  const { width, height, pixels: n } = checkedForeground;
  return engine.run((arena) => {
    arena.ensureFits(n * 32 + Math.max(checkedForeground.data.byteLength, checkedAlpha.data.byteLength) + 64, `a ${width}x${height} cutout`);
    const foregroundPtr = loadRgb64(arena, engine, checkedForeground, "foreground");
    const alphaPtr = loadAlpha(arena, engine, checkedAlpha, "alpha");
    const out = arena.alloc(n * 4);
    engine.kernels.cutoutRgba(foregroundPtr, alphaPtr, n, premultiplied ? 1 : 0, out);
    return { width, height, data: new Uint8ClampedArray(arena.u8(out, n * 4)) };
  });
}

/**
 * Opaque RGBA of a F + (1 - a) G: `foreground` over `background` G, a colour or an image of the same size.
 * Each channel is round(255 (a F + (1 - a) G)) with F, G in [0, 1] (8-bit values v as v / 255).
 */
export async function compositeWith(engine: Engine, foreground: RGBImage, alpha: AlphaInput, background: Colour | RGBImage): Promise<RGBAImage> {
  const checkedForeground = checkImage(foreground, "foreground");
  const checkedAlpha = checkAlpha(alpha, checkedForeground);
  const { width, height, pixels: n } = checkedForeground;
  const colour = parseColour(background);
  const checkedBackground = colour === undefined ? checkImage(background, "background") : undefined;
  if (checkedBackground && (checkedBackground.width !== width || checkedBackground.height !== height)) {
    throw new MattingError(
      "SIZE_MISMATCH",
      `background is ${checkedBackground.width}x${checkedBackground.height} but the foreground is ${width}x${height}`,
      { name: "background", width: checkedBackground.width, height: checkedBackground.height, imageWidth: width, imageHeight: height },
    );
  }
  return engine.run((arena) => {
    const rawBytes = Math.max(checkedForeground.data.byteLength, checkedAlpha.data.byteLength, checkedBackground?.data.byteLength ?? 0);
    arena.ensureFits(n * (checkedBackground ? 56 : 32) + rawBytes + 64, `a ${width}x${height} composite`);
    const foregroundPtr = loadRgb64(arena, engine, checkedForeground, "foreground");
    const alphaPtr = loadAlpha(arena, engine, checkedAlpha, "alpha");
    let backgroundPtr: number;
    if (checkedBackground) {
      backgroundPtr = loadRgb64(arena, engine, checkedBackground, "background");
    } else {
      // Scaled like 8-bit image samples, so a colour and a plain image of it composite identically.
      backgroundPtr = arena.copyIn(Float64Array.from(colour!, (v) => v * (1 / 255)));
    }
    const out = arena.alloc(n * 4);
    engine.kernels.compositeRgba(foregroundPtr, alphaPtr, backgroundPtr, checkedBackground ? 24 : 0, n, out);
    return { width, height, data: new Uint8ClampedArray(arena.u8(out, n * 4)) };
  });
}
