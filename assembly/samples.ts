// Conversions of integer samples (u8 or u16: T) with `channels` samples per pixel, shared by the 8-bit kernels
// (convert.ts, foreground.ts, trimap.ts) and their 16-bit twins (convert16.ts). `full` is T's largest value.

import { LABEL_BACKGROUND, LABEL_FOREGROUND, LABEL_UNKNOWN } from "./convert";

/** Pixels (first three samples RGB) -> f64 RGB interleaved in [0, 1]. */
@inline
export function imageFromSamples<T>(src: usize, pixels: i32, channels: i32, dst: usize): void {
  const scale = 1.0 / <f64>fullOf<T>();
  const size = sizeof<T>();
  const step = <usize>channels * size;
  let p = src;
  let q = dst;
  for (let i = 0; i < pixels; i++) {
    store<f64>(q, <f64>load<T>(p) * scale);
    store<f64>(q + 8, <f64>load<T>(p + size) * scale);
    store<f64>(q + 16, <f64>load<T>(p + 2 * size) * scale);
    p += step;
    q += 24;
  }
}

/** Pixels (first three samples RGB) -> padded f32 RGB in [0, 1] (16 bytes per pixel, the fourth lane 0). */
@inline
export function paddedFromSamples<T>(src: usize, pixels: i32, channels: i32, dst: usize): void {
  const scale = <f32>(1.0 / <f64>fullOf<T>());
  const size = sizeof<T>();
  const step = <usize>channels * size;
  let p = src;
  let q = dst;
  for (let i = 0; i < pixels; i++) {
    store<f32>(q, <f32>load<T>(p) * scale);
    store<f32>(q, <f32>load<T>(p + size) * scale, 4);
    store<f32>(q, <f32>load<T>(p + 2 * size) * scale, 8);
    store<f32>(q, 0, 12);
    p += step;
    q += 16;
  }
}

/** First sample of each pixel -> f32 in [0, 1]. */
@inline
export function planeFromSamples<T>(src: usize, pixels: i32, channels: i32, dst: usize): void {
  const scale = <f32>(1.0 / <f64>fullOf<T>());
  const step = <usize>channels * sizeof<T>();
  for (let i = 0; i < pixels; i++) {
    store<f32>(dst + (<usize>i << 2), <f32>load<T>(src + <usize>i * step) * scale);
  }
}

/** First sample of each pixel -> 1 where it is at least half of full scale (128 of 255, 32768 of 65535), else 0. */
@inline
export function maskFromSamples<T>(src: usize, pixels: i32, channels: i32, dst: usize): void {
  const half = (fullOf<T>() >> 1) + 1;
  const step = <usize>channels * sizeof<T>();
  for (let i = 0; i < pixels; i++) {
    store<u8>(dst + <usize>i, <u32>load<T>(src + <usize>i * step) >= half ? 1 : 0);
  }
}

/**
 * First sample of each pixel -> labels: 0 background, full scale foreground, anything else unknown. Writes
 * [background, foreground, unknown] counts as i32 to `counts`.
 */
@inline
export function labelsFromSamples<T>(src: usize, pixels: i32, channels: i32, labels: usize, counts: usize): void {
  const full = fullOf<T>();
  const step = <usize>channels * sizeof<T>();
  let background = 0;
  let foreground = 0;
  let p = src;
  for (let i = 0; i < pixels; i++) {
    const v = <u32>load<T>(p);
    let label = LABEL_UNKNOWN;
    if (v == 0) {
      label = LABEL_BACKGROUND;
      background++;
    } else if (v == full) {
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

/** The largest value of the sample type: 255 or 65535. */
@inline
function fullOf<T>(): u32 {
  return sizeof<T>() == 1 ? 255 : 65535;
}
