// estimateAlpha (Laplacian + PCG in wasm, with each preconditioner) against a dense direct solve of the same restricted
// system built by the eq. 12 reference, clamped to [0, 1] as the engine clamps.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, type Matting } from "../dist/entry/node.js";
import { buildSystem, loadPixels, solveSystem } from "../dist/alpha.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { compiledModule, makeEngine } from "./helpers.js";
import { referenceAlpha } from "./reference/laplacian.js";
import { bandTrimap, type Image8, labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

const TOLERANCE = 1e-4;

interface Case {
  name: string;
  image: Image8;
  trimap: Image8;
  radius: number;
  epsilon: number;
}

const cases: Case[] = [
  { name: "noise 7x9 r=1", image: noiseImage(7, 9, 1), trimap: randomTrimap(7, 9, 2, 0.6), radius: 1, epsilon: 1e-7 },
  { name: "noise 15x11 r=2", image: noiseImage(15, 11, 3), trimap: randomTrimap(15, 11, 4, 0.7), radius: 2, epsilon: 1e-7 },
  { name: "noise 24x19 r=1", image: noiseImage(24, 19, 5), trimap: randomTrimap(24, 19, 6, 0.8), radius: 1, epsilon: 1e-7 },
  { name: "smooth 21x17 r=1", image: smoothImage(21, 17, 7), trimap: randomTrimap(21, 17, 8, 0.6), radius: 1, epsilon: 1e-7 },
  { name: "smooth 17x23 r=2 epsilon 1e-5", image: smoothImage(17, 23, 9), trimap: randomTrimap(17, 23, 10, 0.7), radius: 2, epsilon: 1e-5 },
  { name: "smooth 40x40 r=1, band trimap", image: smoothImage(40, 40, 11), trimap: bandTrimap(40, 40, 8, 31), radius: 1, epsilon: 1e-7 },
  { name: "noise 39x37 r=1, mostly unknown", image: noiseImage(39, 37, 12), trimap: randomTrimap(39, 37, 13, 0.9), radius: 1, epsilon: 1e-7 },
  // Over 64 first-level multigrid nodes, so that the hierarchy has coarser levels too.
  { name: "smooth 44x42 r=1, wide band", image: smoothImage(44, 42, 14), trimap: bandTrimap(44, 42, 4, 40), radius: 1, epsilon: 1e-7 },
];
const preconditioners = ["multigrid", "jacobi"] as const;

const solved = new Map<Case, Float64Array | number[]>();
/** The dense direct solve, once per case. */
function expectedAlpha(c: Case, labels: Uint8Array) {
  if (!solved.has(c)) solved.set(c, referenceAlpha(unitRgb(c.image.data, 3), labels, c.image.width, c.image.height, c.radius, c.epsilon));
  return solved.get(c)!;
}

describe("estimateAlpha against a dense direct solve", () => {
  const engines: Record<string, Matting> = {};
  beforeAll(async () => {
    engines.release = await createMatting({ module: await compiledModule("release") });
    engines.scalar = await createMatting({ module: await compiledModule("scalar") });
  });

  // The solver's vector loops are where the SIMD build differs from its scalar twin: both must agree with the oracle.
  it.each(cases.flatMap((c) => (["release", "scalar"] as const).flatMap((build) =>
    preconditioners.map((preconditioner) => [`${c.name} (${build}, ${preconditioner})`, c, build, preconditioner] as const))))("%s", async (_, c, build, preconditioner) => {
    const matting = engines[build];
    const { width, height } = c.image;
    const labels = labels8(c.trimap.data);
    const expected = expectedAlpha(c, labels);
    const { alpha, stats } = await matting.estimateAlpha(c.image, c.trimap, {
      radius: c.radius, epsilon: c.epsilon, tolerance: 1e-10, maxIterations: 200_000, preconditioner,
    });
    expect(stats.converged).toBe(true);
    expect(stats.residual).toBeLessThanOrEqual(1e-10);
    expect(stats.unknownPixels).toBe(labels.filter((l) => l === 2).length);
    let worst = 0;
    let worstPixel = -1;
    alpha.forEach((a, p) => {
      const difference = Math.abs(a - expected[p]);
      if (!(difference <= worst)) [worst, worstPixel] = [difference, p];
    });
    expect(worst, `worst pixel ${worstPixel}: wasm ${alpha[worstPixel]}, direct ${expected[worstPixel]}`).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe("multigrid with a deep hierarchy", () => {
  // 200x160 with a wide unknown band: hundreds of first-level nodes, so the W-cycle runs through several
  // block levels down to the coarsest, on both builds.
  const width = 200, height = 160;
  const image = smoothImage(width, height, 21);
  const trimap = bandTrimap(width, height, 30, 170);

  it.each(["release", "scalar"] as const)("gives Jacobi's alpha within 1e-5 (%s build)", async (build) => {
    const matting = await createMatting({ module: await compiledModule(build) });
    const options = { tolerance: 1e-10, maxIterations: 100_000 };
    const multigrid = await matting.estimateAlpha(image, trimap, { ...options, preconditioner: "multigrid" });
    const jacobi = await matting.estimateAlpha(image, trimap, { ...options, preconditioner: "jacobi" });
    expect(multigrid.stats.converged && jacobi.stats.converged).toBe(true);
    expect(multigrid.stats.iterations * 10).toBeLessThan(jacobi.stats.iterations);
    let worst = 0;
    multigrid.alpha.forEach((a, p) => { worst = Math.max(worst, Math.abs(a - jacobi.alpha[p])); });
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});

describe("multigrid's safeguard", () => {
  // An over-corrected cycle may stop being positive definite; the solver must notice (r.z <= 0) and
  // carry on with the plain cycle instead of stalling. A factor of 8 is far past safe.
  it("recovers from a coarse correction factor that breaks positive definiteness", async () => {
    const engine = await makeEngine();
    const image = smoothImage(120, 90, 31), trimap = bandTrimap(120, 90, 20, 100);
    const solve = (overCorrection: number) => engine.run(async (arena) => {
      const checked = checkImage(image);
      const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
      const system = await buildSystem(arena, engine, pixels, 120, 90, 1, 1e-7);
      const options = { epsilon: 1e-7, radius: 1, tolerance: 1e-9, maxIterations: 5000, preconditioner: "multigrid" as const, overCorrection };
      const solved = await solveSystem(arena, engine, system, pixels, { width: 120, height: 90 }, options, () => {});
      return { ...solved, x: arena.f64(solved.solution, system.rows).slice() };
    });
    const plain = await solve(1);
    const wild = await solve(8);
    expect(plain.converged && wild.converged).toBe(true);
    let worst = 0;
    wild.x.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - plain.x[i])); });
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});
