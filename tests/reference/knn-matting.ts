// KNN matting as pymatting 1.1.15 computes it (knn_laplacian + make_linear_system), the plain twin of
// assembly/methods/knn.ts: brute-force neighbours, W = K + K^T and L = I - D^-1 W formed densely over every
// pixel, (L + lambda C) x = lambda [foreground] solved directly (not symmetrised, not restricted), alpha clamped.
import { solveDense, denseMatrix } from "./dense.js";
import { bruteForceKnn } from "./knn.js";
import { FOREGROUND, UNKNOWN } from "./laplacian.js";

export interface KnnParameters {
  neighbors: number[];
  distanceWeights: number[];
  kernel: "binary" | "soft";
}

/** pymatting's features (r, g, b, w x, w y) as f32, x and y from numpy's linspace(0, 1, size). */
export function knnFeatures(rgb: Float64Array, width: number, height: number, weight: number): Float32Array {
  const linspace = (size: number, i: number) => (size > 1 && i === size - 1 ? 1 : size > 1 ? i * (1 / (size - 1)) : 0);
  const f = new Float32Array(width * height * 5);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      f.set([rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], weight * linspace(width, x), weight * linspace(height, y)], 5 * p);
    }
  }
  return f;
}

export function referenceKnnAlpha(rgb: Float64Array, labels: Uint8Array, width: number, height: number, o: KnnParameters, lambda = 100): Float64Array {
  const n = width * height;
  const weights = new Float64Array(n * n);
  o.neighbors.forEach((k, s) => {
    const f = knnFeatures(rgb, width, height, o.distanceWeights[s]);
    const { indices } = bruteForceKnn(f, 5, f, k);
    for (let i = 0; i < n; i++) {
      for (let e = 0; e < k; e++) {
        const j = indices[i * k + e];
        if (j < 0) continue;
        let w = 1;
        if (o.kernel === "soft") {
          let sum = 0;
          for (let d = 0; d < 5; d++) sum = Math.fround(sum + Math.abs(Math.fround(f[5 * i + d] - f[5 * j + d])));
          w = 1 - Math.fround(sum / 5);
        }
        weights[i * n + j] += w;
        weights[j * n + i] += w;
      }
    }
  });
  const a = denseMatrix(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < n; j++) d += weights[i * n + j];
    for (let j = 0; j < n; j++) a.entries[i * n + j] = (i === j ? 1 : 0) - (d > 0 ? weights[i * n + j] / d : 0);
    if (labels[i] !== UNKNOWN) a.entries[i * n + i] += lambda;
    if (labels[i] === FOREGROUND) b[i] = lambda;
  }
  return solveDense(a, b).map((v) => Math.min(1, Math.max(0, v)));
}
