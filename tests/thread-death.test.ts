// A helper thread that dies, at every moment: while the engine is idle, mid-Laplacian, mid preconditioner
// set-up (first and coarser levels), mid-solve and mid-search (ifm's and knn's neighbour queries); terminated from outside, by process.exit, or by an exception outside a kernel. The
// call in flight rejects with WASM_UNAVAILABLE within a second of the death, the event loop keeps turning
// meanwhile, and the engine goes on alone with the right alpha. A death the thread sees itself fails the team
// at once (not by the stall bound). A helper that hangs without dying is taken for dead after the bound and the
// engine's wait for a verdict (an exit event, or its return); one that is
// slow but alive (its heartbeat moving) for seconds between two barriers is waited for.
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";
import { estimateAlphaWith } from "../dist/methods/run.js";
import { Engine } from "../dist/engine.js";
import { MattingError } from "../dist/errors.js";
import type { SpawnThread, ThreadKernel } from "../dist/team.js";
import type { AlphaOptions } from "../dist/types.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, smoothImage } from "./synthetic.js";

/** Large enough for two threads to split the rows (27 k unknown pixels). */
const image = smoothImage(360, 240, 7);
const trimap = (() => {
  const band = bandTrimap(360, 240, 100, 260);
  for (let y = 0; y < 240; y++) for (let x = 60; x < 100 + (y % 37); x++) band.data[y * 360 + x] = 128;
  return band;
})();
const options: AlphaOptions = { tolerance: 1e-10, maxIterations: 50_000 };
const epochNow = () => performance.timeOrigin + performance.now();

let threadModule: WebAssembly.Module;
let reference: Float32Array;
beforeAll(async () => {
  threadModule = await WebAssembly.compile(await readFile(new URL("../dist/matting-threads.wasm", import.meta.url)));
  reference = (await estimateAlphaWith(await Engine.create(await compiledModule()), image, trimap, options)).alpha;
});

interface Death {
  /** The helper dies before it runs its first command of this kernel... */
  dieAt?: ThreadKernel;
  /** ...by process.exit, or by an exception outside the kernel. */
  how?: "exit" | "throw";
  /** The helper pauses before its first command of this kernel, for stallMs, its heartbeat moving or not. */
  stallAt?: ThreadKernel;
  stallMs?: number | number[];
  /** ...before its first this many commands of that kernel (default 1). */
  stallTimes?: number;
  beating?: boolean;
}

/** A two-thread engine whose helper is a real worker_threads Worker (tests/fixtures/dying-thread.mjs). */
async function twoThreads(death: Death = {}) {
  const deathTime = new SharedArrayBuffer(8);
  let worker!: Worker;
  const spawn: SpawnThread = (init) => new Promise((resolve, reject) => {
    worker = new Worker(new URL("./fixtures/dying-thread.mjs", import.meta.url), { workerData: { ...init, ...death, deathTime } });
    worker.once("error", reject);
    worker.once("message", () => {
      worker.off("error", reject);
      resolve({
        terminate: () => worker.terminate(),
        watch: (onLost) => {
          worker.once("error", (error) => onLost(String(error)));
          worker.once("exit", (code) => onLost(`exit ${code}`));
        },
      });
    });
  });
  const engine = await Engine.create(await compiledModule(), undefined, { count: 2, module: threadModule, spawn });
  expect(engine.threads).toBe(2);
  return { engine, worker, diedAt: () => new Float64Array(deathTime)[0] };
}

/** Runs `call` while a 5 ms interval ticks; returns its outcome, when it settled, and the longest gap between ticks. */
async function watchLoop<T>(call: () => Promise<T>) {
  let last = performance.now(), longestGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 5);
  const outcome = await call().then((value) => ({ value }), (error: unknown) => ({ error }));
  const settledAt = epochNow();
  longestGap = Math.max(longestGap, performance.now() - last);
  clearInterval(ticker);
  return { ...outcome, settledAt, longestGap };
}

const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i])), 0);

/** The engine after the death: alone, and right. */
async function goesOnAlone(engine: Engine) {
  expect(engine.threads).toBe(1);
  const { alpha, stats } = await estimateAlphaWith(engine, image, trimap, options);
  expect(stats.threads).toBe(1);
  expect(stats.converged).toBe(true);
  expect(maxDifference(alpha, reference)).toBeLessThanOrEqual(1e-6);
}

function expectLost(outcome: { error?: unknown }) {
  expect(outcome.error).toBeInstanceOf(MattingError);
  expect((outcome.error as MattingError).code).toBe("WASM_UNAVAILABLE");
}

