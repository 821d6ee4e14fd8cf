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
