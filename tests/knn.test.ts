// Method "knn": against the plain twin of pymatting's KNN matting (tests/reference/knn-matting.ts) on small images,
// over its options, on both builds; properties; options; progress and abort.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting, type Progress } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { type KnnParameters, referenceKnnAlpha } from "./reference/knn-matting.js";
import { type Image8, bandTrimap, labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

const engines: Record<string, Matting> = {};
beforeAll(async () => {
  engines.release = await createMatting({ module: await compiledModule("release") });
  engines.scalar = await createMatting({ module: await compiledModule("scalar") });
});

const DEFAULTS: KnnParameters = { neighbors: [20, 10], distanceWeights: [2.0, 0.1], kernel: "binary" };

interface Case {
  name: string;
  image: Image8;
  trimap: Image8;
  options: KnnParameters;
}

const cases: Case[] = [
  { name: "noise 12x10, defaults", image: noiseImage(12, 10, 1), trimap: randomTrimap(12, 10, 2, 0.5), options: DEFAULTS },
  { name: "smooth 16x13, defaults", image: smoothImage(16, 13, 3), trimap: randomTrimap(16, 13, 4, 0.6), options: DEFAULTS },
  { name: "smooth 20x15 band, defaults", image: smoothImage(20, 15, 5), trimap: bandTrimap(20, 15, 6, 13), options: DEFAULTS },
  { name: "noise 11x9, soft kernel", image: noiseImage(11, 9, 6), trimap: randomTrimap(11, 9, 7, 0.5), options: { ...DEFAULTS, kernel: "soft" } },
  { name: "smooth 14x12, one search of 6", image: smoothImage(14, 12, 8), trimap: randomTrimap(14, 12, 9, 0.7), options: { neighbors: [6], distanceWeights: [1], kernel: "binary" } },
  {
    name: "noise 13x9, three searches, position weight 0", image: noiseImage(13, 9, 10), trimap: randomTrimap(13, 9, 11, 0.4),
    options: { neighbors: [3, 8, 2], distanceWeights: [0, 5, 0.5], kernel: "soft" },
  },
  { name: "3x3, more neighbours than pixels", image: noiseImage(3, 3, 12), trimap: randomTrimap(3, 3, 13, 0.5), options: DEFAULTS },
  { name: "constant 10x8", image: { width: 10, height: 8, data: new Uint8Array(240).fill(90) }, trimap: randomTrimap(10, 8, 14, 0.5), options: DEFAULTS },
];

describe("knn against a dense solve of pymatting's system", () => {
  it.each(cases.flatMap((c) => (["release", "scalar"] as const).map((build) => [`${c.name} (${build})`, c, build] as const)))("%s", async (_, c, build) => {
    const { width, height } = c.image;
    const labels = labels8(c.trimap.data);
    const expected = referenceKnnAlpha(unitRgb(c.image.data, 3), labels, width, height, c.options);
    const { alpha, stats } = await engines[build].estimateAlpha(c.image, c.trimap, { method: "knn", ...c.options, tolerance: 1e-12, maxIterations: 100000 });
    expect(stats.method).toBe("knn");
    expect(stats.converged).toBe(true);
    expect(stats.unknownPixels).toBe(labels.filter((l) => l === 2).length);
    let worst = 0;
    labels.forEach((label, p) => {
      if (label === 2) worst = Math.max(worst, Math.abs(alpha[p] - expected[p]));
      else expect(alpha[p]).toBe(label === 1 ? 1 : 0);
    });
    // Restricting the solve to the unknown pixels and one hop of known ones moves alpha by about 1e-6 (constrain.ts).
    expect(worst).toBeLessThan(1e-4);
  });
});

describe("knn properties", () => {
  it("gives finite alphas in [0, 1], exactly 0 and 1 where the trimap is sure, on random and constant images", async () => {
    const images = [noiseImage(37, 23, 20), smoothImage(41, 29, 21), { width: 30, height: 20, data: new Uint8Array(1800).fill(200) }];
    for (const [i, image] of images.entries()) {
      const trimap = randomTrimap(image.width, image.height, 30 + i, 0.6);
      const labels = labels8(trimap.data);
      const { alpha, stats } = await engines.release.estimateAlpha(image, trimap, { method: "knn" });
      expect(stats.converged).toBe(true);
      alpha.forEach((a, p) => {
        expect(Number.isFinite(a)).toBe(true);
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThanOrEqual(1);
        if (labels[p] !== 2) expect(a).toBe(labels[p] === 1 ? 1 : 0);
      });
    }
  });

  it("is exact without unknown pixels, and one known colour beside an unknown band of that colour pulls it to that alpha", async () => {
    const image = smoothImage(20, 10, 40);
    const sure = { width: 20, height: 10, data: Uint8Array.from({ length: 200 }, (_, p) => (p % 20 < 10 ? 255 : 0)) };
    const known = await engines.release.estimateAlpha(image, sure, { method: "knn" });
    expect(Array.from(known.alpha)).toEqual(Array.from(sure.data, (v) => v / 255));
    // A constant image: colour says nothing, position decides; unknown pixels nearer the foreground side get more alpha.
    const flat = { width: 24, height: 6, data: new Uint8Array(24 * 6 * 3).fill(128) };
    const { alpha } = await engines.release.estimateAlpha(flat, bandTrimap(24, 6, 4, 19), { method: "knn" });
    expect(alpha[6 * 24 - 1 - 15]).toBeLessThan(alpha[6 * 24 - 1 - 18]);
  });
});

describe("knn options", () => {
  const image = noiseImage(12, 10, 50), trimap = randomTrimap(12, 10, 51);
  async function invalid(options: Record<string, unknown>, option: string): Promise<MattingError> {
    const error = await engines.release.estimateAlpha(image, trimap, options as never).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MattingError);
    expect((error as MattingError).code).toBe("INVALID_OPTION");
    expect((error as MattingError).details.option).toBe(option);
    return error as MattingError;
  }

  it("rejects bad neighbour counts, distance weights and kernels", async () => {
    for (const neighbors of [[], [0], [2.5], [-1], [1001], "20", [20, "10"], Array(9).fill(1)]) await invalid({ method: "knn", neighbors }, "neighbors");
    for (const distanceWeights of [[], [-0.1, 1], [NaN, 1], [Infinity, 1], 2]) await invalid({ method: "knn", distanceWeights }, "distanceWeights");
    await invalid({ method: "knn", neighbors: [20, 10, 5] }, "distanceWeights");
    for (const kernel of ["gaussian", "", 1]) await invalid({ method: "knn", kernel }, "kernel");
  });

  it("rejects closed-form's options with knn and knn's with closed-form, naming option and method", async () => {
    for (const option of ["epsilon", "radius", "preconditioner"]) {
      const error = await invalid({ method: "knn", [option]: option === "preconditioner" ? "jacobi" : 1 }, option);
      expect(error.message).toContain(option);
      expect(error.message).toContain('"knn"');
    }
    for (const [option, value] of [["neighbors", [5]], ["distanceWeights", [1]], ["kernel", "soft"]] as const) {
      const error = await invalid({ [option]: value }, option);
      expect(error.message).toContain('"cf"');
    }
  });

  it("takes its documented defaults", async () => {
    const byDefault = await engines.release.estimateAlpha(image, trimap, { method: "knn" });
    const spelled = await engines.release.estimateAlpha(image, trimap, { method: "knn", ...DEFAULTS, tolerance: 1e-7, maxIterations: 20000 });
    expect(spelled.alpha).toEqual(byDefault.alpha);
  });
});

