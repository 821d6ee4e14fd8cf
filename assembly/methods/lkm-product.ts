// The large-kernel product (L + diag(penalty)) p of methods/lkm.ts in one sweep down the image. The formula
// (He et al. 2010, eq. 11-13, as methods/lkm.ts writes it):
//   (L p)_i = c_i p_i + I_i . T_i - U_i,   T_i = sum_{k ∋ i} (P_k Vm_k - V_k Q_k),   U_i = sum_{k ∋ i} (P_k mVm_k - Q_k . Vm_k),
// with P_k, Q_k the window sums of p and p I. Both sums over windows are box filters; instead of four
// passes over whole planes (the window sums, their terms, the terms spread back, the result), each image
// row is taken once: its products p I enter running column sums, the window row that completes is summed
// along the row, its terms computed and added to a second set of column sums (the last 2r + 1 window rows'
// terms are kept in a ring so that each leaves those sums as exactly as it entered), and the pixel row
// whose windows are all in is summed along and finished. Only the ring and two rows of column sums are
// touched per row, all in cache; the windows and colours are read once. The channels are carried as two
// pairs, (Q_r, Q_g) (Q_b, P) and their terms (T_r, T_g) (T_b, -U), f64x2 lanes in the SIMD build and the
// same lane arithmetic one value at a time in the scalar build (the two give the same bits).
//
// windows: WINDOW_STRIDE bytes per window (methods/lkm.ts's product layout):
//   [v00 v01 v11 v02 v12 v22 -vb vb -mVm vr vg], so that the lane pairs (v00 v01) (v01 v11) (v02 v12)
//   (v22 -vb) (vb -mVm) (vr vg) are adjacent.
// colours: [r g b 1] per pixel (32 bytes), at the start of the scratch, written by lkmSetup.

/** Bytes per window in the product layout (11 f64). */
export const WINDOW_STRIDE: i32 = 88;

/** How many valid window centres along an axis lie within r of coordinate a (extent pixels). */
@inline
export function windowsAlong(a: i32, extent: i32, radius: i32): i32 {
  return min(a + radius, extent - 1 - radius) - max(a - radius, radius) + 1;
}

/**
 * out = (L + diag(penalty)) p; returns p . out (summed pixel by pixel in order, for the CG's step). scratch as
 * lkmScratchBytes, holding lkmSetup's colours in its first 32 bytes per pixel; the rest is overwritten.
 */
export function lkmProduct(windows: usize, width: i32, height: i32, radius: i32, penalty: usize, p: usize, out: usize, scratch: usize): f64 {
  const size = 2 * radius + 1;
  const validWidth = width - 2 * radius, validHeight = height - 2 * radius;
  const colours = scratch;
  const ring = colours + (<usize>(width * height) << 5); // terms of the last `size` window rows
  const pixelColumns = ring + (<usize>(size * validWidth) << 5); // per image column: sums of (Q_r Q_g Q_b P)
  const windowColumns = pixelColumns + (<usize>width << 5); // per window column: sums of (T_r T_g T_b -U)
  memory.fill(pixelColumns, 0, <usize>width << 5);
  memory.fill(windowColumns, 0, <usize>validWidth << 5);
  let pq = 0.0;
  for (let y = 0; y < height; y++) {
    enterPixelRow(pixelColumns, colours, p, width, y, y >= size ? y - size : -1);
    if (y < size - 1) continue;
    const row = y - size + 1;
    const slot = ring + (<usize>((row % size) * validWidth) << 5);
    enterWindowRow(pixelColumns, windows + <usize>(row * validWidth) * WINDOW_STRIDE, slot, windowColumns, validWidth, size, row >= size);
    pq = finishPixelRow(windowColumns, colours, p, penalty, out, width, height, radius, row, pq);
  }
  // The last 2r pixel rows have all their windows in: only the oldest window rows leave.
  for (let row = validHeight; row < height; row++) {
    if (row >= size) leaveWindowRow(windowColumns, ring + (<usize>(((row - size) % size) * validWidth) << 5), validWidth);
    pq = finishPixelRow(windowColumns, colours, p, penalty, out, width, height, radius, row, pq);
  }
  return pq;
}

