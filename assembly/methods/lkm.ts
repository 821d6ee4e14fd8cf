// Large-kernel matting (He, Sun, Tang 2010) as pymatting 1.1.15 computes it: the closed-form matting
// Laplacian with windows of radius r (default 10) wholly inside the image, never formed. For the windows
// w_k, with mean mu_k, covariance Sigma_k and |w| pixels (He et al., eq. 11-13):
//   V_k = (Sigma_k + eps / |w| I)^-1 / |w|,   Vm_k = V_k mu_k,   mVm_k = 1 / |w| + mu_k . Vm_k,
//   (L p)_i = c_i p_i + I_i . sum_{k ∋ i} (P_k Vm_k - V_k Q_k) - sum_{k ∋ i} (P_k mVm_k - Q_k . Vm_k),
// where P_k = sum_{j in w_k} p_j, Q_k = sum_{j in w_k} p_j I_j and c_i counts the windows holding i.
// Both sums over windows are box filters, O(1) per pixel whatever r. pymatting's system is
// A = L + lambda C over all pixels (methods/penalty.ts); with r = 10 the Laplacian's diagonal (about |w|)
// outweighs lambda, so every pixel is solved for.
//
// Layouts: image f64 RGB interleaved; windows (valid centres, (w - 2r) x (h - 2r)) hold 10 f64 each:
// V packed [v00 v01 v02 v11 v12 v22], Vm (3), mVm. Channel planes are interleaved f64.

import { storeSymmetricInverse } from "../mat3";

const WINDOW_FIELDS: i32 = 10;

/** How many valid window centres along an axis lie within r of coordinate a (extent pixels). */
@inline
function windowsAlong(a: i32, extent: i32, radius: i32): i32 {
  return min(a + radius, extent - 1 - radius) - max(a - radius, radius) + 1;
}

/**
 * dst[k] = sum of src over the window of side 2r + 1 whose top-left pixel is k, for the (w - 2r) x (h - 2r)
 * windows inside the image; `channels` f64 per element. `columns` holds channels f64 per image column.
 */
export function boxValid(src: usize, channels: i32, width: i32, height: i32, radius: i32, columns: usize, dst: usize): void {
  const size = 2 * radius + 1;
  const validWidth = width - 2 * radius;
  const stride = <usize>channels << 3;
  const rowBytes = <usize>(width * channels) << 3;
  memory.fill(columns, 0, rowBytes);
  for (let y = 0; y < height; y++) {
    addRows(columns, src + <usize>y * rowBytes, width * channels, 1.0);
    if (y < size - 1) continue;
    // Sliding sum along the row of column sums, emitted for each window.
    const out = dst + <usize>((y - size + 1) * validWidth) * stride;
    for (let c = 0; c < channels; c++) {
      const offset = <usize>c << 3;
      let sum = 0.0;
      for (let x = 0; x < size - 1; x++) sum += load<f64>(columns + <usize>x * stride + offset);
      for (let x = size - 1; x < width; x++) {
        sum += load<f64>(columns + <usize>x * stride + offset);
        store<f64>(out + <usize>(x - size + 1) * stride + offset, sum);
        sum -= load<f64>(columns + <usize>(x - size + 1) * stride + offset);
      }
    }
    addRows(columns, src + <usize>(y - size + 1) * rowBytes, width * channels, -1.0);
  }
}

/**
 * The adjoint of boxValid: dst[i] = sum of src over the valid windows holding pixel i (w x h pixels from
 * (w - 2r) x (h - 2r) windows). `columns` holds channels f64 per window column.
 */
export function boxFull(src: usize, channels: i32, width: i32, height: i32, radius: i32, columns: usize, dst: usize): void {
  const size = 2 * radius + 1;
  const validWidth = width - 2 * radius, validHeight = height - 2 * radius;
  const stride = <usize>channels << 3;
  const validRowBytes = <usize>(validWidth * channels) << 3;
  memory.fill(columns, 0, validRowBytes);
  for (let y = 0; y < height; y++) {
    // columns = sum of window rows y - 2r .. y (those that exist).
    if (y < validHeight) addRows(columns, src + <usize>y * validRowBytes, validWidth * channels, 1.0);
    if (y >= size) addRows(columns, src + <usize>(y - size) * validRowBytes, validWidth * channels, -1.0);
    const out = dst + <usize>(y * width) * stride;
    for (let c = 0; c < channels; c++) {
      const offset = <usize>c << 3;
      let sum = 0.0;
      for (let x = 0; x < width; x++) {
        if (x < validWidth) sum += load<f64>(columns + <usize>x * stride + offset);
        if (x >= size) sum -= load<f64>(columns + <usize>(x - size) * stride + offset);
        store<f64>(out + <usize>x * stride + offset, sum);
      }
    }
  }
}

