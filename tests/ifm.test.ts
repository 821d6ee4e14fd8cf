// Properties of information-flow matting (method "ifm") and of the combination (method "combined"), as for
// closed-form: range and exact known pixels, constant and two-colour images; progress and abort.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, noiseImage, randomTrimap, smoothImage } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

const METHODS = ["ifm", "combined"] as const;

describe.each(METHODS)("method %s", (method) => {
  it("gives finite alphas in [0, 1], exactly 0 and 1 where the trimap is sure", async () => {
    for (const [width, height, seed] of [[12, 10, 1], [23, 17, 2], [40, 9, 3]]) {
      for (const image of [noiseImage(width, height, seed), smoothImage(width, height, seed)]) {
        const trimap = randomTrimap(width, height, seed + 10, 0.4);
        const { alpha, stats } = await matting.estimateAlpha(image, trimap, { method });
        expect(stats.method).toBe(method);
        expect(stats.converged).toBe(true);
        for (let p = 0; p < alpha.length; p++) {
          expect(alpha[p] >= 0 && alpha[p] <= 1).toBe(true);
          if (trimap.data[p] === 255) expect(alpha[p]).toBe(1);
          if (trimap.data[p] === 0) expect(alpha[p]).toBe(0);
        }
      }
    }
  });

  it("on a constant image gives the same alpha whatever the colour, in [0, 1] and converged", async () => {
    const width = 30, height = 12;
    const constant = (colour: number[]) => ({ width, height, data: Float32Array.from({ length: width * height * 3 }, (_, i) => colour[i % 3]) });
    const trimap = bandTrimap(width, height, 4, 25);
    const a = await matting.estimateAlpha(constant([0.2, 0.5, 0.9]), trimap, { method });
    const b = await matting.estimateAlpha(constant([0.7, 0.1, 0.4]), trimap, { method });
    expect(a.stats.converged && b.stats.converged).toBe(true);
    expect(b.alpha).toEqual(a.alpha);
    for (const v of a.alpha) expect(v >= 0 && v <= 1).toBe(true);
  });

  it("recovers the blend ratio of a two-colour edge", async () => {
    const width = 40, height = 16, rampStart = 16, ramp = 8;
    const foreground = [0.9, 0.3, 0.2], background = [0.1, 0.4, 0.8];
    const coverage = (x: number) => Math.min(1, Math.max(0, 1 - (x - rampStart + 1) / (ramp + 1)));
    const data = new Float32Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const a = coverage(p % width);
      data.set(foreground.map((f, c) => a * f + (1 - a) * background[c]), 3 * p);
    }
    const trimap = bandTrimap(width, height, rampStart - 4, rampStart + ramp + 3);
    const { alpha } = await matting.estimateAlpha({ width, height, data }, trimap, { method });
    for (let p = 0; p < width * height; p++) expect(Math.abs(alpha[p] - coverage(p % width))).toBeLessThanOrEqual(0.02);
  });

  it("reports the build, then the solve, with fractions rising to 1", async () => {
    const reports: { phase: string; fraction: number }[] = [];
    await matting.estimateAlpha(noiseImage(40, 30, 5), randomTrimap(40, 30, 6, 0.5), { method, onProgress: (p) => reports.push({ ...p }) });
    expect(reports[0].phase).toBe("laplacian");
    expect(reports.at(-1)).toMatchObject({ phase: "solve", fraction: 1 });
    for (let i = 1; i < reports.length; i++) expect(reports[i].fraction).toBeGreaterThanOrEqual(reports[i - 1].fraction);
  });

  it("stops when the signal fires during the solve, and the engine stays usable", async () => {
    const small = { image: noiseImage(12, 10, 7), trimap: randomTrimap(12, 10, 8) };
    const before = await matting.estimateAlpha(small.image, small.trimap, { method });
    const controller = new AbortController();
    const onProgress = (p: { phase: string }) => {
      if (p.phase === "solve") controller.abort();
    };
    const error = await matting
      .estimateAlpha(noiseImage(120, 90, 9), bandTrimap(120, 90, 5, 114), { method, tolerance: 1e-15, maxIterations: 1_000_000, signal: controller.signal, onProgress })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MattingError);
    expect((error as MattingError).code).toBe("ABORTED");
    const after = await matting.estimateAlpha(small.image, small.trimap, { method });
    expect(after.alpha).toEqual(before.alpha);
  });

  it("refuses closed-form's own options", async () => {
    const error = await matting.estimateAlpha(noiseImage(12, 10, 1), randomTrimap(12, 10, 2), { method, epsilon: 1e-5 } as never).then(() => undefined, (e: unknown) => e);
    expect((error as MattingError).code).toBe("INVALID_OPTION");
  });
});