/** columns += p I over image row y, minus p I over row `leaving` (when >= 0). */
function enterPixelRow(columns: usize, colours: usize, p: usize, width: i32, y: i32, leaving: i32): void {
  const enter = <usize>(y * width), leave = <usize>(leaving * width);
  for (let x = 0; x < width; x++) {
    const c = columns + (<usize>x << 5);
    const i = enter + <usize>x, e = colours + (i << 5);
    const pe = load<f64>(p + (i << 3));
    if (ASC_FEATURE_SIMD) {
      const s = f64x2.splat(pe);
      let lo = f64x2.add(v128.load(c), f64x2.mul(s, v128.load(e)));
      let hi = f64x2.add(v128.load(c, 16), f64x2.mul(s, v128.load(e, 16)));
      if (leaving >= 0) {
        const j = leave + <usize>x, l = colours + (j << 5);
        const t = f64x2.splat(load<f64>(p + (j << 3)));
        lo = f64x2.sub(lo, f64x2.mul(t, v128.load(l)));
        hi = f64x2.sub(hi, f64x2.mul(t, v128.load(l, 16)));
      }
      v128.store(c, lo);
      v128.store(c, hi, 16);
    } else {
      let a = load<f64>(c) + pe * load<f64>(e), b = load<f64>(c, 8) + pe * load<f64>(e, 8);
      let d = load<f64>(c, 16) + pe * load<f64>(e, 16), f = load<f64>(c, 24) + pe * load<f64>(e, 24);
      if (leaving >= 0) {
        const j = leave + <usize>x, l = colours + (j << 5);
        const t = load<f64>(p + (j << 3));
        a -= t * load<f64>(l); b -= t * load<f64>(l, 8); d -= t * load<f64>(l, 16); f -= t * load<f64>(l, 24);
      }
      store<f64>(c, a); store<f64>(c, b, 8); store<f64>(c, d, 16); store<f64>(c, f, 24);
    }
  }
}

/**
 * Sums the image columns along the row into each window's (Q, P), computes its terms into the ring slot and
 * adds them to the window columns, less the slot's old terms when `replacing` (the window row `size` above).
 */