/** a += sign * b over `count` f64. */
@inline
function addRows(a: usize, b: usize, count: i32, sign: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const s = f64x2.splat(sign);
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 3;
      v128.store(a + o, f64x2.add(v128.load(a + o), f64x2.mul(s, v128.load(b + o))));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(a + o, load<f64>(a + o) + sign * load<f64>(b + o));
  }
}

/** Bytes of scratch lkmSetup and lkmProduct need: 20 f64 per pixel, plus 10 per column. */
export function lkmScratchBytes(width: i32, height: i32): f64 {
  return <f64>(width * (2 * height + 1)) * 80.0;
}

/**
 * Window quantities V, Vm, mVm into `windows`, and the Laplacian's diagonal into `diagonal` (f64 per pixel):
 *   L_ii = sum_{k ∋ i} (1 - mVm_k) + I_i . (2 sum_k Vm_k - (sum_k V_k) I_i).
 */
export function lkmSetup(image: usize, width: i32, height: i32, radius: i32, epsilon: f64, windows: usize, diagonal: usize, scratch: usize): void {
  const pixels = width * height;
  const size = 2 * radius + 1;
  const area = <f64>(size * size);
  const invArea = 1.0 / area;
  const regulariser = epsilon * invArea;
  const count = (width - 2 * radius) * (height - 2 * radius);
  // Channels per pixel: r, g, b, rr, rg, rb, gg, gb, bb (10th unused, keeping the stride of the windows).
  const planes = scratch;
  const spread = scratch + <usize>pixels * 80;
  const columns = spread + <usize>pixels * 80;
  for (let i = 0; i < pixels; i++) {
    const p = image + <usize>i * 24, q = planes + <usize>i * 80;
    const r = load<f64>(p), g = load<f64>(p, 8), b = load<f64>(p, 16);
    store<f64>(q, r); store<f64>(q, g, 8); store<f64>(q, b, 16);
    store<f64>(q, r * r, 24); store<f64>(q, r * g, 32); store<f64>(q, r * b, 40);
    store<f64>(q, g * g, 48); store<f64>(q, g * b, 56); store<f64>(q, b * b, 64); store<f64>(q, 0, 72);
  }
  boxValid(planes, WINDOW_FIELDS, width, height, radius, columns, windows);
  for (let k = 0; k < count; k++) {
    const w = windows + <usize>k * 80;
    const mr = load<f64>(w) * invArea, mg = load<f64>(w, 8) * invArea, mb = load<f64>(w, 16) * invArea;
    storeSymmetricInverse(
      load<f64>(w, 24) * invArea - mr * mr + regulariser, load<f64>(w, 32) * invArea - mr * mg, load<f64>(w, 40) * invArea - mr * mb,
      load<f64>(w, 48) * invArea - mg * mg + regulariser, load<f64>(w, 56) * invArea - mg * mb,
      load<f64>(w, 64) * invArea - mb * mb + regulariser,
      w
    );
    const v00 = load<f64>(w) * invArea, v01 = load<f64>(w, 8) * invArea, v02 = load<f64>(w, 16) * invArea;
    const v11 = load<f64>(w, 24) * invArea, v12 = load<f64>(w, 32) * invArea, v22 = load<f64>(w, 40) * invArea;
    const vr = v00 * mr + v01 * mg + v02 * mb;
    const vg = v01 * mr + v11 * mg + v12 * mb;
    const vb = v02 * mr + v12 * mg + v22 * mb;
    store<f64>(w, v00); store<f64>(w, v01, 8); store<f64>(w, v02, 16);
    store<f64>(w, v11, 24); store<f64>(w, v12, 32); store<f64>(w, v22, 40);
    store<f64>(w, vr, 48); store<f64>(w, vg, 56); store<f64>(w, vb, 64);
    store<f64>(w, invArea + mr * vr + mg * vg + mb * vb, 72);
  }
  // The diagonal from the windows' sums: spread V (6), Vm (3) and 1 - mVm to the pixels.
  for (let k = 0; k < count; k++) {
    const w = windows + <usize>k * 80, q = planes + <usize>k * 80;
    memory.copy(q, w, 72);
    store<f64>(q, 1.0 - load<f64>(w, 72), 72);
  }
  boxFull(planes, WINDOW_FIELDS, width, height, radius, columns, spread);
  for (let i = 0; i < pixels; i++) {
    const p = image + <usize>i * 24, s = spread + <usize>i * 80;
    const r = load<f64>(p), g = load<f64>(p, 8), b = load<f64>(p, 16);
    const vIr = load<f64>(s) * r + load<f64>(s, 8) * g + load<f64>(s, 16) * b;
    const vIg = load<f64>(s, 8) * r + load<f64>(s, 24) * g + load<f64>(s, 32) * b;
    const vIb = load<f64>(s, 16) * r + load<f64>(s, 32) * g + load<f64>(s, 40) * b;
    const value = load<f64>(s, 72)
      + r * (2.0 * load<f64>(s, 48) - vIr) + g * (2.0 * load<f64>(s, 56) - vIg) + b * (2.0 * load<f64>(s, 64) - vIb);
    store<f64>(diagonal + (<usize>i << 3), value);
  }
}

