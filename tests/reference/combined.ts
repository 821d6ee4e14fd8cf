// Plain reference of the combined method's vote (assembly/methods/combined.ts): each unknown pixel, in raster
// order, takes the median of four votes, the first method's alpha twice and the other two once (the midpoint of
// the two middle votes), each alpha clamped to [0, 1] and read through that method's own row order.
import { UNKNOWN } from "./laplacian.js";

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
 * Squared RGB distance from each unknown pixel's colour (raster order) to the nearest known pixel's, by brute
 * force; `rgb` is unit RGB, 3 per pixel.
 */
export function referenceKnownColourDistances(rgb: Float64Array, labels: Uint8Array): Float64Array {
  const known = [...labels.keys()].filter((p) => labels[p] !== UNKNOWN);
  const distances: number[] = [];
  labels.forEach((label, p) => {
    if (label !== UNKNOWN) return;
    let best = Infinity;
    for (const q of known) best = Math.min(best, (rgb[3 * p] - rgb[3 * q]) ** 2 + (rgb[3 * p + 1] - rgb[3 * q + 1]) ** 2 + (rgb[3 * p + 2] - rgb[3 * q + 2]) ** 2);
    distances.push(best);
  });
  return Float64Array.from(distances);
}

/** vote + w (closedForm - vote), w = min(sqrt(distance) / unexplainedDistance, 1), per unknown pixel. */
export function referenceTowardClosedForm(vote: Float64Array, closedForm: Float64Array, distances: Float64Array, unexplainedDistance: number): Float64Array {
  return vote.map((v, r) => {
    const w = Math.min(Math.sqrt(distances[r]) / unexplainedDistance, 1);
    return v + w * (closedForm[r] - v);
  });
}
