// Brute-force k nearest neighbours, the twin of assembly/graph/kdtree.ts: squared Euclidean distances summed
// coordinate by coordinate in f32 (Math.fround), ties to the lower index.

export function bruteForceKnn(points: Float32Array, dims: number, queries: Float32Array, k: number):
  { indices: Int32Array; distances: Float64Array } {
  const n = points.length / dims, count = queries.length / dims;
  const round = Math.fround;
  const indices = new Int32Array(count * k).fill(-1), distances = new Float64Array(count * k).fill(Infinity);
  const m = Math.min(k, n);
  for (let q = 0; q < count; q++) {
    // The m best so far, sorted by distance, then index: each point goes in by insertion when it beats the last.
    const bestDistance = new Float64Array(m).fill(Infinity), bestIndex = new Int32Array(m).fill(-1);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      let distance = 0;
      for (let d = 0; d < dims; d++) {
        const diff = round(queries[q * dims + d] - points[i * dims + d]);
        distance = round(distance + round(diff * diff));
      }
      // Points come in index order, so an equal distance never goes before a kept one.
      if (kept === m && !(distance < bestDistance[m - 1])) continue;
      let j = kept < m ? kept++ : m - 1;
      while (j > 0 && bestDistance[j - 1] > distance) {
        bestDistance[j] = bestDistance[j - 1];
        bestIndex[j] = bestIndex[j - 1];
        j--;
      }
      bestDistance[j] = distance;
      bestIndex[j] = i;
    }
    distances.set(bestDistance, q * k);
    indices.set(bestIndex, q * k);
  }
  return { indices, distances };
}