describe("a helper thread that dies", () => {
  it("while the engine is idle: noticed at once, and the next call works alone", async () => {
    const { engine, worker } = await twoThreads();
    expect((await estimateAlphaWith(engine, image, trimap, options)).stats.threads).toBe(2);
    await worker.terminate();
    await new Promise((resolve) => setImmediate(resolve)); // the exit event
    const outcome = await watchLoop(() => goesOnAlone(engine));
    expect(outcome.error).toBeUndefined();
  });

  it.each([
    ["mid-Laplacian, by process.exit", { dieAt: "assembleTogether", how: "exit" }],
    ["mid preconditioner set-up, by process.exit", { dieAt: "buildFirstLevelTogether", how: "exit" }],
    ["mid coarse-level set-up, by process.exit", { dieAt: "buildCoarseLevelTogether", how: "exit" }],
    ["mid-solve, by process.exit", { dieAt: "pcgIterate", how: "exit" }],
    ["mid-solve, by an exception outside a kernel", { dieAt: "pcgIterate", how: "throw" }],
  ] as [string, Death][])("%s: the call rejects with WASM_UNAVAILABLE within a second, the loop turns, the engine goes on", async (_, death) => {
    const { engine, diedAt } = await twoThreads(death);
    const outcome = await watchLoop(() => estimateAlphaWith(engine, image, trimap, options));
    expectLost(outcome);
    // The dying thread failed the team itself: the others did not have to wait out the stall bound.
    expect((outcome.error as MattingError).message).toMatch(/failed or died/);
    expect(diedAt()).toBeGreaterThan(0);
    expect(outcome.settledAt - diedAt()).toBeLessThan(1000);
    expect(outcome.longestGap).toBeLessThan(1000);
    await goesOnAlone(engine);
  });

  it.each([
    ["mid-Laplacian (the calling thread waits for it to finish)", "assembleTogether"],
    ["mid coarse-level set-up (the calling thread waits for it to finish)", "buildCoarseLevelTogether"],
    ["mid-solve (the calling thread waits at a barrier)", "pcgIterate"],
  ] as [string, ThreadKernel][])("that hangs without dying %s: taken for dead after the stall bound and the verdict's wait (under 3.5 s), the loop turns, the engine goes on", async (_, kernel) => {
    // 0.6 s without a heartbeat, then up to 2 s for an exit event or the thread's return (src/engine.ts, VERDICT_MS).
    const { engine, diedAt } = await twoThreads({ stallAt: kernel, stallMs: 8000, beating: false });
    const outcome = await watchLoop(() => estimateAlphaWith(engine, image, trimap, options));
    expectLost(outcome);
    expect((outcome.error as MattingError).message).toMatch(/stopped answering/);
    expect(outcome.settledAt - diedAt()).toBeLessThan(3500);
    expect(outcome.longestGap).toBeLessThan(1000);
    await goesOnAlone(engine);
  });

  it.each([
    ["mid-search (ifm's k-d tree queries), by process.exit", { dieAt: "kdQueryTogether", how: "exit" }, "ifm"],
    ["mid-search (knn's grid queries), by an exception outside a kernel", { dieAt: "gridQueryTogether", how: "throw" }, "knn"],
    ["mid edge trimming (ifm, the calling thread waits at a barrier), by process.exit", { dieAt: "edgeTrimTogether", how: "exit" }, "ifm"],
    ["mid patch trimming (ifm's per-row passes), by process.exit", { dieAt: "ifmRowsTogether", how: "exit" }, "ifm"],
    ["mid k-d tree build (ifm, the calling thread waits at a barrier), by an exception outside a kernel", { dieAt: "kdBuildTogether", how: "throw" }, "ifm"],
    ["mid sample gathering (sm), by process.exit", { dieAt: "smGatherTogether", how: "exit" }, "sm"],
    ["mid preconditioner set-up (ifm: the blocks' entries beside E's operator), by process.exit", { dieAt: "ifmSetUpTogether", how: "exit" }, "ifm"],
  ] as [string, Death, "ifm" | "knn" | "sm"][])("%s: the call rejects with WASM_UNAVAILABLE within a second, the loop turns, the engine goes on", async (_, death, method) => {
    const { engine, diedAt } = await twoThreads(death);
    const outcome = await watchLoop(() => estimateAlphaWith(engine, image, trimap, { method }));
    expectLost(outcome);
    expect((outcome.error as MattingError).message).toMatch(/failed or died/);
    expect(outcome.settledAt - diedAt()).toBeLessThan(1000);
    expect(outcome.longestGap).toBeLessThan(1000);
    await goesOnAlone(engine);
  });

  it("that hangs without dying mid-search (the calling thread answers every query, then waits for it): taken for dead, the engine goes on", async () => {
    const { engine, diedAt } = await twoThreads({ stallAt: "gridQueryTogether", stallMs: 8000, beating: false });
    const outcome = await watchLoop(() => estimateAlphaWith(engine, image, trimap, { method: "knn" }));
    expectLost(outcome);
    expect((outcome.error as MattingError).message).toMatch(/stopped answering/);
    expect(outcome.settledAt - diedAt()).toBeLessThan(3500);
    expect(outcome.longestGap).toBeLessThan(1000);
    await goesOnAlone(engine);
  });

  it("mid-solve, terminated from outside: the call rejects within a second, the loop turns, the engine goes on", async () => {
    const { engine, worker } = await twoThreads();
    let terminatedAt = 0;
    const outcome = await watchLoop(() => estimateAlphaWith(engine, image, trimap, {
      ...options, preconditioner: "jacobi", tolerance: 1e-14,
      onProgress: (p) => {
        if (p.phase === "solve" && terminatedAt === 0) {
          terminatedAt = epochNow();
          void worker.terminate();
        }
      },
    }));
    expectLost(outcome);
    expect(terminatedAt).toBeGreaterThan(0);
    expect(outcome.settledAt - terminatedAt).toBeLessThan(1000);
    expect(outcome.longestGap).toBeLessThan(1000);
    await goesOnAlone(engine);
  });
});

