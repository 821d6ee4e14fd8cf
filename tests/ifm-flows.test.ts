// The kernels of information-flow matting's flows and trimming against their plain f64 twins in
// tests/reference/ (given the same neighbour lists, from the reference's brute-force search), on the release
// build and its scalar twin, over small smooth, noisy and posterised images and random trimaps.
import { describe, expect, it } from "vitest";
import type { Arena } from "../dist/engine.js";
import { TRANSPARENCY_VALUES, ifmKernels } from "../dist/methods/ifm-kernels.js";
import { makeEngine, random } from "./helpers.js";
import {
  type NeighbourSearch, bruteForceSearch, pixelFeatures, pixelsWith, referenceColourMixture, referenceIntraUnknown, referenceKnownToUnknown,
  referenceTransparencyHistograms,
} from "./reference/ifm-flows.js";
import { referenceEdgeTrim, referencePatchTrim } from "./reference/ifm-trim.js";
import { BACKGROUND, FOREGROUND, UNKNOWN } from "./reference/laplacian.js";
import { LLE_CONDITIONER, exactLleWeights, referenceLleWeights } from "./reference/lle.js";
import { type Image8, labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

/** Colours rounded to a few levels, so that many pixels share a colour (trimming, ties, exact reconstructions). */
function posterised(width: number, height: number, seed: number, levels: number): Image8 {
  const base = smoothImage(width, height, seed);
  return { width, height, data: base.data.map((v) => Math.round((v / 255) * (levels - 1)) * Math.round(255 / (levels - 1))) };
}

/** Foreground left, background right, a blurred edge with unknown pixels around it, some unknown islands. */
function edgeTrimap(width: number, height: number, seed: number): Image8 {
  const next = random(seed);
  const cut = Math.floor(width / 2);
  const data = new Uint8Array(width * height);
  for (let p = 0; p < data.length; p++) {
    const x = p % width;
    data[p] = Math.abs(x - cut) <= 2 || next() < 0.1 ? 128 : x < cut ? 255 : 0;
  }
  return { width, height, data };
}

/**
 * Patch trimming as buildFlows runs it: the foreground half over every query, then the background half over the
 * queries it lists, with their rows of the full background neighbour lists (k = 5). Returns how many it listed.
 */
function patchTrimInHalves(
  k: ReturnType<typeof ifmKernels>, arena: Arena, image: number, width: number, height: number, means: number, unknown: Int32Array,
  foreground: Int32Array, background: Int32Array, trimmed: number,
): number {
  const count = unknown.length, scratch = arena.alloc(k.patchTrimScratchBytes());
  const toForeground = arena.alloc(count * 8), needed = arena.alloc(count * 4), neededPixels = arena.alloc(count * 4);
  const needs = k.patchTrimForeground(image, width, height, means, arena.copyIn(unknown), count, arena.copyIn(foreground), 5, scratch, toForeground,
    needed, neededPixels);
  const rows = arena.i32(needed, needs).slice();
  const listed = Int32Array.from({ length: needs * 5 }, (_, e) => background[rows[Math.floor(e / 5)] * 5 + (e % 5)]);
  k.patchTrimBackground(image, width, height, means, neededPixels, needed, needs, toForeground, arena.copyIn(listed), 5, scratch, trimmed);
  return needs;
}

const CASES: { name: string; image: Image8; trimap: Image8 }[] = [
  { name: "smooth 11x9", image: smoothImage(11, 9, 3), trimap: randomTrimap(11, 9, 4, 0.4) },
  { name: "noise 7x13", image: noiseImage(7, 13, 5), trimap: randomTrimap(7, 13, 6, 0.6) },
  { name: "posterised 14x10", image: posterised(14, 10, 7, 4), trimap: edgeTrimap(14, 10, 8) },
  { name: "posterised 25x23", image: posterised(25, 23, 9, 3), trimap: edgeTrimap(25, 23, 10) },
];

/**
 * The flows' references solve each LLE system by plain elimination of the k x k system, good to about 1e-6 where
 * colours repeat (posterised images); the kernel's own LLE solve is held to 1e-12 of the exact weights below.
 */
const LLE_REFERENCE_TOLERANCE = 1e-5;

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0, scale = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  expect(worst).toBeLessThanOrEqual(tolerance * Math.max(1, scale));
}