it("ifm stops at the authors' tolerance, 1e-6, by default: the same alpha as tolerance 1e-6 asks, fewer iterations than 1e-7", async () => {
  const image = noiseImage(48, 36, 4), trimap = bandTrimap(48, 36, 10, 30);
  const plain = await matting.estimateAlpha(image, trimap, { method: "ifm" });
  const asked = await matting.estimateAlpha(image, trimap, { method: "ifm", tolerance: 1e-6 });
  const tighter = await matting.estimateAlpha(image, trimap, { method: "ifm", tolerance: 1e-7 });
  expect(plain.stats.converged && plain.stats.residual <= 1e-6).toBe(true);
  expect(plain.alpha).toEqual(asked.alpha);
  expect(plain.stats.iterations).toBe(asked.stats.iterations);
  expect(tighter.stats.iterations).toBeGreaterThan(plain.stats.iterations);
});

it("combined runs each solve at its own default tolerance unless one is given: ifm's at 1e-6, cf's at 1e-7", async () => {
  const image = noiseImage(48, 36, 4), trimap = bandTrimap(48, 36, 10, 30);
  const plain = await matting.estimateAlpha(image, trimap, { method: "combined" });
  const [ifm, cf] = await Promise.all([
    matting.estimateAlpha(image, trimap, { method: "ifm" }), matting.estimateAlpha(image, trimap, { method: "cf" }),
  ]);
  // Its iterations are the voters' summed: ifm's and cf's at their own defaults (sm has none).
  expect(plain.stats.iterations).toBe(ifm.stats.iterations + cf.stats.iterations);
  const both = await matting.estimateAlpha(image, trimap, { method: "combined", tolerance: 1e-6 });
  const cfLoose = await matting.estimateAlpha(image, trimap, { method: "cf", tolerance: 1e-6 });
  expect(both.stats.iterations).toBe(ifm.stats.iterations + cfLoose.stats.iterations);
});

it("ifm's solve starts from its known-to-unknown estimates: fewer iterations than from 0, the same alpha within the tolerance", async () => {
  const [width, height] = [64, 48];
  const image = smoothImage(width, height, 7), trimap = bandTrimap(width, height, 19, 45);
  // Under Jacobi, which the start was measured with: on this small band the two-level preconditioner's coarse
  // correction already supplies the smooth part that the estimates give.
  // At 1e-7 (ifm's default is 1e-6), so that the two alphas agree to 1e-5.
  const estimated = await matting.estimateAlpha(image, trimap, { method: "ifm", preconditioner: "jacobi", tolerance: 1e-7 });
  // A warm start of alpha 0 everywhere is x = 0 on the unknowns: the start the solve had before.
  const fromZero = await matting.estimateAlpha(image, trimap, {
    method: "ifm", preconditioner: "jacobi", tolerance: 1e-7, initialAlpha: { width, height, data: new Float32Array(width * height) },
  });
  expect(estimated.stats.converged && fromZero.stats.converged).toBe(true);
  expect(estimated.stats.iterations).toBeLessThan(fromZero.stats.iterations);
  let worst = 0;
  for (let p = 0; p < width * height; p++) worst = Math.max(worst, Math.abs(estimated.alpha[p] - fromZero.alpha[p]));
  expect(worst).toBeLessThan(1e-5);
});