describe("knn progress and abort", () => {
  it("reports the neighbour graph, then the solve, rising to exactly 1", async () => {
    const reports: Progress[] = [];
    const { stats } = await engines.release.estimateAlpha(smoothImage(180, 120, 60), randomTrimap(180, 120, 61, 0.5), {
      method: "knn", onProgress: (p) => reports.push({ ...p }),
    });
    expect(reports[0]).toMatchObject({ phase: "laplacian", fraction: 0 });
    const firstSolve = reports.findIndex((r) => r.phase === "solve");
    expect(firstSolve).toBeGreaterThan(1);
    reports.forEach((r, i) => {
      expect(r.phase).toBe(i < firstSolve ? "laplacian" : "solve");
      if (i > 0) expect(r.fraction).toBeGreaterThanOrEqual(reports[i - 1].fraction);
    });
    expect(reports.at(-1)).toMatchObject({ phase: "solve", fraction: 1, iteration: stats.iterations });
  });

  it("stops with ABORTED between slices of the neighbour search and of the solve, and the engine goes on", async () => {
    const image = smoothImage(200, 150, 70), trimap = randomTrimap(200, 150, 71, 0.6);
    for (const phase of ["laplacian", "solve"] as const) {
      const controller = new AbortController();
      const call = engines.release.estimateAlpha(image, trimap, {
        method: "knn", onProgress: (p) => { if (p.phase === phase && p.fraction > 0) controller.abort(); },
        signal: controller.signal,
      });
      await expect(call).rejects.toMatchObject({ code: "ABORTED" });
    }
    const after = await engines.release.estimateAlpha(noiseImage(12, 10, 72), randomTrimap(12, 10, 73), { method: "knn" });
    expect(after.stats.converged).toBe(true);
  });
});
