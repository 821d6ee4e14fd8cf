// The adaptive switch from the plain hierarchy to smoothed aggregation (src/smoothed-switch.ts): a slow solve
// (a tight tolerance) switches and reaches the plain solve's alpha in fewer iterations, going on from its current
// x; an easy one does not switch and is the plain solve bit for bit; the memory the switch adds, and the plain solve
// where smoothed aggregation does not fit; abort during and after the switch's set-up.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildSystem, loadPixels, solveSystem } from "../dist/alpha.js";
import { Engine } from "../dist/engine.js";
import { MattingError } from "../dist/errors.js";
import { PAYBACK_ITERATIONS, SmoothedSwitch, predictedIterations } from "../dist/smoothed-switch.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { compiledModule, enginesOfEveryBuild } from "./helpers.js";
import { bandTrimap, type Image8, noiseImage, smoothImage } from "./synthetic.js";

let engines = new Map<string, Engine>();
beforeAll(async () => {
  engines = await enginesOfEveryBuild([1]);
});
afterAll(() => engines.forEach((engine) => engine.close()));

const width = 96, height = 80;
// Plain: 150 iterations (smoothed aggregation from the start 34); plain: 21, past both checks of the rate.
const hard = { image: smoothImage(width, height, 41), trimap: bandTrimap(width, height, 10, 86), tolerance: 1e-10 };
const easy = { image: noiseImage(width, height, 5), trimap: bandTrimap(width, height, 10, 86), tolerance: 1e-7 };

interface Scene { image: Image8; trimap: Image8; tolerance: number; maxIterations?: number }

function solve(
  engine: Engine, { image, trimap, tolerance, maxIterations = 5000 }: Scene, smoothedAggregation?: boolean, signal?: AbortSignal,
  report: (iteration: number, residual: number) => void = () => {},
) {
  return engine.run(async (arena) => {
    const base = arena.mark();
    const checked = checkImage(image);
    const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
    const system = await buildSystem(arena, engine, pixels, width, height, 1, 1e-7);
    const options = { epsilon: 1e-7, radius: 1, tolerance, maxIterations, preconditioner: "multigrid" as const, smoothedAggregation, smoothedSwitch: smoothedAggregation === undefined, signal };
    const solved = await solveSystem(arena, engine, system, pixels, { width, height }, options, report);
    return { ...solved, x: arena.f64(solved.solution, system.rows).slice(), rows: system.rows, base, peak: arena.peak };
  });
}

const largestDifference = (a: Float64Array, b: Float64Array) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

