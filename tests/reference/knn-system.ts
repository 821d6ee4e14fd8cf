// The plain twin of KNN matting's system (assembly/methods/knn.ts knnDegrees, knnActiveRows, knnSystem, the compressed
// rows, and the products of knn-cg.ts): W = K + K^T summed edge by edge into a dense matrix over all pixels, the rows
// of the unknown pixels and of every pixel sharing an edge with one, numbered in pixel order, and over them
// D - W + lambda D C with the couplings to the other (fixed) pixels moved to the right-hand side.

/** One neighbour search: pixels * k neighbour indices (-1: none) and, for the soft kernel, their weights. */
export interface NeighbourSet {
  k: number;
  neighbours: Int32Array;
  weights?: Float32Array;
}

const FOREGROUND = 1, UNKNOWN = 2;

export function referenceKnnSystem(sets: NeighbourSet[], labels: Uint8Array, lambda: number) {
  const n = labels.length;
  const w = Array.from({ length: n }, () => new Float64Array(n));
  const linked = Array.from({ length: n }, () => new Set<number>());
  for (const { k, neighbours, weights } of sets) {
    for (let i = 0; i < n; i++) {
      for (let e = 0; e < k; e++) {
        const j = neighbours[i * k + e];
        if (j < 0) continue;
        const weight = weights ? weights[i * k + e] : 1;
        w[i][j] += weight;
        w[j][i] += weight;
        linked[i].add(j);
        linked[j].add(i);
      }
    }
  }
  const degree = w.map((row) => row.reduce((sum, v) => sum + v, 0));
  const active = (p: number) => labels[p] === UNKNOWN || [...linked[p]].some((q) => q !== p && labels[q] === UNKNOWN);
  const activeIndex = new Int32Array(n).fill(-1);
  let rows = 0;
  for (let p = 0; p < n; p++) if (active(p)) activeIndex[p] = rows++;
  const matrix = Array.from({ length: rows }, () => new Float64Array(rows));
  const rhs = new Float64Array(rows);
  for (let i = 0; i < n; i++) {
    const r = activeIndex[i];
    if (r < 0) continue;
    const known = labels[i] !== UNKNOWN;
    matrix[r][r] = degree[i] - w[i][i] + (known ? lambda * degree[i] : 0);
    rhs[r] = labels[i] === FOREGROUND ? lambda * degree[i] : 0;
    for (let j = 0; j < n; j++) {
      if (j === i || w[i][j] === 0) continue;
      if (activeIndex[j] >= 0) matrix[r][activeIndex[j]] -= w[i][j];
      else rhs[r] += w[i][j] * (labels[j] === FOREGROUND ? 1 : 0);
    }
  }
  return { activeIndex, rows, matrix, rhs, degree };
}
