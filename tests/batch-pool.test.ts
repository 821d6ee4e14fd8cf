// The Node pool (createMattePool): each operation gives what one engine gives, N calls run at once, progress and
// abort behave as on an engine (a queued call leaves at once, a running one stops), bad input gives the engine's
// codes, close() ends everything, and an idle pool does not keep the process alive.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MattePool, type Matting, MattingError, type Progress, createMattePool, createMatting } from "../dist/entry/node.js";
import { makeScene } from "../examples/scene.ts";

const codeOf = (promise: Promise<unknown>) => promise.then(() => "resolved", (error: unknown) => (error instanceof MattingError ? error.code : String(error)));

describe("createMattePool", () => {
  let pool: MattePool;
  let engine: Matting;
  const { image, trimap } = makeScene(96, 64, 6);
  // Large enough that a solve takes many slices, so that an abort lands while it runs.
  const big = makeScene(400, 300, 40);

  beforeAll(async () => {
    pool = await createMattePool({ jobs: 2 });
    engine = await createMatting();
  });
  afterAll(async () => {
    await pool.close();
    engine.close();
  });

  it("gives each operation's result of one engine, bit for bit", async () => {
    expect(pool.jobs).toBe(2);
    const options = { radius: 2, epsilon: 1e-6 };
    const [mine, theirs] = await Promise.all([pool.matte(image, trimap, options), engine.matte(image, trimap, options)]);
    expect(mine.alpha).toEqual(theirs.alpha);
    expect(mine.foreground).toEqual(theirs.foreground);
    expect(mine.background).toEqual(theirs.background);
    expect({ ...mine.stats, milliseconds: 0, wasmMemoryBytes: 0 }).toEqual({ ...theirs.stats, milliseconds: 0, wasmMemoryBytes: 0 });
    const colours = { width: image.width, height: image.height, data: mine.foreground };
    expect(await pool.cutout(colours, mine.alpha)).toEqual(await engine.cutout(colours, mine.alpha));
    expect(await pool.composite(colours, mine.alpha, "#2d6cdf")).toEqual(await engine.composite(colours, mine.alpha, "#2d6cdf"));
    const mask = { width: image.width, height: image.height, data: trimap.data.map((v) => (v === 255 ? 255 : 0)) };
    const built = await pool.trimapFromMask(mask, { foreground: 3, background: 5 });
    expect(built).toEqual(await engine.trimapFromMask(mask, { foreground: 3, background: 5 }));
    expect(await pool.trimapStats(built)).toEqual(await engine.trimapStats(built));
    const knn = await pool.estimateAlpha(image, trimap, { method: "knn" });
    expect(knn.alpha).toEqual((await engine.estimateAlpha(image, trimap, { method: "knn" })).alpha);
  });

  it("runs calls on every worker at once, each call's progress to its own callback", async () => {
    const seen: Progress[][] = [[], [], [], []];
    const results = await Promise.all(seen.map((list) => pool.estimateAlpha(image, trimap, { onProgress: (p) => list.push(p) })));
    const expected = (await engine.estimateAlpha(image, trimap)).alpha;
    for (const [i, result] of results.entries()) {
      expect(result.alpha).toEqual(expected);
      expect(seen[i].length).toBeGreaterThan(0);
      expect(seen[i].at(-1)!.fraction).toBe(1);
    }
    // Two calls at once on two workers: the second reports progress before the first has finished.
    const order: number[] = [];
    const medium = makeScene(240, 160, 24);
    await Promise.all([0, 1].map((call) => pool.estimateAlpha(medium.image, medium.trimap, { preconditioner: "jacobi", onProgress: () => order.push(call) })));
    expect(order.indexOf(1)).toBeLessThan(order.lastIndexOf(0));
  });

  it("copies its inputs when called: changing them afterwards changes nothing", async () => {
    const data = image.data.slice();
    const pending = pool.estimateAlpha({ ...image, data }, trimap);
    data.fill(0);
    expect((await pending).alpha).toEqual((await engine.estimateAlpha(image, trimap)).alpha);
  });

  it("aborts a running call within a slice and a queued one at once, and refuses an aborted signal", async () => {
    const controller = new AbortController();
    const running = [0, 1].map(() => pool.estimateAlpha(big.image, big.trimap, { signal: controller.signal, preconditioner: "jacobi" }));
    let queuedProgress = 0;
    const queued = pool.estimateAlpha(big.image, big.trimap, { signal: controller.signal, onProgress: () => queuedProgress++ });
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    expect(await Promise.all([...running, queued].map(codeOf))).toEqual(["ABORTED", "ABORTED", "ABORTED"]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(queuedProgress).toBe(0); // it never ran
    expect(await codeOf(pool.estimateAlpha(image, trimap, { signal: controller.signal }))).toBe("ABORTED");
    // The workers are free again and answer as before.
    expect((await pool.estimateAlpha(image, trimap)).alpha).toEqual((await engine.estimateAlpha(image, trimap)).alpha);
  });

  it("rejects bad input with the engine's codes, and options that cannot reach a worker", async () => {
    expect(await codeOf(pool.estimateAlpha(image, trimap, { radius: 99 }))).toBe("INVALID_OPTION");
    expect(await codeOf(pool.estimateAlpha(image, trimap, { onProgress: 5 as never }))).toBe("INVALID_OPTION");
    expect(await codeOf(pool.estimateAlpha(image, trimap, { epsilon: (() => 1) as never }))).toBe("INVALID_OPTION");
    expect(await codeOf(pool.estimateAlpha({ width: 3, height: 3, data: new Uint8Array(5) }, trimap))).toBe("BAD_CHANNELS");
    expect(await codeOf(pool.estimateAlpha(image, makeScene(95, 64).trimap))).toBe("SIZE_MISMATCH");
    expect(await codeOf(pool.estimateAlpha(image, { ...trimap, data: trimap.data.map((v) => (v === 255 ? 128 : v)) }))).toBe("NO_FOREGROUND");
    expect(await codeOf(createMattePool({ jobs: 0 }))).toBe("INVALID_OPTION");
    expect(await codeOf(createMattePool({ jobs: 1, threads: 65 }))).toBe("INVALID_OPTION");
  });

  it("close() rejects calls running and queued with ABORTED, and every later call", async () => {
    const own = await createMattePool({ jobs: 1 });
    const outcomes = [0, 1].map(() => codeOf(own.estimateAlpha(big.image, big.trimap, { preconditioner: "jacobi" })));
    await new Promise((done) => setTimeout(done, 50));
    await own.close();
    expect(await Promise.all(outcomes)).toEqual(["ABORTED", "ABORTED"]);
    expect(await codeOf(own.estimateAlpha(image, trimap))).toBe("ABORTED");
  });

  it("loses only the call of a worker that dies, and goes on with a new worker", async () => {
    process.env.MATTING_TEST_POOL_EXIT_ON_CALL = "2";
    const own = await createMattePool({ jobs: 1 });
    delete process.env.MATTING_TEST_POOL_EXIT_ON_CALL;
    try {
      const expected = (await engine.estimateAlpha(image, trimap)).alpha;
      expect((await own.estimateAlpha(image, trimap)).alpha).toEqual(expected);
      const [dying, queued] = [own.estimateAlpha(image, trimap), own.estimateAlpha(image, trimap)];
      expect(await codeOf(dying)).toBe("WASM_UNAVAILABLE");
      expect((await queued).alpha).toEqual(expected);
    } finally {
      await own.close();
    }
  });

  it("does not keep the process alive when idle", () => {
    const entry = new URL("../dist/entry/node.js", import.meta.url).href;
    const script = `const { createMattePool } = await import(${JSON.stringify(entry)});
      const pool = await createMattePool({ jobs: 2 });
      const data = new Uint8Array(16 * 16 * 3), labels = new Uint8Array(256).fill(255, 0, 128).fill(128, 100, 140);
      const { stats } = await pool.estimateAlpha({ width: 16, height: 16, data }, { width: 16, height: 16, data: labels });
      console.log(stats.width);`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("16");
    expect(result.status).toBe(0);
  });
});
