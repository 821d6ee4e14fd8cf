// Foreground and background colours from an image and its alpha: the multi-level method of Germer, Uelwer,
// Conrad and Harmeling, "Fast Multi-Level Foreground Estimation" (ICPR 2020).
//
// Per pixel i and colour channel the method minimises
//   (a_i F_i + (1 - a_i) B_i - I_i)^2 + sum_{j in N4(i)} w_ij ((F_i - F_j)^2 + (B_i - B_j)^2),
//   w_ij = epsilon_r + omega |a_i - a_j|,
// over F_i, B_i with the neighbours held fixed, which is the 2x2 system
//   [a^2 + W     a (1 - a)  ] [F_i]   [a I_i       + sum_j w_ij F_j]
//   [a (1 - a)   (1 - a)^2 + W] [B_i] = [(1 - a) I_i + sum_j w_ij B_j],   W = sum_j w_ij,
// the same matrix for all three channels. Sweeps update F and B in place, coarse to fine over an image
// pyramid whose sides grow as w^(l/L) from 1x1 to the full size; each level starts from the previous
// level's colours resized to it (nearest neighbour).
//
// Colour buffers hold f32 RGB padded to four lanes (16 bytes per pixel) so that one v128 carries a pixel;
// the fourth lane is never read back. Alpha buffers hold one f32 per pixel.
import { paddedFromSamples, planeFromSamples } from "./samples";

/** 8-bit pixels with `channels` bytes each (first three RGB) -> padded f32 RGB in [0, 1]. */
export function paddedFrom8(src: usize, pixels: i32, channels: i32, dst: usize): void {
  paddedFromSamples<u8>(src, pixels, channels, dst);
}

/** f32 RGB interleaved -> padded f32 RGB. */
export function paddedFromFloat(src: usize, pixels: i32, dst: usize): void {
  for (let i = 0; i < pixels; i++) {
    const p = src + <usize>i * 12;
    const q = dst + (<usize>i << 4);
    store<f32>(q, load<f32>(p));
    store<f32>(q, load<f32>(p, 4), 4);
    store<f32>(q, load<f32>(p, 8), 8);
    store<f32>(q, 0, 12);
  }
}

/** Padded f32 RGB -> f32 RGB interleaved. */
export function unpadRgb(src: usize, pixels: i32, dst: usize): void {
  for (let i = 0; i < pixels; i++) {
    const p = src + (<usize>i << 4);
    const q = dst + <usize>i * 12;
    store<f32>(q, load<f32>(p));
    store<f32>(q, load<f32>(p, 4), 4);
    store<f32>(q, load<f32>(p, 8), 8);
  }
}

/** First byte of each `channels`-byte pixel -> f32 in [0, 1]. */
export function planeFrom8(src: usize, pixels: i32, channels: i32, dst: usize): void {
  planeFromSamples<u8>(src, pixels, channels, dst);
}

/** First float of each `channels`-float pixel -> f32. */
export function planeFromFloat(src: usize, pixels: i32, channels: i32, dst: usize): void {
  for (let i = 0; i < pixels; i++) {
    store<f32>(dst + (<usize>i << 2), load<f32>(src + ((<usize>i * <usize>channels) << 2)));
  }
}

/**
 * Nearest-neighbour resize of `lanes` f32 per pixel (1 or 4) from srcWidth x srcHeight to dstWidth x dstHeight:
 * destination pixel x samples source column floor((2x + 1) srcWidth / (2 dstWidth)), rows likewise.
 */
export function resizeNearest(src: usize, srcWidth: i32, srcHeight: i32, dst: usize, dstWidth: i32, dstHeight: i32, lanes: i32): void {
  const pixelBytes = <usize>lanes << 2;
  let q = dst;
  for (let y = 0; y < dstHeight; y++) {
    const sy = nearestSource(y, srcHeight, dstHeight);
    const sourceRow = src + <usize>sy * <usize>srcWidth * pixelBytes;
    // sx = floor(numerator / (2 dstWidth)) with numerator = (2x + 1) srcWidth, stepped without division.
    const denominator = 2 * <i64>dstWidth;
    let numerator = <i64>srcWidth;
    let sx = 0;
    let threshold = denominator; // (sx + 1) * denominator
    for (let x = 0; x < dstWidth; x++) {
      while (numerator >= threshold) {
        sx++;
        threshold += denominator;
      }
      const p = sourceRow + <usize>sx * pixelBytes;
      if (lanes == 4) {
        if (ASC_FEATURE_SIMD) {
          v128.store(q, v128.load(p));
        } else {
          store<f32>(q, load<f32>(p));
          store<f32>(q, load<f32>(p, 4), 4);
          store<f32>(q, load<f32>(p, 8), 8);
          store<f32>(q, load<f32>(p, 12), 12);
        }
      } else {
        store<f32>(q, load<f32>(p));
      }
      q += pixelBytes;
      numerator += 2 * <i64>srcWidth;
    }
  }
}

