// Plain reference of the two trimap trimming steps information-flow matting uses (Aksoy et al., CVPR 2017,
// section 4.2), with the thresholds of the authors' toolbox. Trimmed pixels are not constraints: they become
// sources of the known-to-unknown flow and get an alpha estimate of 0 or 1 with confidence 1.
import { denseMatrix, solveDense } from "./dense.js";
import { BACKGROUND, FOREGROUND, UNKNOWN } from "./laplacian.js";
import { type NeighbourSearch, pixelsWith } from "./ifm-flows.js";

export const EDGE_TRIM_ITERATIONS = 9;
export const EDGE_TRIM_UPPER = 9 / 256;
export const EDGE_TRIM_LOWER = 1 / 256;

/**
 * Trimming from the edges of the unknown region (Shahrian et al., CVPR 2013, as in the toolbox): in iteration
 * i = 1..9 every unknown pixel within Chebyshev distance i of a known one takes the label of the nearest
 * (Euclidean) known pixel in that window whose colour is within t_i = u - i (u - l) / 9 of its own
 * (u = 9/256, l = 1/256); labels read at the start of an iteration, ties to the first in column-major order.
 */
export function referenceEdgeTrim(image: Float64Array, width: number, height: number, labels: Uint8Array): Uint8Array {
  let current = labels.slice();
  for (let i = 1; i <= EDGE_TRIM_ITERATIONS; i++) {
    const threshold = EDGE_TRIM_UPPER - (i * (EDGE_TRIM_UPPER - EDGE_TRIM_LOWER)) / EDGE_TRIM_ITERATIONS;
    const next = current.slice();
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        if (current[p] !== UNKNOWN) continue;
        let best = Infinity, label = UNKNOWN;
        for (let xx = Math.max(0, x - i); xx <= Math.min(width - 1, x + i); xx++) {
          for (let yy = Math.max(0, y - i); yy <= Math.min(height - 1, y + i); yy++) {
            const q = yy * width + xx;
            if (current[q] === UNKNOWN) continue;
            const colour = Math.hypot(image[3 * q] - image[3 * p], image[3 * q + 1] - image[3 * p + 1], image[3 * q + 2] - image[3 * p + 2]);
            const distance = Math.hypot(xx - x, yy - y);
            if (colour < threshold && distance < best) {
              best = distance;
              label = current[q];
            }
          }
        }
        next[p] = label;
      }
    }
    current = next;
  }
  return current;
}

export const PATCH_TRIM_K = 5;
export const PATCH_TRIM_GOOD = 0.25;
export const PATCH_TRIM_REJECT = 0.9;
const PATCH_EPSILON = 1e-8;

/** Mean and covariance (+ 1e-8 I) of the colours in each 3x3 window, the image's border pixels repeated outward. */
export function referenceLocalGaussians(image: Float64Array, width: number, height: number): { means: Float64Array; covariances: Float64Array } {
  const n = width * height;
  const means = new Float64Array(3 * n), covariances = new Float64Array(9 * n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const window: number[] = [];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          window.push(Math.min(height - 1, Math.max(0, y + dy)) * width + Math.min(width - 1, Math.max(0, x + dx)));
        }
      }
      for (let c = 0; c < 3; c++) means[3 * p + c] = window.reduce((s, q) => s + image[3 * q + c], 0) / 9;
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          const second = window.reduce((s, q) => s + image[3 * q + a] * image[3 * q + b], 0) / 9;
          covariances[9 * p + 3 * a + b] = second - means[3 * p + a] * means[3 * p + b] + (a === b ? PATCH_EPSILON : 0);
        }
      }
    }
  }
  return { means, covariances };
}

function determinant3(m: ArrayLike<number>): number {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

/** Bhattacharyya distance between two normal distributions. */
export function bhattacharyya(meanA: ArrayLike<number>, covA: ArrayLike<number>, meanB: ArrayLike<number>, covB: ArrayLike<number>): number {
  const average = denseMatrix(3);
  for (let i = 0; i < 9; i++) average.entries[i] = (covA[i] + covB[i]) / 2;
  const difference = [0, 1, 2].map((c) => meanB[c] - meanA[c]);
  const solved = solveDense(average, difference);
  const mahalanobis = difference.reduce((s, v, c) => s + v * solved[c], 0);
  return 0.125 * mahalanobis + 0.5 * Math.log(determinant3(average.entries) / Math.sqrt(determinant3(covA) * determinant3(covB)));
}

/**
 * Patch-based trimming (paper section 4.2): each unknown pixel's 3x3 colour distribution is compared (Bhattacharyya)
 * with those of its K = 5 nearest foreground and background pixels by window mean; if the best foreground match is
 * below 0.25 and the best background one above 0.9 it becomes foreground, and the other way round background.
 */
export function referencePatchTrim(image: Float64Array, width: number, height: number, labels: Uint8Array, search: NeighbourSearch): Uint8Array {
  const { means, covariances } = referenceLocalGaussians(image, width, height);
  const unknown = pixelsWith(labels, UNKNOWN);
  const k = PATCH_TRIM_K;
  const foreground = search(means, 3, unknown, pixelsWith(labels, FOREGROUND), k);
  const background = search(means, 3, unknown, pixelsWith(labels, BACKGROUND), k);
  const mean = (p: number) => means.subarray(3 * p, 3 * p + 3);
  const covariance = (p: number) => covariances.subarray(9 * p, 9 * p + 9);
  const out = labels.slice();
  unknown.forEach((p, row) => {
    const best = (found: Int32Array) => {
      let min = Infinity;
      for (let j = 0; j < k; j++) {
        const q = found[row * k + j];
        if (q >= 0) min = Math.min(min, bhattacharyya(mean(p), covariance(p), mean(q), covariance(q)));
      }
      return min;
    };
    const toForeground = best(foreground), toBackground = best(background);
    if (toForeground < PATCH_TRIM_GOOD) {
      if (toBackground > PATCH_TRIM_REJECT) out[p] = FOREGROUND;
    } else if (toBackground < PATCH_TRIM_GOOD && toForeground > PATCH_TRIM_REJECT) {
      out[p] = BACKGROUND;
    }
  });
  return out;
}
