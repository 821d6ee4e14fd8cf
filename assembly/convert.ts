// Input conversion: user pixels -> f64 RGB in [0, 1], trimap -> labels.
// Labels: 0 = background, 1 = foreground, 2 = unknown.

export const LABEL_BACKGROUND: u8 = 0;
export const LABEL_FOREGROUND: u8 = 1;
export const LABEL_UNKNOWN: u8 = 2;

import { imageFromSamples, labelsFromSamples } from "./samples";

/** 8-bit pixels with `channels` bytes each (3 or 4; the first three are RGB) -> f64 RGB interleaved. */
export function imageFrom8(src: usize, pixels: i32, channels: i32, dst: usize): void {
  imageFromSamples<u8>(src, pixels, channels, dst);
}

/** f32 RGB interleaved -> f64 RGB interleaved. */
export function imageFromFloat(src: usize, pixels: i32, dst: usize): void {
  const count = <usize>pixels * 3;
  for (let i: usize = 0; i < count; i++) {
    store<f64>(dst + (i << 3), <f64>load<f32>(src + (i << 2)));
  }
}

/** Index of the first f32 that is NaN or outside [0, 1], or -1. */
export function firstValueOutsideUnit(src: usize, count: i32): i32 {
  for (let i = 0; i < count; i++) {
    const v = load<f32>(src + (<usize>i << 2));
    // Written so that NaN fails the test.
    if (!(v >= 0 && v <= 1)) return i;
  }
  return -1;
}

/**
 * 8-bit trimap with `channels` bytes per pixel (first byte used) -> labels.
 * 0 is background, 255 foreground, anything else unknown.
 * Writes [background, foreground, unknown] counts as i32 to `counts`.
 */
export function labelsFromTrimap8(src: usize, pixels: i32, channels: i32, labels: usize, counts: usize): void {
  if (ASC_FEATURE_SIMD && channels == 1) {
    // Sixteen pixels at a time: 0 -> background, 255 -> foreground, else unknown, counted by the compares' bit masks.
    const zero = i8x16.splat(0), full = i8x16.splat(-1);
    const background = i8x16.splat(<i8>LABEL_BACKGROUND), foreground = i8x16.splat(<i8>LABEL_FOREGROUND), unknown = i8x16.splat(<i8>LABEL_UNKNOWN);
    let backgrounds = 0, foregrounds = 0, i = 0;
    for (; i + 16 <= pixels; i += 16) {
      const v = v128.load(src + <usize>i);
      const isBackground = i8x16.eq(v, zero), isForeground = i8x16.eq(v, full);
      v128.store(labels + <usize>i, v128.bitselect(background, v128.bitselect(foreground, unknown, isForeground), isBackground));
      backgrounds += popcnt(i8x16.bitmask(isBackground));
      foregrounds += popcnt(i8x16.bitmask(isForeground));
    }
    // The last pixels one at a time, then the counts of both parts.
    labelsFromSamples<u8>(src + <usize>i, pixels - i, 1, labels + <usize>i, counts);
    store<i32>(counts, load<i32>(counts) + backgrounds);
    store<i32>(counts, load<i32>(counts, 4) + foregrounds, 4);
    store<i32>(counts, pixels - load<i32>(counts) - load<i32>(counts, 4), 8);
    return;
  }
  labelsFromSamples<u8>(src, pixels, channels, labels, counts);
}

/** Float trimap (one value per pixel, checked beforehand to lie in [0, 1]): <= 0.1 background, >= 0.9 foreground. */
export function labelsFromTrimapFloat(src: usize, pixels: i32, channels: i32, labels: usize, counts: usize): void {
  const step = <usize>channels << 2;
  let background = 0;
  let foreground = 0;
  let p = src;
  for (let i = 0; i < pixels; i++) {
    const v = load<f32>(p);
    let label = LABEL_UNKNOWN;
    if (v <= 0.1) {
      label = LABEL_BACKGROUND;
      background++;
    } else if (v >= 0.9) {
      label = LABEL_FOREGROUND;
      foreground++;
    }
    store<u8>(labels + <usize>i, label);
    p += step;
  }
  store<i32>(counts, background);
  store<i32>(counts, foreground, 4);
  store<i32>(counts, pixels - background - foreground, 8);
}

/** Alpha of every pixel: 0 or 1 where known, the solution (clamped to [0, 1]) where unknown. */
export function composeAlpha(labels: usize, unknownIndex: usize, solution: usize, pixels: i32, alpha: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Four pixels at a time where all are known: a known pixel's alpha is its label (background 0, foreground 1).
    const foreground = i32x4.splat(LABEL_FOREGROUND);
    for (; i + 4 <= pixels; i += 4) {
      const four = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(labels + <usize>i)));
      if (i32x4.all_true(i32x4.le_u(four, foreground))) {
        v128.store(alpha + (<usize>i << 2), f32x4.convert_i32x4_u(four));
      } else {
        composeAlphaScalar(labels, unknownIndex, solution, i, i + 4, alpha);
      }
    }
  }
  composeAlphaScalar(labels, unknownIndex, solution, i, pixels, alpha);
}

@inline
function composeAlphaScalar(labels: usize, unknownIndex: usize, solution: usize, from: i32, to: i32, alpha: usize): void {
  for (let i = from; i < to; i++) {
    const label = load<u8>(labels + <usize>i);
    let a: f64 = 0;
    if (label == LABEL_FOREGROUND) {
      a = 1;
    } else if (label == LABEL_UNKNOWN) {
      const k = load<i32>(unknownIndex + (<usize>i << 2));
      a = min(max(load<f64>(solution + (<usize>k << 3)), 0.0), 1.0);
    }
    store<f32>(alpha + (<usize>i << 2), <f32>a);
  }
}
