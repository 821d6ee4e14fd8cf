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
