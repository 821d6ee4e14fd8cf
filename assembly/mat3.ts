// Inverse of a symmetric positive definite 3x3 matrix by its adjugate.
// Input and output in the packed order [a00, a01, a02, a11, a12, a22].

@inline
export function storeSymmetricInverse(
  a00: f64, a01: f64, a02: f64, a11: f64, a12: f64, a22: f64, dst: usize
): void {
  const c00 = a11 * a22 - a12 * a12;
  const c01 = a02 * a12 - a01 * a22;
  const c02 = a01 * a12 - a02 * a11;
  const c11 = a00 * a22 - a02 * a02;
  const c12 = a01 * a02 - a00 * a12;
  const c22 = a00 * a11 - a01 * a01;
  const s = 1.0 / (a00 * c00 + a01 * c01 + a02 * c02);
  store<f64>(dst, c00 * s);
  store<f64>(dst, c01 * s, 8);
  store<f64>(dst, c02 * s, 16);
  store<f64>(dst, c11 * s, 24);
  store<f64>(dst, c12 * s, 32);
  store<f64>(dst, c22 * s, 40);
}