function enterWindowRow(pixelColumns: usize, windows: usize, slot: usize, columns: usize, validWidth: i32, size: i32, replacing: bool): void {
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (let x = 0; x < size; x++) {
      lo = f64x2.add(lo, v128.load(pixelColumns + (<usize>x << 5)));
      hi = f64x2.add(hi, v128.load(pixelColumns + (<usize>x << 5), 16));
    }
    for (let x = 0; x < validWidth; x++) {
      if (x > 0) {
        const a = pixelColumns + (<usize>(x + size - 1) << 5), b = pixelColumns + (<usize>(x - 1) << 5);
        lo = f64x2.add(lo, f64x2.sub(v128.load(a), v128.load(b)));
        hi = f64x2.add(hi, f64x2.sub(v128.load(a, 16), v128.load(b, 16)));
      }
      const w = windows + <usize>x * WINDOW_STRIDE;
      const total = v128.shuffle<f64>(hi, hi, 1, 1), qr = v128.shuffle<f64>(lo, lo, 0, 0);
      const qg = v128.shuffle<f64>(lo, lo, 1, 1), qb = v128.shuffle<f64>(hi, hi, 0, 0);
      const d = v128.load(w, 24), negativeVm = f64x2.neg(v128.load(w, 72));
      // (T_r, T_g) = P (vr, vg) - Q_r (v00, v01) - Q_g (v01, v11) - Q_b (v02, v12)
      const termsLo = f64x2.sub(f64x2.sub(f64x2.sub(f64x2.mul(total, v128.load(w, 72)),
        f64x2.mul(qr, v128.load(w))), f64x2.mul(qg, v128.load(w, 8))), f64x2.mul(qb, d));
      // (T_b, -U) = P (vb, -mVm) - Q_r (v02, -vr) - Q_g (v12, -vg) - Q_b (v22, -vb)
      const termsHi = f64x2.sub(f64x2.sub(f64x2.sub(f64x2.mul(total, v128.load(w, 56)),
        f64x2.mul(qr, v128.shuffle<f64>(d, negativeVm, 0, 2))), f64x2.mul(qg, v128.shuffle<f64>(d, negativeVm, 1, 3))),
        f64x2.mul(qb, v128.load(w, 40)));
      const s = slot + (<usize>x << 5), c = columns + (<usize>x << 5);
      if (replacing) {
        v128.store(c, f64x2.add(v128.load(c), f64x2.sub(termsLo, v128.load(s))));
        v128.store(c, f64x2.add(v128.load(c, 16), f64x2.sub(termsHi, v128.load(s, 16))), 16);
      } else {
        v128.store(c, f64x2.add(v128.load(c), termsLo));
        v128.store(c, f64x2.add(v128.load(c, 16), termsHi), 16);
      }
      v128.store(s, termsLo);
      v128.store(s, termsHi, 16);
    }
  } else {
    let qr = 0.0, qg = 0.0, qb = 0.0, total = 0.0;
    for (let x = 0; x < size; x++) {
      const a = pixelColumns + (<usize>x << 5);
      qr += load<f64>(a); qg += load<f64>(a, 8); qb += load<f64>(a, 16); total += load<f64>(a, 24);
    }
    for (let x = 0; x < validWidth; x++) {
      if (x > 0) {
        const a = pixelColumns + (<usize>(x + size - 1) << 5), b = pixelColumns + (<usize>(x - 1) << 5);
        qr += load<f64>(a) - load<f64>(b); qg += load<f64>(a, 8) - load<f64>(b, 8);
        qb += load<f64>(a, 16) - load<f64>(b, 16); total += load<f64>(a, 24) - load<f64>(b, 24);
      }
      const w = windows + <usize>x * WINDOW_STRIDE;
      const v00 = load<f64>(w), v01 = load<f64>(w, 8), v11 = load<f64>(w, 16), v02 = load<f64>(w, 24), v12 = load<f64>(w, 32);
      const v22 = load<f64>(w, 40), negativeVb = load<f64>(w, 48), vb = load<f64>(w, 56), negativeMvm = load<f64>(w, 64);
      const vr = load<f64>(w, 72), vg = load<f64>(w, 80);
      const tr = total * vr - qr * v00 - qg * v01 - qb * v02;
      const tg = total * vg - qr * v01 - qg * v11 - qb * v12;
      const tb = total * vb - qr * v02 - qg * v12 - qb * v22;
      const tu = total * negativeMvm - qr * -vr - qg * -vg - qb * negativeVb;
      const s = slot + (<usize>x << 5), c = columns + (<usize>x << 5);
      if (replacing) {
        store<f64>(c, load<f64>(c) + (tr - load<f64>(s)));
        store<f64>(c, load<f64>(c, 8) + (tg - load<f64>(s, 8)), 8);
        store<f64>(c, load<f64>(c, 16) + (tb - load<f64>(s, 16)), 16);
        store<f64>(c, load<f64>(c, 24) + (tu - load<f64>(s, 24)), 24);
      } else {
        store<f64>(c, load<f64>(c) + tr); store<f64>(c, load<f64>(c, 8) + tg, 8);
        store<f64>(c, load<f64>(c, 16) + tb, 16); store<f64>(c, load<f64>(c, 24) + tu, 24);
      }
      store<f64>(s, tr); store<f64>(s, tg, 8); store<f64>(s, tb, 16); store<f64>(s, tu, 24);
    }
  }
}

