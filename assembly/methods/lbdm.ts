// Learning-based digital matting (Zheng and Kambhamettu 2009) as pymatting 1.1.15 builds it: in every
// window w_k of (2r+1)^2 pixels wholly inside the image, alpha is predicted from the features
// x_a = [I_a; 1] by ridge regression (eq. 5-7); with X the window's feature rows and K = X X^T,
//   F = (K + eps I)^-1 K,   L_k = (I - F)(I - F)^T,   L = sum_k L_k (spread onto the window's pixels).
// By Woodbury, I - F = I - P with P = X (X^T X + eps I)^-1 X^T, a 4x4 instead of a 9x9 inverse. Splitting
// off the constant feature (block inverse over its Schur complement), with n' = |w| + eps, m = sum_a I_a / n'
// and d_a = I_a - m:
//   P_ab = d_a^T S^-1 d_b + 1 / n',   S = sum_a d_a d_a^T + eps (I + m m^T),
// where S comes from centred colours, so flat windows lose no precision (as in closed-form matting).
// Then L_k = I - 2P + P^2; P is close to but not a projection (eps), and pymatting keeps the square.
//
// Rows go to the stencil layout of assembly/stencil.ts (layout radius r: pixels sharing a window are at
// most 2r apart) with pymatting's penalty (methods/penalty.ts): A = L + lambda C, b = lambda [fg], over
// the free pixels; fixed neighbours move to the right-hand side.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";
import { storeSymmetricInverse } from "../mat3";

/** Bytes of scratch lbdmStencil needs for windows of radius r. */
export function lbdmScratchBytes(radius: i32): i32 {
  const area = (2 * radius + 1) * (2 * radius + 1);
  return (2 * area * area + 6 * area + 8) * 8;
}

/** Columns (free neighbours sharing a window, else the dummy), zero values, diagonal lambda c_i, rhs lambda [fg]. */
function initialiseRows(
  labels: usize, freeIndex: usize, width: i32, height: i32, rows: i32, radius: i32, lambda: f64,
  columns: usize, values: usize, diagonal: usize, rhs: usize
): void {
  const reach = 2 * radius;
  const span = 2 * reach + 1;
  const half = (span * span - 1) >> 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = <usize>(y * width + x);
      const row = load<i32>(freeIndex + (i << 2));
      if (row < 0) continue;
      const label = load<u8>(labels + i);
      store<f64>(diagonal + (<usize>row << 3), label == LABEL_UNKNOWN ? 0.0 : lambda);
      store<f64>(rhs + (<usize>row << 3), label == LABEL_FOREGROUND ? lambda : 0.0);
      for (let s = 0; s < half; s++) {
        const position = reach * span + reach + s + 1; // upper offsets follow the centre in raster order
        const jx = x + position % span - reach, jy = y + position / span - reach;
        let column = rows;
        if (jx >= 0 && jx < width && jy < height && shareWindowAxis(x, jx, width, radius) && shareWindowAxis(y, jy, height, radius)) {
          const other = load<i32>(freeIndex + (<usize>(jy * width + jx) << 2));
          if (other >= 0) column = other;
        }
        const o = <usize>(row * half + s);
        store<i32>(columns + (o << 2), column);
        store<f64>(values + (o << 3), 0);
      }
    }
  }
  store<f64>(rhs + (<usize>rows << 3), 0);
}

// Pixels a and b share a window along one axis when some centre in [r, extent - 1 - r] lies within r of both.
@inline
function shareWindowAxis(a: i32, b: i32, extent: i32, radius: i32): bool {
  return max(max(a, b) - radius, radius) <= min(min(a, b) + radius, extent - 1 - radius);
}

/**
 * L_k of the window centred at (cx, cy) into `local` (area x area, row-major). Scratch: `lbdmScratchBytes`
 * minus the area^2 of `local`.
 */
