// Brute-force k nearest neighbours, the twin of assembly/graph/kdtree.ts: squared Euclidean distances summed
// coordinate by coordinate in f32 (Math.fround), ties to the lower index.

export function bruteForceKnn(points: Float32Array, dims: number, queries: Float32Array, k: number):
  { indices: Int32Array; distances: Float64Array } {
  const n = points.length / dims, count = queries.length / dims;
  const round = Math.fround;
  const indices = new Int32Array(count * k).fill(-1), distances = new Float64Array(count * k).fill(Infinity);
  for (let q = 0; q < count; q++) {
    const all: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      let distance = 0;
      for (let d = 0; d < dims; d++) {
        const diff = round(queries[q * dims + d] - points[i * dims + d]);
        distance = round(distance + round(diff * diff));
      }
      all.push([distance, i]);
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let j = 0; j < Math.min(k, n); j++) {
      distances[q * k + j] = all[j][0];
      indices[q * k + j] = all[j][1];
    }
  }
  return { indices, distances };
}
