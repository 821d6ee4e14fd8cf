// The adaptive switch to smoothed aggregation as estimateAlpha runs it (src/methods/cf.ts sets the internal option
// smoothedSwitch): stats.switchedAt says after which iteration a slow closed-form solve switched, and its alpha is
// the plain hierarchy's within what the tolerance implies; an easy solve does not switch (switchedAt 0) and is the
// plain solve bit for bit; methods that do not ask for the switch (rw's multigrid solve) report 0 on the slow scene.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildSystem, loadPixels, solveSystem } from "../dist/alpha.js";
import { Engine } from "../dist/engine.js";
import { type Matting, createMatting } from "../dist/entry/node.js";
import { SmoothedSwitch } from "../dist/smoothed-switch.js";
import { ALPHA_DEFAULTS, checkImage, checkTrimap } from "../dist/validate.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, type Image8, noiseImage, smoothImage } from "./synthetic.js";

let matting: Matting;
let engine: Engine;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
  engine = await Engine.create(await compiledModule());
});
afterAll(() => {
  matting.close();
  engine.close();
});

const width = 96, height = 80;
// The scenes of tests/smoothed-switch.test.ts: plain, the slow one takes 150 iterations, the easy one 21.
const hard = { image: smoothImage(width, height, 41), trimap: bandTrimap(width, height, 10, 86), tolerance: 1e-10 };
const easy = { image: noiseImage(width, height, 5), trimap: bandTrimap(width, height, 10, 86), tolerance: 1e-7 };

/** Closed-form's system solved with the plain hierarchy only (no switch), composed into alpha as estimateAlpha does. */
function plainAlpha({ image, trimap, tolerance }: { image: Image8; trimap: Image8; tolerance: number }) {
  return engine.run(async (arena) => {
    const checked = checkImage(image);
    const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
    const system = await buildSystem(arena, engine, pixels, width, height, ALPHA_DEFAULTS.radius, ALPHA_DEFAULTS.epsilon);
    const options = { ...ALPHA_DEFAULTS, tolerance, smoothedSwitch: false };
    const solved = await solveSystem(arena, engine, system, pixels, { width, height }, options, () => {});
    const x = arena.f64(solved.solution, system.rows), index = arena.i32(system.unknownIndex, width * height);
    const alpha = Float32Array.from(index, (u, p) => (u >= 0 ? Math.min(1, Math.max(0, x[u])) : trimap.data[p] === 255 ? 1 : 0));
    return { alpha, iterations: solved.iterations, switchedAt: solved.switchedAt };
  });
}

const largestDifference = (a: Float32Array, b: Float32Array) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

describe("stats.switchedAt through estimateAlpha", () => {
  it("a slow closed-form solve switches, says where, and ends at the plain solve's alpha", async () => {
    const setUp = vi.spyOn(SmoothedSwitch.prototype, "setUp");
    const switched = await matting.estimateAlpha(hard.image, hard.trimap, { method: "cf", tolerance: hard.tolerance });
    // Once: the samples after the restart (whose residual falls faster) do not switch again.
    expect(setUp).toHaveBeenCalledTimes(1);
    setUp.mockRestore();
    const plain = await plainAlpha(hard);
    expect(plain.switchedAt).toBe(0);
    expect(switched.stats.converged).toBe(true);
    expect(switched.stats.threads).toBe(1);
    expect(switched.stats.switchedAt).toBeGreaterThan(0);
    expect(switched.stats.switchedAt).toBeLessThan(switched.stats.iterations);
    expect(switched.stats.iterations).toBeLessThan(plain.iterations);
    // Both reach |b - A x| <= 1e-10 |b|; on this scene that leaves their x within 1e-6 of each other (the
    // switch test's bound), and clamping moves no value further apart.
    expect(largestDifference(switched.alpha, plain.alpha)).toBeLessThanOrEqual(1e-6);
  });

  it("an easy closed-form solve does not switch: switchedAt 0 and the plain solve's alpha bit for bit", async () => {
    const adaptive = await matting.estimateAlpha(easy.image, easy.trimap, { tolerance: easy.tolerance });
    const plain = await plainAlpha(easy);
    expect(adaptive.stats.switchedAt).toBe(0);
    expect(adaptive.stats.iterations).toBe(plain.iterations);
    expect(Array.from(adaptive.alpha)).toEqual(Array.from(plain.alpha));
  });

  it("rw's multigrid solve, which does not ask for the switch, reports 0 on the slow scene; matte passes it on", async () => {
    const walked = await matting.estimateAlpha(hard.image, hard.trimap, { method: "rw", preconditioner: "multigrid", tolerance: hard.tolerance });
    expect(walked.stats.switchedAt).toBe(0);
    const matted = await matting.matte(hard.image, hard.trimap, { tolerance: hard.tolerance });
    expect(matted.stats.switchedAt).toBeGreaterThan(0);
  });

  // Smoothed aggregation holds up to 1.8x the memory budget (300 B per unknown + 40 per pixel), so it is considered
  // only up to 2^18 unknowns (src/alpha.ts SMOOTHED_MAX_UNKNOWNS): larger systems never check the switch and stay
  // within the budget (high-res GT11 Trimap1, 805 k unknowns, went over it when the bound was 2^20).
  it("is not considered past 2^18 unknowns", async () => {
    const observe = vi.spyOn(SmoothedSwitch.prototype, "observe");
    for (const [columns, considered] of [[580, true], [600, false]] as const) {
      const w = columns + 20, h = 440;
      const { stats } = await matting.estimateAlpha(noiseImage(w, h, 5), bandTrimap(w, h, 10, columns + 9), { method: "cf" });
      expect(stats.unknownPixels).toBe(columns * h);
      expect(stats.unknownPixels <= 1 << 18).toBe(considered);
      expect(observe.mock.calls.length > 0, `${columns * h} unknowns`).toBe(considered);
      expect(stats.switchedAt).toBe(0);
      observe.mockClear();
    }
    observe.mockRestore();
  });
});
