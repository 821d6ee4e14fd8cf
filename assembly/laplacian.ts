// The matting Laplacian of Levin et al. 2008 (eq. 12), restricted to the unknown pixels:
//   L_ij = sum over windows k holding i and j of
//          delta_ij - (1 + (I_i - mu_k)^T (Sigma_k + epsilon/|w| I)^-1 (I_j - mu_k)) / |w|
// Rows and columns exist for unknown pixels only (CSR, columns ascending). A known neighbour j
// moves to the right-hand side: b_i = -sum over foreground j of L_ij (alpha_j = 1; background adds 0),
// so the solve L_UU alpha_U = b honours the trimap exactly.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "./convert";

/** unknownIndex[i] = rank of pixel i among the unknown pixels in raster order, or -1. Returns the count. */
export function indexUnknowns(labels: usize, pixels: i32, unknownIndex: usize): i32 {
  let count = 0;
  for (let i = 0; i < pixels; i++) {
    const isUnknown = load<u8>(labels + <usize>i) == LABEL_UNKNOWN;
    store<i32>(unknownIndex + (<usize>i << 2), isUnknown ? count : -1);
    count += <i32>isUnknown;
  }
  return count;
}

// Window centres run over [radius, extent - 1 - radius]. Pixels a and b share a window along one axis
// when some centre lies within radius of both.
@inline
function shareWindowAxis(a: i32, b: i32, extent: i32, radius: i32): bool {
  const low = max(max(a, b) - radius, radius);
  const high = min(min(a, b) + radius, extent - 1 - radius);
  return low <= high;
}

/**
 * rowStart[u] for every unknown row u (U + 1 entries, rowStart[0] = 0): one entry per unknown
 * neighbour that shares a window with the row's pixel, the diagonal included. Returns the nonzero count.
 */
export function laplacianRowStarts(
  labels: usize, width: i32, height: i32, radius: i32, rowStart: usize
): i32 {
  const reach = 2 * radius;
  let nonzeros = 0;
  let row = 0;
  store<i32>(rowStart, 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (load<u8>(labels + <usize>(y * width + x)) != LABEL_UNKNOWN) continue;
      for (let jy = max(y - reach, 0); jy <= min(y + reach, height - 1); jy++) {
        if (!shareWindowAxis(y, jy, height, radius)) continue;
        for (let jx = max(x - reach, 0); jx <= min(x + reach, width - 1); jx++) {
          if (!shareWindowAxis(x, jx, width, radius)) continue;
          if (load<u8>(labels + <usize>(jy * width + jx)) == LABEL_UNKNOWN) nonzeros++;
        }
      }
      row++;
      store<i32>(rowStart + (<usize>row << 2), nonzeros);
    }
  }
  return nonzeros;
}

/**
 * Fills columns (i32), values (f64), rhs (f64, one per row) and diagonal (f64, one per row) for the
 * pattern laid out by laplacianRowStarts. means / inverses come from windowStats. local: scratch of
 * (4r+1)^2 f64, one per neighbour offset.
 */
export function laplacianAssemble(
  image: usize, labels: usize, unknownIndex: usize, width: i32, height: i32, radius: i32,
  means: usize, inverses: usize, rowStart: usize, columns: usize, values: usize,
  rhs: usize, diagonal: usize, local: usize
): void {
  const size = 2 * radius + 1;
  const span = 4 * radius + 1;
  const reach = 2 * radius;
  const invN = 1.0 / <f64>(size * size);
  let row = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (load<u8>(labels + <usize>i) != LABEL_UNKNOWN) continue;
      memory.fill(local, 0, <usize>(span * span) << 3);
      const pixel = image + <usize>i * 24;
      const ir = load<f64>(pixel), ig = load<f64>(pixel, 8), ib = load<f64>(pixel, 16);
      let windows = 0;
      for (let ky = max(y - radius, radius); ky <= min(y + radius, height - 1 - radius); ky++) {
        for (let kx = max(x - radius, radius); kx <= min(x + radius, width - 1 - radius); kx++) {
          const k = <usize>(ky * width + kx);
          const m = means + k * 24;
          const mr = load<f64>(m), mg = load<f64>(m, 8), mb = load<f64>(m, 16);
          const inv = inverses + k * 48;
          const a00 = load<f64>(inv), a01 = load<f64>(inv, 8), a02 = load<f64>(inv, 16);
          const a11 = load<f64>(inv, 24), a12 = load<f64>(inv, 32), a22 = load<f64>(inv, 40);
          const dr = ir - mr, dg = ig - mg, db = ib - mb;
          const vr = a00 * dr + a01 * dg + a02 * db;
          const vg = a01 * dr + a11 * dg + a12 * db;
          const vb = a02 * dr + a12 * dg + a22 * db;
          for (let jy = ky - radius; jy <= ky + radius; jy++) {
            const localRow = local + (<usize>((jy - y + reach) * span + (kx - radius - x + reach)) << 3);
            let neighbour = image + <usize>(jy * width + kx - radius) * 24;
            for (let t = 0; t < size; t++) {
              const er = load<f64>(neighbour) - mr;
              const eg = load<f64>(neighbour, 8) - mg;
              const eb = load<f64>(neighbour, 16) - mb;
              const slot = localRow + (<usize>t << 3);
              store<f64>(slot, load<f64>(slot) - (1.0 + vr * er + vg * eg + vb * eb) * invN);
              neighbour += 24;
            }
          }
          windows++;
        }
      }
      const centre = local + (<usize>(reach * span + reach) << 3);
      store<f64>(centre, load<f64>(centre) + <f64>windows);

      let entry = load<i32>(rowStart + (<usize>row << 2));
      let b = 0.0;
      for (let jy = max(y - reach, 0); jy <= min(y + reach, height - 1); jy++) {
        if (!shareWindowAxis(y, jy, height, radius)) continue;
        for (let jx = max(x - reach, 0); jx <= min(x + reach, width - 1); jx++) {
          if (!shareWindowAxis(x, jx, width, radius)) continue;
          const j = <usize>(jy * width + jx);
          const value = load<f64>(local + (<usize>((jy - y + reach) * span + (jx - x + reach)) << 3));
          const label = load<u8>(labels + j);
          if (label == LABEL_UNKNOWN) {
            store<i32>(columns + (<usize>entry << 2), load<i32>(unknownIndex + (j << 2)));
            store<f64>(values + (<usize>entry << 3), value);
            entry++;
          } else if (label == LABEL_FOREGROUND) {
            b -= value;
          }
        }
      }
      store<f64>(rhs + (<usize>row << 3), b);
      store<f64>(diagonal + (<usize>row << 3), load<f64>(centre));
      row++;
    }
  }
}
