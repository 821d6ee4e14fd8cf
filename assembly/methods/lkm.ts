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
// The product itself is methods/lkm-product.ts.
//
// Layouts: image f64 RGB interleaved; windows (valid centres, (w - 2r) x (h - 2r)) hold 10 f64 each while
// set up: V packed [v00 v01 v02 v11 v12 v22], Vm (3), mVm; lkmSetup leaves them in the product's layout
// (WINDOW_STRIDE bytes each). Channel planes are interleaved f64.

import { storeSymmetricInverse } from "../mat3";
import { WINDOW_STRIDE } from "./lkm-product";

const WINDOW_FIELDS: i32 = 10;

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
    // Sliding sum along the row of column sums, emitted for each window: the first from the first 2r + 1
    // columns, each next one from the one before.
    const out = dst + <usize>((y - size + 1) * validWidth) * stride;
    memory.copy(out, columns, stride);
    for (let x = 1; x < size; x++) slide(out, out, columns + <usize>x * stride, 0, true, false, channels);
    for (let x = 1; x < validWidth; x++) {
      const o = out + <usize>x * stride;
      slide(o, o - stride, columns + <usize>(x + size - 1) * stride, columns + <usize>(x - 1) * stride, true, true, channels);
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
    // Pixel x sums window columns x - 2r .. x (those that exist): column x enters, column x - 2r - 1 leaves.
    const out = dst + <usize>(y * width) * stride;
    memory.copy(out, columns, stride);
    for (let x = 1; x < width; x++) {
      const o = out + <usize>x * stride;
      const leave = x >= size ? columns + <usize>(x - size) * stride : 0;
      slide(o, o - stride, columns + <usize>x * stride, leave, x < validWidth, x >= size, channels);
    }
  }
}

/** dst = prev + (enter - leave) over `count` f64; without enter or leave when not `entering` or `leaving`. */
@inline
function slide(dst: usize, prev: usize, enter: usize, leave: usize, entering: bool, leaving: bool, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 3;
      let v = v128.load(prev + o);
      if (entering && leaving) v = f64x2.add(v, f64x2.sub(v128.load(enter + o), v128.load(leave + o)));
      else if (entering) v = f64x2.add(v, v128.load(enter + o));
      else if (leaving) v = f64x2.sub(v, v128.load(leave + o));
      v128.store(dst + o, v);
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    let v = load<f64>(prev + o);
    if (entering && leaving) v += load<f64>(enter + o) - load<f64>(leave + o);
    else if (entering) v += load<f64>(enter + o);
    else if (leaving) v -= load<f64>(leave + o);
    store<f64>(dst + o, v);
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

/**
 * Bytes of scratch lkmSetup and lkmProduct need: 20 f64 per pixel, plus 10 per column (the product's colours,
 * ring of 2r + 1 window rows and two rows of column sums take at most 8 f64 per pixel and 8 per column).
 */
export function lkmScratchBytes(width: i32, height: i32): f64 {
  return <f64>(width * (2 * height + 1)) * 80.0;
}

/**
 * Window quantities V, Vm, mVm into `windows` (WINDOW_STRIDE bytes per window), the Laplacian's diagonal into
 * `diagonal` (f64 per pixel):
 *   L_ii = sum_{k ∋ i} (1 - mVm_k) + I_i . (2 sum_k Vm_k - (sum_k V_k) I_i),
 * and the colours [r g b 1] (32 bytes per pixel) the product reads into the start of `scratch`.
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
    // The planes are spent: the colours go over them.
    const c = scratch + (<usize>i << 5);
    store<f64>(c, r); store<f64>(c, g, 8); store<f64>(c, b, 16); store<f64>(c, 1.0, 24);
  }
  toProductLayout(windows, count);
}

/**
 * From [v00 v01 v02 v11 v12 v22 vr vg vb mVm] (80 bytes per window) to the product's
 * [v00 v01 v11 v02 v12 v22 -vb vb -mVm vr vg] (WINDOW_STRIDE bytes), in place: from the last window to the
 * first, as window k's new place starts at or after its old one, past every earlier window's.
 */
function toProductLayout(windows: usize, count: i32): void {
  for (let k = count - 1; k >= 0; k--) {
    const w = windows + <usize>k * 80, v = windows + <usize>k * WINDOW_STRIDE;
    const v00 = load<f64>(w), v01 = load<f64>(w, 8), v02 = load<f64>(w, 16), v11 = load<f64>(w, 24), v12 = load<f64>(w, 32);
    const v22 = load<f64>(w, 40), vr = load<f64>(w, 48), vg = load<f64>(w, 56), vb = load<f64>(w, 64), mVm = load<f64>(w, 72);
    store<f64>(v, v00); store<f64>(v, v01, 8); store<f64>(v, v11, 16); store<f64>(v, v02, 24); store<f64>(v, v12, 32);
    store<f64>(v, v22, 40); store<f64>(v, -vb, 48); store<f64>(v, vb, 56); store<f64>(v, -mVm, 64);
    store<f64>(v, vr, 72); store<f64>(v, vg, 80);
  }
}

/** index[i] = i: every pixel is a row of the large-kernel system. */
export function indexAllPixels(pixels: i32, index: usize): void {
  for (let i = 0; i < pixels; i++) store<i32>(index + (<usize>i << 2), i);
}