describe("a helper thread that is slow but alive", () => {
  it.each([
    ["mid-Laplacian (the calling thread waits for it to finish)", "assembleTogether"],
    ["mid-solve (the calling thread waits at a barrier)", "pcgIterate"],
  ] as [string, ThreadKernel][])("for 2 s, %s, its heartbeat moving: waited for, and the call succeeds on two threads", async (_, kernel) => {
    const { engine, diedAt } = await twoThreads({ stallAt: kernel, stallMs: 2000, beating: true });
    const started = epochNow();
    const { alpha, stats } = await estimateAlphaWith(engine, image, trimap, options);
    expect(diedAt()).toBeGreaterThan(0); // the pause happened
    expect(epochNow() - started).toBeGreaterThan(2000);
    expect(stats.threads).toBe(2);
    expect(stats.converged).toBe(true);
    expect(maxDifference(alpha, reference)).toBeLessThanOrEqual(1e-6);
    expect(engine.threads).toBe(2);
    engine.close();
  });

  it.each([
    ["mid-Laplacian (the calling thread waits for it to finish)", "assembleTogether"],
    ["mid-solve (the calling thread waits at a barrier)", "pcgIterate"],
  ] as [string, ThreadKernel][])("held off its core for 0.9 s, %s, twice in one call, its heartbeat still: taken for dead once, then waited for (twice the bound on the retry), and the call succeeds on two threads", async (_, kernel) => {
    // A busy machine can keep a live thread from running for longer than the 0.6 s bound: the first time, the
    // engine takes it for dead, sees it come back and starts the call again; the same hold-up on the retry, which
    // allows 1.2 s, must not cost the threads (before, a second stall in one call did).
    const { engine, diedAt } = await twoThreads({ stallAt: kernel, stallMs: 900, stallTimes: 2, beating: false });
    const { alpha, stats } = await estimateAlphaWith(engine, image, trimap, options);
    expect(diedAt()).toBeGreaterThan(0); // the hold-ups happened
    expect(stats.threads).toBe(2);
    expect(stats.converged).toBe(true);
    expect(maxDifference(alpha, reference)).toBeLessThanOrEqual(1e-6);
    expect(engine.threads).toBe(2);
    engine.close();
  });

  it("for 2 s mid-search, its heartbeat moving: waited for, and ifm's alpha is one thread's", async () => {
    const alone = await estimateAlphaWith(await Engine.create(await compiledModule()), image, trimap, { method: "ifm" });
    const { engine, diedAt } = await twoThreads({ stallAt: "kdQueryTogether", stallMs: 2000, beating: true });
    const started = epochNow();
    const { alpha, stats } = await estimateAlphaWith(engine, image, trimap, { method: "ifm" });
    expect(diedAt()).toBeGreaterThan(0);
    expect(epochNow() - started).toBeGreaterThan(2000);
    expect(stats.threads).toBe(2);
    expect(maxDifference(alpha, alone.alpha)).toBeLessThanOrEqual(1e-5);
    expect(engine.threads).toBe(2);
    engine.close();
  });

  it("held off past every retry's bound (0.9, 1.5 and 2.6 s against 0.6, 1.2 and 2.4), yet back each time: the threads go and the call finishes alone, right", async () => {
    const { engine, diedAt } = await twoThreads({ stallAt: "pcgIterate", stallMs: [900, 1500, 2600], stallTimes: 3, beating: false });
    const { alpha, stats } = await estimateAlphaWith(engine, image, trimap, options);
    expect(diedAt()).toBeGreaterThan(0);
    expect(stats.threads).toBe(1);
    expect(stats.converged).toBe(true);
    expect(maxDifference(alpha, reference)).toBeLessThanOrEqual(1e-6);
    expect(engine.threads).toBe(1);
  });
});
