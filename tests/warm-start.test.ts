// Warm starts (AlphaOptions.initialAlpha): every method with an iterative solve starts its CG from the given
// alpha and reaches the same system's solution at the same tolerance; a start at the answer takes fewer
// iterations than a start from 0; bad starts are typed errors; "sm" refuses it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Matting, MattingError, createMatting, estimateAlpha } from "../dist/entry/node.js";
import { movingFrame } from "../bench/moving-scene.js";
import { compiledModule, makeEngine, random } from "./helpers.js";
import { composeSolution, firstNonFinite, seedSolution } from "./reference/guess.js";

const TOLERANCE = 1e-7;
/** Method, options, frame size: lkm's radius-10 windows and the penalty methods want a little more room. */
const CASES = [
  ["cf", {}], ["cf", { preconditioner: "jacobi" }], ["knn", {}], ["lkm", { radius: 3 }], ["rw", {}], ["lbdm", {}], ["ifm", {}], ["combined", {}],
] as const;

function frames(width: number, height: number, count: number) {
  return Array.from({ length: count }, (_, t) => {
    const f = movingFrame(t, { width, height, frames: count });
    return { image: { width, height, data: f.image }, trimap: { width, height, data: f.trimap } };
  });
}

const meanDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => m + Math.abs(v - b[i]), 0) / a.length;
const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

describe("warm start, one thread", () => {
  const [first, second] = frames(72, 56, 2);
  it.each(CASES)("%s %o: from the previous frame, the same alpha as a cold start; from the answer, fewer iterations", async (method, extra) => {
    const options = { method, tolerance: TOLERANCE, ...extra } as const;
    const previous = await matting.estimateAlpha(first.image, first.trimap, options);
    const cold = await matting.estimateAlpha(second.image, second.trimap, { ...options, keepSolution: true });
    const warm = await matting.estimateAlpha(second.image, second.trimap, { ...options, initialAlpha: previous.alpha });
    expect(cold.stats.converged && warm.stats.converged).toBe(true);
    expect(warm.stats.residual).toBeLessThanOrEqual(TOLERANCE);
    // Both are the system's solution to a relative residual of 1e-7: they agree far below an 8-bit level. rw's
    // system is the worst conditioned (pixels joined to their neighbours by weights near 0): there 1e-7 pins the
    // matte as a whole, not every such pixel (measured: 16 of 4032 pixels off by over 0.01, mean 1.4e-3).
    if (method === "rw") expect(meanDifference(warm.alpha, cold.alpha)).toBeLessThan(5e-3);
    else expect(maxDifference(warm.alpha, cold.alpha)).toBeLessThan(1e-3);
    // A start at the answer (unclamped: ifm's clamped alpha, far from its solution where that leaves [0, 1], saved
    // its two-level solve nothing here, 104 iterations both) leaves far less to do than a start from 0.
    const again = await matting.estimateAlpha(second.image, second.trimap, { ...options, initialAlpha: cold.solution });
    // combined's answer is a vote of three solves, the solution of none of their systems: from it, ifm's two-level
    // solve and cf's take about as many iterations as from their own starts (131 against 130), so only the alpha is held.
    if (method !== "combined") expect(again.stats.iterations).toBeLessThan(cold.stats.iterations);
    expect(maxDifference(again.alpha, cold.alpha)).toBeLessThan(1e-3);
  });

  it("an AlphaMatte of 8-bit levels is a start too", async () => {
    const cold = await matting.estimateAlpha(second.image, second.trimap);
    const levels = Uint8Array.from(cold.alpha, (a) => Math.round(255 * a));
    const warm = await matting.estimateAlpha(second.image, second.trimap, { initialAlpha: { width: 72, height: 56, data: levels } });
    expect(warm.stats.iterations).toBeLessThan(cold.stats.iterations);
    expect(maxDifference(warm.alpha, cold.alpha)).toBeLessThan(1e-3);
  });
});

