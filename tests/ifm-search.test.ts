// Information-flow matting's searches as buildFlows runs them (src/methods/ifm.ts) against brute force in the k-d
// tree's f32 arithmetic (tests/reference/knn.ts): the colour-mixture flow's 20 nearest pixels of the whole image
// to each unknown pixel, by colour and position, the query itself left out, ties to the lower index. The cases
// take every path of its search: the grid alone (smooth colours), a second grid pass for the few queries the first
// leaves (a patch of noise in a smooth photo), the tree of every pixel for what the grid gives up (noise
// throughout) or leaves too often, on both builds.
import { describe, expect, it } from "vitest";
import { checkTrimapCounts, loadPixels } from "../dist/alpha.js";
import type { Arena } from "../dist/engine.js";
import { ifmKernels } from "../dist/methods/ifm-kernels.js";
import { IFM_PARAMETERS, buildFlows } from "../dist/methods/ifm.js";
import type { MethodContext } from "../dist/methods/types.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { makeEngine, random } from "./helpers.js";
import { bruteForceKnn } from "./reference/knn.js";
import { type Image8, bandTrimap, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

/** A smooth photo with a square of noise at (x0, y0), side `side` (cut at the edges). */
function noisePatch(width: number, height: number, seed: number, x0: number, y0: number, side: number): Image8 {
  const image = smoothImage(width, height, seed), next = random(seed + 1);
  for (let y = y0; y < Math.min(height, y0 + side); y++) {
    for (let x = x0; x < Math.min(width, x0 + side); x++) for (let c = 0; c < 3; c++) image.data[(y * width + x) * 3 + c] = Math.floor(next() * 256);
  }
  return image;
}

/** The search features as pixelFeatureRows writes them: colours and s (x + 1) / width, s (y + 1) / height, in f32. */
function f32Features(rgb: Float64Array, width: number, height: number, spatial: number): Float32Array {
  const out = new Float32Array(width * height * 5), sx = spatial / width, sy = spatial / height;
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[p * 5 + c] = rgb[3 * p + c];
    out[p * 5 + 3] = sx * ((p % width) + 1);
    out[p * 5 + 4] = sy * (Math.floor(p / width) + 1);
  }
  return out;
}

/**
 * Brute force's k nearest pixels to each unknown pixel, itself left out (it is its own nearest, at distance 0):
 * tests/reference/knn.ts's k + 1 nearest (f32 sums coordinate by coordinate, ties to the lower index), less itself.
 */
function expectedColourMixture(rgb: Float64Array, width: number, height: number, unknown: Int32Array, k: number): Int32Array {
  const features = f32Features(rgb, width, height, IFM_PARAMETERS.colourMixture.spatial);
  const queries = new Float32Array(unknown.length * 5);
  unknown.forEach((p, row) => queries.set(features.subarray(p * 5, p * 5 + 5), row * 5));
  const best = bruteForceKnn(features, 5, queries, k + 1).indices;
  const out = new Int32Array(unknown.length * k).fill(-1);
  unknown.forEach((p, row) => {
    let written = 0;
    for (let j = 0; j <= k && written < k; j++) {
      const i = best[row * (k + 1) + j];
      if (i >= 0 && i !== p) out[row * k + written++] = i;
    }
  });
  return out;
}

interface Case {
  name: string;
  image: Image8;
  trimap: Image8;
  /** Which of the search's paths the case must take. */
  takes: ("grid" | "second" | "tree")[];
}

const cases: Case[] = [
  { name: "smooth 72x52, a band", image: smoothImage(72, 52, 31), trimap: bandTrimap(72, 52, 30, 42), takes: ["grid"] },
  { name: "smooth 200x120 with a noise patch in the band", image: noisePatch(200, 120, 32, 96, 50, 6), trimap: bandTrimap(200, 120, 90, 110), takes: ["grid", "second"] },
  { name: "noise 120x90, random trimap", image: noiseImage(120, 90, 33), trimap: randomTrimap(120, 90, 34, 0.25), takes: ["tree"] },
  { name: "smooth 160x100 with a wide noise patch in the band", image: noisePatch(160, 100, 35, 66, 30, 26), trimap: bandTrimap(160, 100, 60, 100), takes: ["grid", "second"] },
  { name: "120x100, smooth above and noise below", image: noisePatch(120, 100, 38, 0, 50, 120), trimap: bandTrimap(120, 100, 40, 80), takes: ["grid", "tree"] },
  { name: "smooth 9x7, random trimap", image: smoothImage(9, 7, 36), trimap: randomTrimap(9, 7, 37, 0.4), takes: [] },
];

for (const build of ["release", "scalar"] as const) {
  describe(`information-flow searches against brute force (${build})`, async () => {
    const engine = await makeEngine(build);
    const k = ifmKernels(engine);

    for (const { name, image, trimap, takes } of cases) {
      it(`${name}: the colour-mixture neighbours are brute force's`, async () => {
        const { width, height } = image;
        const actual = await engine.run(async (arena: Arena) => {
          const checked = checkImage(image);
          const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
          checkTrimapCounts(pixels.counts);
          const context: MethodContext = { engine, arena, width, height, pixels, progress: () => {}, checkpoint: async () => {} };
          const rows = pixels.counts.unknown;
          const flows = await buildFlows(context, k, rows);
          const cmK = IFM_PARAMETERS.colourMixture.k;
          return {
            unknown: arena.i32(flows.unknown, rows).slice(), neighbours: arena.i32(flows.colourMixture.neighbours, rows * cmK).slice(), paths: flows.colourMixtureSearch,
          };
        });
        const rgb = unitRgb(image.data, 3);
        const expected = expectedColourMixture(rgb, width, height, actual.unknown, IFM_PARAMETERS.colourMixture.k);
        expect(Array.from(actual.neighbours)).toEqual(Array.from(expected));
        const { grid, second, tree } = actual.paths;
        expect(grid + second + tree).toBe(actual.unknown.length);
        for (const path of takes) expect(actual.paths[path], path).toBeGreaterThan(0);
      });
    }
  });
}
