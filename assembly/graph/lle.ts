// Locally linear embedding weights (Roweis and Saul, Science 2000): the affine combination of k neighbours that
// best reconstructs a point,
//   w = argmin | sum_k w_k (n_k - p) |^2 + c |w|^2  subject to  sum_k w_k = 1,
// i.e. G z = 1 with G_kl = (n_k - p) . (n_l - p) + c delta_kl, w = z / sum(z). G is symmetric positive definite
// for c > 0, so a Cholesky factorisation solves it. f64 throughout: with c ~ 1e-10 G is far from well conditioned.

/** Bytes of scratch lleWeights needs for k neighbours. */
export function lleScratchBytes(k: i32): i32 {
  return (k * k + k) * 8;
}

/**
 * Weights reconstructing `point` (dims f64) from `neighbours` (k rows of dims f64) into `weights` (k f64).
 * `scratch` holds lleScratchBytes(k) bytes.
 */
export function lleWeights(point: usize, neighbours: usize, k: i32, dims: i32, conditioner: f64, scratch: usize, weights: usize): void {
  const gram = scratch;
  const solution = scratch + (<usize>(k * k) << 3);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let sum = 0.0;
      for (let d = 0; d < dims; d++) {
        const p = load<f64>(point + (<usize>d << 3));
        sum += (load<f64>(neighbours + (<usize>(a * dims + d) << 3)) - p) * (load<f64>(neighbours + (<usize>(b * dims + d) << 3)) - p);
      }
      store<f64>(gram + (<usize>(a * k + b) << 3), a == b ? sum + conditioner : sum);
    }
  }
  // G = L L^T in the lower triangle.
  for (let j = 0; j < k; j++) {
    let pivot = load<f64>(gram + (<usize>(j * k + j) << 3));
    for (let m = 0; m < j; m++) {
      const l = load<f64>(gram + (<usize>(j * k + m) << 3));
      pivot -= l * l;
    }
    const root = Math.sqrt(pivot);
    store<f64>(gram + (<usize>(j * k + j) << 3), root);
    for (let i = j + 1; i < k; i++) {
      let sum = load<f64>(gram + (<usize>(i * k + j) << 3));
      for (let m = 0; m < j; m++) sum -= load<f64>(gram + (<usize>(i * k + m) << 3)) * load<f64>(gram + (<usize>(j * k + m) << 3));
      store<f64>(gram + (<usize>(i * k + j) << 3), sum / root);
    }
  }
  // L y = 1, then L^T z = y.
  for (let i = 0; i < k; i++) {
    let sum = 1.0;
    for (let m = 0; m < i; m++) sum -= load<f64>(gram + (<usize>(i * k + m) << 3)) * load<f64>(solution + (<usize>m << 3));
    store<f64>(solution + (<usize>i << 3), sum / load<f64>(gram + (<usize>(i * k + i) << 3)));
  }
  let total = 0.0;
  for (let i = k - 1; i >= 0; i--) {
    let sum = load<f64>(solution + (<usize>i << 3));
    for (let m = i + 1; m < k; m++) sum -= load<f64>(gram + (<usize>(m * k + i) << 3)) * load<f64>(solution + (<usize>m << 3));
    const z = sum / load<f64>(gram + (<usize>(i * k + i) << 3));
    store<f64>(solution + (<usize>i << 3), z);
    total += z;
  }
  for (let i = 0; i < k; i++) store<f64>(weights + (<usize>i << 3), load<f64>(solution + (<usize>i << 3)) / total);
}
