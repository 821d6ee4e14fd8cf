// Plain f64 reference of information flow's two-level preconditioner (assembly/methods/ifm-coarse.ts): the
// aggregates, the basis Z (1 and the colour less the aggregate's mean), E = Z^T A Z from a dense A, and
// M^-1 r = D^-1 r + Z E^+ Z^T r with E^+ the inverse on the coarse unknowns a Cholesky keeps; the fine part's
// diagonal blocks (assembly/methods/ifm-blocks.ts), M^-1 r = B^-1 r + Z E^+ Z^T r.
import { type DenseMatrix, solveDense } from "./dense.js";

/** Aggregate of each unknown row: side x side pixel blocks with an unknown, numbered in raster order of the blocks. */
export function referenceAggregates(unknownIndex: Int32Array, width: number, height: number, side: number): { aggregateOf: Int32Array; count: number } {
  const gw = Math.ceil(width / side), gh = Math.ceil(height / side);
  const blockNumber = new Int32Array(gw * gh).fill(-1);
  const rows = unknownIndex.reduce((n, u) => (u >= 0 ? n + 1 : n), 0);
  for (let p = 0; p < width * height; p++) if (unknownIndex[p] >= 0) blockNumber[Math.floor(p / width / side) * gw + Math.floor((p % width) / side)] = 0;
  let count = 0;
  blockNumber.forEach((b, i) => (blockNumber[i] = b >= 0 ? count++ : -1));
  const aggregateOf = new Int32Array(rows);
  for (let p = 0; p < width * height; p++) {
    if (unknownIndex[p] >= 0) aggregateOf[unknownIndex[p]] = blockNumber[Math.floor(p / width / side) * gw + Math.floor((p % width) / side)];
  }
  return { aggregateOf, count };
}

/** Z as rows x 4 (row-major): 1 and each colour channel less its aggregate's mean. rgb: f64 RGB per pixel. */
export function referenceBasis(rgb: Float64Array, unknownIndex: Int32Array, aggregateOf: Int32Array, count: number): Float64Array {
  const sums = new Float64Array(count * 4);
  for (let p = 0; p < unknownIndex.length; p++) {
    const u = unknownIndex[p];
    if (u < 0) continue;
    const a = aggregateOf[u];
    for (let c = 0; c < 3; c++) sums[a * 4 + c] += rgb[p * 3 + c];
    sums[a * 4 + 3]++;
  }
  const basis = new Float64Array(aggregateOf.length * 4);
  for (let p = 0; p < unknownIndex.length; p++) {
    const u = unknownIndex[p];
    if (u < 0) continue;
    const a = aggregateOf[u];
    basis[u * 4] = 1;
    for (let c = 0; c < 3; c++) basis[u * 4 + 1 + c] = rgb[p * 3 + c] - sums[a * 4 + c] / sums[a * 4 + 3];
  }
  return basis;
}

/** E = Z^T A Z (m = 4 x aggregates), Z from the basis rows and the aggregates. */
export function referenceCoarseOperator(matrix: DenseMatrix, basis: ArrayLike<number>, aggregateOf: Int32Array, m: number): DenseMatrix {
  const rows = matrix.size;
  const z = new Float64Array(rows * m);
  for (let u = 0; u < rows; u++) for (let i = 0; i < 4; i++) z[u * m + aggregateOf[u] * 4 + i] = basis[u * 4 + i];
  const az = new Float64Array(rows * m);
  for (let u = 0; u < rows; u++) for (let v = 0; v < rows; v++) {
    const a = matrix.entries[u * rows + v];
    if (a !== 0) for (let j = 0; j < m; j++) az[u * m + j] += a * z[v * m + j];
  }
  const e = new Float64Array(m * m);
  for (let u = 0; u < rows; u++) for (let i = 0; i < m; i++) {
    const zi = z[u * m + i];
    if (zi !== 0) for (let j = 0; j < m; j++) e[i * m + j] += zi * az[u * m + j];
  }
  return { size: m, entries: e };
}

/**
 * B^-1 r: A's diagonal blocks (the rows of each block, numbered as referenceAggregates numbers them) each solved
 * densely; also whether a plain Cholesky of every block succeeds (each is positive definite).
 */
export function referenceBlockSolve(matrix: DenseMatrix, blockOf: Int32Array, count: number, r: ArrayLike<number>): { z: Float64Array; positiveDefinite: boolean } {
  const rows = matrix.size, z = new Float64Array(rows);
  let positiveDefinite = true;
  for (let b = 0; b < count; b++) {
    const members = Array.from({ length: rows }, (_, u) => u).filter((u) => blockOf[u] === b);
    const size = members.length;
    const block: DenseMatrix = { size, entries: Float64Array.from(members.flatMap((u) => members.map((v) => matrix.entries[u * rows + v]))) };
    const l = new Float64Array(size * size);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = block.entries[i * size + j];
        for (let t = 0; t < j; t++) sum -= l[i * size + t] * l[j * size + t];
        if (j < i) l[i * size + j] = sum / l[j * size + j];
        else if (sum > 0) l[i * size + i] = Math.sqrt(sum);
        else positiveDefinite = false;
      }
    }
    solveDense(block, members.map((u) => r[u])).forEach((value, i) => (z[members[i]] = value));
  }
  return { z, positiveDefinite };
}
