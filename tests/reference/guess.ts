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
