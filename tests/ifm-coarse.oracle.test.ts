// Information flow's two-level preconditioner (assembly/methods/ifm-coarse.ts, src/methods/ifm-coarse.ts) against
// its plain f64 reference (tests/reference/ifm-coarse.ts), on both builds: the aggregates and basis, E = Z^T A Z
// (from products of the assembled system with unit vectors) through its Cholesky factor, which coarse unknowns the
// factor drops, and one application M^-1 r = B^-1 r + Z E^+ Z^T r (B A's diagonal blocks on 4 x 4 pixels,
// assembly/methods/ifm-blocks.ts); then the preconditioned solve against a dense direct solve of the same system,
// with both preconditioners, on 1 to 3 threads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTrimapCounts, loadPixels } from "../dist/alpha.js";
import type { Arena, Engine } from "../dist/engine.js";
import { BLOCK_SIDE, SIDES, maxCoarseUnknowns } from "../dist/methods/ifm-coarse.js";
import { ifmKernels } from "../dist/methods/ifm-kernels.js";
import { assembleIfm, buildFlows } from "../dist/methods/ifm.js";
import { IFM_THREADING, solveIfm, splitIfmRows } from "../dist/methods/ifm-solve.js";
import type { MethodContext } from "../dist/methods/types.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { makeEngine, threadEngine } from "./helpers.js";
import { type DenseMatrix, solveDense } from "./reference/dense.js";
import { referenceAggregates, referenceBasis, referenceBlockSolve, referenceCoarseOperator } from "./reference/ifm-coarse.js";
import { type Image8, noiseImage, randomTrimap, smoothImage } from "./synthetic.js";

/** A photo whose left third is one flat colour: its aggregates' colour functions vanish, and the factor drops them. */
function flatLeftImage(width: number, height: number, seed: number): Image8 {
  const image = smoothImage(width, height, seed);
  for (let y = 0; y < height; y++) for (let x = 0; x < width / 3; x++) image.data.set([90, 140, 60], (y * width + x) * 3);
  return image;
}

const cases = [
  { name: "smooth 40x30", image: smoothImage(40, 30, 41), trimap: randomTrimap(40, 30, 42, 0.5) },
  { name: "noise 23x17", image: noiseImage(23, 17, 43), trimap: randomTrimap(23, 17, 44, 0.6) },
  { name: "flat left third 45x21", image: flatLeftImage(45, 21, 45), trimap: randomTrimap(45, 21, 46, 0.7) },
];

/** Coarse unknowns a plain Cholesky of E keeps: those whose pivot stays above 1e-8 of their diagonal entry. */
function referenceKeptUnknowns(e: DenseMatrix): number[] {
  const m = e.size, l = new Float64Array(m * m), kept: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = e.entries[i * m + j];
      for (let t = 0; t < j; t++) sum -= l[i * m + t] * l[j * m + t];
      if (j < i) l[i * m + j] = l[j * m + j] === 0 ? 0 : sum / l[j * m + j];
      else if (sum > 1e-8 * e.entries[i * m + i]) {
        l[i * m + i] = Math.sqrt(sum);
        kept.push(i);
      }
    }
  }
  return kept;
}

/** The side the set-up picks: the first of SIDES whose aggregates fit maxCoarseUnknowns (reference numbering). */
function referenceSide(unknownIndex: Int32Array, width: number, height: number, rows: number): number {
  const limit = maxCoarseUnknowns(rows);
  return SIDES.find((side: number) => referenceAggregates(unknownIndex, width, height, side).count * 4 <= limit || side >= Math.max(width, height))!;
}

