// 16-bit inputs (Uint16Array samples in 0..65535, as PNG decoders give for 16-bit files): the counterparts of
// the 8-bit conversions in convert.ts, foreground.ts and trimap.ts, same layouts out. 65535 = 255 * 257, so an
// 8-bit value v and its 16-bit widening 257 v give the same fraction.

import { LABEL_BACKGROUND, LABEL_FOREGROUND, LABEL_UNKNOWN } from "./convert";

const SCALE_16: f64 = 1.0 / 65535.0;

/** 16-bit pixels with `channels` samples each (3 or 4; the first three are RGB) -> f64 RGB interleaved. */
export function imageFrom16(src: usize, pixels: i32, channels: i32, dst: usize): void {
  const step = <usize>channels << 1;
  let p = src;
  let q = dst;
  for (let i = 0; i < pixels; i++) {
    store<f64>(q, <f64>load<u16>(p) * SCALE_16);
    store<f64>(q, <f64>load<u16>(p, 2) * SCALE_16, 8);
    store<f64>(q, <f64>load<u16>(p, 4) * SCALE_16, 16);
    p += step;
    q += 24;
  }
}

/** 16-bit pixels with `channels` samples each (first three RGB) -> padded f32 RGB in [0, 1] (16 bytes per pixel). */
export function paddedFrom16(src: usize, pixels: i32, channels: i32, dst: usize): void {
  const scale = <f32>SCALE_16;
  const step = <usize>channels << 1;
  let p = src;
  let q = dst;
  for (let i = 0; i < pixels; i++) {
    store<f32>(q, <f32>load<u16>(p) * scale);
    store<f32>(q, <f32>load<u16>(p, 2) * scale, 4);
    store<f32>(q, <f32>load<u16>(p, 4) * scale, 8);
    store<f32>(q, 0, 12);
    p += step;
    q += 16;
  }
}

/** First sample of each `channels`-sample pixel -> f32 in [0, 1]. */
export function planeFrom16(src: usize, pixels: i32, channels: i32, dst: usize): void {
  const scale = <f32>SCALE_16;
  const step = <usize>channels << 1;
  for (let i = 0; i < pixels; i++) {
    store<f32>(dst + (<usize>i << 2), <f32>load<u16>(src + <usize>i * step) * scale);
  }
}

/** First sample of each `channels`-sample pixel -> 1 where it is at least half of 65535 (>= 32768), else 0. */
export function maskFrom16(src: usize, pixels: i32, channels: i32, dst: usize): void {
  const step = <usize>channels << 1;
  for (let i = 0; i < pixels; i++) {
    store<u8>(dst + <usize>i, load<u16>(src + <usize>i * step) >= 32768 ? 1 : 0);
  }
}

/**
 * 16-bit trimap with `channels` samples per pixel (first used) -> labels: 0 background, 65535 foreground,
 * anything else unknown. Writes [background, foreground, unknown] counts as i32 to `counts`.
 */
export function labelsFromTrimap16(src: usize, pixels: i32, channels: i32, labels: usize, counts: usize): void {
  const step = <usize>channels << 1;
  let background = 0;
  let foreground = 0;
  let p = src;
  for (let i = 0; i < pixels; i++) {
    const v = load<u16>(p);
    let label = LABEL_UNKNOWN;
    if (v == 0) {
      label = LABEL_BACKGROUND;
      background++;
    } else if (v == 65535) {
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
