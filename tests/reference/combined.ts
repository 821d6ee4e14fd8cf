// Plain reference of the combined method's vote (assembly/methods/combined.ts): each unknown pixel, in raster
// order, takes the median of the three methods' alphas, each clamped to [0, 1] and read through that method's own
// row order.
import { UNKNOWN } from "./laplacian.js";

/** One method's answer as the runner sees it: alpha per row, and the row of each pixel. */
export interface MethodMatte {
  unknownIndex: Int32Array;
  solution: Float64Array;
}

const clampUnit = (v: number) => Math.min(Math.max(v, 0), 1);

/** The median vote per unknown pixel, in raster order. */
export function referenceMedianVote(labels: Uint8Array, mattes: [MethodMatte, MethodMatte, MethodMatte]): Float64Array {
  const votes: number[] = [];
  labels.forEach((label, p) => {
    if (label !== UNKNOWN) return;
    const sorted = mattes.map((m) => clampUnit(m.solution[m.unknownIndex[p]])).sort((x, y) => x - y);
    votes.push(sorted[1]);
  });
  return Float64Array.from(votes);
}
