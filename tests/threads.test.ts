// Solver threads (createMatting({ threads })): the same alpha as one thread, on images large enough to be
// split between threads; a clean fallback to one thread where threads cannot be had; option checks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateAlphaWith } from "../dist/methods/run.js";
import { Engine } from "../dist/engine.js";
import { type Matting, MattingError, createMatting } from "../dist/entry/node.js";
import { compiledModule, spawnNodeThread, threadModule } from "./helpers.js";
import { type Image8, bandTrimap, randomTrimap, smoothImage } from "./synthetic.js";

const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i])), 0);

/** 360x240 with 27 k unknown pixels: enough for threads to split the rows (8192 unknowns each at least). */
const image = smoothImage(360, 240, 7);
const trimap: Image8 = (() => {
  const band = bandTrimap(360, 240, 100, 260);
  // A ragged edge, so that bands of rows differ in their unknown counts.
  for (let y = 0; y < 240; y++) for (let x = 60; x < 100 + (y % 37); x++) band.data[y * 360 + x] = 128;
  return band;
})();

let single: Matting;
let pair: Matting;
beforeAll(async () => {
  single = await createMatting();
  pair = await createMatting({ threads: 2 });
});
afterAll(() => pair.close());

describe("two threads", () => {
  it("are had in Node", () => {
    expect(single.threads).toBe(1);
    expect(pair.threads).toBe(2);
  });

  it.each(["multigrid", "jacobi"] as const)("converge to one thread's alpha with the %s preconditioner", async (preconditioner) => {
    const options = { preconditioner, tolerance: 1e-10, maxIterations: 50_000 };
    const one = await single.estimateAlpha(image, trimap, options);
    const two = await pair.estimateAlpha(image, trimap, options);
    expect(one.stats.threads).toBe(1);
    expect(two.stats.threads).toBe(2);
    expect(two.stats.converged).toBe(true);
    expect(maxDifference(one.alpha, two.alpha)).toBeLessThanOrEqual(1e-6);
  });

  it("stop where one thread stops, at the default tolerance, within 1e-3", async () => {
    const one = await single.estimateAlpha(image, trimap);
    const two = await pair.estimateAlpha(image, trimap);
    expect(two.stats.converged).toBe(true);
    expect(Math.abs(two.stats.iterations - one.stats.iterations)).toBeLessThanOrEqual(3);
    expect(maxDifference(one.alpha, two.alpha)).toBeLessThanOrEqual(1e-3);
  });

  it.each([1, 2])("read no memory they did not write: NaN left in the arena changes nothing (%i thread(s))", async (threads) => {
    // Regression: one thread read a dummy entry before another zeroed it, which after some images made the
    // cycle indefinite and the solver fall back to Jacobi (941 iterations instead of 17 on one photo).
    const engine = await Engine.create(await compiledModule(), undefined, { count: threads, module: await threadModule(), spawn: spawnNodeThread });
    try {
      expect(engine.threads).toBe(threads);
      const clean = await estimateAlphaWith(engine, image, trimap);
      await engine.run((arena) => {
        const bytes = 64 << 20;
        arena.f64(arena.alloc(bytes), bytes / 8).fill(Number.NaN);
      });
      const poisoned = await estimateAlphaWith(engine, image, trimap);
      expect(poisoned.stats.iterations).toBe(clean.stats.iterations);
      expect(maxDifference(poisoned.alpha, clean.alpha)).toBe(0);
    } finally {
      engine.close();
    }
  });

  it("give exactly the same alpha on every run", async () => {
    const first = await pair.estimateAlpha(image, trimap);
    const second = await pair.estimateAlpha(image, trimap);
    expect(maxDifference(first.alpha, second.alpha)).toBe(0);
    expect(second.stats.iterations).toBe(first.stats.iterations);
  });

  it("keep the engine's memory flat over repeated calls, small images (not split) included", async () => {
    const small = smoothImage(40, 30, 3), smallTrimap = randomTrimap(40, 30, 4);
    await pair.estimateAlpha(image, trimap);
    const before = pair.wasmMemoryBytes;
    for (let i = 0; i < 3; i++) {
      await pair.estimateAlpha(image, trimap);
      expect((await pair.estimateAlpha(small, smallTrimap)).stats.threads).toBe(1);
    }
    expect(pair.wasmMemoryBytes).toBe(before);
  });

  it("honour an abort mid-solve and work on afterwards", async () => {
    const controller = new AbortController();
    const aborted = pair.estimateAlpha(image, trimap, {
      tolerance: 1e-12, maxIterations: 100_000, preconditioner: "jacobi", signal: controller.signal,
      onProgress: (p) => { if (p.phase === "solve" && (p.iteration ?? 0) > 0) controller.abort(); },
    });
    await expect(aborted).rejects.toMatchObject({ code: "ABORTED" });
    expect((await pair.estimateAlpha(image, trimap)).stats.converged).toBe(true);
  });
});

describe("more threads than cores", () => {
  it.each([3, 4])("%i threads still give one thread's alpha", async (threads) => {
    const many = await createMatting({ threads });
    try {
      expect(many.threads).toBe(threads);
      const options = { tolerance: 1e-10 };
      const one = await single.estimateAlpha(image, trimap, options);
      const result = await many.estimateAlpha(image, trimap, options);
      expect(result.stats.threads).toBe(threads);
      expect(maxDifference(one.alpha, result.alpha)).toBeLessThanOrEqual(1e-6);
    } finally {
      many.close();
    }
  });
});

describe("without threads", () => {
  it("an engine whose threads cannot start works alone, without error", async () => {
    const engine = await Engine.create(await compiledModule(), undefined, {
      count: 2, module: await threadModule(), spawn: () => Promise.reject(new Error("no workers here")),
    });
    expect(engine.threads).toBe(1);
  });

  it("close() leaves an engine that works alone", async () => {
    const engine = await createMatting({ threads: 2 });
    engine.close();
    expect(engine.threads).toBe(1);
    const one = await single.estimateAlpha(image, trimap);
    expect(maxDifference(one.alpha, (await engine.estimateAlpha(image, trimap)).alpha)).toBe(0);
  });

  it.each([0, 1.5, 65, "2", Number.NaN])("threads: %s is an INVALID_OPTION", async (threads) => {
    const created = createMatting({ threads: threads as number });
    await expect(created).rejects.toBeInstanceOf(MattingError);
    await expect(created).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });
});