describe("the switch to smoothed aggregation", () => {
  it("predicts the iterations left from the reduction rate", () => {
    expect(predictedIterations(1e-3, 1e-7, 0.5)).toBeCloseTo(Math.log(1e-4) / Math.log(0.5), 10);
    expect(predictedIterations(1e-8, 1e-7, 0.5)).toBe(0);
    expect(predictedIterations(1e-3, 1e-7, 1)).toBe(Infinity);
  });

  it("switches from 20 to 64 where two samples in a row, every 4, predict long on the rate of the lowest residual over the last 12, once", async () => {
    const tolerance = 1e-7;
    // Fast (0.6 per iteration) for 24 iterations, then slow (0.95): predicted short at 20 and 24, long later.
    const residual = (i: number) => (i <= 24 ? 0.6 ** i : 0.6 ** 24 * 0.95 ** (i - 24));
    // The first multiple of 4 from 20 on where log(tol / r(i)) / log((r(i) / r(i - 12))^(1/12)) > PAYBACK_ITERATIONS
    // at i and at i - 4.
    const long = (i: number) => Math.log(tolerance / residual(i)) / Math.log((residual(i) / residual(i - 12)) ** (1 / 12)) > PAYBACK_ITERATIONS;
    let expected = 0;
    for (let i = 20; i <= 64 && !expected; i += 4) if (long(i) && long(i - 4)) expected = i;
    expect(expected).toBeGreaterThan(24);
    const switcher = new SmoothedSwitch(tolerance);
    let i = 0, switchedAt = 0;
    while (i < 80 && !switchedAt) {
      i += Math.min(3, switcher.stepsToCheck(i)); // slices of at most 3 iterations, cut at every sample
      if (switcher.observe(i, residual(i))) switchedAt = i;
    }
    expect(switchedAt).toBe(expected);
    // The first long prediction came one sample earlier: alone, it did not switch.
    expect(long(expected - 4) && !long(expected - 8)).toBe(true);
    // A second sample whose residual did not fall below the lowest before it does not confirm: the next one does.
    const plateau = new SmoothedSwitch(tolerance);
    const flat = (j: number) => (j === expected ? residual(expected - 4) * 2 : residual(j));
    let confirmedAt = 0;
    for (let j = 4; j <= 64 && !confirmedAt; j += 4) if (plateau.observe(j, flat(j))) confirmedAt = j;
    expect(confirmedAt).toBe(expected + 4);
    // A residual that jumps up for two samples does not count: the lowest so far is the rate's end.
    const spiky = new SmoothedSwitch(tolerance);
    const steady = (j: number) => 0.5 ** j * (j === 20 || j === 24 ? 1e4 : 1);
    for (let j = 4; j <= 64; j += 4) expect(spiky.observe(j, steady(j))).toBe(false);
    // No checks past 64, nor once the set-up was tried (here it stops at once on an aborted signal).
    expect(new SmoothedSwitch(tolerance).stepsToCheck(64)).toBe(Infinity);
    const tried = new SmoothedSwitch(tolerance);
    for (let j = 4; j < 20; j += 4) tried.observe(j, residual(j));
    const aborted = AbortSignal.abort();
    await expect(tried.setUp(undefined as never, undefined as never, undefined as never, 1, 20, aborted)).rejects.toMatchObject({ code: "ABORTED" });
    expect(tried.stepsToCheck(20)).toBe(Infinity);
    for (let j = 20; j <= 64; j += 4) expect(tried.observe(j, residual(j) * 1e3 ** (j - 16))).toBe(false);
  });

  it.each(["release", "scalar", "threads 1"])("%s: a slow solve switches, goes on from its x and ends at the plain solve's alpha", async (build) => {
    const engine = engines.get(build)!;
    // The residual reported after each slice: after the switch's, the restarted CG's own, |b - A x| / |b|.
    const reported = new Map<number, number>();
    const switched = await solve(engine, hard, undefined, undefined, (i, r) => reported.set(i, r));
    const plain = await solve(engine, hard, false);
    expect(switched.converged && plain.converged).toBe(true);
    expect(plain.switchedAt).toBe(0);
    expect(switched.switchedAt).toBeGreaterThan(0);
    expect(switched.iterations).toBeLessThan(plain.iterations);
    // Going on from the current x: the restart's residual is the plain solve's at that iteration (which CG updated
    // rather than recomputed), not |b| (a restart from zero) nor anything else (a wrong x).
    const at = switched.switchedAt, plainThere = (await solve(engine, { ...hard, maxIterations: at }, false)).residual;
    expect(plainThere).toBeGreaterThan(hard.tolerance);
    expect(Math.abs(reported.get(at)! - plainThere)).toBeLessThanOrEqual(1e-6 * plainThere);
    expect(largestDifference(switched.x, plain.x)).toBeLessThanOrEqual(1e-6);
  });

  it.each(["release", "scalar", "threads 1"])("%s: an easy solve does not switch and is the plain solve bit for bit", async (build) => {
    const engine = engines.get(build)!;
    const adaptive = await solve(engine, easy), plain = await solve(engine, easy, false);
    expect(adaptive.switchedAt).toBe(0);
    expect(adaptive.iterations).toBe(plain.iterations);
    expect(Array.from(adaptive.x)).toEqual(Array.from(plain.x));
  });

  it("recycles the plain hierarchy's levels and the set-up's fine scratch: at most 400 bytes per unknown above the plain solve's peak", async () => {
    const engine = engines.get("release")!;
    const switched = await solve(engine, hard), plain = await solve(engine, hard, false);
    expect(switched.switchedAt).toBeGreaterThan(0);
    // Measured 328 here (2026-11-30); 495 while the plain levels stayed beside the smoothed ones, the fine vectors
    // were allocated anew and the fine Galerkin product's scratch was held to the end of the set-up.
    expect((switched.peak - plain.peak) / switched.rows).toBeLessThanOrEqual(400);
  });

  it("goes on plain, bit for bit, where the smoothed set-up does not fit within the engine's memory limit", async () => {
    const plain = await solve(engines.get("release")!, hard, false);
    // Room for the plain solve and 64 KiB more: the set-up's bound does not fit, so it is tried on top of the plain
    // hierarchy, fails with TOO_LARGE and is dropped.
    const tight = await Engine.create(await compiledModule(), plain.base + plain.peak + 65536);
    try {
      const adaptive = await solve(tight, hard);
      expect(adaptive.switchedAt).toBe(0);
      expect(adaptive.iterations).toBe(plain.iterations);
      expect(Array.from(adaptive.x)).toEqual(Array.from(plain.x));
      expect((await solve(tight, easy)).converged).toBe(true);
    } finally {
      tight.close();
    }
  });

  it("aborts during the switch's set-up (between its slices) and after it; the engine still solves", async () => {
    const engine = engines.get("release")!;
    const setUp = SmoothedSwitch.prototype.setUp;
    let reads = 0;
    // A signal that turns aborted on its third read inside the set-up: the first is the check before it.
    const midway = { get aborted() { return ++reads > 2; }, reason: new Error("midway") } as unknown as AbortSignal;
    const spy = vi.spyOn(SmoothedSwitch.prototype, "setUp").mockImplementation(function (this: SmoothedSwitch, ...args) {
      args[5] = midway;
      return setUp.apply(this, args);
    });
    const during = await solve(engine, hard).catch((e: unknown) => e);
    spy.mockRestore();
    expect(during).toBeInstanceOf(MattingError);
    expect((during as MattingError).code).toBe("ABORTED");
    expect(reads).toBeGreaterThan(2);

    const controller = new AbortController();
    let switchedBy = 0;
    const after = await solve(engine, hard, undefined, controller.signal, (iteration) => {
      switchedBy = iteration;
      if (iteration >= 20) controller.abort();
    }).catch((e: unknown) => e);
    expect((after as MattingError).code).toBe("ABORTED");
    expect(switchedBy).toBeGreaterThanOrEqual(20);

    const again = await solve(engine, hard), plain = await solve(engine, hard, false);
    expect(again.switchedAt).toBeGreaterThan(0);
    expect(largestDifference(again.x, plain.x)).toBeLessThanOrEqual(1e-6);
  });
});
