// Accuracy metrics for alpha mattes, as defined in ../shared/reference/METRICS.md: the Deep Image Matting
// evaluation (Xu et al. 2017), which follows the alphamatting.com benchmark (Rhemann et al., CVPR 2009).
// Every metric compares float alphas in [0, 1] and sums or averages over the unknown pixels only.

/** One matte to score: predicted and ground-truth alpha, and which pixels the trimap left unknown. */
export interface ScoredMatte {
  width: number;
  height: number;
  predicted: Float32Array;
  truth: Float32Array;
  /** 1 where the trimap is unknown, 0 elsewhere. */
  unknown: Uint8Array;
}

export interface MatteScores {
  sad: number;
  mse: number;
  gradient: number;
  connectivity: number;
}

function checkShapes(m: ScoredMatte): void {
  const n = m.width * m.height;
  for (const [name, array] of [["predicted", m.predicted], ["truth", m.truth], ["unknown", m.unknown]] as const) {
    if (array.length !== n) throw new Error(`${name} has ${array.length} values, expected ${m.width}x${m.height} = ${n}`);
  }
}

/** Sum of absolute differences over the unknown pixels, divided by 1000. */
export function sad(m: ScoredMatte): number {
  checkShapes(m);
  let sum = 0;
  for (let i = 0; i < m.unknown.length; i++) if (m.unknown[i]) sum += Math.abs(m.predicted[i] - m.truth[i]);
  return sum / 1000;
}

/** Mean squared difference over the unknown pixels (0 when there are none). */
export function mse(m: ScoredMatte): number {
  checkShapes(m);
  let sum = 0, count = 0;
  for (let i = 0; i < m.unknown.length; i++) {
    if (!m.unknown[i]) continue;
    const d = m.predicted[i] - m.truth[i];
    sum += d * d;
    count++;
  }
  return count === 0 ? 0 : sum / count;
}

/** Mean absolute difference over the unknown pixels between two alphas (0 when there are none). */
export function meanAbsoluteDifference(a: Float32Array, b: Float32Array, unknown: Uint8Array): number {
  let sum = 0, count = 0;
  for (let i = 0; i < unknown.length; i++) {
    if (!unknown[i]) continue;
    sum += Math.abs(a[i] - b[i]);
    count++;
  }
  return count === 0 ? 0 : sum / count;
}

export const GRADIENT_SIGMA = 1.4;

/**
 * Half-size of the Gaussian derivative kernel: ceil(sigma * sqrt(-2 ln(sqrt(2 pi) sigma 0.01))), the radius at
 * which the Gaussian falls to 1% of its peak (METRICS.md). 4 for sigma = 1.4.
 */
export function gaussianHalfSize(sigma: number): number {
  return Math.ceil(sigma * Math.sqrt(-2 * Math.log(Math.sqrt(2 * Math.PI) * sigma * 0.01)));
}

/**
 * The 2-D first-order Gaussian derivative kernel along x is separable: G(y) * G'(x), with
 * G(u) = exp(-u^2 / (2 sigma^2)) / (sigma sqrt(2 pi)) and G'(u) = -u G(u) / sigma^2. Scaling both 1-D factors
 * to unit L2 norm gives the 2-D kernel unit L2 norm, since its squared norm is the product of theirs.
 */
export function gaussianDerivativeFactors(sigma: number): { smooth: Float64Array; derivative: Float64Array } {
  const half = gaussianHalfSize(sigma);
  const size = 2 * half + 1;
  const smooth = new Float64Array(size), derivative = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const u = k - half;
    const g = Math.exp(-(u * u) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
    smooth[k] = g;
    derivative[k] = (-u * g) / (sigma * sigma);
  }
  const normalise = (v: Float64Array) => {
    const norm = Math.hypot(...v);
    for (let k = 0; k < v.length; k++) v[k] /= norm;
  };
  normalise(smooth);
  normalise(derivative);
  return { smooth, derivative };
}

const clamp = (v: number, low: number, high: number) => (v < low ? low : v > high ? high : v);

/** Correlates rows (axis "x") or columns (axis "y") with a 1-D kernel, replicating the border pixels. */
function filter1d(src: Float64Array, width: number, height: number, kernel: Float64Array, axis: "x" | "y"): Float64Array {
  const half = (kernel.length - 1) / 2;
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -half; k <= half; k++) {
        const at = axis === "x" ? y * width + clamp(x + k, 0, width - 1) : clamp(y + k, 0, height - 1) * width + x;
        sum += kernel[k + half] * src[at];
      }
      out[y * width + x] = sum;
    }
  }
  return out;
}