/** Assembles the system with the two-level preconditioner and reads back what the oracle compares. */
function assembled(engine: Engine, image: Image8, trimap: Image8) {
  return engine.run(async (arena: Arena) => {
    const k = ifmKernels(engine);
    const checked = checkImage(image);
    const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
    checkTrimapCounts(pixels.counts);
    const n = image.width * image.height;
    const rgb = arena.f64(pixels.image, n * 3).slice();
    const context: MethodContext = { engine, arena, width: image.width, height: image.height, pixels, progress: () => {}, checkpoint: async () => {} };
    const system = await assembleIfm(context, k, await buildFlows(context, k, pixels.counts.unknown), "multigrid");
    const { rows, record } = system;
    const [kind, coarse] = arena.i32(record + 19 * 4, 2);
    const [m, aggregateOf, basis, factor] = arena.i32(coarse, 4);
    const matrix: DenseMatrix = { size: rows, entries: new Float64Array(rows * rows) };
    const x = arena.alloc((rows + 1) * 8), y = arena.alloc((rows + 1) * 8);
    for (let column = 0; column < rows; column++) {
      arena.f64(x, rows + 1).fill(0);
      arena.f64(x, rows + 1)[column] = 1;
      k.ifmMultiply(record, x, y);
      arena.f64(y, rows).forEach((v, row) => (matrix.entries[row * rows + column] = v));
    }
    // One application of M^-1 to b: the start's z from x = 0.
    const vector = () => arena.alloc((rows + 1) * 8);
    const [zero, r, z, p] = [vector(), vector(), vector(), vector()];
    arena.f64(zero, rows + 1).fill(0);
    arena.f64(z, rows + 1).fill(0);
    engine.together("ifmPcgStart", [record, system.rhs, zero, r, z, p, arena.alloc(32)], true);
    return {
      kind, rows, m, rgb, matrix, unknownIndex: arena.i32(system.unknownIndex, n).slice(), aggregateOf: arena.i32(aggregateOf, rows).slice(),
      basis: arena.f32(basis, rows * 4).slice(), factor: arena.f64(factor, m * m).slice(), rhs: arena.f64(system.rhs, rows).slice(),
      applied: arena.f64(z, rows).slice(),
    };
  });
}

for (const build of ["release", "scalar"] as const) {
  describe(`ifm's two-level preconditioner against its reference (${build})`, async () => {
    const engine = await makeEngine(build);
    for (const { name, image, trimap } of cases) {
      it(`${name}: aggregates, basis, E's factor, dropped unknowns and one application`, async () => {
        const got = await assembled(engine, image, trimap);
        expect(got.kind).toBe(1);
        const side = referenceSide(got.unknownIndex, image.width, image.height, got.rows);
        const { aggregateOf, count } = referenceAggregates(got.unknownIndex, image.width, image.height, side);
        expect(got.m).toBe(count * 4);
        expect(count).toBeGreaterThan(1);
        expect(Array.from(got.aggregateOf)).toEqual(Array.from(aggregateOf));
        const basis = referenceBasis(got.rgb, got.unknownIndex, aggregateOf, count);
        basis.forEach((v, i) => expect(Math.abs(got.basis[i] - v)).toBeLessThanOrEqual(1e-6));
        // E from the wasm's own (f32) basis values, so that only the assembly and the factor are compared.
        const e = referenceCoarseOperator(got.matrix, got.basis, aggregateOf, got.m);
        const m = got.m, scale = Math.max(...Array.from({ length: m }, (_, i) => Math.abs(e.entries[i * m + i])));
        const kept = Array.from({ length: m }, (_, i) => i).filter((i) => got.factor[i * m + i] !== 0);
        const dropped = m - kept.length;
        if (name.startsWith("flat")) expect(dropped).toBeGreaterThan(0);
        else expect(dropped).toBe(0);
        for (const i of kept) for (const j of kept) {
          if (j > i) continue;
          let product = 0;
          for (let t = 0; t <= j; t++) product += got.factor[i * m + t] * got.factor[j * m + t];
          expect(Math.abs(product - e.entries[i * m + j]), `E[${i}][${j}]`).toBeLessThanOrEqual(1e-9 * scale);
        }
        // The same unknowns as a plain Cholesky of E drops (a pivot below 1e-8 of its diagonal entry: a flat
        // aggregate's colour functions, or colours dependent on one another there).
        expect(kept).toEqual(referenceKeptUnknowns(e));
        // M^-1 b = B^-1 b + Z E^+ Z^T b on the kept coarse unknowns, B A's diagonal blocks (positive definite).
        const blocks = referenceAggregates(got.unknownIndex, image.width, image.height, BLOCK_SIDE);
        expect(blocks.count).toBeGreaterThan(1);
        const fine = referenceBlockSolve(got.matrix, blocks.aggregateOf, blocks.count, got.rhs);
        expect(fine.positiveDefinite).toBe(true);
        const restricted = kept.map((i) => got.aggregateOf.reduce((s, a, u) => (a * 4 <= i && i < a * 4 + 4 ? s + got.basis[u * 4 + (i - a * 4)] * got.rhs[u] : s), 0));
        const keptE: DenseMatrix = { size: kept.length, entries: Float64Array.from(kept.flatMap((i) => kept.map((j) => e.entries[i * m + j]))) };
        const coarse = solveDense(keptE, restricted);
        const full = new Float64Array(m);
        kept.forEach((i, at) => (full[i] = coarse[at]));
        const norm = Math.max(...Array.from(got.applied, Math.abs));
        got.applied.forEach((value, u) => {
          let expected = fine.z[u];
          for (let i = 0; i < 4; i++) expected += got.basis[u * 4 + i] * full[got.aggregateOf[u] * 4 + i];
          // The blocks' inverses are stored as f32.
          expect(Math.abs(value - expected), `row ${u}`).toBeLessThanOrEqual(1e-6 * norm);
        });
      });
    }
  });
}

