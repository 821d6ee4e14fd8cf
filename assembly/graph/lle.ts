// Locally linear embedding weights (Roweis and Saul, Science 2000): the affine combination of k neighbours that
// best reconstructs a point,
//   w = argmin | sum_k w_k (n_k - p) |^2 + c |w|^2  subject to  sum_k w_k = 1,
// i.e. G z = 1 with G_kl = (n_k - p) . (n_l - p) + c delta_kl, w = z / sum(z). G = Z Z^T + c I with Z the k x dims
// offsets n_k - p. With more neighbours than dimensions (information flow: 20 or 14 neighbours of 3 colours) the
// push-through identity (c I_k + Z Z^T)^-1 = (I_k - Z (c I_d + Z^T Z)^-1 Z^T) / c turns the k x k solve into a
// dims x dims one: z = (1 - Z s) / c with (c I + Z^T Z) s = Z^T 1, and the 1 / c cancels in w. Both matrices are
// symmetric positive definite for c > 0, so Cholesky factorisations solve them. f64 throughout: with c ~ 1e-10
// neither is well conditioned.

/** Bytes of scratch lleWeights needs for k neighbours. */
export function lleScratchBytes(k: i32): i32 {
  return (k * k + k) * 8;
}

/**
 * The n x n symmetric positive definite matrix in the lower triangle of `m` (row-major, n x n f64) -> its
 * Cholesky factor L (m = L L^T) in the same place.
 */
function choleskyInPlace(m: usize, n: i32): void {
  for (let j = 0; j < n; j++) {
    let pivot = load<f64>(m + (<usize>(j * n + j) << 3));
    for (let q = 0; q < j; q++) {
      const l = load<f64>(m + (<usize>(j * n + q) << 3));
      pivot -= l * l;
    }
    const root = Math.sqrt(pivot);
    store<f64>(m + (<usize>(j * n + j) << 3), root);
    for (let i = j + 1; i < n; i++) {
      let sum = load<f64>(m + (<usize>(i * n + j) << 3));
      for (let q = 0; q < j; q++) sum -= load<f64>(m + (<usize>(i * n + q) << 3)) * load<f64>(m + (<usize>(j * n + q) << 3));
      store<f64>(m + (<usize>(i * n + j) << 3), sum / root);
    }
  }
}

/** L L^T x = x in place (L from choleskyInPlace, n x n at `factor`; x n f64): L y = x, then L^T x = y. */
function choleskySolveInPlace(factor: usize, n: i32, x: usize): void {
  for (let i = 0; i < n; i++) {
    let sum = load<f64>(x + (<usize>i << 3));
    for (let q = 0; q < i; q++) sum -= load<f64>(factor + (<usize>(i * n + q) << 3)) * load<f64>(x + (<usize>q << 3));
    store<f64>(x + (<usize>i << 3), sum / load<f64>(factor + (<usize>(i * n + i) << 3)));
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = load<f64>(x + (<usize>i << 3));
    for (let q = i + 1; q < n; q++) sum -= load<f64>(factor + (<usize>(q * n + i) << 3)) * load<f64>(x + (<usize>q << 3));
    store<f64>(x + (<usize>i << 3), sum / load<f64>(factor + (<usize>(i * n + i) << 3)));
  }
}

/** z into `weights` divided by its sum (k f64). */
@inline
function normalise(weights: usize, k: i32): void {
  let total = 0.0;
  for (let i = 0; i < k; i++) total += load<f64>(weights + (<usize>i << 3));
  for (let i = 0; i < k; i++) store<f64>(weights + (<usize>i << 3), load<f64>(weights + (<usize>i << 3)) / total);
}

/** G z = 1 by G's k x k Cholesky factor, for k <= dims. */
function gramWeights(point: usize, neighbours: usize, k: i32, dims: i32, conditioner: f64, scratch: usize, weights: usize): void {
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let sum = 0.0;
      for (let d = 0; d < dims; d++) {
        const p = load<f64>(point + (<usize>d << 3));
        sum += (load<f64>(neighbours + (<usize>(a * dims + d) << 3)) - p) * (load<f64>(neighbours + (<usize>(b * dims + d) << 3)) - p);
      }
      store<f64>(scratch + (<usize>(a * k + b) << 3), a == b ? sum + conditioner : sum);
    }
  }
  choleskyInPlace(scratch, k);
  for (let i = 0; i < k; i++) store<f64>(weights + (<usize>i << 3), 1.0);
  choleskySolveInPlace(scratch, k, weights);
}

/** z = 1 - Z s with (c I + Z^T Z) s = Z^T 1 (the push-through form above: c z), for k > dims. */
function offsetWeights(point: usize, neighbours: usize, k: i32, dims: i32, conditioner: f64, scratch: usize, weights: usize): void {
  const m = scratch, s = scratch + (<usize>(dims * dims) << 3);
  for (let d = 0; d < dims; d++) {
    store<f64>(s + (<usize>d << 3), 0);
    for (let e = 0; e <= d; e++) store<f64>(m + (<usize>(d * dims + e) << 3), d == e ? conditioner : 0);
  }
  for (let a = 0; a < k; a++) {
    const row = neighbours + (<usize>(a * dims) << 3);
    for (let d = 0; d < dims; d++) {
      const zd = load<f64>(row + (<usize>d << 3)) - load<f64>(point + (<usize>d << 3));
      store<f64>(s + (<usize>d << 3), load<f64>(s + (<usize>d << 3)) + zd);
      for (let e = 0; e <= d; e++) {
        const at = m + (<usize>(d * dims + e) << 3);
        store<f64>(at, load<f64>(at) + zd * (load<f64>(row + (<usize>e << 3)) - load<f64>(point + (<usize>e << 3))));
      }
    }
  }
  choleskyInPlace(m, dims);
  choleskySolveInPlace(m, dims, s);
  for (let a = 0; a < k; a++) {
    const row = neighbours + (<usize>(a * dims) << 3);
    let projected = 0.0;
    for (let d = 0; d < dims; d++) projected += (load<f64>(row + (<usize>d << 3)) - load<f64>(point + (<usize>d << 3))) * load<f64>(s + (<usize>d << 3));
    store<f64>(weights + (<usize>a << 3), 1.0 - projected);
  }
}

/**
 * Weights reconstructing `point` (dims f64) from `neighbours` (k rows of dims f64) into `weights` (k f64).
 * `scratch` holds lleScratchBytes(k) bytes.
 */
export function lleWeights(point: usize, neighbours: usize, k: i32, dims: i32, conditioner: f64, scratch: usize, weights: usize): void {
  if (k > dims) offsetWeights(point, neighbours, k, dims, conditioner, scratch, weights);
  else gramWeights(point, neighbours, k, dims, conditioner, scratch, weights);
  normalise(weights, k);
}
