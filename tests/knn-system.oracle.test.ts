// KNN matting's system and its products (assembly/methods/knn.ts, knn-cg.ts) against its dense twin
// (tests/reference/knn-system.ts), on random neighbour lists with what real ones hold and more: edges both ways,
// the same edge from two searches, a pixel among its own neighbours, missing neighbours (-1), soft weights, a few
// scattered unknown pixels or many; the binary kernel's compressed rows (repeats summed) and the plain lists; on
// both builds.
import { describe, expect, it } from "vitest";
import type { Arena, Engine } from "../dist/engine.js";
import type { KnnKernels } from "../dist/methods/knn.js";
import { makeEngine, random } from "./helpers.js";
import { layKnnSystem } from "./knn-layout.js";
import { type NeighbourSet, referenceKnnSystem } from "./reference/knn-system.js";

/** assembly/methods/knn.ts ROW_BITS: a compressed entry's column below it, its count less one above. */
const ROW_BITS = 27;


function randomSets(n: number, ks: number[], soft: boolean, seed: number): NeighbourSet[] {
  const next = random(seed);
  return ks.map((k) => {
    const neighbours = new Int32Array(n * k), weights = soft ? new Float32Array(n * k) : undefined;
    for (let at = 0; at < n * k; at++) {
      const roll = next();
      // As the tree gives them, the first is the pixel itself, and one other pixel at least (else the row is 0 = 0);
      // then mostly near pixels (so that edges repeat and go both ways), some anywhere, some missing, some the pixel.
      const i = Math.floor(at / k), e = at % k;
      neighbours[at] = e === 0 ? i : e === 1 ? (i + 1 + Math.floor(roll * 5)) % n : roll < 0.05 ? -1 : roll < 0.1 ? i : roll < 0.7 ? Math.min(n - 1, Math.max(0, i + Math.floor(next() * 7) - 3)) : Math.floor(next() * n);
      if (weights) weights[at] = Math.fround(next());
      // A pixel's list holds each pixel once, as the tree's does (so no pair is repeated more than twice per search).
      if (neighbours.subarray(i * k, at).includes(neighbours[at])) neighbours[at] = -1;
    }
    return { k, neighbours, weights };
  });
}

function randomLabels(n: number, unknownShare: number, seed: number): Uint8Array {
  const next = random(seed);
  return Uint8Array.from({ length: n }, () => (next() < unknownShare ? 2 : next() < 0.5 ? 1 : 0));
}

async function engineSystem(engine: Engine, sets: NeighbourSet[], labels: Uint8Array, lambda: number, x: Float64Array, compress: boolean) {
  const kernels = engine.kernels as unknown as KnnKernels;
  const n = labels.length;
  return engine.run((arena: Arena) => {
    const { record, activeIndex, rows, degree, diagonal, rhs, inverse, rowStart, columns, entries } = layKnnSystem(arena, kernels, sets, labels, lambda, compress);
    const operator = arena.alloc(24);
    arena.i32(operator, 6).set([rows, record, diagonal, inverse, rowStart, columns]);
    const xAt = arena.alloc(rows * 8), yAt = arena.alloc(rows * 8);
    arena.f64(xAt, rows).set(x.subarray(0, rows));
    kernels.knnProduct(operator, xAt, yAt);
    return {
      rows, activeIndex: arena.i32(activeIndex, n).slice(), degree: arena.f64(degree, n).slice(), rhs: arena.f64(rhs, rows).slice(),
      inverse: arena.f64(inverse, rows).slice(), product: arena.f64(yAt, rows).slice(), entries,
    };
  });
}

const cases = [
  { name: "two searches (20, 10), binary, half unknown", n: 60, ks: [20, 10], soft: false, unknown: 0.5 },
  { name: "two searches, soft weights, half unknown", n: 50, ks: [20, 10], soft: true, unknown: 0.5 },
  { name: "three searches (3, 8, 2), soft, few unknown", n: 80, ks: [3, 8, 2], soft: true, unknown: 0.05 },
  { name: "one search of 2, binary, all unknown", n: 40, ks: [2], soft: false, unknown: 1 },
  { name: "one search of 6, binary, one unknown pixel", n: 70, ks: [6], soft: false, unknown: 0.015 },
];

