// Properties of estimateAlpha that hold for any input, and what the closed-form theory
// (Levin et al. 2008) predicts for constant images and for two-colour edges.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, type Matting } from "../dist/entry/node.js";
import { compiledModule, random } from "./helpers.js";
import { bandTrimap, labels8, noiseImage, randomTrimap, smoothImage } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

const NUM_RUNS = 30;
const SOLVE = { tolerance: 1e-10, maxIterations: 100_000 };

const sizeAndRadius = fc.integer({ min: 1, max: 2 }).chain((radius) =>
  fc.record({
    radius: fc.constant(radius),
    width: fc.integer({ min: 2 * radius + 1, max: 24 }),
    height: fc.integer({ min: 2 * radius + 1, max: 24 }),
  }),
);

describe("any image and trimap", () => {
  it("gives width*height finite alphas in [0, 1], 0 and 1 exactly where the trimap is sure", async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndRadius, fc.nat(), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.boolean(),
        async ({ width, height, radius }, seed, unknownShare, smooth) => {
          const image = smooth ? smoothImage(width, height, seed) : noiseImage(width, height, seed);
          const trimap = randomTrimap(width, height, seed + 1, unknownShare);
          const { alpha, stats } = await matting.estimateAlpha(image, trimap, { radius });
          expect(alpha).toHaveLength(width * height);
          const labels = labels8(trimap.data);
          alpha.forEach((a, p) => {
            expect(Number.isFinite(a)).toBe(true);
            expect(a).toBeGreaterThanOrEqual(0);
            expect(a).toBeLessThanOrEqual(1);
            if (labels[p] === 0) expect(a).toBe(0);
            if (labels[p] === 1) expect(a).toBe(1);
          });
          expect(stats.unknownPixels).toBe(labels.filter((l) => l === 2).length);
          expect(Number.isFinite(stats.residual)).toBe(true);
        }),
      { numRuns: NUM_RUNS },
    );
  });

  it("reads float trimaps by their thresholds (<= 0.1 background, >= 0.9 foreground) and keeps those exactly", async () => {
    // The thresholds apply to the Float32 values a caller writes: Float32Array.of(0.9)[0] is 0.89999998 and
    // must still count as foreground, so they are compared at Float32 precision.
    const background = Math.fround(0.1), foreground = Math.fround(0.9);
    await fc.assert(
      fc.asyncProperty(sizeAndRadius, fc.nat(), async ({ width, height, radius }, seed) => {
        const next = random(seed);
        const values = [0, 0.05, 0.1, 0.9, 0.95, 1, 0.11, 0.5, 0.89];
        const data = Float32Array.from({ length: width * height }, () => values[Math.floor(next() * values.length)]);
        data.set([0.1, 0.9, 0.5]);
        const { alpha, stats } = await matting.estimateAlpha(noiseImage(width, height, seed), { width, height, data }, { radius });
        let unknown = 0;
        data.forEach((t, p) => {
          if (t <= background) expect(alpha[p]).toBe(0);
          else if (t >= foreground) expect(alpha[p]).toBe(1);
          else unknown++;
        });
        expect(stats.unknownPixels).toBe(unknown);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("ignores the image's alpha channel and the 8-bit array type: RGB, RGBA and Uint8ClampedArray agree exactly", async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndRadius, fc.nat(), async ({ width, height, radius }, seed) => {
        const rgb = noiseImage(width, height, seed);
        const rgba = new Uint8ClampedArray(width * height * 4);
        for (let p = 0; p < width * height; p++) rgba.set([...rgb.data.subarray(3 * p, 3 * p + 3), (p * 37) % 256], 4 * p);
        const trimap = randomTrimap(width, height, seed + 5);
        const fromRgb = await matting.estimateAlpha(rgb, trimap, { radius });
        const fromRgba = await matting.estimateAlpha({ width, height, data: rgba }, trimap, { radius });
        expect(fromRgba.alpha).toEqual(fromRgb.alpha);
      }),
      { numRuns: 20 },
    );
  });
});