describe("warm start from the unclamped solution (keepSolution)", () => {
  // The scene moves 0.2 W over its frames: 60 frames of 72 px move 0.24 px a frame, a slow clip.
  const clip = frames(72, 56, 60).slice(30, 34);
  const options = { tolerance: TOLERANCE } as const;

  it("is alpha before clamping: 0 or 1 on known pixels, some values outside [0, 1], clamped exactly alpha", async () => {
    const { alpha, solution } = await matting.estimateAlpha(clip[0].image, clip[0].trimap, { ...options, keepSolution: true });
    expect(solution).toBeDefined();
    const { width, height, unclamped } = solution!;
    expect([width, height, unclamped.length]).toEqual([72, 56, 72 * 56]);
    const trimap = clip[0].trimap.data;
    expect(Array.from(unclamped).every((u, i) => trimap[i] === 128 || u === trimap[i] / 255)).toBe(true);
    expect(unclamped.some((u) => u < 0 || u > 1)).toBe(true);
    expect(Array.from(unclamped).every((u, i) => Math.min(1, Math.max(0, u)) === alpha[i])).toBe(true);
    expect((await matting.estimateAlpha(clip[0].image, clip[0].trimap, options)).solution).toBeUndefined();
    const matted = await matting.matte(clip[0].image, clip[0].trimap, { ...options, keepSolution: true });
    expect(matted.solution?.unclamped).toEqual(unclamped);
  });

  it("frame to frame: the same alpha as a cold start, fewer iterations than a start from the clamped alpha", async () => {
    let solution, alpha;
    let fromSolution = 0, fromAlpha = 0;
    for (const [t, frame] of clip.entries()) {
      const cold = await matting.estimateAlpha(frame.image, frame.trimap, options);
      const warm = await matting.estimateAlpha(frame.image, frame.trimap, { ...options, initialAlpha: solution, keepSolution: true });
      const clamped = await matting.estimateAlpha(frame.image, frame.trimap, { ...options, initialAlpha: alpha });
      expect(warm.stats.residual).toBeLessThanOrEqual(TOLERANCE);
      expect(maxDifference(warm.alpha, cold.alpha)).toBeLessThan(1e-3);
      if (t > 0) {
        fromSolution += warm.stats.iterations;
        fromAlpha += clamped.stats.iterations;
      }
      ({ solution, alpha } = warm);
    }
    expect(fromSolution).toBeLessThan(fromAlpha);
  });

  it("from the frame's own solution: at most 2 iterations, where its clamped alpha takes more", async () => {
    const cold = await matting.estimateAlpha(clip[1].image, clip[1].trimap, { ...options, keepSolution: true });
    const again = await matting.estimateAlpha(clip[1].image, clip[1].trimap, { ...options, initialAlpha: cold.solution });
    const clamped = await matting.estimateAlpha(clip[1].image, clip[1].trimap, { ...options, initialAlpha: cold.alpha });
    expect(again.stats.iterations).toBeLessThanOrEqual(2);
    expect(again.stats.iterations).toBeLessThan(clamped.stats.iterations);
    expect(maxDifference(again.alpha, cold.alpha)).toBeLessThan(1e-3);
  });
});

describe("warm start, two threads", () => {
  let threaded: Matting;
  beforeAll(async () => {
    threaded = await createMatting({ threads: 2 });
  });
  afterAll(() => threaded.close());

  it.each([["cf"], ["rw"]] as const)("%s: the rows split, the same alpha, fewer iterations from the answer", async (method) => {
    // Over 2 x 8192 unknown pixels, so that the rows are split between the threads.
    const [, frame] = frames(300, 180, 2);
    const cold = await threaded.estimateAlpha(frame.image, frame.trimap, { method });
    expect(cold.stats.threads).toBe(2);
    const warm = await threaded.estimateAlpha(frame.image, frame.trimap, { method, initialAlpha: cold.alpha });
    expect(warm.stats.threads).toBe(2);
    expect(warm.stats.converged).toBe(true);
    expect(warm.stats.iterations).toBeLessThan(cold.stats.iterations);
    expect(maxDifference(warm.alpha, cold.alpha)).toBeLessThan(1e-3);
    const alone = await estimateAlpha(frame.image, frame.trimap, { method, initialAlpha: cold.alpha });
    expect(maxDifference(warm.alpha, alone.alpha)).toBeLessThan(1e-3);
    const kept = await threaded.estimateAlpha(frame.image, frame.trimap, { method, keepSolution: true });
    const fromSolution = await threaded.estimateAlpha(frame.image, frame.trimap, { method, initialAlpha: kept.solution });
    // rw's answer lies in [0, 1] (a random walk's probabilities), so its clamped start is already exact.
    expect(fromSolution.stats.iterations).toBeLessThanOrEqual(Math.min(2, warm.stats.iterations));
    expect(maxDifference(fromSolution.alpha, cold.alpha)).toBeLessThan(1e-3);
  }, 120_000);
});