/** columns -= the ring slot's terms (a window row leaving once no new one enters). */
function leaveWindowRow(columns: usize, slot: usize, validWidth: i32): void {
  const count = validWidth << 2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i < count; i += 2) {
      const o = <usize>i << 3;
      v128.store(columns + o, f64x2.sub(v128.load(columns + o), v128.load(slot + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(columns + o, load<f64>(columns + o) - load<f64>(slot + o));
  }
}

/**
 * Pixel row `row`: the window columns summed along the row over the windows holding each pixel (window
 * columns x - 2r .. x that exist) give (T, -U); out = (c_i + penalty_i) p_i + I_i . T_i - U_i. Returns
 * pq + the row's p_i out_i.
 */
function finishPixelRow(
  columns: usize, colours: usize, p: usize, penalty: usize, out: usize, width: i32, height: i32, radius: i32, row: i32, pq: f64,
): f64 {
  const size = 2 * radius + 1, validWidth = width - 2 * radius;
  const along = windowsAlong(row, height, radius);
  const start = <usize>(row * width);
  // Window column x enters at pixel x (while x < validWidth) and leaves at pixel x + size.
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (let x = 0; x < width; x++) {
      if (x < validWidth) {
        const a = columns + (<usize>x << 5);
        if (x >= size) {
          const b = columns + (<usize>(x - size) << 5);
          lo = f64x2.add(lo, f64x2.sub(v128.load(a), v128.load(b)));
          hi = f64x2.add(hi, f64x2.sub(v128.load(a, 16), v128.load(b, 16)));
        } else {
          lo = f64x2.add(lo, v128.load(a));
          hi = f64x2.add(hi, v128.load(a, 16));
        }
      } else if (x >= size) {
        const b = columns + (<usize>(x - size) << 5);
        lo = f64x2.sub(lo, v128.load(b));
        hi = f64x2.sub(hi, v128.load(b, 16));
      }
      const i = start + <usize>x, e = colours + (i << 5);
      const v = f64x2.add(f64x2.mul(v128.load(e), lo), f64x2.mul(v128.load(e, 16), hi));
      const diagonal = <f64>(along * windowsAlong(x, width, radius)) + load<f64>(penalty + (i << 3));
      const pi = load<f64>(p + (i << 3));
      const result = diagonal * pi + (f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1));
      store<f64>(out + (i << 3), result);
      pq += pi * result;
    }
  } else {
    let tr = 0.0, tg = 0.0, tb = 0.0, tu = 0.0;
    for (let x = 0; x < width; x++) {
      if (x < validWidth) {
        const a = columns + (<usize>x << 5);
        if (x >= size) {
          const b = columns + (<usize>(x - size) << 5);
          tr += load<f64>(a) - load<f64>(b); tg += load<f64>(a, 8) - load<f64>(b, 8);
          tb += load<f64>(a, 16) - load<f64>(b, 16); tu += load<f64>(a, 24) - load<f64>(b, 24);
        } else {
          tr += load<f64>(a); tg += load<f64>(a, 8); tb += load<f64>(a, 16); tu += load<f64>(a, 24);
        }
      } else if (x >= size) {
        const b = columns + (<usize>(x - size) << 5);
        tr -= load<f64>(b); tg -= load<f64>(b, 8); tb -= load<f64>(b, 16); tu -= load<f64>(b, 24);
      }
      const i = start + <usize>x, e = colours + (i << 5);
      const first = load<f64>(e) * tr + load<f64>(e, 16) * tb, second = load<f64>(e, 8) * tg + load<f64>(e, 24) * tu;
      const diagonal = <f64>(along * windowsAlong(x, width, radius)) + load<f64>(penalty + (i << 3));
      const pi = load<f64>(p + (i << 3));
      const result = diagonal * pi + (first + second);
      store<f64>(out + (i << 3), result);
      pq += pi * result;
    }
  }
  return pq;
}