@inline function nearestSource(x: i32, sourceSize: i32, targetSize: i32): i32 {
  return min(<i32>((<i64>(2 * x + 1) * sourceSize) / (2 * <i64>targetSize)), sourceSize - 1);
}

/** Writes the mean colour of a padded image into one padded pixel at `dst`. */
export function meanColour(image: usize, pixels: i32, dst: usize): void {
  let r = 0.0, g = 0.0, b = 0.0;
  for (let i = 0; i < pixels; i++) {
    const p = image + (<usize>i << 4);
    r += <f64>load<f32>(p);
    g += <f64>load<f32>(p, 4);
    b += <f64>load<f32>(p, 8);
  }
  const n = <f64>max(pixels, 1);
  store<f32>(dst, <f32>(r / n));
  store<f32>(dst, <f32>(g / n), 4);
  store<f32>(dst, <f32>(b / n), 8);
  store<f32>(dst, 0, 12);
}

/**
 * `iterations` in-place sweeps (row by row, as in the authors' implementation) of the per-pixel 2x2 solve above,
 * colours clamped to [0, 1]. Neighbours beyond the border are clamped to the border pixel itself, which adds a
 * pull towards the pixel's current value and keeps the system regular on a 1x1 level.
 */
export function foregroundSweeps(
  image: usize, alpha: usize, width: i32, height: i32, foreground: usize, background: usize,
  iterations: i32, regularization: f32, gradientWeight: f32,
): void {
  for (let iteration = 0; iteration < iterations; iteration++) {
    for (let y = 0; y < height; y++) {
      const upStep = y > 0 ? -width : 0;
      const downStep = y < height - 1 ? width : 0;
      if (ASC_FEATURE_SIMD) {
        sweepRowSimd(image, alpha, width, y * width, upStep, downStep, foreground, background, regularization, gradientWeight);
      } else {
        sweepRowScalar(image, alpha, width, y * width, upStep, downStep, foreground, background, regularization, gradientWeight);
      }
    }
  }
}

/** w_ij = epsilon_r + omega |a_i - a_j| */
@inline function edgeWeight(a: f32, neighbour: f32, regularization: f32, gradientWeight: f32): f32 {
  return regularization + gradientWeight * abs<f32>(a - neighbour);
}

/**
 * One row starting at pixel `row`; `upStep` and `downStep` are the pixel offsets of the rows above and below
 * (0 at the image's border). The weight to the left neighbour is the previous pixel's weight to the right, and
 * the left neighbour's colours are the ones just computed, kept in registers rather than read back.
 * In each sum the left neighbour's term comes last, so the other terms need not wait for it.
 */
