// Plain twin of assembly/solve/guess.ts: a solver's initial guess from an alpha matte.

/** Labels: 0 background, 1 foreground, 2 unknown. x[index[i]] = alpha on unknown pixels, the trimap value on known ones. */
export function seedSolution(labels: Uint8Array, index: Int32Array, alpha: Float32Array, x: Float64Array): Float64Array {
  const out = x.slice();
  for (let i = 0; i < labels.length; i++) {
    if (index[i] < 0) continue;
    out[index[i]] = labels[i] === 2 ? alpha[i] : labels[i] === 1 ? 1 : 0;
  }
  return out;
}

/** The values before clamping: x[index[i]] (as f32) on unknown pixels, 1 or 0 on known ones. */
export function composeSolution(labels: Uint8Array, index: Int32Array, x: Float64Array): Float32Array {
  return Float32Array.from(labels, (label, i) => (label === 2 ? x[index[i]] : label === 1 ? 1 : 0));
}

/** Index of the first value that is NaN or infinite, or -1. */
export function firstNonFinite(values: Float32Array): number {
  return values.findIndex((v) => !Number.isFinite(v));
}
