// Plain dense twins of pymatting 1.1.15's random-walk, learning-based and large-kernel systems, written from
// the papers' formulas the way pymatting states them (every pixel a row, make_linear_system's penalty
// lambda), for the oracle tests of src/methods/{rw,lbdm,lkm}.ts on small images. f64 throughout.
import { type DenseMatrix, denseMatrix, solveDense } from "./dense.js";
import { FOREGROUND, UNKNOWN } from "./laplacian.js";

export interface Picture {
  width: number;
  height: number;
  /** f64 RGB in [0, 1], interleaved. */
  rgb: Float64Array;
  /** BACKGROUND / FOREGROUND / UNKNOWN per pixel. */
  labels: Uint8Array;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

function colourDistanceSquared(rgb: Float64Array, i: number, j: number): number {
  let sum = 0;
  for (let c = 0; c < 3; c++) sum += (rgb[3 * i + c] - rgb[3 * j + c]) ** 2;
  return sum;
}

/**
 * Random walk (Grady et al. 2005; pymatting's rw_laplacian): each of the (2r+1)^2 offsets, clamped to the image,
 * adds exp(-|I_i - I_j|^2 / sigma^2) to W_ij; rows normalised; L = (1 + regularization) I - D^-1 W.
 */
export function randomWalkLaplacian(p: Picture, radius: number, inverseSigmaSquared: number, regularization: number): DenseMatrix {
  const { width, height, rgb } = p;
  const n = width * height;
  const weights = denseMatrix(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const j = clamp(y + dy, 0, height - 1) * width + clamp(x + dx, 0, width - 1);
          weights.entries[i * n + j] += Math.exp(-inverseSigmaSquared * colourDistanceSquared(rgb, i, j));
        }
      }
    }
  }
  const laplacian = denseMatrix(n);
  for (let i = 0; i < n; i++) {
    let degree = 0;
    for (let j = 0; j < n; j++) degree += weights.entries[i * n + j];
    for (let j = 0; j < n; j++) laplacian.entries[i * n + j] = -weights.entries[i * n + j] / degree;
    laplacian.entries[i * n + i] += 1 + regularization;
  }
  return laplacian;
}

/**
 * Learning-based (Zheng and Kambhamettu 2009; pymatting's lbdm_laplacian): per window inside the image, with
 * X the rows [I_a, 1] and K = X X^T, F = (K + eps I)^-1 K and L += (I - F)(I - F)^T on the window's pixels.
 */
export function learningBasedLaplacian(p: Picture, radius: number, epsilon: number): DenseMatrix {
  const { width, height, rgb } = p;
  const n = width * height;
  const size = 2 * radius + 1;
  const area = size * size;
  const laplacian = denseMatrix(n);
  for (let cy = radius; cy < height - radius; cy++) {
    for (let cx = radius; cx < width - radius; cx++) {
      const pixels: number[] = [];
      for (let y = cy - radius; y <= cy + radius; y++) for (let x = cx - radius; x <= cx + radius; x++) pixels.push(y * width + x);
      const feature = (a: number) => [rgb[3 * pixels[a]], rgb[3 * pixels[a] + 1], rgb[3 * pixels[a] + 2], 1];
      const kernel = denseMatrix(area);
      for (let a = 0; a < area; a++) {
        for (let b = 0; b < area; b++) {
          const fa = feature(a), fb = feature(b);
          kernel.entries[a * area + b] = fa.reduce((s, v, c) => s + v * fb[c], 0);
        }
      }
      const shifted = denseMatrix(area);
      shifted.entries.set(kernel.entries);
      for (let a = 0; a < area; a++) shifted.entries[a * area + a] += epsilon;
      // F column by column: (K + eps I) f_b = k_b.
      const f = new Float64Array(area * area);
      for (let b = 0; b < area; b++) {
        const column = solveDense(shifted, Array.from({ length: area }, (_, a) => kernel.entries[a * area + b]));
        for (let a = 0; a < area; a++) f[a * area + b] = column[a];
      }
      const residual = (a: number, c: number) => (a === c ? 1 : 0) - f[a * area + c];
      for (let a = 0; a < area; a++) {
        for (let b = 0; b < area; b++) {
          let sum = 0;
          for (let c = 0; c < area; c++) sum += residual(a, c) * residual(b, c);
          laplacian.entries[pixels[a] * n + pixels[b]] += sum;
        }
      }
    }
  }
  return laplacian;
}

/**
 * Large kernel (He et al. 2010; pymatting's lkm_laplacian): the closed-form matting Laplacian (Levin et al. 2008,
 * eq. 12) over windows of radius r inside the image, with the covariance regularised by eps / |w|.
 */