/** Gradient magnitude per pixel by Gaussian derivative filters (sigma = 1.4), replicated borders. */
export function gradientMagnitude(alpha: Float32Array, width: number, height: number, sigma = GRADIENT_SIGMA): Float64Array {
  const { smooth, derivative } = gaussianDerivativeFactors(sigma);
  const src = Float64Array.from(alpha);
  const gx = filter1d(filter1d(src, width, height, derivative, "x"), width, height, smooth, "y");
  const gy = filter1d(filter1d(src, width, height, smooth, "x"), width, height, derivative, "y");
  const magnitude = new Float64Array(width * height);
  for (let i = 0; i < magnitude.length; i++) magnitude[i] = Math.hypot(gx[i], gy[i]);
  return magnitude;
}

/** Sum over the unknown pixels of (|grad predicted| - |grad truth|)^2, divided by 1000. */
export function gradientError(m: ScoredMatte): number {
  checkShapes(m);
  const predicted = gradientMagnitude(m.predicted, m.width, m.height);
  const truth = gradientMagnitude(m.truth, m.width, m.height);
  let sum = 0;
  for (let i = 0; i < m.unknown.length; i++) {
    if (!m.unknown[i]) continue;
    const d = predicted[i] - truth[i];
    sum += d * d;
  }
  return sum / 1000;
}

/** Marks (1) the largest 4-connected component of `mask`; ties go to the component met first in row order. */
export function largestComponent(mask: Uint8Array, width: number, height: number): Uint8Array {
  const label = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  let best = 0, bestSize = 0, next = 0;
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || label[seed]) continue;
    const id = ++next;
    let top = 0, size = 0;
    label[seed] = id;
    stack[top++] = seed;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const x = p % width;
      const visit = (q: number) => {
        if (mask[q] && !label[q]) {
          label[q] = id;
          stack[top++] = q;
        }
      };
      if (x > 0) visit(p - 1);
      if (x < width - 1) visit(p + 1);
      if (p >= width) visit(p - width);
      if (p < (height - 1) * width) visit(p + width);
    }
    if (size > bestSize) {
      best = id;
      bestSize = size;
    }
  }
  const component = new Uint8Array(width * height);
  if (best > 0) for (let i = 0; i < label.length; i++) component[i] = label[i] === best ? 1 : 0;
  return component;
}

/** Thresholds 0, 0.1, ..., 1 written as k / 10 so that 0.2, 0.4, ... equal the 8-bit levels 51/255, 102/255, ... */
export const CONNECTIVITY_THRESHOLDS = Array.from({ length: 11 }, (_, k) => k / 10);

/**
 * Connectivity error. Omega_t is the largest 4-connected component of (predicted >= t) and (truth >= t). A pixel's
 * level l is the last threshold before it first falls out of Omega_t (1 if it never does). With d = alpha - l,
 * phi = 1 - d [d >= 0.15]. Error = sum over unknown pixels of |phi_predicted - phi_truth| / 1000.
 */
export function connectivityError(m: ScoredMatte): number {
  checkShapes(m);
  const { width, height } = m;
  const n = width * height;
  const level = new Float64Array(n).fill(-1);
  const both = new Uint8Array(n);
  for (let k = 1; k < CONNECTIVITY_THRESHOLDS.length; k++) {
    const t = CONNECTIVITY_THRESHOLDS[k];
    for (let i = 0; i < n; i++) both[i] = m.predicted[i] >= t && m.truth[i] >= t ? 1 : 0;
    const omega = largestComponent(both, width, height);
    for (let i = 0; i < n; i++) if (level[i] < 0 && !omega[i]) level[i] = CONNECTIVITY_THRESHOLDS[k - 1];
  }
  const phi = (alpha: number, l: number) => {
    const d = alpha - l;
    return d >= 0.15 ? 1 - d : 1;
  };
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!m.unknown[i]) continue;
    const l = level[i] < 0 ? 1 : level[i];
    sum += Math.abs(phi(m.predicted[i], l) - phi(m.truth[i], l));
  }
  return sum / 1000;
}

export function scoreMatte(m: ScoredMatte): MatteScores {
  return { sad: sad(m), mse: mse(m), gradient: gradientError(m), connectivity: connectivityError(m) };
}
