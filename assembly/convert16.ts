// 16-bit inputs (Uint16Array samples in 0..65535, as PNG decoders give for 16-bit files): the counterparts of
// the 8-bit conversions in convert.ts, foreground.ts and trimap.ts, same layouts out. 65535 = 255 * 257, so an
// 8-bit value v and its 16-bit widening 257 v give the same fraction.

import { imageFromSamples, labelsFromSamples, maskFromSamples, paddedFromSamples, planeFromSamples } from "./samples";

/** 16-bit pixels with `channels` samples each (3 or 4; the first three are RGB) -> f64 RGB interleaved. */
export function imageFrom16(src: usize, pixels: i32, channels: i32, dst: usize): void {
  imageFromSamples<u16>(src, pixels, channels, dst);
}

/** 16-bit pixels with `channels` samples each (first three RGB) -> padded f32 RGB in [0, 1] (16 bytes per pixel). */
export function paddedFrom16(src: usize, pixels: i32, channels: i32, dst: usize): void {
  paddedFromSamples<u16>(src, pixels, channels, dst);
}

/** First sample of each `channels`-sample pixel -> f32 in [0, 1]. */
export function planeFrom16(src: usize, pixels: i32, channels: i32, dst: usize): void {
  planeFromSamples<u16>(src, pixels, channels, dst);
}

/** First sample of each `channels`-sample pixel -> 1 where it is at least half of 65535 (>= 32768), else 0. */
export function maskFrom16(src: usize, pixels: i32, channels: i32, dst: usize): void {
  maskFromSamples<u16>(src, pixels, channels, dst);
}

/**
 * 16-bit trimap with `channels` samples per pixel (first used) -> labels: 0 background, 65535 foreground,
 * anything else unknown. Writes [background, foreground, unknown] counts as i32 to `counts`.
 */
export function labelsFromTrimap16(src: usize, pixels: i32, channels: i32, labels: usize, counts: usize): void {
  labelsFromSamples<u16>(src, pixels, channels, labels, counts);
}
