// Information flow's solve on threads (assembly/methods/ifm-pcg.ts): 2, 3 and 4 threads give one thread's alpha,
// for ifm and combined; a wrong threaded answer is caught by the one-thread residual check and finished alone;
// progress and abort work on threads. The split threshold is lowered so that small images are split.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkTrimapCounts, loadPixels } from "../dist/alpha.js";
import { type Arena, Engine } from "../dist/engine.js";
import { MattingError, type Progress } from "../dist/entry/node.js";
import { ifmKernels } from "../dist/methods/ifm-kernels.js";
import { assembleIfm, buildFlows } from "../dist/methods/ifm.js";
import { IFM_THREADING, solveIfm, splitIfmRows } from "../dist/methods/ifm-solve.js";
import { estimateAlphaWith } from "../dist/methods/run.js";
import type { MethodContext } from "../dist/methods/types.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { compiledModule, threadEngine } from "./helpers.js";
import { type Image8, randomTrimap, smoothImage } from "./synthetic.js";

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

/** About 1500 unknowns: a threshold of 256 rows per thread lets four threads split them. */
const image = smoothImage(64, 48, 31);
const trimap: Image8 = randomTrimap(64, 48, 32, 0.5);
const MIN_ROWS = 256;
const TOLERANCE = 1e-10;
const AGREEMENT = 1e-6;

let single: Engine;
const engines = new Map<number, Engine>();
const defaultMinRows = IFM_THREADING.minRowsPerThread;
beforeAll(async () => {
  single = await threadEngine(1);
  for (const count of [2, 3, 4]) engines.set(count, await threadEngine(count));
  IFM_THREADING.minRowsPerThread = MIN_ROWS;
});
afterEach(() => {
  IFM_THREADING.minRowsPerThread = MIN_ROWS;
});
afterAll(() => {
  IFM_THREADING.minRowsPerThread = defaultMinRows;
  engines.forEach((engine) => engine.close());
});

describe("ifm on threads", () => {
  for (const method of ["ifm", "combined"] as const) {
    it(`${method}: 2, 3 and 4 threads give one thread's alpha`, async () => {
      const one = await estimateAlphaWith(single, image, trimap, { method, tolerance: TOLERANCE });
      expect(one.stats).toMatchObject({ threads: 1, converged: true });
      for (const [count, engine] of engines) {
        const many = await estimateAlphaWith(engine, image, trimap, { method, tolerance: TOLERANCE });
        expect({ count, threads: many.stats.threads, converged: many.stats.converged }).toEqual({ count, threads: count, converged: true });
        expect(maxDifference(one.alpha, many.alpha), `${count} threads`).toBeLessThanOrEqual(AGREEMENT);
        // The preconditioner (the blocks shared out by block, the coarse part on one thread) is one thread's bit for
        // bit, and only the product's sums differ in order: about as many iterations as one thread.
        expect(Math.abs(many.stats.iterations - one.stats.iterations), `${count} threads: ${many.stats.iterations} against ${one.stats.iterations}`).toBeLessThanOrEqual(2);
      }
    });
  }

  it("stays on one thread below the threshold", async () => {
    IFM_THREADING.minRowsPerThread = 1 << 20;
    const { stats } = await estimateAlphaWith(engines.get(2)!, image, trimap, { method: "ifm" });
    expect(stats.threads).toBe(1);
  });

  it("a wrong threaded answer is checked on one thread and finished alone", async () => {
    const solve = (engine: Engine, tamper?: (arena: Arena, record: number, rows: number) => void) => engine.run(async (arena: Arena) => {
      const checked = checkImage(image);
      const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
      checkTrimapCounts(pixels.counts);
      const context: MethodContext = { engine, arena, width: image.width, height: image.height, pixels, progress: () => {}, checkpoint: async () => {} };
      const k = ifmKernels(engine);
      const system = await assembleIfm(context, k, await buildFlows(context, k, pixels.counts.unknown));
      const threads = splitIfmRows(context, system);
      tamper?.(arena, system.record, system.rows);
      const solved = await solveIfm(context, system, threads, { tolerance: TOLERANCE, maxIterations: 20000 });
      return { threads, finishedOn: solved.threads, residual: solved.residual, x: arena.f64(solved.x, system.rows).slice() };
    });
    const one = await solve(single);
    // Fault injected: the last thread's rows end 100 rows early, so the threads never update those rows and their
    // own residual, which leaves them out, falls below the tolerance all the same.
    const faulty = await solve(engines.get(2)!, (arena, record, rows) => {
      const ranges = arena.i32(arena.i32(record + 16, 1)[0], 3);
      expect(ranges[2]).toBe(rows);
      ranges[2] = rows - 100;
    });
    expect(faulty.threads).toBe(2);
    expect(faulty.finishedOn).toBe(1);
    expect(faulty.residual).toBeLessThanOrEqual(TOLERANCE);
    expect(maxDifference(one.x, faulty.x)).toBeLessThanOrEqual(AGREEMENT);
    const sound = await solve(engines.get(2)!);
    expect(sound.finishedOn).toBe(2);
  });

  it("reports progress and stops on abort during a threaded solve, and the engine stays usable", async () => {
    const engine = engines.get(3)!;
    const controller = new AbortController();
    const reports: Progress[] = [];
    const error = await estimateAlphaWith(engine, image, trimap, {
      method: "ifm", tolerance: 1e-15, maxIterations: 1_000_000, signal: controller.signal,
      onProgress: (p: Progress) => {
        reports.push(p);
        if (p.phase === "solve" && (p.iteration ?? 0) > 0) controller.abort();
      },
    }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MattingError);
    expect((error as MattingError).code).toBe("ABORTED");
    expect(reports.some((p) => p.phase === "laplacian")).toBe(true);
    expect(reports.some((p) => p.phase === "solve" && (p.iteration ?? 0) > 0)).toBe(true);
    const after = await estimateAlphaWith(engine, image, trimap, { method: "ifm" });
    expect(after.stats).toMatchObject({ threads: 3, converged: true });
  });
});
