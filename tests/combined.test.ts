// The combined method: its weighted median vote and its move toward closed-form (assembly/methods/combined.ts)
// against the plain twins in tests/reference/combined.ts on both builds, and, through the API, its answer against
// the three methods run one by one: the median of ifm (twice), sm and cf, moved toward cf by the distance of each
// pixel's colour from the nearest known colour, where the paper's transparency test stays quiet; closed-form where
// it fires.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, type Matting } from "../dist/entry/node.js";
import { compiledModule, makeEngine, random } from "./helpers.js";
import { referenceHighlyTransparent } from "./reference/ifm-flows.js";
import { UNKNOWN } from "./reference/laplacian.js";
import {
  type MethodMatte, referenceKnownColourDistances, referenceTowardClosedForm, referenceWeightedMedianVote,
} from "./reference/combined.js";
import { type Image8, bandTrimap, labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

interface VoteKernels {
  gatherMatte(labels: number, pixels: number, unknownIndex: number, solution: number, slot: number, mattes: number): number;
  weightedMedianVote(rows: number, mattes: number, alpha: number): void;
  listKnownPixels(labels: number, pixels: number, out: number): number;
  towardClosedForm(rows: number, mattes: number, distances: number, scale: number, alpha: number): void;
}

/** The method's constant, as src/methods/combined.ts has it. */
const UNEXPLAINED_DISTANCE = 0.05;

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

    it("lists the known pixels in raster order", async () => {
      for (const [width, height, seed] of [[1, 1, 1], [9, 4, 2], [17, 13, 3]]) {
        const labels = labels8(randomTrimap(width, height, seed, 0.5).data);
        const expected = [...labels.keys()].filter((p) => labels[p] !== UNKNOWN);
        const got = await engine.run((arena) => {
          const n = width * height;
          const labelsPtr = arena.alloc(n), out = arena.alloc(n * 4);
          arena.u8(labelsPtr, n).set(labels);
          const count = k.listKnownPixels(labelsPtr, n, out);
          return Array.from(arena.i32(out, count));
        });
        expect(got).toEqual(expected);
      }
    });

    it("moves each vote toward closed-form by its distance, as the reference does, over the whole weight range", async () => {
      const next = random(7);
      const rows = 200;
      const table = Float64Array.from({ length: rows * 3 }, () => next());
      const vote = Float64Array.from({ length: rows }, () => next());
      // Distances from 0 through well past the point where closed-form takes over (w = 1 at 0.05).
      const distances = Float64Array.from({ length: rows }, (_, r) => (r === 0 ? 0 : (0.12 * next()) ** 2));
      const closedForm = Float64Array.from({ length: rows }, (_, r) => table[3 * r + 2]);
      for (const unexplained of [UNEXPLAINED_DISTANCE, 0.01, 1]) {
        const expected = referenceTowardClosedForm(vote, closedForm, distances, unexplained);
        const got = await engine.run((arena) => {
          const mattes = arena.alloc(rows * 24), d = arena.alloc(rows * 8), alpha = arena.alloc(rows * 8);
          arena.f64(mattes, rows * 3).set(table);
          arena.f64(d, rows).set(distances);
          arena.f64(alpha, rows).set(vote);
          k.towardClosedForm(rows, mattes, d, 1 / unexplained, alpha);
          return arena.f64(alpha, rows).slice();
        });
        got.forEach((v, r) => expect(v).toBeCloseTo(expected[r], 14));
      }
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

  it("takes the per-pixel median of ifm (twice), sm and cf, moved toward cf by colour distance, where the matte is not highly transparent", async () => {
    for (const [image, trimap] of [[smoothImage(40, 30, 1), bandTrimap(40, 30, 12, 27)], [noiseImage(33, 21, 2), randomTrimap(33, 21, 3, 0.5)]] as const) {
      expect(transparent(image, trimap)).toBe(false);
      const [ifm, sm, cf, combined] = await Promise.all(["ifm", "sm", "cf", "combined"].map((m) => alphaOf(image, trimap, m)));
      const labels = labels8(trimap.data);
      const distances = referenceKnownColourDistances(unitRgb(image.data, 3), labels);
      let row = 0;
      // The voters' alphas reach us rounded to f32, the vote works on their f64 solutions (the search on f32
      // colours): equal to rounding.
      combined.forEach((value, p) => {
        if (labels[p] !== UNKNOWN) return;
        const votes = [ifm[p], ifm[p], sm[p], cf[p]].sort((a, b) => a - b);
        const vote = (votes[1] + votes[2]) / 2;
        const w = Math.min(Math.sqrt(distances[row++]) / UNEXPLAINED_DISTANCE, 1);
        expect(Math.abs(value - (vote + w * (cf[p] - vote)))).toBeLessThanOrEqual(1e-6);
      });
      // The three disagree somewhere, so the vote is not one of them copied.
      expect(Array.from(combined)).not.toEqual(Array.from(cf));
      expect(Array.from(combined)).not.toEqual(Array.from(ifm));
    }
  });

  it("takes closed-form's alpha for a colour no known pixel shows and the vote for a known colour", async () => {
    // Red foreground, blue background, an unknown band of the two colours with a patch of a third (a flag in the
    // band) and a few mixed pixels; the three methods differ on the patch.
    const width = 48, height = 24;
    const data = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const x = p % width, y = Math.floor(p / width);
      const patch = x >= 20 && x < 28 && y >= 8 && y < 16;
      data.set(patch ? [240, 240, 40] : x < 24 + ((y * 7) % 5) - 2 ? [220, 30, 30 + (p % 3)] : [30, 40, 220 - (p % 3)], 3 * p);
    }
    const image = { width, height, data }, trimap = bandTrimap(width, height, 12, 35);
    expect(transparent(image, trimap)).toBe(false);
    const [ifm, sm, cf, combined] = await Promise.all(["ifm", "sm", "cf", "combined"].map((m) => alphaOf(image, trimap, m)));
    const patchPixels = [...combined.keys()].filter((p) => p % width >= 20 && p % width < 28 && Math.floor(p / width) >= 8 && Math.floor(p / width) < 16);
    for (const p of patchPixels) expect(Math.abs(combined[p] - cf[p])).toBeLessThanOrEqual(1e-6);
    expect(patchPixels.some((p) => Math.abs(cf[p] - ifm[p]) > 0.05)).toBe(true);
    // A band pixel of the foreground's own colour keeps the vote.
    const p = 10 * width + 14;
    const votes = [ifm[p], ifm[p], sm[p], cf[p]].sort((a, b) => a - b);
    expect(Math.abs(combined[p] - (votes[1] + votes[2]) / 2)).toBeLessThanOrEqual(1e-6);
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
