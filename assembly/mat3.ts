// Inverse of a symmetric positive definite 3x3 matrix by its LDL^T factorisation.
// Input and output in the packed order [a00, a01, a02, a11, a12, a22].
//
// The pivots d1, d2 are Schur complements computed by one subtraction each, so they keep their
// relative accuracy even when the matrix is nearly singular (colours on a line in a window:
// Sigma of rank one plus epsilon/|w| I). The adjugate's determinant, a sum of products that cancel,
// loses that accuracy and with it the scale of the whole inverse.

@inline
export function storeSymmetricInverse(
  a00: f64, a01: f64, a02: f64, a11: f64, a12: f64, a22: f64, dst: usize
): void {
  const l10 = a01 / a00;
  const l20 = a02 / a00;
  const d1 = a11 - l10 * a01;
  const s12 = a12 - l20 * a01;
  const l21 = s12 / d1;
  const d2 = a22 - l20 * a02 - l21 * s12;
  // L^-1 = [[1, 0, 0], [m10, 1, 0], [m20, m21, 1]] and A^-1 = L^-T D^-1 L^-1.
  const m10 = -l10;
  const m20 = l10 * l21 - l20;
  const m21 = -l21;
  const e0 = 1.0 / a00, e1 = 1.0 / d1, e2 = 1.0 / d2;
  store<f64>(dst, e0 + m10 * m10 * e1 + m20 * m20 * e2);
  store<f64>(dst, m10 * e1 + m20 * m21 * e2, 8);
  store<f64>(dst, m20 * e2, 16);
  store<f64>(dst, e1 + m21 * m21 * e2, 24);
  store<f64>(dst, m21 * e2, 32);
  store<f64>(dst, e2, 40);
}