function windowMatrix(image: usize, width: i32, cx: i32, cy: i32, radius: i32, epsilon: f64, local: usize, scratch: usize): void {
  const size = 2 * radius + 1;
  const area = size * size;
  const nPrime = <f64>area + epsilon;
  const centred = scratch; // d_a, 3 per pixel
  const solved = scratch + (<usize>(3 * area) << 3); // S^-1 d_a
  const inverse = solved + (<usize>(3 * area) << 3); // S^-1, packed
  const base = inverse + 64; // I - P
  let sr = 0.0, sg = 0.0, sb = 0.0;
  for (let k = 0; k < area; k++) {
    const p = image + <usize>((cy - radius + k / size) * width + cx - radius + k % size) * 24;
    sr += load<f64>(p); sg += load<f64>(p, 8); sb += load<f64>(p, 16);
  }
  const mr = sr / nPrime, mg = sg / nPrime, mb = sb / nPrime;
  let c00 = epsilon * (1 + mr * mr), c01 = epsilon * mr * mg, c02 = epsilon * mr * mb;
  let c11 = epsilon * (1 + mg * mg), c12 = epsilon * mg * mb, c22 = epsilon * (1 + mb * mb);
  for (let k = 0; k < area; k++) {
    const p = image + <usize>((cy - radius + k / size) * width + cx - radius + k % size) * 24;
    const dr = load<f64>(p) - mr, dg = load<f64>(p, 8) - mg, db = load<f64>(p, 16) - mb;
    const d = centred + (<usize>(3 * k) << 3);
    store<f64>(d, dr);
    store<f64>(d, dg, 8);
    store<f64>(d, db, 16);
    c00 += dr * dr; c01 += dr * dg; c02 += dr * db;
    c11 += dg * dg; c12 += dg * db; c22 += db * db;
  }
  storeSymmetricInverse(c00, c01, c02, c11, c12, c22, inverse);
  const a00 = load<f64>(inverse), a01 = load<f64>(inverse, 8), a02 = load<f64>(inverse, 16);
  const a11 = load<f64>(inverse, 24), a12 = load<f64>(inverse, 32), a22 = load<f64>(inverse, 40);
  for (let k = 0; k < area; k++) {
    const d = centred + (<usize>(3 * k) << 3), s = solved + (<usize>(3 * k) << 3);
    const dr = load<f64>(d), dg = load<f64>(d, 8), db = load<f64>(d, 16);
    store<f64>(s, a00 * dr + a01 * dg + a02 * db);
    store<f64>(s, a01 * dr + a11 * dg + a12 * db, 8);
    store<f64>(s, a02 * dr + a12 * dg + a22 * db, 16);
  }
  const constant = 1.0 / nPrime;
  for (let a = 0; a < area; a++) {
    const s = solved + (<usize>(3 * a) << 3);
    const yr = load<f64>(s), yg = load<f64>(s, 8), yb = load<f64>(s, 16);
    for (let b = a; b < area; b++) {
      const d = centred + (<usize>(3 * b) << 3);
      const p = yr * load<f64>(d) + yg * load<f64>(d, 8) + yb * load<f64>(d, 16) + constant;
      const v = (a == b ? 1.0 : 0.0) - p;
      store<f64>(base + (<usize>(a * area + b) << 3), v);
      store<f64>(base + (<usize>(b * area + a) << 3), v);
    }
  }
  // (I - P)^2, symmetric: rows of `base` dotted with rows of `base`.
  for (let a = 0; a < area; a++) {
    const rowA = base + (<usize>(a * area) << 3);
    for (let b = a; b < area; b++) {
      const rowB = base + (<usize>(b * area) << 3);
      let sum = 0.0;
      for (let c = 0; c < area; c++) sum += load<f64>(rowA + (<usize>c << 3)) * load<f64>(rowB + (<usize>c << 3));
      store<f64>(local + (<usize>(a * area + b) << 3), sum);
      store<f64>(local + (<usize>(b * area + a) << 3), sum);
    }
  }
}

/** Whether any pixel of the window centred at (cx, cy) is free. */
function touchesFree(freeIndex: usize, width: i32, cx: i32, cy: i32, radius: i32): bool {
  for (let y = cy - radius; y <= cy + radius; y++) {
    for (let x = cx - radius; x <= cx + radius; x++) {
      if (load<i32>(freeIndex + (<usize>(y * width + x) << 2)) >= 0) return true;
    }
  }
  return false;
}

/**
 * Rows of A and b for the free pixels (freeIndex >= 0, see methods/penalty.ts; every pixel sharing a window
 * with an unknown one must be free) in the stencil layout of layout radius `radius`; rhs holds rows + 1 entries.
 */
export function lbdmStencil(
  image: usize, labels: usize, freeIndex: usize, width: i32, height: i32, rows: i32, radius: i32, epsilon: f64, lambda: f64,
  columns: usize, values: usize, diagonal: usize, rhs: usize, scratch: usize
): void {
  initialiseRows(labels, freeIndex, width, height, rows, radius, lambda, columns, values, diagonal, rhs);
  const size = 2 * radius + 1;
  const area = size * size;
  const span = 4 * radius + 1;
  const half = (span * span - 1) >> 1;
  const local = scratch;
  const windowScratch = scratch + (<usize>(area * area) << 3);
  for (let cy = radius; cy < height - radius; cy++) {
    for (let cx = radius; cx < width - radius; cx++) {
      if (!touchesFree(freeIndex, width, cx, cy, radius)) continue;
      windowMatrix(image, width, cx, cy, radius, epsilon, local, windowScratch);
      for (let a = 0; a < area; a++) {
        const ax = cx - radius + a % size, ay = cy - radius + a / size;
        const i = <usize>(ay * width + ax);
        const rowA = load<i32>(freeIndex + (i << 2));
        for (let b = a; b < area; b++) {
          const entry = load<f64>(local + (<usize>(a * area + b) << 3));
          const bx = cx - radius + b % size, by = cy - radius + b / size;
          const j = <usize>(by * width + bx);
          const rowB = load<i32>(freeIndex + (j << 2));
          if (a == b) {
            if (rowA >= 0) store<f64>(diagonal + (<usize>rowA << 3), load<f64>(diagonal + (<usize>rowA << 3)) + entry);
          } else if (rowA >= 0 && rowB >= 0) {
            // b follows a in raster order: an upper offset of row a, slot dy * span + dx - 1.
            const o = <usize>(rowA * half + (by - ay) * span + (bx - ax) - 1);
            store<f64>(values + (o << 3), load<f64>(values + (o << 3)) + entry);
          } else if (rowA >= 0) {
            if (load<u8>(labels + j) == LABEL_FOREGROUND) store<f64>(rhs + (<usize>rowA << 3), load<f64>(rhs + (<usize>rowA << 3)) - entry);
          } else if (rowB >= 0) {
            if (load<u8>(labels + i) == LABEL_FOREGROUND) store<f64>(rhs + (<usize>rowB << 3), load<f64>(rhs + (<usize>rowB << 3)) - entry);
          }
        }
      }
    }
  }
}
