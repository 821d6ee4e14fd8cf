// Replicated block levels (assembly/cycle.ts): below the levels split between the threads, every thread runs
// the coarser K-cycles whole on its own copies of their vectors. Whichever level the replication starts at,
// the threads must solve the same system as one thread (the release and the scalar build), give the same
// answer on every run (the copies must never be shared: threads running ahead would overwrite each other's
// vectors), and finish on the threads, not rescued by the one-thread check.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystem, loadPixels, solveSystem } from "../dist/alpha.js";
import { type Engine } from "../dist/engine.js";
import { LEVEL_SPLITTING } from "../dist/split.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { enginesOfEveryBuild } from "./helpers.js";
import { type Image8, bandTrimap, smoothImage } from "./synthetic.js";

/** 360x240 with 27 k unknown pixels (enough for three threads), a ragged edge so that the bands differ. */
const image = smoothImage(360, 240, 11);
const trimap: Image8 = (() => {
  const band = bandTrimap(360, 240, 100, 260);
  for (let y = 0; y < 240; y++) for (let x = 60; x < 100 + (y % 37); x++) band.data[y * 360 + x] = 128;
  return band;
})();

/** The hierarchy's header and level records (assembly/aggregation.ts). */
const HEADER_BYTES = 64, LEVEL_BYTES = 64;
const TOLERANCE = 1e-9;
const AGREEMENT = 1e-6;

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

/** How each block level is run: "s" split between the threads, "r" replicated, "-" by one thread. */
type Layout = string;

/** The unknowns' solution through the engine's own path, and how the hierarchy's levels were laid out. */
async function solve(engine: Engine, radius: number, scene = { image, trimap }) {
  const { width, height } = scene.image;
  return engine.run(async (arena) => {
    const checked = checkImage(scene.image);
    const pixels = loadPixels(arena, engine, checked, checkTrimap(scene.trimap, checked));
    const system = await buildSystem(arena, engine, pixels, width, height, radius, 1e-7);
    const options = { epsilon: 1e-7, radius, tolerance: TOLERANCE, maxIterations: 5000, preconditioner: "multigrid" as const };
    const solved = await solveSystem(arena, engine, system, pixels, { width, height }, options, () => {});
    const levels = arena.i32(solved.preconditioner, 1)[0];
    let layout: Layout = "";
    for (let l = 0; l < levels; l++) {
      const record = arena.i32(solved.preconditioner + HEADER_BYTES + l * LEVEL_BYTES, 16);
      // A replicated level's copies lie one vector apart: (nodes + 1) x 4 f32.
      if (record[15] !== 0) expect(record[15]).toBe((record[0] + 1) * 16);
      layout += record[14] !== 0 ? "s" : record[15] !== 0 ? "r" : "-";
    }
    const { converged, finishedAlone, iterations } = solved;
    return { layout, converged, finishedAlone, iterations, x: arena.f64(solved.solution, system.rows).slice() };
  });
}

let engines: Map<string, Engine>;
const defaults = { ...LEVEL_SPLITTING };
beforeAll(async () => {
  engines = await enginesOfEveryBuild([2, 3]);
});
afterAll(() => {
  Object.assign(LEVEL_SPLITTING, defaults);
  engines?.forEach((engine) => engine.close());
});

describe("replicated block levels", () => {
  // Replication from level 1, 2 or 3 (the levels to 0, 1 or 2 split, while each thread has 64 nodes or more).
  it.each([1, 2])("radius %i: from every level, 2 and 3 threads give one thread's solution, the same on every run", async (radius) => {
    Object.assign(LEVEL_SPLITTING, defaults);
    const release = await solve(engines.get("release")!, radius);
    const scalar = await solve(engines.get("scalar")!, radius);
    expect(release.converged && scalar.converged).toBe(true);
    expect(release.layout).toMatch(/^-+$/);
    for (const maxLevel of [0, 1, 2]) {
      // Level 2 split at any size here (by default only from LEVEL_SPLITTING.deepRowsPerThread unknowns a thread).
      Object.assign(LEVEL_SPLITTING, { maxLevel, deepRowsPerThread: 0 });
      for (const count of [2, 3]) {
        const engine = engines.get(`threads ${count}`)!;
        const many = await solve(engine, radius);
        const label = `${count} threads, levels 0-${maxLevel} split: ${many.layout}`;
        // Level 0 split, then split levels up to maxLevel at most, then replicated ones to the coarsest.
        expect(many.layout, label).toMatch(/^s+r+$/);
        expect(many.layout.indexOf("r"), label).toBeLessThanOrEqual(maxLevel + 1);
        expect({ converged: many.converged, finishedAlone: many.finishedAlone }, label).toEqual({ converged: true, finishedAlone: false });
        expect(maxDifference(release.x, many.x), label).toBeLessThanOrEqual(AGREEMENT);
        expect(maxDifference(scalar.x, many.x), label).toBeLessThanOrEqual(AGREEMENT);
        expect(Math.abs(many.iterations - release.iterations), label).toBeLessThanOrEqual(3);
        if (count === 2) expect(maxDifference(many.x, (await solve(engine, radius)).x), `${label}, a second run`).toBe(0);
      }
    }
    Object.assign(LEVEL_SPLITTING, defaults);
  });

  // By default level 2 is split only where each thread has LEVEL_SPLITTING.deepRowsPerThread unknowns (50 k): two
  // bands of 680 x 160 = 108,800 unknowns reach it on two threads (levels 0-2 split, bands at multiples of 16 rows),
  // not on three, nor with 40 rows fewer on two; the answer is one thread's in every case.
  it("by default, splits level 2 on large systems only", async () => {
    Object.assign(LEVEL_SPLITTING, defaults);
    const large = (rows: number) => ({ image: smoothImage(800, rows, 5), trimap: bandTrimap(800, rows, 60, 739) });
    for (const [rows, count, layout] of [[160, 2, /^sssr+$/], [120, 2, /^ssr+$/], [160, 3, /^ssr+$/]] as const) {
      const scene = large(rows);
      const one = await solve(engines.get("release")!, 1, scene);
      const many = await solve(engines.get(`threads ${count}`)!, 1, scene);
      const label = `800x${rows}, ${count} threads: ${many.layout}`;
      expect(many.layout, label).toMatch(layout);
      expect({ converged: many.converged, finishedAlone: many.finishedAlone }, label).toEqual({ converged: true, finishedAlone: false });
      expect(maxDifference(one.x, many.x), label).toBeLessThanOrEqual(AGREEMENT);
    }
  });
});
