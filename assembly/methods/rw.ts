// Random-walk matting (Grady, Schiwietz, Aharon, Westermann 2005) as pymatting 1.1.15 builds it:
// weights w_ij = exp(-|I_i - I_j|^2 / sigma^2) (eq. 4) to the pixels at offsets (dx, dy) in [-r, r]^2,
// with coordinates clamped to the image (so a border pixel counts some neighbours, itself included,
// several times: m_ij times), rows normalised, L = (1 + regularization) I - D^-1 W, D_i = sum_j m_ij w_ij.
// With pymatting's penalty (methods/penalty.ts), A = L + lambda C is not symmetric, but D A is:
//   (D A)_ii = (1 + regularization + lambda c_i) D_i - m_ii,   (D A)_ij = -m_ij w_ij,   (D b)_i = lambda D_i [i fg],
// which has the same solution and is positive definite, so conjugate gradients apply, when m_ij = m_ji: so for
// r = 1, which src/methods/rw.ts uses. For r >= 2 clamping makes them differ within r pixels of the image border
// and the stored entry is their mean, w_ij (m_ij + m_ji) / 2, which changes alpha there.
//
// The rows are written in the stencil layout of assembly/stencil.ts: the upper half of the offsets in
// [-reach, reach]^2, reach >= r. Its products read only the stored columns, so reach = r serves Jacobi;
// the multigrid needs the closed-form layout, reach = 2R for a layout radius R.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";

/** How many offsets d in [-r, r] land on b from a once clamped to [0, extent - 1]. */
@inline
function clampedHits(a: i32, b: i32, r: i32, extent: i32): i32 {
  if (extent == 1) return 2 * r + 1;
  if (b == 0) return max(0, r - a + 1);
  if (b == extent - 1) return max(0, r - (extent - 1 - a) + 1);
  return abs(b - a) <= r ? 1 : 0;
}

@inline
function colourWeight(image: usize, i: usize, j: usize, inverseSigmaSquared: f64): f64 {
  const p = image + i * 24, q = image + j * 24;
  const dr = load<f64>(p) - load<f64>(q);
  const dg = load<f64>(p, 8) - load<f64>(q, 8);
  const db = load<f64>(p, 16) - load<f64>(q, 16);
  return Math.exp(-(dr * dr + dg * dg + db * db) * inverseSigmaSquared);
}

/**
 * Rows of D A and D b for the free pixels (freeIndex >= 0, see methods/penalty.ts; every pixel within r of
 * an unknown one must be free). rhs holds rows + 1 entries, the last 0.
 */
export function rwStencil(
  image: usize, labels: usize, freeIndex: usize, width: i32, height: i32, rows: i32, radius: i32,
  inverseSigmaSquared: f64, regularization: f64, lambda: f64, reach: i32,
  columns: usize, values: usize, diagonal: usize, rhs: usize
): void {
  const half = ((2 * reach + 1) * (2 * reach + 1) - 1) >> 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = <usize>(y * width + x);
      const row = load<i32>(freeIndex + (i << 2));
      if (row < 0) continue;
      // D_i over the clamped offsets; each distinct neighbour j once, with its multiplicity.
      let degree = 0.0;
      for (let jy = max(0, y - radius); jy <= min(height - 1, y + radius); jy++) {
        const hitsY = clampedHits(y, jy, radius, height);
        for (let jx = max(0, x - radius); jx <= min(width - 1, x + radius); jx++) {
          const hits = hitsY * clampedHits(x, jx, radius, width);
          if (hits > 0) degree += <f64>hits * colourWeight(image, i, <usize>(jy * width + jx), inverseSigmaSquared);
        }
      }
      const label = load<u8>(labels + i);
      const known: f64 = label == LABEL_UNKNOWN ? 0.0 : 1.0;
      const selfHits = clampedHits(y, y, radius, height) * clampedHits(x, x, radius, width);
      store<f64>(diagonal + (<usize>row << 3), (1.0 + regularization + lambda * known) * degree - <f64>selfHits);
      let b = label == LABEL_FOREGROUND ? lambda * degree : 0.0;
      let s = 0;
      for (let dy = -reach; dy <= reach; dy++) {
        const jy = y + dy;
        for (let dx = -reach; dx <= reach; dx++) {
          const upper = dy > 0 || (dy == 0 && dx > 0);
          const jx = x + dx;
          let column = rows;
          let value = 0.0;
          if ((dy != 0 || dx != 0) && abs(dx) <= radius && abs(dy) <= radius && jx >= 0 && jx < width && jy >= 0 && jy < height) {
            const hits = clampedHits(y, jy, radius, height) * clampedHits(x, jx, radius, width)
              + clampedHits(jy, y, radius, height) * clampedHits(jx, x, radius, width);
            const j = <usize>(jy * width + jx);
            const entry = -0.5 * <f64>hits * colourWeight(image, i, j, inverseSigmaSquared);
            const other = load<i32>(freeIndex + (j << 2));
            if (other >= 0) {
              column = other;
              value = entry;
            } else if (load<u8>(labels + j) == LABEL_FOREGROUND) {
              b -= entry;
            }
          }
          if (upper) {
            const o = <usize>(row * half + s);
            store<i32>(columns + (o << 2), column);
            store<f64>(values + (o << 3), value);
            s++;
          }
        }
      }
      store<f64>(rhs + (<usize>row << 3), b);
    }
  }
  store<f64>(rhs + (<usize>rows << 3), 0);
}