describe("knn's matrix-free system against its dense twin", () => {
  it.each(cases.flatMap((c) => (["release", "scalar"] as const).map((build) => ({ ...c, build }))))("$name ($build)", async ({ n, ks, soft, unknown, build }) => {
    const engine = await makeEngine(build);
    const lambda = 100;
    const sets = randomSets(n, ks, soft, n + ks.length);
    const labels = randomLabels(n, unknown, n * 7);
    const expected = referenceKnnSystem(sets, labels, lambda);
    const next = random(n * 13);
    const x = Float64Array.from({ length: n }, () => next() * 2 - 1);
    // The binary kernel's compressed rows with repeats summed, as knn lays them out, and the plain lists: the
    // product must not change, and no row may keep a column twice.
    const got = await engineSystem(engine, sets, labels, lambda, x, false);
    const compressed = soft ? got : await engineSystem(engine, sets, labels, lambda, x, true);
    if (!soft) expect(compressed.entries).toBe(expected.matrix.reduce((sum, row, r) => sum + row.filter((v, c) => c !== r && v !== 0).length, 0));
    expect(got.rows).toBe(expected.rows);
    expect([...got.activeIndex]).toEqual([...expected.activeIndex]);
    got.degree.forEach((d, p) => expect(d).toBeCloseTo(expected.degree[p], 10));
    for (let r = 0; r < expected.rows; r++) {
      const row = expected.matrix[r];
      expect(got.rhs[r]).toBeCloseTo(expected.rhs[r], 9);
      expect(got.inverse[r] * row[r]).toBeCloseTo(1, 12);
      const product = row.reduce((sum, v, c) => sum + v * x[c], 0);
      expect(got.product[r]).toBeCloseTo(product, 9);
      expect(compressed.product[r]).toBeCloseTo(product, 9);
    }
  });
});

// The binary kernel's compressed rows built by the kernels (knnEdgeCounts, knnEdgeFill, knnMergeRows, knnSplitRows;
// each holds a row's own count or cursor in a local while it reads the row's list) against a plain fill in
// JavaScript, entry by entry in the same order, from row lists (as knnSystem leaves them) with missing entries,
// repeats and a row's own index (which knnSystem never writes, but the kernels take), on both builds.
describe("knn's compressed rows against a plain fill", () => {
  it.each(["release", "scalar"] as const)("%s", async (build) => {
    const engine = await makeEngine(build);
    const kernels = engine.kernels as unknown as KnnKernels & {
      knnEdgeCounts(sets: number, rows: number, counts: number): void;
      knnEdgeFill(sets: number, rows: number, cursor: number, columns: number): void;
      knnMergeRows(rows: number, rowStart: number, columns: number, seen: number): number;
      sparseRowStarts(rows: number, rowStart: number): number;
    };
    const rows = 90, ks = [7, 3], next = random(4242);
    const lists = ks.map((k) => Int32Array.from({ length: rows * k }, (_, at) => {
      const r = Math.floor(at / k), roll = next();
      return roll < 0.1 ? -1 : roll < 0.2 ? r : roll < 0.7 ? Math.min(rows - 1, Math.max(0, r + Math.floor(next() * 7) - 3)) : Math.floor(next() * rows);
    }));
    // The plain fill: each entry (r, c) appended to row r, then r to row c; repeats summed in order of first appearance.
    const plain: number[][] = Array.from({ length: rows }, () => []);
    ks.forEach((k, s) => {
      for (let r = 0; r < rows; r++) {
        for (let e = 0; e < k; e++) {
          const c = lists[s][r * k + e];
          if (c < 0) continue;
          plain[r].push(c);
          plain[c].push(r);
        }
      }
    });
    const merged = plain.map((row) => {
      const counts = new Map<number, number>();
      for (const c of row) counts.set(c, (counts.get(c) ?? 0) + 1);
      return [...counts].map(([c, m]) => c | ((m - 1) << ROW_BITS));
    });
    const got = await engine.run((arena: Arena) => {
      const fields = [ks.length];
      ks.forEach((k, s) => {
        const at = arena.alloc(rows * k * 4);
        arena.i32(at, rows * k).set(lists[s]);
        fields.push(k, at, 0);
      });
      const record = arena.alloc(fields.length * 4);
      arena.i32(record, fields.length).set(fields);
      const rowStart = arena.alloc((rows + 1) * 4);
      arena.i32(rowStart, rows + 1).fill(0);
      kernels.knnEdgeCounts(record, rows, rowStart + 4);
      const counted = kernels.sparseRowStarts(rows, rowStart);
      const columns = arena.alloc(counted * 4), cursor = arena.alloc(rows * 4);
      arena.i32(cursor, rows).set(arena.i32(rowStart, rows));
      kernels.knnEdgeFill(record, rows, cursor, columns);
      const filled = Array.from({ length: rows }, (_, r) => [...arena.i32(columns, counted).subarray(arena.i32(rowStart, rows + 1)[r], arena.i32(rowStart, rows + 1)[r + 1])]);
      arena.i32(cursor, rows).fill(-1);
      const entries = kernels.knnMergeRows(rows, rowStart, columns, cursor);
      const starts = arena.i32(rowStart, rows + 1).slice();
      const all = arena.i32(columns, entries).slice();
      return { filled, entries, rows: Array.from({ length: rows }, (_, r) => [...all.subarray(starts[r], starts[r + 1])]) };
    });
    expect(got.filled).toEqual(plain);
    expect(got.entries).toBe(merged.reduce((sum, row) => sum + row.length, 0));
    expect(got.rows).toEqual(merged);
  });
});