describe("ifm's preconditioned solve against a dense direct solve", () => {
  const engines = new Map<number, Engine>();
  const defaultMinRows = IFM_THREADING.minRowsPerThread;
  beforeAll(async () => {
    for (const count of [1, 2, 3]) engines.set(count, await threadEngine(count));
    IFM_THREADING.minRowsPerThread = 64;
  });
  afterAll(() => {
    IFM_THREADING.minRowsPerThread = defaultMinRows;
    engines.forEach((engine) => engine.close());
  });
  for (const { name, image, trimap } of cases) {
    for (const preconditioner of ["multigrid", "jacobi"] as const) {
      it(`${name}, ${preconditioner}: 1, 2 and 3 threads reach the dense solution`, async () => {
        const reference = await assembled(engines.get(1)!, image, trimap);
        const exact = solveDense(reference.matrix, reference.rhs);
        const size = Math.max(...Array.from(exact, Math.abs));
        for (const [count, engine] of engines) {
          const solved = await engine.run(async (arena: Arena) => {
            const k = ifmKernels(engine);
            const checked = checkImage(image);
            const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
            const context: MethodContext = { engine, arena, width: image.width, height: image.height, pixels, progress: () => {}, checkpoint: async () => {} };
            const system = await assembleIfm(context, k, await buildFlows(context, k, pixels.counts.unknown), preconditioner);
            const threads = splitIfmRows(context, system);
            const result = await solveIfm(context, system, threads, { tolerance: 1e-12, maxIterations: 5000 });
            return { threads: result.threads, residual: result.residual, x: arena.f64(result.x, system.rows).slice() };
          });
          expect({ count, threads: solved.threads }).toEqual({ count, threads: count });
          expect(solved.residual).toBeLessThanOrEqual(1e-12);
          solved.x.forEach((v, u) => expect(Math.abs(v - exact[u]), `${count} threads, row ${u}`).toBeLessThanOrEqual(1e-8 * size));
        }
      });
    }
  }
  it("the scalar build's two-level solve (its block and coarse parts without SIMD) reaches the dense solution", async () => {
    const scalar = await makeEngine("scalar");
    try {
      for (const { name, image, trimap } of cases) {
        const reference = await assembled(scalar, image, trimap);
        const exact = solveDense(reference.matrix, reference.rhs);
        const size = Math.max(...Array.from(exact, Math.abs));
        const solved = await scalar.run(async (arena: Arena) => {
          const k = ifmKernels(scalar);
          const checked = checkImage(image);
          const pixels = loadPixels(arena, scalar, checked, checkTrimap(trimap, checked));
          const context: MethodContext = { engine: scalar, arena, width: image.width, height: image.height, pixels, progress: () => {}, checkpoint: async () => {} };
          const system = await assembleIfm(context, k, await buildFlows(context, k, pixels.counts.unknown), "multigrid");
          const result = await solveIfm(context, system, 1, { tolerance: 1e-12, maxIterations: 5000 });
          return { residual: result.residual, x: arena.f64(result.x, system.rows).slice() };
        });
        expect(solved.residual).toBeLessThanOrEqual(1e-12);
        solved.x.forEach((v, u) => expect(Math.abs(v - exact[u]), `${name}, row ${u}`).toBeLessThanOrEqual(1e-8 * size));
      }
    } finally {
      scalar.close();
    }
  });
  it("the two-level preconditioner takes fewer iterations than Jacobi on a larger photo", async () => {
    const image = smoothImage(96, 72, 47), trimap = randomTrimap(96, 72, 48, 0.6);
    const iterations: Record<string, number> = {};
    for (const preconditioner of ["multigrid", "jacobi"] as const) {
      iterations[preconditioner] = await engines.get(1)!.run(async (arena: Arena) => {
        const engine = engines.get(1)!;
        const k = ifmKernels(engine);
        const checked = checkImage(image);
        const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
        const context: MethodContext = { engine, arena, width: image.width, height: image.height, pixels, progress: () => {}, checkpoint: async () => {} };
        const system = await assembleIfm(context, k, await buildFlows(context, k, pixels.counts.unknown), preconditioner);
        return (await solveIfm(context, system, 1, { tolerance: 1e-7, maxIterations: 5000 })).iterations;
      });
    }
    expect(iterations.multigrid).toBeLessThan(iterations.jacobi);
  });
});