@inline function sweepRowSimd(
  image: usize, alpha: usize, width: i32, row: i32, upStep: i32, downStep: i32, foreground: usize, background: usize,
  regularization: f32, gradientWeight: f32,
): void {
  let a = load<f32>(alpha + (<usize>row << 2));
  let wLeft = regularization; // the first pixel's left neighbour is itself
  let p = <usize>row << 4;
  let fLeft = v128.load(foreground + p);
  let bLeft = v128.load(background + p);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  for (let x = 0; x < width; x++) {
    const i = row + x;
    const iRight = x < width - 1 ? i + 1 : i;
    const iUp = i + upStep;
    const iDown = i + downStep;
    const aRight = load<f32>(alpha + (<usize>iRight << 2));
    const wRight = edgeWeight(a, aRight, regularization, gradientWeight);
    const wUp = edgeWeight(a, load<f32>(alpha + (<usize>iUp << 2)), regularization, gradientWeight);
    const wDown = edgeWeight(a, load<f32>(alpha + (<usize>iDown << 2)), regularization, gradientWeight);
    const weightSum = wLeft + wRight + wUp + wDown;
    const a1: f32 = 1 - a;
    const m00 = a * a + weightSum;
    const m01 = a * a1;
    const m11 = a1 * a1 + weightSum;
    const inverseDeterminant: f32 = 1 / (m00 * m11 - m01 * m01);
    // Inverse matrix entries: F = c00 b0 + c01 b1, B = c01 b0 + c11 b1.
    const c00 = f32x4.splat(m11 * inverseDeterminant);
    const c01 = f32x4.splat(-m01 * inverseDeterminant);
    const c11 = f32x4.splat(m00 * inverseDeterminant);
    const pRight = <usize>iRight << 4, pUp = <usize>iUp << 4, pDown = <usize>iDown << 4;
    const colour = v128.load(image + p);
    let b0 = f32x4.mul(colour, f32x4.splat(a));
    b0 = f32x4.add(b0, f32x4.mul(f32x4.splat(wRight), v128.load(foreground + pRight)));
    b0 = f32x4.add(b0, f32x4.mul(f32x4.splat(wUp), v128.load(foreground + pUp)));
    b0 = f32x4.add(b0, f32x4.mul(f32x4.splat(wDown), v128.load(foreground + pDown)));
    b0 = f32x4.add(b0, f32x4.mul(f32x4.splat(wLeft), fLeft));
    let b1 = f32x4.mul(colour, f32x4.splat(a1));
    b1 = f32x4.add(b1, f32x4.mul(f32x4.splat(wRight), v128.load(background + pRight)));
    b1 = f32x4.add(b1, f32x4.mul(f32x4.splat(wUp), v128.load(background + pUp)));
    b1 = f32x4.add(b1, f32x4.mul(f32x4.splat(wDown), v128.load(background + pDown)));
    b1 = f32x4.add(b1, f32x4.mul(f32x4.splat(wLeft), bLeft));
    fLeft = f32x4.min(f32x4.max(f32x4.add(f32x4.mul(c00, b0), f32x4.mul(c01, b1)), zero), one);
    bLeft = f32x4.min(f32x4.max(f32x4.add(f32x4.mul(c01, b0), f32x4.mul(c11, b1)), zero), one);
    v128.store(foreground + p, fLeft);
    v128.store(background + p, bLeft);
    wLeft = wRight;
    a = aRight;
    p += 16;
  }
}

/** sweepRowSimd one channel at a time, reading the left neighbour back from memory; the same arithmetic. */
@inline function sweepRowScalar(
  image: usize, alpha: usize, width: i32, row: i32, upStep: i32, downStep: i32, foreground: usize, background: usize,
  regularization: f32, gradientWeight: f32,
): void {
  let a = load<f32>(alpha + (<usize>row << 2));
  let wLeft = regularization;
  let p = <usize>row << 4;
  for (let x = 0; x < width; x++) {
    const i = row + x;
    const iRight = x < width - 1 ? i + 1 : i;
    const iUp = i + upStep;
    const iDown = i + downStep;
    const aRight = load<f32>(alpha + (<usize>iRight << 2));
    const wRight = edgeWeight(a, aRight, regularization, gradientWeight);
    const wUp = edgeWeight(a, load<f32>(alpha + (<usize>iUp << 2)), regularization, gradientWeight);
    const wDown = edgeWeight(a, load<f32>(alpha + (<usize>iDown << 2)), regularization, gradientWeight);
    const weightSum = wLeft + wRight + wUp + wDown;
    const a1: f32 = 1 - a;
    const m00 = a * a + weightSum;
    const m01 = a * a1;
    const m11 = a1 * a1 + weightSum;
    const inverseDeterminant: f32 = 1 / (m00 * m11 - m01 * m01);
    const c00 = m11 * inverseDeterminant;
    const c01 = -m01 * inverseDeterminant;
    const c11 = m00 * inverseDeterminant;
    const pLeft = x > 0 ? p - 16 : p;
    const pRight = <usize>iRight << 4, pUp = <usize>iUp << 4, pDown = <usize>iDown << 4;
    for (let c: usize = 0; c < 12; c += 4) {
      const colour = load<f32>(image + p + c);
      const b0 = a * colour + wRight * load<f32>(foreground + pRight + c) + wUp * load<f32>(foreground + pUp + c)
        + wDown * load<f32>(foreground + pDown + c) + wLeft * load<f32>(foreground + pLeft + c);
      const b1 = a1 * colour + wRight * load<f32>(background + pRight + c) + wUp * load<f32>(background + pUp + c)
        + wDown * load<f32>(background + pDown + c) + wLeft * load<f32>(background + pLeft + c);
      store<f32>(foreground + p + c, min<f32>(max<f32>(c00 * b0 + c01 * b1, 0), 1));
      store<f32>(background + p + c, min<f32>(max<f32>(c01 * b0 + c11 * b1, 0), 1));
    }
    wLeft = wRight;
    a = aRight;
    p += 16;
  }
}