// With a constant colour every window has Sigma_k = 0 and I_i - mu_k = 0, so eq. 12 reduces to
// L = sum over windows of (I - 11^T / |w|): the colour and epsilon drop out, and alpha^T L alpha is the
// sum of the windows' alpha variances. L then has non-positive off-diagonals and zero row sums (a graph
// Laplacian), so the solution obeys a discrete maximum principle: strictly inside (0, 1) on every
// unknown pixel connected to both kinds of known pixel, with no clamping needed.
describe("constant image", () => {
  const constantImage = (width: number, height: number, colour: number[]) => {
    const data = new Float32Array(width * height * 3);
    for (let p = 0; p < width * height; p++) data.set(colour, 3 * p);
    return { width, height, data };
  };
  const colour = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }));

  it("gives the same finite alpha in [0, 1] for any colour and any epsilon, and converges", async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndRadius, fc.nat(), colour, colour, fc.double({ min: -12, max: -0.3, noNaN: true }).map((e) => 10 ** e),
        async ({ width, height, radius }, seed, first, second, epsilon) => {
          const trimap = randomTrimap(width, height, seed, 0.6);
          const a = await matting.estimateAlpha(constantImage(width, height, first), trimap, { radius, ...SOLVE });
          const b = await matting.estimateAlpha(constantImage(width, height, second), trimap, { radius, epsilon, ...SOLVE });
          expect(a.stats.converged).toBe(true);
          expect(b.stats.converged).toBe(true);
          a.alpha.forEach((value, p) => {
            expect(Number.isFinite(value)).toBe(true);
            expect(Math.abs(value - b.alpha[p])).toBeLessThanOrEqual(1e-6);
          });
        }),
      { numRuns: NUM_RUNS },
    );
  });

  it("with foreground left and background right: alpha depends on x only, falls monotonically and strictly inside (0, 1)", async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndRadius, fc.nat(), colour, async ({ width, height, radius }, seed, value) => {
        fc.pre(width >= 4);
        const next = random(seed);
        const from = 1 + Math.floor(next() * (width - 3));
        const to = from + Math.floor(next() * (width - 2 - from));
        const { alpha, stats } = await matting.estimateAlpha(constantImage(width, height, value), bandTrimap(width, height, from, to), { radius, ...SOLVE });
        expect(stats.converged).toBe(true);
        for (let x = from; x <= to; x++) {
          const top = alpha[x];
          expect(top).toBeGreaterThan(0);
          expect(top).toBeLessThan(1);
          if (x > from) expect(top).toBeLessThanOrEqual(alpha[x - 1] + 1e-6);
          for (let y = 1; y < height; y++) expect(Math.abs(alpha[y * width + x] - top)).toBeLessThanOrEqual(1e-6);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("is antisymmetric under the mirror that swaps foreground and background: alpha(x) + alpha(w-1-x) = 1", async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndRadius, fc.nat(), async ({ width, height, radius }, margin) => {
        const from = 1 + (margin % Math.max(1, Math.floor((width - 1) / 2)));
        const { alpha } = await matting.estimateAlpha(constantImage(width, height, [0.3, 0.6, 0.2]), bandTrimap(width, height, from, width - 1 - from), { radius, ...SOLVE });
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) expect(Math.abs(alpha[y * width + x] + alpha[y * width + width - 1 - x] - 1)).toBeLessThanOrEqual(1e-6);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// Colour-line model: where every window's colours lie on one line in RGB, alpha is an affine function of
// colour in each window (Levin et al. 2008, theorem 2), so an image made of blends a F + (1 - a) B of two
// colours is matted back to a up to the epsilon regularisation (here within 1e-3), and pure F / pure B come out as 1 / 0.
describe("two-colour edge with a blended band", () => {
  const distinctColours = fc
    .tuple(...Array.from({ length: 6 }, () => fc.double({ min: 0, max: 1, noNaN: true })))
    .map(([a, b, c, d, e, f]) => ({ foreground: [a, b, c], background: [d, e, f] }))
    .filter(({ foreground, background }) => Math.hypot(...foreground.map((v, c) => v - background[c])) > 0.3);

  it("recovers the blend ratio: ~1 on the foreground colour, ~0 on the background colour, the ramp between", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 14, max: 24 }), fc.integer({ min: 5, max: 24 }), distinctColours, fc.boolean(),
        async (radius, length, across, { foreground, background }, vertical) => {
          fc.pre(across >= 2 * radius + 1);
          // Along the edge axis: pure foreground, a linear blend over `ramp` pixels, pure background.
          const ramp = 4;
          const rampStart = Math.floor((length - ramp) / 2);
          const coverage = (t: number) => Math.min(1, Math.max(0, 1 - (t - rampStart + 1) / (ramp + 1)));
          const [width, height] = vertical ? [across, length] : [length, across];
          const data = new Float32Array(width * height * 3);
          const trimap = new Uint8Array(width * height);
          for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
              const t = vertical ? y : x;
              const a = coverage(t);
              const p = y * width + x;
              data.set(foreground.map((f, c) => a * f + (1 - a) * background[c]), 3 * p);
              // Unknown reaches three pixels into each pure side.
              trimap[p] = t < rampStart - 3 ? 255 : t > rampStart + ramp + 2 ? 0 : 128;
            }
          }
          const { alpha, stats } = await matting.estimateAlpha({ width, height, data }, { width, height, data: trimap }, { radius, ...SOLVE });
          expect(stats.converged).toBe(true);
          for (let p = 0; p < width * height; p++) {
            const t = vertical ? Math.floor(p / width) : p % width;
            expect(Math.abs(alpha[p] - coverage(t)), `pixel ${p} (t=${t})`).toBeLessThanOrEqual(1e-3);
          }
        }),
      { numRuns: NUM_RUNS },
    );
  });
});
