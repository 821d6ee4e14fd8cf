// Plain reference of the closed-form matting Laplacian, straight from Levin, Lischinski, Weiss,
// "A Closed-Form Solution to Natural Image Matting", PAMI 2008, eq. 12:
//
//   L_ij = sum over windows w_k holding both i and j of
//          delta_ij - (1 + (I_i - mu_k)^T (Sigma_k + epsilon/|w| I_3)^-1 (I_j - mu_k)) / |w|
//
// Windows are the (2r+1) x (2r+1) squares lying wholly inside the image. mu_k and Sigma_k (the biased,
// 1/|w|, colour covariance) are computed directly from each window's pixels in two passes, and the
// 3x3 systems are solved by elimination: nothing is shared with the kernels' box sums or adjugate.
// Slow on purpose; it exists to check the kernels.
import { denseMatrix, solveDense, type DenseMatrix } from "./dense.js";

export const BACKGROUND = 0;
export const FOREGROUND = 1;
export const UNKNOWN = 2;

/** The full Laplacian as sparse rows: rows[i] maps column j to L_ij for every j sharing a window with i. */
export type SparseRows = Map<number, number>[];

/** image: f64 RGB interleaved in [0, 1], width * height * 3 values. */
export function referenceLaplacian(image: Float64Array, width: number, height: number, radius: number, epsilon: number): SparseRows {
  const n = width * height;
  const size = 2 * radius + 1;
  const windowPixels = size * size;
  const rows: SparseRows = Array.from({ length: n }, () => new Map<number, number>());
  const colour = (p: number) => [image[3 * p], image[3 * p + 1], image[3 * p + 2]];

  for (let cy = radius; cy < height - radius; cy++) {
    for (let cx = radius; cx < width - radius; cx++) {
      const members: number[] = [];
      for (let y = cy - radius; y <= cy + radius; y++) {
        for (let x = cx - radius; x <= cx + radius; x++) members.push(y * width + x);
      }
      const mean = [0, 0, 0];
      for (const p of members) for (let c = 0; c < 3; c++) mean[c] += colour(p)[c] / windowPixels;

      // Sigma_k + epsilon/|w| I, from deviations about the mean (second pass).
      const regularised = denseMatrix(3);
      for (const p of members) {
        const d = colour(p).map((v, c) => v - mean[c]);
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) regularised.entries[3 * a + b] += (d[a] * d[b]) / windowPixels;
      }
      for (let a = 0; a < 3; a++) regularised.entries[4 * a] += epsilon / windowPixels;

      // (Sigma_k + epsilon/|w| I)^-1 (I_j - mu_k) for every member j.
      const deviations = members.map((p) => colour(p).map((v, c) => v - mean[c]));
      const whitened = deviations.map((d) => solveDense(regularised, d));

      for (let a = 0; a < members.length; a++) {
        const row = rows[members[a]];
        for (let b = 0; b < members.length; b++) {
          const affinity = 1 + dot(deviations[a], whitened[b]);
          const value = (members[a] === members[b] ? 1 : 0) - affinity / windowPixels;
          row.set(members[b], (row.get(members[b]) ?? 0) + value);
        }
      }
    }
  }
  return rows;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/**
 * The system for the unknown pixels with alpha fixed to 1 on foreground and 0 on background:
 * L_UU alpha_U = b with b = -L_UF 1. Unknowns are numbered in raster order, as the engine does.
 */
export interface RestrictedSystem {
  unknownPixels: number[];
  /** rows[u] maps unknown column v to L_UU[u][v], for every pair sharing a window. */
  rows: SparseRows;
  rhs: Float64Array;
}

export function restrictToUnknowns(laplacian: SparseRows, labels: Uint8Array): RestrictedSystem {
  const unknownPixels: number[] = [];
  const unknownIndex = new Int32Array(labels.length).fill(-1);
  labels.forEach((label, pixel) => {
    if (label === UNKNOWN) unknownIndex[pixel] = unknownPixels.push(pixel) - 1;
  });
  const rows: SparseRows = [];
  const rhs = new Float64Array(unknownPixels.length);
  unknownPixels.forEach((pixel, u) => {
    const row = new Map<number, number>();
    for (const [j, value] of laplacian[pixel]) {
      if (labels[j] === UNKNOWN) row.set(unknownIndex[j], value);
      else if (labels[j] === FOREGROUND) rhs[u] -= value;
    }
    rows.push(row);
  });
  return { unknownPixels, rows, rhs };
}

export function toDense(rows: SparseRows): DenseMatrix {
  const matrix = denseMatrix(rows.length);
  rows.forEach((row, u) => {
    for (const [v, value] of row) matrix.entries[u * rows.length + v] = value;
  });
  return matrix;
}

/** Alpha for every pixel from a direct solve: 1 / 0 where known, the solution clamped to [0, 1] where unknown. */
export function referenceAlpha(image: Float64Array, labels: Uint8Array, width: number, height: number, radius: number, epsilon: number): Float64Array {
  const system = restrictToUnknowns(referenceLaplacian(image, width, height, radius, epsilon), labels);
  const solution = system.unknownPixels.length > 0 ? solveDense(toDense(system.rows), system.rhs) : new Float64Array(0);
  const alpha = Float64Array.from(labels, (label) => (label === FOREGROUND ? 1 : 0));
  system.unknownPixels.forEach((pixel, u) => {
    alpha[pixel] = Math.min(1, Math.max(0, solution[u]));
  });
  return alpha;
}