export function largeKernelLaplacian(p: Picture, radius: number, epsilon: number): DenseMatrix {
  const { width, height, rgb } = p;
  const n = width * height;
  const size = 2 * radius + 1;
  const area = size * size;
  const laplacian = denseMatrix(n);
  for (let cy = radius; cy < height - radius; cy++) {
    for (let cx = radius; cx < width - radius; cx++) {
      const pixels: number[] = [];
      for (let y = cy - radius; y <= cy + radius; y++) for (let x = cx - radius; x <= cx + radius; x++) pixels.push(y * width + x);
      const mean = [0, 1, 2].map((c) => pixels.reduce((s, i) => s + rgb[3 * i + c], 0) / area);
      const covariance = denseMatrix(3);
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          const sum = pixels.reduce((s, i) => s + (rgb[3 * i + a] - mean[a]) * (rgb[3 * i + b] - mean[b]), 0);
          covariance.entries[a * 3 + b] = sum / area + (a === b ? epsilon / area : 0);
        }
      }
      const solved = pixels.map((i) => solveDense(covariance, [0, 1, 2].map((c) => rgb[3 * i + c] - mean[c])));
      for (let a = 0; a < area; a++) {
        for (let b = 0; b < area; b++) {
          const d = [0, 1, 2].reduce((s, c) => s + solved[a][c] * (rgb[3 * pixels[b] + c] - mean[c]), 0);
          laplacian.entries[pixels[a] * n + pixels[b]] += (a === b ? 1 : 0) - (1 + d) / area;
        }
      }
    }
  }
  return laplacian;
}

/** pymatting's make_linear_system and estimate: x = (L + lambda C)^-1 lambda [fg], clipped; known pixels keep the trimap. */
export function penaltyAlpha(laplacian: DenseMatrix, labels: Uint8Array, lambda = 100): Float64Array {
  const n = labels.length;
  const system = denseMatrix(n);
  system.entries.set(laplacian.entries);
  const rhs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (labels[i] === UNKNOWN) continue;
    system.entries[i * n + i] += lambda;
    if (labels[i] === FOREGROUND) rhs[i] = lambda;
  }
  const x = solveDense(system, rhs);
  return x.map((v, i) => (labels[i] === UNKNOWN ? clamp(v, 0, 1) : labels[i] === FOREGROUND ? 1 : 0));
}

/** L p for a dense L. */
export function multiply(matrix: DenseMatrix, p: Float64Array): Float64Array {
  const n = matrix.size;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += matrix.entries[i * n + j] * p[j];
    out[i] = sum;
  }
  return out;
}

/**
 * The large-kernel Laplacian times p without the matrix, window by window from the same formula as
 * largeKernelLaplacian (for radii whose dense matrix would not fit): each window k adds to each of its pixels i
 *   p_i - (1 / |w|) sum_{j in w_k} (1 + (I_i - mu_k)^T (Sigma_k + eps / |w| I)^-1 (I_j - mu_k)) p_j
 *   = p_i - (1 / |w|) (sum_j p_j + (I_i - mu_k)^T (Sigma_k + eps / |w| I)^-1 sum_j p_j (I_j - mu_k)).
 */
export function largeKernelProduct(p: Picture, radius: number, epsilon: number, vector: Float64Array): Float64Array {
  const { width, height, rgb } = p;
  const size = 2 * radius + 1;
  const area = size * size;
  const out = new Float64Array(width * height);
  const pixels = new Int32Array(area);
  for (let cy = radius; cy < height - radius; cy++) {
    for (let cx = radius; cx < width - radius; cx++) {
      let count = 0;
      for (let y = cy - radius; y <= cy + radius; y++) for (let x = cx - radius; x <= cx + radius; x++) pixels[count++] = y * width + x;
      const mean = [0, 0, 0];
      for (const i of pixels) for (let c = 0; c < 3; c++) mean[c] += rgb[3 * i + c] / area;
      const covariance = denseMatrix(3);
      const weighted = [0, 0, 0];
      let total = 0;
      for (const i of pixels) {
        for (let a = 0; a < 3; a++) {
          for (let b = 0; b < 3; b++) covariance.entries[a * 3 + b] += (rgb[3 * i + a] - mean[a]) * (rgb[3 * i + b] - mean[b]) / area;
          weighted[a] += vector[i] * (rgb[3 * i + a] - mean[a]);
        }
        total += vector[i];
      }
      for (let a = 0; a < 3; a++) covariance.entries[a * 4] += epsilon / area;
      const solved = solveDense(covariance, weighted);
      for (const i of pixels) {
        let d = 0;
        for (let c = 0; c < 3; c++) d += (rgb[3 * i + c] - mean[c]) * solved[c];
        out[i] += vector[i] - (total + d) / area;
      }
    }
  }
  return out;
}
