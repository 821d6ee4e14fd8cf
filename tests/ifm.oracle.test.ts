// Information-flow matting (method "ifm") against its plain f64 reference (tests/reference/ifm*.ts): the
// assembled system entry by entry (and that it is symmetric positive definite: a
// dense Cholesky succeeds), and the solve against a dense direct solve, on both builds.
import { describe, expect, it } from "vitest";
import { checkTrimapCounts, loadPixels } from "../dist/alpha.js";
import type { Arena, Engine } from "../dist/engine.js";
import { createMatting } from "../dist/entry/node.js";
import { ifmKernels } from "../dist/methods/ifm-kernels.js";
import { assembleIfm, buildFlows } from "../dist/methods/ifm.js";
import type { MethodContext } from "../dist/methods/types.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { compiledModule, makeEngine } from "./helpers.js";
import { type DenseMatrix } from "./reference/dense.js";
import { bruteForceSearch, referenceHighlyTransparent, referenceKnownToUnknown } from "./reference/ifm-flows.js";
import { referenceEdgeTrim, referencePatchTrim } from "./reference/ifm-trim.js";
import {
  IFM_DEFAULT_CHOICES, composeIfmAlpha, denseSystem, referenceIfmAlpha, referenceIfmStart, referenceIfmTerms, restrictEnergy,
} from "./reference/ifm.js";
import { type Image8, labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

type Plane = { width: number; height: number; data: Uint8Array };

/** Lower-triangular Cholesky factor; throws when a pivot is not positive (the matrix is not positive definite). */
function cholesky(matrix: DenseMatrix): Float64Array {
  const n = matrix.size, l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let pivot = matrix.entries[j * n + j];
    for (let m = 0; m < j; m++) pivot -= l[j * n + m] ** 2;
    if (!(pivot > 0)) throw new Error(`pivot ${pivot} at ${j}`);
    l[j * n + j] = Math.sqrt(pivot);
    for (let i = j + 1; i < n; i++) {
      let sum = matrix.entries[i * n + j];
      for (let m = 0; m < j; m++) sum -= l[i * n + m] * l[j * n + m];
      l[i * n + j] = sum / l[j * n + j];
    }
  }
  return l;
}

/** The wasm system as a dense matrix (products with unit vectors) and its right-hand side. */
function wasmSystem(engine: Engine, image: Plane, trimap: Plane): Promise<{ matrix: DenseMatrix; rhs: Float64Array }> {
  return engine.run(async (arena: Arena) => {
    const checked = checkImage(image);
    const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
    checkTrimapCounts(pixels.counts);
    const context: MethodContext = {
      engine, arena, width: image.width, height: image.height, pixels, progress: () => {}, checkpoint: async () => {},
    };
    const k = ifmKernels(engine);
    const system = await assembleIfm(context, k, await buildFlows(context, k, pixels.counts.unknown));
    const rows = system.rows;
    const matrix = { size: rows, entries: new Float64Array(rows * rows) };
    const x = arena.alloc((rows + 1) * 8), y = arena.alloc((rows + 1) * 8);
    for (let column = 0; column < rows; column++) {
      arena.f64(x, rows + 1).fill(0);
      arena.f64(x, rows + 1)[column] = 1;
      k.ifmMultiply(system.record, x, y);
      arena.f64(y, rows).forEach((v, row) => (matrix.entries[row * rows + column] = v));
    }
    return { matrix, rhs: arena.f64(system.rhs, rows).slice() };
  });
}

/** Colours spread wide (no two pixels share a search feature, so neighbour lists have no ties) and a few flat patches. */
function cases(): { name: string; image: Image8; trimap: Image8 }[] {
  return [
    { name: "noise 12x10", image: noiseImage(12, 10, 21), trimap: randomTrimap(12, 10, 22, 0.35) },
    { name: "smooth 16x12", image: smoothImage(16, 12, 23), trimap: randomTrimap(16, 12, 24, 0.3) },
    { name: "noise 9x17", image: noiseImage(9, 17, 25), trimap: randomTrimap(9, 17, 26, 0.5) },
  ];
}

