// The combined method: its weighted median vote, its colour-line residuals, their window weights and its move
// toward closed-form (assembly/methods/combined.ts) against the plain twins in tests/reference/combined.ts on both
// builds, and, through the API, its answer against the three methods run one by one: the median of ifm (twice), sm
// and cf, moved toward cf by each pixel's colour-line residual and its window's, where the paper's transparency
// test stays quiet; closed-form where it fires.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, type Matting } from "../dist/entry/node.js";
import { compiledModule, makeEngine, random } from "./helpers.js";
import { referenceHighlyTransparent } from "./reference/ifm-flows.js";
import { UNKNOWN } from "./reference/laplacian.js";
import {
  type MethodMatte, referenceColourLineResiduals, referenceResidual, referenceTowardClosedForm, referenceUnexplainedWeights,
  referenceWeightedMedianVote,
} from "./reference/combined.js";
import { type Image8, bandTrimap, labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

interface VoteKernels {
  gatherMatte(labels: number, pixels: number, unknownIndex: number, solution: number, slot: number, mattes: number): number;
  weightedMedianVote(rows: number, mattes: number, alpha: number): void;
  colourLineResiduals(
    image: number, unknown: number, rows: number, foreground: number, nearestForeground: number, background: number, nearestBackground: number, residuals: number,
  ): void;
  unexplainedWeights(labels: number, width: number, height: number, residuals: number, scale: number, radius: number, table: number, weights: number): void;
  towardClosedForm(rows: number, mattes: number, weights: number, alpha: number): void;
}

/** The method's constants, as src/methods/combined.ts has them. */
const UNEXPLAINED_RESIDUAL = 0.025, UNEXPLAINED_RADIUS = 3;

/** Three mattes with different row orders: raster order, reversed raster order, and one row per pixel (as sm). */
function randomMattes(labels: Uint8Array, seed: number): [MethodMatte, MethodMatte, MethodMatte] {
  const next = random(seed);
  const n = labels.length;
  const unknown = labels.reduce((s, l) => s + (l === UNKNOWN ? 1 : 0), 0);
  const values = (count: number) => Float64Array.from({ length: count }, () => next() * 2 - 0.5);
  const raster = new Int32Array(n).fill(-1), reversed = new Int32Array(n).fill(-1);
  let row = 0;
  labels.forEach((l, p) => {
    if (l === UNKNOWN) raster[p] = row++;
  });
  labels.forEach((l, p) => {
    if (l === UNKNOWN) reversed[p] = unknown - 1 - raster[p];
  });
  return [
    { unknownIndex: raster, solution: values(unknown) },
    { unknownIndex: reversed, solution: values(unknown) },
    { unknownIndex: Int32Array.from({ length: n }, (_, p) => p), solution: values(n) },
  ];
}

for (const build of ["release", "scalar"] as const) {
  describe(`combined vote kernels (${build})`, async () => {
    const engine = await makeEngine(build);
    const k = engine.kernels as unknown as VoteKernels;
    /** The kernel's window weights u m of the unknown pixels, from their residuals (in row order). */
    const windowWeights = (labels: Uint8Array, width: number, height: number, residuals: Float64Array, scale: number, radius: number) =>
      engine.run((arena) => {
        const n = width * height, rows = residuals.length;
        const labelsPtr = arena.alloc(n), r = arena.alloc(rows * 8), weights = arena.alloc(rows * 8);
        arena.u8(labelsPtr, n).set(labels);
        arena.f64(r, rows).set(residuals);
        k.unexplainedWeights(labelsPtr, width, height, r, scale, radius, arena.alloc((width + 1) * (height + 1) * 12), weights);
        return arena.f64(weights, rows).slice();
      });

    it("gathers three mattes and takes their weighted median per unknown pixel, as the reference does", async () => {
      for (const [width, height, seed] of [[1, 1, 1], [7, 5, 2], [13, 11, 3], [31, 2, 4]]) {
        const trimap = randomTrimap(width, height, seed, 0.5);
        // A 1x1 trimap may come out known; the vote only runs with unknown pixels.
        if (width * height === 1) trimap.data[0] = 128;
        const labels = labels8(trimap.data);
        const mattes = randomMattes(labels, seed + 100);
        const expected = referenceWeightedMedianVote(labels, mattes);
        const got = await engine.run((arena) => {
          const n = width * height;
          const labelsPtr = arena.alloc(n), table = arena.alloc(expected.length * 24), alpha = arena.alloc(expected.length * 8);
          arena.u8(labelsPtr, n).set(labels);
          mattes.forEach((m, slot) => {
            const index = arena.alloc(n * 4), solution = arena.alloc(m.solution.length * 8);
            arena.i32(index, n).set(m.unknownIndex);
            arena.f64(solution, m.solution.length).set(m.solution);
            expect(k.gatherMatte(labelsPtr, n, index, solution, slot, table)).toBe(expected.length);
          });
          k.weightedMedianVote(expected.length, table, alpha);
          return arena.f64(alpha, expected.length).slice();
        });
        expect(Array.from(got)).toEqual(Array.from(expected));
      }
    });

    it("measures each pixel's colour-line residual to the given foreground and background pixels, as the reference does", async () => {
      const next = random(11);
      const n = 60, rows = 300;
      const rgb = Float64Array.from({ length: n * 3 }, () => Math.round(next() * 255) / 255);
      // Pixels 50-52 share one colour, so that some segments are a point (F = B).
      for (const p of [51, 52]) rgb.set(rgb.subarray(150, 153), 3 * p);
      const foreground = Int32Array.from([3, 7, 50, 9, 21]), background = Int32Array.from([51, 40, 2, 33]);
      const unknown = Int32Array.from({ length: rows }, (_, r) => (r < 3 ? 50 + r : Math.floor(next() * n)));
      const nearestForeground = Int32Array.from({ length: rows }, (_, r) => (r < 3 ? 2 : Math.floor(next() * foreground.length)));
      const nearestBackground = Int32Array.from({ length: rows }, (_, r) => (r < 3 ? 0 : Math.floor(next() * background.length)));
      const expected = Array.from(unknown, (p, r) => referenceResidual(rgb, p, foreground[nearestForeground[r]], background[nearestBackground[r]]));
      const got = await engine.run((arena) => {
        const ints = (values: Int32Array) => {
          const at = arena.alloc(values.length * 4);
          arena.i32(at, values.length).set(values);
          return at;
        };
        const image = arena.alloc(n * 24), residuals = arena.alloc(rows * 8);
        arena.f64(image, n * 3).set(rgb);
        k.colourLineResiduals(image, ints(unknown), rows, ints(foreground), ints(nearestForeground), ints(background), ints(nearestBackground), residuals);
        return arena.f64(residuals, rows).slice();
      });
      got.forEach((v, r) => expect(v).toBeCloseTo(expected[r], 14));
      // A colour on its own segment, or equal to its background, is explained.
      expect(got[0]).toBe(0);
      expect(got.every((v) => v >= 0 && v <= Math.sqrt(3))).toBe(true);
    });

    it("weighs each residual by its window's mean, as the reference does, over radii and scales", async () => {
      for (const [width, height, seed, radius, unexplained] of [
        [1, 1, 1, 7, 0.025], [9, 4, 2, 0, 0.025], [17, 13, 3, 1, 0.01], [31, 22, 4, UNEXPLAINED_RADIUS, UNEXPLAINED_RESIDUAL], [12, 40, 5, 100, 1],
      ]) {
        const trimap = randomTrimap(width, height, seed, 0.6);
        if (width * height === 1) trimap.data[0] = 128;
        const labels = labels8(trimap.data);
        const rows = labels.reduce((s, l) => s + (l === UNKNOWN ? 1 : 0), 0);
        const next = random(seed + 50);
        // Residuals from 0 through well past the point where u reaches 1.
        const residuals = Float64Array.from({ length: rows }, () => (next() < 0.3 ? 0 : 3 * unexplained * next()));
        const expected = referenceUnexplainedWeights(labels, width, height, residuals, unexplained, radius);
        const got = await windowWeights(labels, width, height, residuals, 1 / unexplained, radius);
        got.forEach((v, r) => {
          expect(v).toBeCloseTo(expected[r], 12);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
          if (residuals[r] === 0) expect(v).toBe(0);
        });
      }
    });

    it("weighs 1 inside a region of unexplained colours, less at its edge, 1 / (window area) on a lone unexplained pixel", async () => {
      const width = 40, height = 45;
      const labels = new Uint8Array(width * height).fill(UNKNOWN);
      const inRegion = (p: number) => p % width >= 5 && p % width < 35 && Math.floor(p / width) >= 5 && Math.floor(p / width) < 25;
      const lone = 36 * width + 20;
      const residuals = Float64Array.from(labels, (_, p) => (inRegion(p) || p === lone ? 0.2 : 0));
      const got = await windowWeights(labels, width, height, residuals, 1 / UNEXPLAINED_RESIDUAL, UNEXPLAINED_RADIUS);
      expect(got[15 * width + 20]).toBe(1);
      expect(got[5 * width + 5]).toBeGreaterThan(0);
      expect(got[5 * width + 5]).toBeLessThan(0.5);
      expect(got[2 * width + 2]).toBe(0);
      expect(got[lone]).toBeCloseTo(1 / (2 * UNEXPLAINED_RADIUS + 1) ** 2, 15);
    });

    it("moves each vote toward closed-form by its weight, as the reference does, over the whole weight range", async () => {
      const next = random(7);
      const rows = 200;
      const table = Float64Array.from({ length: rows * 3 }, () => next());
      const vote = Float64Array.from({ length: rows }, () => next());
      const weights = Float64Array.from({ length: rows }, (_, r) => (r === 0 ? 0 : r === 1 ? 1 : next()));
      const closedForm = Float64Array.from({ length: rows }, (_, r) => table[3 * r + 2]);
      const expected = referenceTowardClosedForm(vote, closedForm, weights);
      const got = await engine.run((arena) => {
        const mattes = arena.alloc(rows * 24), w = arena.alloc(rows * 8), alpha = arena.alloc(rows * 8);
        arena.f64(mattes, rows * 3).set(table);
        arena.f64(w, rows).set(weights);
        arena.f64(alpha, rows).set(vote);
        k.towardClosedForm(rows, mattes, w, alpha);
        return arena.f64(alpha, rows).slice();
      });
      got.forEach((v, r) => expect(v).toBeCloseTo(expected[r], 14));
      expect(got[0]).toBe(vote[0]);
      expect(got[1]).toBe(closedForm[1]);
    });
  });
}

describe("method combined against its three voters", () => {
  let matting: Matting;
  beforeAll(async () => {
    matting = await createMatting({ module: await compiledModule() });
  });
  const alphaOf = async (image: Image8, trimap: Image8, method: string) => (await matting.estimateAlpha(image, trimap, { method } as never)).alpha;
  const transparent = (image: Image8, trimap: Image8) =>
    referenceHighlyTransparent(unitRgb(image.data, 3), image.width, image.height, labels8(trimap.data));

  it("takes the per-pixel median of ifm (twice), sm and cf, moved toward cf by colour-line residual, where the matte is not highly transparent", async () => {
    for (const [image, trimap] of [[smoothImage(40, 30, 1), bandTrimap(40, 30, 12, 27)], [noiseImage(33, 21, 2), randomTrimap(33, 21, 3, 0.5)]] as const) {
      expect(transparent(image, trimap)).toBe(false);
      const [ifm, sm, cf, combined] = await Promise.all(["ifm", "sm", "cf", "combined"].map((m) => alphaOf(image, trimap, m)));
      const labels = labels8(trimap.data);
      // Where a side's nearest colour is tied, the search may take either: the weight lies between those of the
      // least and the most residuals (w rises with every residual), and is exact elsewhere.
      const { low, high } = referenceColourLineResiduals(unitRgb(image.data, 3), labels);
      const [least, most] = [low, high].map((r) => referenceUnexplainedWeights(labels, image.width, image.height, r, UNEXPLAINED_RESIDUAL, UNEXPLAINED_RADIUS));
      expect(most.some((w) => w > 0.01)).toBe(true);
      const mean = (values: Float64Array) => values.reduce((sum, v) => sum + v, 0) / values.length;
      expect(mean(most.map((w, r) => w - least[r]))).toBeLessThan(mean(most) / 10);
      let row = 0;
      // The voters' alphas reach us rounded to f32, the vote works on their f64 solutions: equal to rounding.
      combined.forEach((value, p) => {
        if (labels[p] !== UNKNOWN) return;
        const votes = [ifm[p], ifm[p], sm[p], cf[p]].sort((a, b) => a - b);
        const vote = (votes[1] + votes[2]) / 2;
        const [a, b] = [least[row], most[row]].map((w) => vote + w * (cf[p] - vote));
        row++;
        expect(value).toBeGreaterThanOrEqual(Math.min(a, b) - 1e-6);
        expect(value).toBeLessThanOrEqual(Math.max(a, b) + 1e-6);
      });
      // The three disagree somewhere, so the vote is not one of them copied.
      expect(Array.from(combined)).not.toEqual(Array.from(cf));
      expect(Array.from(combined)).not.toEqual(Array.from(ifm));
    }
  });

  it("takes closed-form's alpha inside a region of a colour no known mix explains, and the vote for a known colour", async () => {
    // Red foreground, blue background, an unknown band of the two colours with a patch of a third (a flag in the
    // band) and a few mixed pixels; the three methods differ on the patch.
    const width = 64, height = 40;
    const inPatch = (x: number, y: number) => x >= 22 && x < 42 && y >= 10 && y < 30;
    const data = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const x = p % width, y = Math.floor(p / width);
      data.set(inPatch(x, y) ? [240, 240, 40] : x < 32 + ((y * 7) % 5) - 2 ? [220, 30, 30 + (p % 3)] : [30, 40, 220 - (p % 3)], 3 * p);
    }
    const image = { width, height, data }, trimap = bandTrimap(width, height, 12, 51);
    expect(transparent(image, trimap)).toBe(false);
    const [ifm, sm, cf, combined] = await Promise.all(["ifm", "sm", "cf", "combined"].map((m) => alphaOf(image, trimap, m)));
    const voteAt = (p: number) => {
      const votes = [ifm[p], ifm[p], sm[p], cf[p]].sort((a, b) => a - b);
      return (votes[1] + votes[2]) / 2;
    };
    // The patch's pixels whose whole window lies in the patch.
    const r = UNEXPLAINED_RADIUS;
    const core = [...combined.keys()].filter((p) => inPatch((p % width) - r, Math.floor(p / width) - r) && inPatch((p % width) + r, Math.floor(p / width) + r));
    expect(core.length).toBe((20 - 2 * r) ** 2);
    for (const p of core) expect(Math.abs(combined[p] - cf[p])).toBeLessThanOrEqual(1e-6);
    expect(core.some((p) => Math.abs(cf[p] - ifm[p]) > 0.05)).toBe(true);
    // A band pixel of the foreground's own colour keeps the vote.
    const p = 3 * width + 14;
    expect(Math.abs(combined[p] - voteAt(p))).toBeLessThanOrEqual(1e-6);
  });

  it("is closed-form where the transparency test fires", async () => {
    // A veil: a colour in the unknown band that neither side has near it.
    const width = 40, height = 20;
    const data = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const x = p % width;
      data.set(x < 10 ? [250, 20, 20] : x >= 30 ? [20, 20, 250] : [40 + (p % 7), 230, 40], 3 * p);
    }
    const image = { width, height, data }, trimap = bandTrimap(width, height, 10, 29);
    expect(transparent(image, trimap)).toBe(true);
    expect(Array.from(await alphaOf(image, trimap, "combined"))).toEqual(Array.from(await alphaOf(image, trimap, "cf")));
  });
});
