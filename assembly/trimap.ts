// Trimaps (one byte per pixel: 0 background, 128 unknown, 255 foreground) from masks and alphas.
import { maskFromSamples } from "./samples";

/** First byte of each `channels`-byte pixel -> 1 where it is at least half of 255 (>= 128), else 0. */
export function maskFrom8(src: usize, pixels: i32, channels: i32, dst: usize): void {
  maskFromSamples<u8>(src, pixels, channels, dst);
}

/** First float of each `channels`-float pixel -> 1 where it is >= 0.5, else 0. */
export function maskFromFloat(src: usize, pixels: i32, channels: i32, dst: usize): void {
  for (let i = 0; i < pixels; i++) {
    store<u8>(dst + <usize>i, load<f32>(src + ((<usize>i * <usize>channels) << 2)) >= 0.5 ? 1 : 0);
  }
}

/**
 * Inside pixels (mask 1) whose squared distance to the nearest outside pixel is at most foregroundBand^2 become
 * unknown, the other inside pixels foreground; outside pixels within backgroundBand of the nearest inside pixel
 * become unknown, the others background.
 */
export function trimapFromMaskDistances(
  mask: usize, toOutside: usize, toInside: usize, pixels: i32, foregroundBand: f64, backgroundBand: f64, dst: usize,
): void {
  const foregroundLimit = foregroundBand * foregroundBand;
  const backgroundLimit = backgroundBand * backgroundBand;
  for (let i = 0; i < pixels; i++) {
    const o = <usize>i << 3;
    let value: u8;
    if (load<u8>(mask + <usize>i) != 0) {
      value = load<f64>(toOutside + o) <= foregroundLimit ? 128 : 255;
    } else {
      value = load<f64>(toInside + o) <= backgroundLimit ? 128 : 0;
    }
    store<u8>(dst + <usize>i, value);
  }
}

/** Alpha (f32) <= low -> 0, >= high -> 255, else 128. */
export function trimapFromAlphaLevels(alpha: usize, pixels: i32, low: f32, high: f32, dst: usize): void {
  for (let i = 0; i < pixels; i++) {
    const a = load<f32>(alpha + (<usize>i << 2));
    store<u8>(dst + <usize>i, a <= low ? 0 : a >= high ? 255 : 128);
  }
}

/** Marks unknown (128) every pixel whose squared distance to an unknown pixel is at most band^2. */
export function widenUnknown(trimap: usize, toUnknown: usize, pixels: i32, band: f64): void {
  const limit = band * band;
  for (let i = 0; i < pixels; i++) {
    if (load<f64>(toUnknown + (<usize>i << 3)) <= limit) store<u8>(trimap + <usize>i, 128);
  }
}