for (const build of ["release", "scalar"] as const) {
  describe(`information-flow matting against its reference (${build})`, async () => {
    const engine = await makeEngine(build);
    const k = ifmKernels(engine);

    for (const { name, image, trimap } of cases()) {
      const rgb = unitRgb(image.data, 3);
      const labels = labels8(trimap.data);

      it(`${name}: the assembled system equals the reference's and is symmetric positive definite`, async () => {
        const { terms } = referenceIfmTerms(rgb, image.width, image.height, labels, bruteForceSearch);
        const reference = restrictEnergy(terms);
        const expected = denseSystem(reference);
        const actual = await wasmSystem(engine, image, trimap);
        const n = expected.size;
        expect(actual.matrix.size).toBe(n);
        let scale = 0;
        for (const v of expected.entries) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < n * n; i++) expect(Math.abs(actual.matrix.entries[i] - expected.entries[i])).toBeLessThanOrEqual(1e-6 * scale);
        for (let i = 0; i < n; i++) expect(Math.abs(actual.rhs[i] - reference.rhs[i])).toBeLessThanOrEqual(1e-6 * scale);
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(actual.matrix.entries[i * n + j]).toBeCloseTo(actual.matrix.entries[j * n + i], 12);
        expect(() => cholesky(actual.matrix)).not.toThrow();
      });

      it(`${name}: the solve starts from the reference's trimmed labels and known-to-unknown estimates`, async () => {
        const patchTrimmed = referencePatchTrim(rgb, image.width, image.height, labels, bruteForceSearch);
        const estimate = referenceKnownToUnknown(rgb, image.width, image.height, patchTrimmed, bruteForceSearch);
        const edgeTrimmed = referenceEdgeTrim(rgb, image.width, image.height, labels);
        const actual = await engine.run(async (arena: Arena) => {
          const checked = checkImage(image);
          const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
          const context: MethodContext = {
            engine, arena, width: image.width, height: image.height, pixels, progress: () => {}, checkpoint: async () => {},
          };
          const flows = await buildFlows(context, k, pixels.counts.unknown);
          const system = await assembleIfm(context, k, flows);
          const ku = flows.knownToUnknown;
          // Noise reads as highly transparent: no estimates, and the solve starts from 0.
          expect(ku === undefined).toBe(referenceHighlyTransparent(rgb, image.width, image.height, labels));
          if (ku === undefined) return undefined;
          const x = arena.alloc((system.rows + 1) * 8);
          arena.f64(x, system.rows + 1).fill(-1);
          k.ifmEstimateGuess(image.width * image.height, pixels.labels, system.unknownIndex, flows.edgeTrimmed, ku.patchTrimmed, ku.queries, ku.count,
            ku.estimate, x);
          const index = arena.i32(system.unknownIndex, image.width * image.height), values = arena.f64(x, system.rows + 1);
          return {
            start: Array.from(labels, (l, p) => (l === 2 ? values[index[p]] : 0)), dummy: values[system.rows],
            queries: Array.from(arena.i32(ku.queries, ku.count)), estimates: arena.f64(ku.estimate, ku.count).slice(),
          };
        });
        if (actual === undefined) return;
        expect(actual.dummy).toBe(-1);
        // The estimates as the reference's (their ill-conditioned LLE fit, regulariser 1e-10, differs by f64 rounding
        // near 1e-6), then the start from the wasm's own estimates exactly as the reference composes it.
        expect(actual.queries).toEqual(Array.from(estimate.pixels));
        actual.estimates.forEach((e, row) => expect(Math.abs(e - estimate.estimate[row])).toBeLessThanOrEqual(1e-5));
        const expected = referenceIfmStart({ ...estimate, estimate: actual.estimates }, patchTrimmed, edgeTrimmed, labels);
        expect(actual.start).toEqual(Array.from(expected));
      });

      it(`${name}: the alpha equals a dense direct solve of the reference system`, async () => {
        const expected = referenceIfmAlpha(rgb, image.width, image.height, labels, bruteForceSearch);
        const matting = await createMatting({ module: await compiledModule(build) });
        const { alpha, stats } = await matting.estimateAlpha(image, trimap, { method: "ifm", tolerance: 1e-12 } as never);
        expect(stats.converged).toBe(true);
        let worst = 0;
        for (let p = 0; p < alpha.length; p++) worst = Math.max(worst, Math.abs(alpha[p] - expected[p]));
        expect(worst).toBeLessThan(1e-5);
      });
    }
  });
}

it("the reference's post-trim sets alpha to the edge-trimmed labels", () => {
  const labels = Uint8Array.from([2, 2, 2]);
  const alpha = composeIfmAlpha(labels, Int32Array.from([0, 1, 2]), [0.3, 0.4, 1.7], Uint8Array.from([1, 2, 0]), IFM_DEFAULT_CHOICES.postTrim);
  expect(Array.from(alpha)).toEqual([1, 0.4, 0]);
});
