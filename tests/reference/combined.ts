// Plain reference of the combined method's vote (assembly/methods/combined.ts): each unknown pixel, in raster
// order, takes the median of four votes, the first method's alpha twice and the other two once (the midpoint of
// the two middle votes), each alpha clamped to [0, 1] and read through that method's own row order; then the move
// toward closed-form by each pixel's colour-line residual and its window's.
import { BACKGROUND, FOREGROUND, UNKNOWN } from "./laplacian.js";

/** One method's answer as the runner sees it: alpha per row, and the row of each pixel. */
export interface MethodMatte {
  unknownIndex: Int32Array;
  solution: Float64Array;
}

const clampUnit = (v: number) => Math.min(Math.max(v, 0), 1);

/** The weighted median vote per unknown pixel, in raster order. */
export function referenceWeightedMedianVote(labels: Uint8Array, mattes: [MethodMatte, MethodMatte, MethodMatte]): Float64Array {
  const votes: number[] = [];
  labels.forEach((label, p) => {
    if (label !== UNKNOWN) return;
    const [a, b, c] = mattes.map((m) => clampUnit(m.solution[m.unknownIndex[p]]));
    const sorted = [a, a, b, c].sort((x, y) => x - y);
    votes.push((sorted[1] + sorted[2]) / 2);
  });
  return Float64Array.from(votes);
}

/**
 * The colour-line residual of unknown pixel p: |I - B - a (F - B)| with a = clamp((I - B).(F - B) / |F - B|^2, 0, 1),
 * or |I - B| where F = B; colours are unit RGB, 3 per pixel, at pixels p, f and b of `rgb`.
 */
export function referenceResidual(rgb: Float64Array, p: number, f: number, b: number): number {
  const i = [0, 1, 2].map((c) => rgb[3 * p + c] - rgb[3 * b + c]), d = [0, 1, 2].map((c) => rgb[3 * f + c] - rgb[3 * b + c]);
  const span = d[0] ** 2 + d[1] ** 2 + d[2] ** 2;
  const a = span > 0 ? Math.min(Math.max((i[0] * d[0] + i[1] * d[1] + i[2] * d[2]) / span, 0), 1) : 0;
  return Math.hypot(i[0] - a * d[0], i[1] - a * d[1], i[2] - a * d[2]);
}

/**
 * Per unknown pixel (raster order), by brute force: the colour-line residual with its nearest known foreground
 * and background colours. A search in f32 may pick any colour of a side within a relative 1e-4 of the nearest, so
 * this gives the least and the most residual over those candidates (equal where the nearest are unique).
 */
export function referenceColourLineResiduals(rgb: Float64Array, labels: Uint8Array): { low: Float64Array; high: Float64Array } {
  const sides = [FOREGROUND, BACKGROUND].map((label) => [...labels.keys()].filter((p) => labels[p] === label));
  const colourDistance = (p: number, q: number) => (rgb[3 * p] - rgb[3 * q]) ** 2 + (rgb[3 * p + 1] - rgb[3 * q + 1]) ** 2 + (rgb[3 * p + 2] - rgb[3 * q + 2]) ** 2;
  const low: number[] = [], high: number[] = [];
  labels.forEach((label, p) => {
    if (label !== UNKNOWN) return;
    const [fs, bs] = sides.map((side) => {
      const nearest = Math.min(...side.map((q) => colourDistance(p, q)));
      return side.filter((q) => colourDistance(p, q) <= nearest * (1 + 1e-4) + 1e-12);
    });
    const residuals = fs.flatMap((f) => bs.map((b) => referenceResidual(rgb, p, f, b)));
    low.push(Math.min(...residuals));
    high.push(Math.max(...residuals));
  });
  return { low: Float64Array.from(low), high: Float64Array.from(high) };
}

/**
 * Per unknown pixel (raster order): u m with u = min(residual / unexplained, 1) and m the mean of u over the unknown
 * pixels of the (2 radius + 1)^2 window about it, clipped to the image, summed pixel by pixel.
 */
export function referenceUnexplainedWeights(
  labels: Uint8Array, width: number, height: number, residuals: Float64Array, unexplained: number, radius: number,
): Float64Array {
  const u = new Float64Array(width * height).fill(NaN);
  let row = 0;
  labels.forEach((label, p) => {
    if (label === UNKNOWN) u[p] = Math.min(residuals[row++] / unexplained, 1);
  });
  const weights: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (labels[y * width + x] !== UNKNOWN) continue;
      let sum = 0, count = 0;
      for (let v = Math.max(y - radius, 0); v <= Math.min(y + radius, height - 1); v++) {
        for (let h = Math.max(x - radius, 0); h <= Math.min(x + radius, width - 1); h++) {
          if (labels[v * width + h] !== UNKNOWN) continue;
          sum += u[v * width + h];
          count++;
        }
      }
      weights.push(u[y * width + x] * (sum / count));
    }
  }
  return Float64Array.from(weights);
}

/** vote + w (closedForm - vote) per unknown pixel. */
export function referenceTowardClosedForm(vote: Float64Array, closedForm: Float64Array, weights: Float64Array): Float64Array {
  return vote.map((v, r) => v + weights[r] * (closedForm[r] - v));
}
