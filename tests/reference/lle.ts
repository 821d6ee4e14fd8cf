// Plain reference of locally linear embedding weights (Roweis and Saul, "Nonlinear Dimensionality Reduction by
// Locally Linear Embedding", Science 2000), as information-flow matting uses them (Aksoy et al., CVPR 2017, eq. 2):
//
//   w = argmin | sum_k w_k (n_k - p) |^2 + c |w|^2   subject to   sum_k w_k = 1
//
// which is G z = 1 with G_kl = (n_k - p) . (n_l - p) + c delta_kl, then w = z / sum(z). Solved by Gaussian
// elimination (dense.ts): nothing is shared with the kernel's Cholesky.
import { denseMatrix, solveDense } from "./dense.js";

/** The regulariser c of the toolbox (yaksoy/AffinityBasedMattingToolbox): tiny, so neighbours reconstruct p. */
export const LLE_CONDITIONER = 1e-10;

/**
 * Weights reconstructing `point` (dims values) from `neighbours` (k rows of dims values, row after row).
 */
export function referenceLleWeights(point: ArrayLike<number>, neighbours: ArrayLike<number>, dims: number, conditioner = LLE_CONDITIONER): Float64Array {
  const k = neighbours.length / dims;
  const gram = denseMatrix(k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let sum = 0;
      for (let d = 0; d < dims; d++) sum += (neighbours[a * dims + d] - point[d]) * (neighbours[b * dims + d] - point[d]);
      gram.entries[a * k + b] = sum + (a === b ? conditioner : 0);
    }
  }
  const z = solveDense(gram, new Float64Array(k).fill(1));
  let total = 0;
  for (const v of z) total += v;
  return z.map((v) => v / total);
}

/** v = m 2^e exactly, m an integer (v finite). */
function dyadic(v: number): { m: bigint; e: number } {
  if (v === 0) return { m: 0n, e: 0 };
  let e = 0, m = v;
  while (!Number.isInteger(m)) {
    m *= 2;
    e--;
  }
  return { m: BigInt(m), e };
}

/** x / y (big integers, y > 0) as the nearest f64 or within 2^-80 of it. */
function ratio(x: bigint, y: bigint): number {
  const scale = 80n;
  return Number((x << scale) / y) / 2 ** Number(scale);
}

/**
 * The weights of referenceLleWeights solved exactly: every f64 input is a dyadic rational, so G scaled by a power
 * of two is a matrix of integers, and fraction-free Gauss-Jordan elimination (Bareiss, Math. Comp. 1968) on
 * [G | 1] leaves det(G) on the diagonal and det(G) z in the last column, in big integers with no rounding; only
 * the final w = z / sum(z) is rounded. G's condition number reaches |n_k - p|^2 / c (1e10 and more), so any f64
 * solve of the k x k system, the plain one above included, is only good to about 1e-6.
 */
export function exactLleWeights(point: ArrayLike<number>, neighbours: ArrayLike<number>, dims: number, conditioner = LLE_CONDITIONER): Float64Array {
  const k = neighbours.length / dims;
  const parts = [...Array.from(point), ...Array.from(neighbours)].map(dyadic);
  const regulariser = dyadic(conditioner);
  // Offsets n - p times 2^E are integers; G times 2^(2E) too once 2E covers the regulariser's exponent.
  const shift = Math.max(0, ...parts.map((p) => -p.e), Math.ceil(-regulariser.e / 2));
  const scaled = parts.map((p) => p.m << BigInt(shift + p.e));
  const offset = (a: number, d: number) => scaled[dims + a * dims + d] - scaled[d];
  const c = regulariser.m << BigInt(2 * shift + regulariser.e);
  const rows: bigint[][] = [];
  for (let a = 0; a < k; a++) {
    const row: bigint[] = [];
    for (let b = 0; b < k; b++) {
      let sum = a === b ? c : 0n;
      for (let d = 0; d < dims; d++) sum += offset(a, d) * offset(b, d);
      row.push(sum);
    }
    row.push(1n);
    rows.push(row);
  }
  let previous = 1n;
  for (let pivot = 0; pivot < k; pivot++) {
    const p = rows[pivot][pivot];
    if (p === 0n) throw new Error("singular Gram matrix");
    for (let i = 0; i < k; i++) {
      if (i === pivot) continue;
      const factor = rows[i][pivot];
      for (let j = 0; j <= k; j++) {
        const value = p * rows[i][j] - factor * rows[pivot][j];
        if (value % previous !== 0n) throw new Error("inexact Bareiss step");
        rows[i][j] = value / previous;
      }
    }
    previous = p;
  }
  // Each row is now det(G) times a row of the identity, then det(G) z_i; the common det cancels in w.
  let total = 0n;
  for (let i = 0; i < k; i++) total += rows[i][k];
  const sign = total < 0n ? -1n : 1n;
  return Float64Array.from(rows, (row) => ratio(sign * row[k], sign * total));
}
