// Checked user planes copied into the arena in the layouts the foreground, compositing and trimap kernels read.
import type { Arena, Engine } from "./engine.js";
import { MattingError } from "./errors.js";
import type { CheckedPlane } from "./validate.js";

/** Throws INVALID_VALUE at the first float sample that is NaN or outside [0, 1]. */
export function checkUnitFloats(engine: Engine, ptr: number, plane: CheckedPlane, name: string): void {
  const bad = engine.kernels.firstValueOutsideUnit(ptr, plane.data.length);
  if (bad < 0) return;
  const value = new Float32Array(engine.kernels.memory.buffer, (ptr >>> 0) + bad * 4, 1)[0];
  const pixel = Math.floor(bad / plane.channels);
  throw new MattingError(
    "INVALID_VALUE",
    `${name} sample ${bad} (pixel x=${pixel % plane.width}, y=${Math.floor(pixel / plane.width)}) is ${value}; float data must lie in [0, 1]`,
    { name, index: bad, value },
  );
}

/**
 * Copies `plane` into fresh arena memory, checks float samples, then converts it with `convert(raw, dst)` into
 * `bytesOut` bytes allocated below the raw copy, which is released again. Returns the converted buffer.
 */
function convertPlane(arena: Arena, engine: Engine, plane: CheckedPlane, name: string, bytesOut: number,
  convert: (raw: number, dst: number) => void): number {
  const dst = arena.alloc(bytesOut);
  const mark = arena.mark();
  const raw = arena.copyIn(plane.data);
  if (plane.kind === "f32") checkUnitFloats(engine, raw, plane, name);
  convert(raw, dst);
  arena.release(mark);
  return dst;
}

/** A conversion kernel per sample kind: (src, pixels, channels, dst). */
type Conversions = Record<CheckedPlane["kind"], (src: number, pixels: number, channels: number, dst: number) => void>;

/** RGB as f32 padded to four lanes (16 bytes per pixel). */
export function loadPadded(arena: Arena, engine: Engine, image: CheckedPlane, name: string): number {
  const k = engine.kernels;
  const convert = ({ u8: k.paddedFrom8, u16: k.paddedFrom16, f32: (src, pixels, _, dst) => k.paddedFromFloat(src, pixels, dst) } satisfies Conversions)[image.kind];
  return convertPlane(arena, engine, image, name, image.pixels * 16, (raw, dst) => convert(raw, image.pixels, image.channels, dst));
}

/** RGB as f64 (24 bytes per pixel). */
export function loadRgb64(arena: Arena, engine: Engine, image: CheckedPlane, name: string): number {
  const k = engine.kernels;
  const convert = ({ u8: k.imageFrom8, u16: k.imageFrom16, f32: (src, pixels, _, dst) => k.imageFromFloat(src, pixels, dst) } satisfies Conversions)[image.kind];
  return convertPlane(arena, engine, image, name, image.pixels * 24, (raw, dst) => convert(raw, image.pixels, image.channels, dst));
}

/** One f32 per pixel in [0, 1] from the plane's first channel. */
export function loadAlpha(arena: Arena, engine: Engine, alpha: CheckedPlane, name: string): number {
  const k = engine.kernels;
  if (alpha.kind === "f32" && alpha.channels === 1) {
    const ptr = arena.copyIn(alpha.data);
    checkUnitFloats(engine, ptr, alpha, name);
    return ptr;
  }
  const convert = ({ u8: k.planeFrom8, u16: k.planeFrom16, f32: k.planeFromFloat } satisfies Conversions)[alpha.kind];
  return convertPlane(arena, engine, alpha, name, alpha.pixels * 4, (raw, dst) => convert(raw, alpha.pixels, alpha.channels, dst));
}

/** One byte per pixel: 1 inside the mask (at least half of its range: 128, 32768 or 0.5), 0 outside. */
export function loadMask(arena: Arena, engine: Engine, mask: CheckedPlane, name: string): number {
  const k = engine.kernels;
  const convert = ({ u8: k.maskFrom8, u16: k.maskFrom16, f32: k.maskFromFloat } satisfies Conversions)[mask.kind];
  return convertPlane(arena, engine, mask, name, mask.pixels, (raw, dst) => convert(raw, mask.pixels, mask.channels, dst));
}

export interface TrimapCounts {
  background: number;
  foreground: number;
  unknown: number;
}

/** One label per pixel (0 background, 1 foreground, 2 unknown) from a trimap, with the count of each. */
export function loadLabels(arena: Arena, engine: Engine, trimap: CheckedPlane, name = "trimap"): { labels: number; counts: TrimapCounts } {
  const k = engine.kernels;
  const countsPtr = arena.alloc(12);
  const convert = { u8: k.labelsFromTrimap8, u16: k.labelsFromTrimap16, f32: k.labelsFromTrimapFloat }[trimap.kind];
  const labels = convertPlane(arena, engine, trimap, name, trimap.pixels, (raw, dst) => convert(raw, trimap.pixels, trimap.channels, dst, countsPtr));
  const [background, foreground, unknown] = arena.i32(countsPtr, 3);
  return { labels, counts: { background, foreground, unknown } };
}
