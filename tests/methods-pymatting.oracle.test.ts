// rw, lbdm and lkm against dense twins of pymatting's systems (tests/reference/pymatting.ts), solved
// directly, on small images: odd sizes, options over their range, release (SIMD) and scalar builds. The
// methods solve over the unknown pixels and a band of known ones; a larger image with a narrow unknown
// band checks that this gives the whole system's alpha.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, type Matting } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { type DenseMatrix } from "./reference/dense.js";
import { largeKernelLaplacian, learningBasedLaplacian, penaltyAlpha, randomWalkLaplacian, type Picture } from "./reference/pymatting.js";
import { bandTrimap, type Image8, labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

const builds = ["release", "scalar"] as const;
const engines: Record<string, Matting> = {};
beforeAll(async () => {
  for (const build of builds) engines[build] = await createMatting({ module: await compiledModule(build) });
});

function picture(image: Image8, trimap: Image8): Picture {
  return { width: image.width, height: image.height, rgb: unitRgb(image.data, 3), labels: labels8(trimap.data) };
}

function largestDifference(a: Float32Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

interface Case {
  name: string;
  image: Image8;
  trimap: Image8;
  options: Record<string, unknown>;
  laplacian(p: Picture): DenseMatrix;
}

const smooth = (w: number, h: number, seed: number) => smoothImage(w, h, seed);
const cases: Case[] = [
  { name: "rw defaults, smooth 11x9", image: smooth(11, 9, 1), trimap: randomTrimap(11, 9, 2), options: { method: "rw" },
    laplacian: (p) => randomWalkLaplacian(p, 1, 900, 1e-8) },
  { name: "rw sigma 0.2 regularization 1e-4, noise 13x7, multigrid", image: noiseImage(13, 7, 3), trimap: randomTrimap(13, 7, 4),
    options: { method: "rw", sigma: 0.2, laplacianRegularization: 1e-4, preconditioner: "multigrid" }, laplacian: (p) => randomWalkLaplacian(p, 1, 25, 1e-4) },
  { name: "lbdm defaults, smooth 9x11", image: smooth(9, 11, 7), trimap: randomTrimap(9, 11, 8), options: { method: "lbdm" },
    laplacian: (p) => learningBasedLaplacian(p, 1, 1e-7) },
  { name: "lbdm epsilon 1e-3, noise 10x7, jacobi", image: noiseImage(10, 7, 9), trimap: randomTrimap(10, 7, 10),
    options: { method: "lbdm", epsilon: 1e-3, preconditioner: "jacobi" }, laplacian: (p) => learningBasedLaplacian(p, 1, 1e-3) },
  { name: "lbdm radius 2, smooth 11x10", image: smooth(11, 10, 11), trimap: randomTrimap(11, 10, 12), options: { method: "lbdm", radius: 2 },
    laplacian: (p) => learningBasedLaplacian(p, 2, 1e-7) },
  { name: "lkm radius 2, smooth 11x9", image: smooth(11, 9, 13), trimap: randomTrimap(11, 9, 14), options: { method: "lkm", radius: 2 },
    laplacian: (p) => largeKernelLaplacian(p, 2, 1e-7) },
  { name: "lkm radius 1 epsilon 1e-3, noise 8x5", image: noiseImage(8, 5, 15), trimap: randomTrimap(8, 5, 16), options: { method: "lkm", radius: 1, epsilon: 1e-3 },
    laplacian: (p) => largeKernelLaplacian(p, 1, 1e-3) },
  { name: "lkm radius 10, smooth 23x21", image: smooth(23, 21, 17), trimap: randomTrimap(23, 21, 18), options: { method: "lkm" },
    laplacian: (p) => largeKernelLaplacian(p, 10, 1e-7) },
  { name: "lkm radius 5 epsilon 1e-5, noise 19x23", image: noiseImage(19, 23, 19), trimap: randomTrimap(19, 23, 20), options: { method: "lkm", radius: 5, epsilon: 1e-5 },
    laplacian: (p) => largeKernelLaplacian(p, 5, 1e-5) },
  { name: "lkm radius 13, smooth 31x29", image: smooth(31, 29, 21), trimap: randomTrimap(31, 29, 22), options: { method: "lkm", radius: 13 },
    laplacian: (p) => largeKernelLaplacian(p, 13, 1e-7) },
];

describe.each(builds)("pymatting's systems, %s build", (build) => {
  it.each(cases)("$name", async ({ image, trimap, options, laplacian }) => {
    const expected = penaltyAlpha(laplacian(picture(image, trimap)), labels8(trimap.data));
    const { alpha, stats } = await engines[build].estimateAlpha(image, trimap, { ...options, tolerance: 1e-12 } as never);
    expect(stats.method).toBe(options.method);
    expect(stats.converged).toBe(true);
    expect(largestDifference(alpha, expected)).toBeLessThan(1e-4);
  });
});

describe("solving over a band of known pixels", () => {
  // 40x30, unknown columns 17..21 only: most known pixels lie beyond the band and keep their trimap value.
  const image = smoothImage(40, 30, 19);
  const trimap = bandTrimap(40, 30, 17, 21);
  it.each([
    ["rw", (p: Picture) => randomWalkLaplacian(p, 1, 900, 1e-8)],
    ["lbdm", (p: Picture) => learningBasedLaplacian(p, 1, 1e-7)],
  ] as const)("%s gives the whole system's alpha", async (method, laplacian) => {
    const expected = penaltyAlpha(laplacian(picture(image, trimap)), labels8(trimap.data));
    const { alpha } = await engines.release.estimateAlpha(image, trimap, { method, tolerance: 1e-12 });
    expect(largestDifference(alpha, expected)).toBeLessThan(1e-4);
  });
});