describe("bad warm starts", () => {
  const [frame] = frames(72, 56, 1);
  const N = 72 * 56;
  const code = (initialAlpha: unknown, method = "cf") =>
    matting.estimateAlpha(frame.image, frame.trimap, { method, initialAlpha } as never).then(() => "resolved", (e: MattingError) => e.code);

  it.each([
    ["the wrong length", "SIZE_MISMATCH", new Float32Array(N - 1)],
    ["a matte of another size", "SIZE_MISMATCH", { width: 56, height: 72, data: new Uint8Array(N) }],
    ["a NaN", "INVALID_VALUE", Float32Array.from({ length: N }, (_, i) => (i === 77 ? Number.NaN : 0.5))],
    ["a value above 1", "INVALID_VALUE", Float32Array.from({ length: N }, (_, i) => (i === 5 ? 1.5 : 0.5))],
    ["a negative value", "INVALID_VALUE", Float32Array.from({ length: N }, (_, i) => (i === N - 1 ? -0.25 : 0.5))],
    ["a Float64Array", "INVALID_INPUT", new Float64Array(N)],
    ["a number", "INVALID_INPUT", 0.5],
    ["a matte with 2 channels", "BAD_CHANNELS", { width: 72, height: 56, data: new Uint8Array(2 * N) }],
  ])("%s is %s", async (_, expected, value) => {
    expect(await code(value)).toBe(expected);
  });

  const solution = (unclamped: unknown, width = 72, height = 56) => ({ width, height, unclamped });
  it.each([
    ["a solution with a NaN", "INVALID_VALUE", solution(Float32Array.from({ length: N }, (_, i) => (i === 40 ? Number.NaN : 0.5)))],
    ["a solution with an infinity", "INVALID_VALUE", solution(Float32Array.from({ length: N }, (_, i) => (i === N - 1 ? -Infinity : 0.5)))],
    ["a solution of another size", "SIZE_MISMATCH", solution(new Float32Array(N), 56, 72)],
    ["a solution of 3 values a pixel", "BAD_CHANNELS", solution(new Float32Array(3 * N))],
    ["a solution of the wrong length", "BAD_CHANNELS", solution(new Float32Array(N + 1))],
    ["a solution of bytes", "INVALID_INPUT", solution(new Uint8Array(N))],
    ["a solution without values", "INVALID_INPUT", solution(undefined)],
  ])("%s is %s", async (_, expected, value) => {
    expect(await code(value)).toBe(expected);
  });

  it("a solution's values outside [0, 1] are a start, not an error; keepSolution must be a boolean", async () => {
    expect(await code(solution(Float32Array.from({ length: N }, (_, i) => (i % 3) - 1.5)))).toBe("resolved");
    const keep = await matting.estimateAlpha(frame.image, frame.trimap, { keepSolution: 1 } as never).then(() => "resolved", (e: MattingError) => e.code);
    expect(keep).toBe("INVALID_OPTION");
    expect(await code(solution(new Float32Array(N)), "sm")).toBe("INVALID_OPTION");
  });

  it("is checked when nothing is unknown too", async () => {
    const known = { width: 72, height: 56, data: Uint8Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 255 : 0)) };
    const bad = Float32Array.from({ length: N }, (_, i) => (i === 9 ? Number.NaN : 0.5));
    const outcome = await matting.estimateAlpha(frame.image, known, { initialAlpha: bad }).then(() => "resolved", (e: MattingError) => e.code);
    expect(outcome).toBe("INVALID_VALUE");
  });

  it("sm, which has no iterative solve, refuses it with INVALID_OPTION", async () => {
    expect(await code(new Float32Array(N).fill(0.5), "sm")).toBe("INVALID_OPTION");
  });

  it("the start is read when the call is made, not when its turn comes", async () => {
    const start = new Float32Array(N).fill(0.5);
    const pending = matting.estimateAlpha(frame.image, frame.trimap, { initialAlpha: start });
    start[3] = Number.NaN;
    await expect(pending).resolves.toBeDefined();
    const values = new Float32Array(N).fill(0.5);
    const fromSolution = matting.estimateAlpha(frame.image, frame.trimap, { initialAlpha: solution(values) });
    values[3] = Number.POSITIVE_INFINITY;
    await expect(fromSolution).resolves.toBeDefined();
  });
});

