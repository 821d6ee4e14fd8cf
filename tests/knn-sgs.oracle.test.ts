// KNN matting's symmetric Gauss-Seidel CG (assembly/methods/knn-sgs.ts, the binary kernel's solver) against a dense
// direct solve of the same system (tests/reference/knn-system.ts, tests/reference/dense.ts), on random neighbour
// lists as tests/knn-system.oracle.test.ts makes them: the rows split into lower and upper entries (knnSplitRows),
// the solution from a zero and from a random start, run in one call or in slices of a few iterations (the same bits),
// the residual it reports against |b - A x| / |b| of the x it returns, and maxIterations cut short; on both builds.
import { describe, expect, it } from "vitest";
import type { Arena, Engine } from "../dist/engine.js";
import type { KnnKernels } from "../dist/methods/knn.js";
import { makeEngine, random } from "./helpers.js";
import { layKnnSystem } from "./knn-layout.js";
import { denseMatrix, solveDense } from "./reference/dense.js";
import { type NeighbourSet, referenceKnnSystem } from "./reference/knn-system.js";

const ROW_BITS = 27;

function randomSets(n: number, ks: number[], seed: number): NeighbourSet[] {
  const next = random(seed);
  return ks.map((k) => {
    const neighbours = new Int32Array(n * k);
    for (let at = 0; at < n * k; at++) {
      const i = Math.floor(at / k), e = at % k, roll = next();
      // The pixel itself first, as the tree gives it; then near pixels (edges repeat and go both ways), some far, some missing.
      neighbours[at] = e === 0 ? i : roll < 0.05 ? -1 : roll < 0.75 ? Math.min(n - 1, Math.max(0, i + Math.floor(next() * 9) - 4)) : Math.floor(next() * n);
      if (e > 0 && neighbours.subarray(i * k, at).includes(neighbours[at])) neighbours[at] = -1;
    }
    return { k, neighbours };
  });
}

interface Solved {
  x: Float64Array;
  iterations: number;
  residual: number;
  split: { lowerOk: boolean; entries: number[][]; before: number[][] };
}

/** The system laid out and solved as src/methods/knn.ts does for the binary kernel; slices: iterations per call. */
async function solveSgs(engine: Engine, sets: NeighbourSet[], labels: Uint8Array, start: Float64Array | undefined, tolerance: number, maxIterations: number, slice: number): Promise<Solved> {
  const kernels = engine.kernels as unknown as KnnKernels;
  return engine.run((arena: Arena) => {
    const { record, rows, diagonal, rhs, inverse, rowStart, columns } = layKnnSystem(arena, kernels, sets, labels, 100, true);
    const split = arena.alloc(rows * 4);
    const starts = arena.i32(rowStart, rows + 1).slice();
    const rowsOf = (values: Int32Array) => Array.from({ length: rows }, (_, r) => [...values.subarray(starts[r], starts[r + 1])].sort((a, b) => a - b));
    const before = rowsOf(arena.i32(columns, starts[rows]).slice());
    kernels.knnSplitRows(rows, rowStart, columns, split);
    const after = arena.i32(columns, starts[rows]).slice(), splitAt = arena.i32(split, rows).slice();
    let lowerOk = true;
    for (let r = 0; r < rows; r++) {
      for (let at = starts[r]; at < starts[r + 1]; at++) {
        const column = after[at] & ((1 << ROW_BITS) - 1);
        if (at < splitAt[r] ? column >= r : column <= r) lowerOk = false;
      }
    }
    const operator = arena.alloc(28);
    arena.i32(operator, 7).set([rows, record, diagonal, inverse, rowStart, columns, split]);
    const vector = () => arena.alloc(rows * 8);
    const x = vector(), rho = vector(), u = vector(), q = vector(), t = vector(), state = arena.alloc(48);
    arena.f64(x, rows).set(start ? start.subarray(0, rows) : new Float64Array(rows));
    let residual = kernels.knnSgsStart(operator, rhs, x, rho, u, q, t, state);
    let iterations = 0;
    while (residual > tolerance && iterations < maxIterations) {
      const asked = Math.min(slice, maxIterations - iterations);
      const ran = kernels.knnSgsIterate(operator, x, rho, u, q, t, state, asked, tolerance);
      iterations += ran;
      residual = relative(arena.f64(state, 3));
      if (ran < asked) break;
    }
    kernels.knnSgsFinish(operator, x, rho, state);
    return { x: arena.f64(x, rows).slice(), iterations, residual: relative(arena.f64(state, 3)), split: { lowerOk, entries: rowsOf(after), before } };
  });
}

