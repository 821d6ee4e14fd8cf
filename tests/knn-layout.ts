// KNN matting's system laid out in wasm memory as src/methods/knn.ts lays it out, for the oracle tests of its
// kernels (tests/knn-system.oracle.test.ts, tests/knn-sgs.oracle.test.ts): the neighbour record, the active rows,
// degrees, diagonal, right-hand side and Jacobi inverse, and (binary kernel) the compressed rows with repeats summed.
import type { Arena } from "../dist/engine.js";
import type { KnnKernels } from "../dist/methods/knn.js";
import type { NeighbourSet } from "./reference/knn-system.js";

export interface KnnLayout {
  /** The neighbour record (count, then k, neighbours, weights per search). */
  record: number;
  activeIndex: number;
  rows: number;
  degree: number;
  diagonal: number;
  rhs: number;
  inverse: number;
  /** Compressed rows (0 when not compressed): row starts, entries, and how many entries the merge kept. */
  rowStart: number;
  columns: number;
  entries: number;
}

export function layKnnSystem(arena: Arena, kernels: KnnKernels, sets: NeighbourSet[], labels: Uint8Array, lambda: number, compress: boolean): KnnLayout {
  const n = labels.length;
  const fields = [sets.length];
  for (const s of sets) {
    const neighbours = arena.alloc(n * s.k * 4);
    arena.i32(neighbours, n * s.k).set(s.neighbours);
    let weights = 0;
    if (s.weights) {
      weights = arena.alloc(n * s.k * 4);
      arena.f32(weights, n * s.k).set(s.weights);
    }
    fields.push(s.k, neighbours, weights);
  }
  const record = arena.alloc(fields.length * 4);
  arena.i32(record, fields.length).set(fields);
  const labelsAt = arena.alloc(n);
  arena.u8(labelsAt, n).set(labels);
  const activeIndex = arena.alloc(n * 4);
  const rows = kernels.knnActiveRows(record, n, labelsAt, 1, activeIndex);
  const degree = arena.alloc(n * 8), diagonal = arena.alloc(rows * 8), rhs = arena.alloc(rows * 8), inverse = arena.alloc(rows * 8);
  kernels.knnDegrees(record, n, degree);
  kernels.knnSystem(record, n, labelsAt, degree, activeIndex, lambda, diagonal, rhs);
  kernels.knnJacobi(diagonal, rows, inverse);
  let rowStart = 0, columns = 0, entries = 0;
  if (compress) {
    rowStart = arena.alloc((rows + 1) * 4);
    arena.i32(rowStart, rows + 1).fill(0);
    kernels.knnEdgeCounts(record, rows, rowStart + 4);
    entries = kernels.sparseRowStarts(rows, rowStart);
    columns = arena.alloc(entries * 4);
    const cursor = arena.alloc(rows * 4);
    arena.i32(cursor, rows).set(arena.i32(rowStart, rows));
    kernels.knnEdgeFill(record, rows, cursor, columns);
    arena.i32(cursor, rows).fill(-1);
    entries = kernels.knnMergeRows(rows, rowStart, columns, cursor);
  }
  return { record, activeIndex, rows, degree, diagonal, rhs, inverse, rowStart, columns, entries };
}