for (const build of ["release", "scalar"] as const) {
  describe(`information-flow kernels (${build})`, async () => {
    const engine = await makeEngine(build);
    const k = ifmKernels(engine);
    const run = <T>(task: (arena: Arena) => T) => engine.run(task);
    /** The edge-trimming kernel's labels for one image. */
    const edgeTrim = (rgb: Float64Array, width: number, height: number, labels: Uint8Array) =>
      run((arena) => {
        const out = arena.alloc(width * height);
        k.edgeTrim(arena.copyIn(rgb), width, height, arena.copyIn(labels), out, arena.alloc(k.edgeTrimScratchBytes(width, height)));
        return arena.u8(out, width * height).slice();
      });

    it("LLE weights equal the exact ones, for 2 to 20 neighbours in 3 and 5 dimensions, on a coarse grid and on 8-bit colours", async () => {
      const next = random(11);
      for (const dims of [3, 5]) {
        for (const count of [2, 3, 7, 14, 20]) {
          // Neighbours on a grid of 1/8 (ill-conditioned: many offsets in a plane) and 8-bit colours near the point.
          const grid = { point: Float64Array.from({ length: dims }, next), neighbours: Float64Array.from({ length: count * dims }, () => Math.round(next() * 8) / 8) };
          const centre = Float64Array.from({ length: dims }, () => Math.round(next() * 255) / 255);
          const colours = { point: centre, neighbours: Float64Array.from({ length: count * dims }, (_, i) => centre[i % dims] + Math.round((next() - 0.5) * 12) / 255) };
          for (const { point, neighbours } of [grid, colours]) {
            const expected = exactLleWeights(point, neighbours, dims);
            const actual = await run((arena) => {
              const out = arena.alloc(count * 8);
              k.lleWeights(arena.copyIn(point), arena.copyIn(neighbours), count, dims, LLE_CONDITIONER, arena.alloc(k.lleScratchBytes(count)), out);
              return arena.f64(out, count).slice();
            });
            // The plain elimination of the k x k system is itself only good to about 1e-6 here (its condition number
            // reaches 1e10); the kernel's dims x dims solve is good to rounding.
            closeTo(actual, expected, 1e-12);
            closeTo(actual, referenceLleWeights(point, neighbours, dims), 1e-5);
            expect(actual.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
          }
        }
      }
    });

    for (const { name, image, trimap } of CASES) {
      const { width, height } = image;
      const rgb = unitRgb(image.data, 3);
      const labels = labels8(trimap.data);
      const unknown = pixelsWith(labels, UNKNOWN);

      it(`${name}: search features (f32)`, async () => {
        for (const spatial of [0, 0.05, 10]) {
          const expected = pixelFeatures(rgb, width, height, spatial);
          const actual = await run((arena) => {
            const out = arena.alloc(width * height * 5 * 4);
            const dims = k.pixelFeatures(arena.copyIn(rgb), width, height, spatial, out);
            return { dims, features: arena.f32(out, width * height * dims).slice() };
          });
          expect(actual.dims).toBe(expected.dims);
          closeTo(actual.features, Float32Array.from(expected.features), 0);
        }
      });

      it(`${name}: colour-mixture weights`, async () => {
        const expected = referenceColourMixture(rgb, width, height, labels, bruteForceSearch);
        const actual = await run((arena) => {
          const out = arena.alloc(expected.weights.length * 8);
          k.colourMixtureWeights(arena.copyIn(rgb), arena.copyIn(expected.pixels), unknown.length, arena.copyIn(expected.neighbours), expected.k,
            arena.alloc(k.flowScratchBytes(expected.k)), out);
          return arena.f64(out, expected.weights.length).slice();
        });
        closeTo(actual, expected.weights, LLE_REFERENCE_TOLERANCE);
      });

      it(`${name}: known-to-unknown estimates and confidences`, async () => {
        const expected = referenceKnownToUnknown(rgb, width, height, labels, bruteForceSearch);
        const { features, dims } = pixelFeatures(rgb, width, height, 10);
        const foreground = bruteForceSearch(features, dims, unknown, pixelsWith(labels, FOREGROUND), 7);
        const background = bruteForceSearch(features, dims, unknown, pixelsWith(labels, BACKGROUND), 7);
        const actual = await run((arena) => {
          const estimate = arena.alloc(unknown.length * 8), confidence = arena.alloc(unknown.length * 8);
          k.knownToUnknownEstimates(arena.copyIn(rgb), arena.copyIn(unknown), unknown.length, arena.copyIn(foreground), arena.copyIn(background), 7,
            arena.alloc(k.flowScratchBytes(14) + 16 * 7), estimate, confidence);
          return { estimate: arena.f64(estimate, unknown.length).slice(), confidence: arena.f64(confidence, unknown.length).slice() };
        });
        closeTo(actual.estimate, expected.estimate, LLE_REFERENCE_TOLERANCE);
        closeTo(actual.confidence, expected.confidence, LLE_REFERENCE_TOLERANCE);
      });

      it(`${name}: intra-unknown weights`, async () => {
        const expected = referenceIntraUnknown(rgb, width, height, labels, bruteForceSearch);
        const near = pixelFeatures(rgb, width, height, 0.05), far = pixelFeatures(rgb, width, height, 0.0005);
        const lists = [bruteForceSearch(near.features, near.dims, unknown, unknown, 5), bruteForceSearch(far.features, far.dims, unknown, unknown, 1)];
        const pairs = new Map<number, number>();
        for (const [list, kk] of [[lists[0], 5], [lists[1], 1]] as const) {
          const weights = await run((arena) => {
            const out = arena.alloc(unknown.length * kk * 8);
            k.intraUnknownWeights(arena.copyIn(rgb), width, height, 0.05 / 10000, arena.copyIn(unknown), unknown.length, arena.copyIn(list), kk, out);
            return arena.f64(out, unknown.length * kk).slice();
          });
          unknown.forEach((p, row) => {
            for (let j = 0; j < kk; j++) {
              const q = list[row * kk + j];
              if (q < 0) continue;
              const key = Math.min(p, q) * width * height + Math.max(p, q);
              pairs.set(key, (pairs.get(key) ?? 0) + weights[row * kk + j]);
            }
          });
        }
        expect([...pairs.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [key, weight] of expected) expect(pairs.get(key)).toBeCloseTo(weight, 12);
      });

      it(`${name}: edge trimming`, async () => {
        const expected = referenceEdgeTrim(rgb, width, height, labels);
        const actual = await edgeTrim(rgb, width, height, labels);
        expect(Array.from(actual)).toEqual(Array.from(expected));
        if (name.startsWith("posterised")) expect(actual.some((l, p) => l !== labels[p])).toBe(true);
      });

      it(`${name}: window means and patch trimming`, async () => {
        const expected = referencePatchTrim(rgb, width, height, labels, bruteForceSearch);
        const actual = await run((arena) => {
          const image = arena.copyIn(rgb);
          const means = arena.alloc(width * height * 24);
          k.windowMeans(image, width, height, means);
          const meanValues = arena.f64(means, width * height * 3).slice();
          const foreground = bruteForceSearch(meanValues, 3, unknown, pixelsWith(labels, FOREGROUND), 5);
          const background = bruteForceSearch(meanValues, 3, unknown, pixelsWith(labels, BACKGROUND), 5);
          const trimmed = arena.copyIn(labels);
          patchTrimInHalves(k, arena, image, width, height, means, unknown, foreground, background, trimmed);
          return arena.u8(trimmed, width * height).slice();
        });
        expect(Array.from(actual)).toEqual(Array.from(expected));
        if (name.startsWith("posterised")) expect(actual.some((l, p) => l !== labels[p])).toBe(true);
      });

      it(`${name}: transparency histograms`, async () => {
        const expected = referenceTransparencyHistograms(rgb, width, height, labels);
        const actual = await run((arena) => {
          const out = arena.alloc(TRANSPARENCY_VALUES * 8);
          k.transparencyHistograms(arena.copyIn(rgb), arena.copyIn(labels), width, height, arena.alloc(width * height), out);
          return arena.f64(out, TRANSPARENCY_VALUES).slice();
        });
        for (let slot = 0; slot < 3; slot++) closeTo(actual.subarray(slot * 30, slot * 30 + 30), expected[slot], 1e-14);
      });
    }

    it("patch trimming with neighbour lists in any order equals the reference's (the kernel's searches stop early)", async () => {
      // Noisy windows whose means step across the image: distances below 0.25, between 0.25 and 0.9 and above.
      const width = 30, height = 20;
      const next = random(5);
      const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => 100 + Math.floor(((i / 3) % width) / 6) * 3 + Math.round((next() - 0.5) * 8));
      const rgb = unitRgb(data, 3), labels = labels8(randomTrimap(width, height, 6, 0.4).data);
      const unknown = pixelsWith(labels, UNKNOWN);
      // Each query's k known pixels drawn at random, some missing (-1): the least distance may come last.
      const anyOrder: NeighbourSearch = (_features, _dims, queries, candidates, count) => {
        const draw = random(candidates.length + 17);
        return Int32Array.from({ length: queries.length * count }, () => (draw() < 0.1 ? -1 : candidates[Math.floor(draw() * candidates.length)]));
      };
      const expected = referencePatchTrim(rgb, width, height, labels, anyOrder);
      const actual = await run((arena) => {
        const image = arena.copyIn(rgb);
        const means = arena.alloc(width * height * 24);
        k.windowMeans(image, width, height, means);
        const foreground = anyOrder(new Float64Array(0), 3, unknown, pixelsWith(labels, FOREGROUND), 5);
        const background = anyOrder(new Float64Array(0), 3, unknown, pixelsWith(labels, BACKGROUND), 5);
        const trimmed = arena.copyIn(labels);
        const searched = patchTrimInHalves(k, arena, image, width, height, means, unknown, foreground, background, trimmed);
        // Queries whose foreground match lies between 0.25 and 0.9 keep their label without a background search.
        expect(searched).toBeGreaterThan(0);
        expect(searched).toBeLessThan(unknown.length);
        return arena.u8(trimmed, width * height).slice();
      });
      expect(Array.from(actual)).toEqual(Array.from(expected));
      expect(actual.some((l, p) => l === FOREGROUND && labels[p] === UNKNOWN)).toBe(true);
      expect(actual.some((l, p) => l === BACKGROUND && labels[p] === UNKNOWN)).toBe(true);
    });

    it("edge trimming of a wide band, most of it beyond the early iterations' windows, equals the reference's", async () => {
      // Foreground on the left 8 columns, background on the right 8, a 32-column unknown band between with a
      // few known islands: trimming creeps in from both sides over the nine iterations, and stops at colour edges
      // (a stripe of a colour found nowhere else stays unknown).
      const width = 48, height = 24;
      const image = posterised(width, height, 13, 3);
      for (let p = 0; p < width * height; p++) if (p % width >= 22 && p % width < 26) image.data.set([37, 200, 90], p * 3);
      const next = random(14);
      const trimap = Uint8Array.from({ length: width * height }, (_, p) => {
        const x = p % width;
        if (x < 8) return 255;
        if (x >= 40) return 0;
        return next() < 0.01 && (x < 22 || x >= 26) ? (next() < 0.5 ? 255 : 0) : 128;
      });
      const rgb = unitRgb(image.data, 3), labels = labels8(trimap);
      const expected = referenceEdgeTrim(rgb, width, height, labels);
      const actual = await edgeTrim(rgb, width, height, labels);
      expect(Array.from(actual)).toEqual(Array.from(expected));
      // Pixels trimmed more than one column into the band, and pixels left unknown.
      expect(actual.some((l, p) => l !== UNKNOWN && labels[p] === UNKNOWN && p % width >= 10 && p % width < 38)).toBe(true);
      expect(actual.some((l) => l === UNKNOWN)).toBe(true);
    });
  });
}
