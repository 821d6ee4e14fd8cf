// Properties of the rw, lbdm, lkm and sm methods (range, known pixels kept, constant images, options checked),
// progress and abort. The large-kernel product is tested in lkm-product.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting, type Progress } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, noiseImage, randomTrimap, smoothImage } from "./synthetic.js";

const METHODS = ["rw", "lbdm", "lkm", "sm"] as const;
/** Options that make each method fit a small image. */
const SMALL = { rw: {}, lbdm: {}, lkm: { radius: 2 }, sm: {} } as const;
/** Options that make each method run long enough to be aborted mid-way. */
const LONG = { rw: { tolerance: 1e-14 }, lbdm: { tolerance: 1e-14 }, lkm: { tolerance: 1e-14 }, sm: {} } as const;

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

describe.each(METHODS)("method %s", (method) => {
  const options = { method, ...SMALL[method] } as never;

  it("keeps known pixels exactly, stays in [0, 1] and says which method ran", async () => {
    for (const seed of [1, 2, 3]) {
      const image = noiseImage(17, 13, seed), trimap = randomTrimap(17, 13, seed + 10);
      const { alpha, stats } = await matting.estimateAlpha(image, trimap, options);
      expect(stats.method).toBe(method);
      trimap.data.forEach((v, i) => {
        if (v === 0) expect(alpha[i]).toBe(0);
        else if (v === 255) expect(alpha[i]).toBe(1);
        else expect(alpha[i] >= 0 && alpha[i] <= 1).toBe(true);
      });
    }
  });

  it("gives a finite matte on a constant image, and the band's own split on a two-colour one", async () => {
    const flat = { width: 15, height: 11, data: new Uint8Array(15 * 11 * 3).fill(90) };
    const trimap = bandTrimap(15, 11, 5, 9);
    const { alpha } = await matting.estimateAlpha(flat, trimap, options);
    expect(alpha.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    // Left half red, right half blue, unknown band across the edge: alpha follows the colours.
    const split = new Uint8Array(15 * 11 * 3);
    for (let i = 0; i < 15 * 11; i++) split.set(i % 15 < 7 ? [200, 30, 30] : [30, 30, 200], 3 * i);
    const edge = await matting.estimateAlpha({ width: 15, height: 11, data: split }, trimap, options);
    for (let y = 0; y < 11; y++) {
      expect(edge.alpha[y * 15 + 6]).toBeGreaterThan(0.9);
      expect(edge.alpha[y * 15 + 7]).toBeLessThan(0.1);
    }
  });

  it("reports progress rising to 1 and stops with ABORTED when aborted", async () => {
    const image = smoothImage(40, 30, 4), trimap = randomTrimap(40, 30, 5);
    const reports: Progress[] = [];
    await matting.estimateAlpha(image, trimap, { ...(options as object), onProgress: (p: Progress) => reports.push({ ...p }) } as never);
    expect(reports[0]).toMatchObject({ phase: "laplacian", fraction: 0 });
    reports.forEach((r, i) => i > 0 && expect(r.fraction).toBeGreaterThanOrEqual(reports[i - 1].fraction));
    expect(reports[reports.length - 1]).toMatchObject({ phase: "solve", fraction: 1 });

    const controller = new AbortController();
    const aborted = await matting.estimateAlpha(image, trimap, {
      ...(options as object), ...LONG[method], signal: controller.signal, onProgress: () => controller.abort(),
    } as never).then(() => undefined, (e: unknown) => e);
    expect(aborted).toBeInstanceOf(MattingError);
    expect((aborted as MattingError).code).toBe("ABORTED");
    // The engine is free and sound afterwards.
    const again = await matting.estimateAlpha(image, trimap, options);
    expect(again.stats.method).toBe(method);
  });
});

describe("abort once a later phase has begun", () => {
  // Each method checks the signal right after each of its reports past the first (fraction 0): the end of the
  // system's build, each slice of the solve, each of shared matting's stages. Aborting from any of them stops the
  // call there, with no report after, and the engine gives the same alpha and peak as before.
  const image = smoothImage(60, 45, 14), trimap = randomTrimap(60, 45, 15, 0.5);
  it.each(METHODS)("%s", async (method) => {
    const options = { method, ...SMALL[method], ...LONG[method] };
    const full: Progress[] = [];
    const before = await matting.estimateAlpha(image, trimap, { ...options, onProgress: (p: Progress) => full.push({ ...p }) } as never);
    // Where to abort: the n-th report of a phase with fraction > 0 (not the last report of all, which comes after the work).
    const points: { phase: string; nth: number }[] = [];
    const seen = new Map<string, number>();
    for (const p of full.slice(0, -1)) {
      if (p.fraction === 0) continue;
      const nth = (seen.get(p.phase) ?? 0) + 1;
      seen.set(p.phase, nth);
      // Every stage of shared matting; the build's end and the first and second slices of a solve (after 1 and 5
      // iterations: its slices grow at most fourfold).
      if (method === "sm" || nth === 1 || (p.phase === "solve" && nth === 2)) points.push({ phase: p.phase, nth });
    }
    expect(points.length, JSON.stringify(full.slice(0, 12))).toBeGreaterThanOrEqual(method === "sm" ? 4 : 3);
    for (const point of points) {
      const controller = new AbortController();
      const reports: Progress[] = [];
      let counted = 0, abortedAfter = -1;
      const outcome = await matting.estimateAlpha(image, trimap, {
        ...options, signal: controller.signal,
        onProgress: (p: Progress) => {
          reports.push({ ...p });
          if (p.phase === point.phase && p.fraction > 0 && ++counted === point.nth && abortedAfter < 0) {
            abortedAfter = reports.length;
            controller.abort();
          }
        },
      } as never).then(() => "finished", (e: unknown) => (e instanceof MattingError ? e.code : String(e)));
      const where = JSON.stringify(point);
      expect(outcome, where).toBe("ABORTED");
      expect(reports[abortedAfter - 1].fraction, where).toBeGreaterThan(0);
      expect(reports.length, where).toBe(abortedAfter);
    }
    const after = await matting.estimateAlpha(image, trimap, options as never);
    expect(after.alpha).toEqual(before.alpha);
    expect(after.stats.peakBytes).toBe(before.stats.peakBytes);
    expect(after.stats.iterations).toBe(before.stats.iterations);
  });
});

describe("method options", () => {
  const image = noiseImage(12, 10, 1), trimap = randomTrimap(12, 10, 2);
  const rejected = async (options: Record<string, unknown>) => {
    const error = await matting.estimateAlpha(image, trimap, options as never).then(() => undefined, (e: unknown) => e);
    expect(error, JSON.stringify(options)).toBeInstanceOf(MattingError);
    expect((error as MattingError).code).toBe("INVALID_OPTION");
  };
  it("rejects values out of range", async () => {
    for (const sigma of [0, -1, Number.NaN, "0.1", 11]) await rejected({ method: "rw", sigma });
    for (const laplacianRegularization of [-1e-9, 2, Number.NaN]) await rejected({ method: "rw", laplacianRegularization });
    for (const radius of [0, 3, 1.5]) await rejected({ method: "lbdm", radius });
    for (const radius of [0, 51, 2.5]) await rejected({ method: "lkm", radius });
    for (const epsilon of [0, 2, Number.NaN]) {
      await rejected({ method: "lbdm", epsilon });
      await rejected({ method: "lkm", epsilon });
    }
    for (const preconditioner of ["ichol", 1]) await rejected({ method: "rw", preconditioner });
    for (const sampleGatheringAngles of [0, 65, 2.5]) await rejected({ method: "sm", sampleGatheringAngles });
    for (const sampleGatheringWeights of [[1, 2, 3], [1, 2, 3, -1], "3,2,1,4"]) await rejected({ method: "sm", sampleGatheringWeights });
    for (const localSmoothingSigmaSq1 of [0, Number.NaN, "1"]) await rejected({ method: "sm", localSmoothingSigmaSq1 });
    await rejected({ method: "sm", tolerance: 1e-3 });
  });
  it("refuses sm's sampleGatheringWeights of other than 4 numbers up front, even with nothing unknown to solve", async () => {
    // No unknown pixels: solve() never runs, so the check must come before it.
    const sure = { width: 12, height: 10, data: Uint8Array.from({ length: 120 }, (_, p) => (p % 12 < 6 ? 255 : 0)) };
    for (const sampleGatheringWeights of [[1, 2], [1], [1, 2, 3]]) {
      for (const tri of [sure, trimap]) {
        const error = await matting.estimateAlpha(image, tri, { method: "sm", sampleGatheringWeights }).then(() => undefined, (e: unknown) => e);
        expect(error, JSON.stringify(sampleGatheringWeights)).toBeInstanceOf(MattingError);
        expect((error as MattingError).code).toBe("INVALID_OPTION");
        expect((error as MattingError).details.option).toBe("sampleGatheringWeights");
      }
    }
    const fine = await matting.estimateAlpha(image, sure, { method: "sm", sampleGatheringWeights: [1, 2, 3, 4] });
    expect(Array.from(fine.alpha)).toEqual(Array.from(sure.data, (v) => v / 255));
  });
  it("refuses an image smaller than the large kernel's window with IMAGE_TOO_SMALL", async () => {
    const error = await matting.estimateAlpha(image, trimap, { method: "lkm" }).then(() => undefined, (e: unknown) => e);
    expect((error as MattingError).code).toBe("IMAGE_TOO_SMALL");
  });
});

describe("threads", () => {
  // 240x120, unknown columns 20..220: about 25 k pixels to solve for, enough for two threads to share the rows.
  const image = smoothImage(240, 120, 8), trimap = bandTrimap(240, 120, 20, 220);
  let pair: Matting;
  beforeAll(async () => {
    pair = await createMatting({ threads: 2 });
  });
  afterAll(() => pair.close());
  const worstDifference = (a: Float32Array, b: Float32Array) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

  // rw and lbdm (radius 1) solve with the closed-form solver, whose threads share the rows: the dot products are
  // summed in another order, so the iterations differ in rounding and alpha agrees to the solver's tolerance.
  it.each([["rw", "jacobi"], ["rw", "multigrid"], ["lbdm", "multigrid"]] as const)(
    "%s (%s) gives one thread's alpha on two threads, within the solve's tolerance", async (method, preconditioner) => {
      const options = { method, preconditioner, tolerance: 1e-10 };
      const one = await matting.estimateAlpha(image, trimap, options);
      const two = await pair.estimateAlpha(image, trimap, options);
      expect(pair.threads).toBe(2);
      expect(one.stats.threads).toBe(1);
      expect(two.stats.threads).toBe(2);
      expect(two.stats.converged).toBe(true);
      expect(worstDifference(one.alpha, two.alpha)).toBeLessThan(1e-6);
    });

  // knn, lkm and sm (and lbdm at radius 2, whose stencil reaches further than the threads pass rows to each other)
  // solve on the calling thread alone (knn's searches and sm's sample gathering may be shared, answered bit for bit as
  // one thread answers them: tests/search-threads.test.ts): the threads build is the release build's SIMD code with
  // shared memory, so the alpha is the one-thread engine's, bit for bit, and so are the iterations.
  it.each([["knn", {}], ["lkm", { radius: 3 }], ["sm", {}], ["lbdm", { radius: 2 }]] as const)(
    "%s runs on one thread of a two-thread engine and gives the one-thread engine's alpha exactly", async (method, extra) => {
      const small = smoothImage(90, 60, 9), band = bandTrimap(90, 60, 30, 60);
      const options = { method, ...extra } as never;
      const one = await matting.estimateAlpha(small, band, options);
      const two = await pair.estimateAlpha(small, band, options);
      expect(two.stats.method).toBe(method);
      expect(two.stats.threads).toBe(1);
      expect(two.stats.iterations).toBe(one.stats.iterations);
      expect(two.stats.converged).toBe(true);
      expect(worstDifference(one.alpha, two.alpha)).toBe(0);
    });
});