/** |r| / |b| from the state record, |r| when b = 0 (as src/slices.ts relativeResidual). */
const relative = ([, bNorm, rNorm]: Float64Array) => (bNorm > 0 ? rNorm / bNorm : rNorm);

function denseResidual(matrix: Float64Array[], rhs: Float64Array, x: Float64Array): number {
  let rr = 0, bb = 0;
  matrix.forEach((row, r) => {
    const res = rhs[r] - row.reduce((sum, v, c) => sum + v * x[c], 0);
    rr += res * res;
    bb += rhs[r] * rhs[r];
  });
  return bb > 0 ? Math.sqrt(rr / bb) : Math.sqrt(rr);
}

const cases = [
  { name: "two searches (20, 10), half unknown", n: 90, ks: [20, 10], unknown: 0.5 },
  { name: "three searches (3, 8, 2), few unknown", n: 120, ks: [3, 8, 2], unknown: 0.08 },
  { name: "one search of 4, most unknown", n: 60, ks: [4], unknown: 0.85 },
  { name: "one search of 6, one unknown pixel", n: 70, ks: [6], unknown: 0.015 },
  { name: "one search of 40, most unknown", n: 150, ks: [40], unknown: 0.8 },
];

describe("knn's symmetric Gauss-Seidel CG against a dense solve", () => {
  it.each(cases.flatMap((c) => (["release", "scalar"] as const).map((build) => ({ ...c, build }))))("$name ($build)", async ({ n, ks, unknown, build }) => {
    const engine = await makeEngine(build);
    const sets = randomSets(n, ks, n + 3 * ks.length);
    const next = random(n * 11);
    const labels = Uint8Array.from({ length: n }, () => (next() < unknown ? 2 : next() < 0.5 ? 1 : 0));
    const reference = referenceKnnSystem(sets, labels, 100);
    const dense = denseMatrix(reference.rows);
    reference.matrix.forEach((row, r) => dense.entries.set(row, r * reference.rows));
    const exact = solveDense(dense, reference.rhs);
    const start = Float64Array.from({ length: n }, () => next());

    const whole = await solveSgs(engine, sets, labels, undefined, 1e-12, 10000, 10000);
    expect(whole.split.lowerOk).toBe(true);
    expect(whole.split.entries).toEqual(whole.split.before);
    expect(whole.residual).toBeLessThanOrEqual(1e-12);
    // The residual it reports is that of the x it returns.
    expect(Math.abs(whole.residual - denseResidual(reference.matrix, reference.rhs, whole.x))).toBeLessThan(1e-13);
    whole.x.forEach((v, r) => expect(v).toBeCloseTo(exact[r], 9));
    // Slices of one to three iterations: the same arithmetic, the same bits.
    for (const slice of [1, 3]) {
      const sliced = await solveSgs(engine, sets, labels, undefined, 1e-12, 10000, slice);
      expect(sliced.iterations).toBe(whole.iterations);
      expect([...sliced.x]).toEqual([...whole.x]);
    }
    const warm = await solveSgs(engine, sets, labels, start, 1e-12, 10000, 10000);
    warm.x.forEach((v, r) => expect(v).toBeCloseTo(exact[r], 9));
    // At a looser tolerance the answer still meets it.
    const loose = await solveSgs(engine, sets, labels, start, 1e-4, 10000, 2);
    expect(denseResidual(reference.matrix, reference.rhs, loose.x)).toBeLessThanOrEqual(1e-4 * (1 + 1e-9));
    // Cut short: as many iterations as allowed, and the residual of what it returns.
    const cut = await solveSgs(engine, sets, labels, undefined, 1e-30, 2, 1);
    expect(cut.iterations).toBe(Math.min(2, whole.iterations));
    expect(Math.abs(cut.residual - denseResidual(reference.matrix, reference.rhs, cut.x))).toBeLessThan(1e-12);
  });
});