/**
 * out = (L + diag(penalty)) p, the operator of pymatting's large-kernel system (penalty = lambda on known
 * pixels, 0 elsewhere). Scratch as lkmScratchBytes.
 */
export function lkmProduct(
  image: usize, windows: usize, width: i32, height: i32, radius: i32, penalty: usize, p: usize, out: usize, scratch: usize
): void {
  const pixels = width * height;
  const count = (width - 2 * radius) * (height - 2 * radius);
  const planes = scratch; // [p, p r, p g, p b] per pixel, later the windows' values spread to the pixels
  const sums = scratch + <usize>pixels * 32; // per window: [P, Q] then the two bracketed terms
  const columns = sums + <usize>count * 32;
  for (let i = 0; i < pixels; i++) {
    const value = load<f64>(p + (<usize>i << 3));
    const pixel = image + <usize>i * 24, q = planes + (<usize>i << 5);
    store<f64>(q, value);
    store<f64>(q, value * load<f64>(pixel), 8);
    store<f64>(q, value * load<f64>(pixel, 8), 16);
    store<f64>(q, value * load<f64>(pixel, 16), 24);
  }
  boxValid(planes, 4, width, height, radius, columns, sums);
  for (let k = 0; k < count; k++) {
    const w = windows + <usize>k * 80, s = sums + (<usize>k << 5);
    const total = load<f64>(s), qr = load<f64>(s, 8), qg = load<f64>(s, 16), qb = load<f64>(s, 24);
    const v00 = load<f64>(w), v01 = load<f64>(w, 8), v02 = load<f64>(w, 16);
    const v11 = load<f64>(w, 24), v12 = load<f64>(w, 32), v22 = load<f64>(w, 40);
    const vr = load<f64>(w, 48), vg = load<f64>(w, 56), vb = load<f64>(w, 64);
    store<f64>(s, total * vr - (v00 * qr + v01 * qg + v02 * qb));
    store<f64>(s, total * vg - (v01 * qr + v11 * qg + v12 * qb), 8);
    store<f64>(s, total * vb - (v02 * qr + v12 * qg + v22 * qb), 16);
    store<f64>(s, total * load<f64>(w, 72) - (qr * vr + qg * vg + qb * vb), 24);
  }
  boxFull(sums, 4, width, height, radius, columns, planes);
  for (let y = 0; y < height; y++) {
    const along = windowsAlong(y, height, radius);
    for (let x = 0; x < width; x++) {
      const i = <usize>(y * width + x);
      const pixel = image + i * 24, s = planes + (i << 5);
      const value = load<f64>(p + (i << 3));
      const result = (<f64>(along * windowsAlong(x, width, radius)) + load<f64>(penalty + (i << 3))) * value
        + load<f64>(pixel) * load<f64>(s) + load<f64>(pixel, 8) * load<f64>(s, 8) + load<f64>(pixel, 16) * load<f64>(s, 16)
        - load<f64>(s, 24);
      store<f64>(out + (i << 3), result);
    }
  }
}

/** index[i] = i: every pixel is a row of the large-kernel system. */
export function indexAllPixels(pixels: i32, index: usize): void {
  for (let i = 0; i < pixels; i++) store<i32>(index + (<usize>i << 2), i);
}