describe("seedSolution (assembly/solve/guess.ts) against its twin", () => {
  it.each([["release"], ["scalar"]] as const)("%s build: random labels, rows and alphas, rows named by no pixel kept", async (build) => {
    const engine = await makeEngine(build);
    for (const [pixels, seed] of [[1, 1], [7, 2], [300, 3], [1001, 4]]) {
      const next = random(seed);
      const labels = Uint8Array.from({ length: pixels }, () => Math.floor(3 * next()));
      // Every pixel a row, or -1; rows a permutation of a subset (as the methods' indexes are), with spare rows.
      const rows = pixels + 3;
      const order = Array.from({ length: rows }, (_, i) => i).sort(() => next() - 0.5);
      const index = Int32Array.from({ length: pixels }, (_, i) => (next() < 0.3 ? -1 : order[i]));
      const alpha = Float32Array.from({ length: pixels }, () => next());
      const x = Float64Array.from({ length: rows }, () => next() - 2);
      const got = await engine.run(async (arena) => {
        const ptrs = [arena.copyIn(labels), arena.copyIn(index), arena.copyIn(alpha), arena.copyIn(x)];
        (engine.kernels as unknown as { seedSolution(...args: number[]): void }).seedSolution(ptrs[0], ptrs[1], ptrs[2], pixels, ptrs[3]);
        return arena.f64(ptrs[3], rows).slice();
      });
      expect(got).toEqual(seedSolution(labels, index, alpha, x));
    }
  });
});

describe("composeSolution and firstNonFinite (assembly/solve/guess.ts) against their twins", () => {
  it.each([["release"], ["scalar"]] as const)("%s build: random labels, rows and values", async (build) => {
    const engine = await makeEngine(build);
    const kernels = engine.kernels as unknown as { composeSolution(...args: number[]): void; firstNonFinite(src: number, count: number): number };
    for (const [pixels, seed] of [[1, 5], [7, 6], [300, 7], [1001, 8]]) {
      const next = random(seed);
      const labels = Uint8Array.from({ length: pixels }, () => Math.floor(3 * next()));
      const order = Array.from({ length: pixels }, (_, i) => i).sort(() => next() - 0.5);
      const index = Int32Array.from(order);
      const x = Float64Array.from({ length: pixels }, () => 4 * next() - 2);
      const values = Float32Array.from(x);
      const bad = Math.floor(next() * pixels);
      const spoilt = values.slice();
      spoilt[bad] = [Number.NaN, Infinity, -Infinity][seed % 3];
      const got = await engine.run(async (arena) => {
        const ptrs = [arena.copyIn(labels), arena.copyIn(index), arena.copyIn(x), arena.alloc(pixels * 4)];
        kernels.composeSolution(ptrs[0], ptrs[1], ptrs[2], pixels, ptrs[3]);
        return {
          composed: arena.f32(ptrs[3], pixels).slice(),
          finite: kernels.firstNonFinite(arena.copyIn(values), pixels),
          spoilt: kernels.firstNonFinite(arena.copyIn(spoilt), pixels),
        };
      });
      expect(got.composed).toEqual(composeSolution(labels, index, x));
      expect(got.finite).toBe(firstNonFinite(values));
      expect(got.spoilt).toBe(firstNonFinite(spoilt));
      expect(got.spoilt).toBe(bad);
    }
  });
});
