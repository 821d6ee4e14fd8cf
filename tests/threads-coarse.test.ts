// The coarse levels' set-up on threads (assembly/coarse-together.ts): below a level split between the threads,
// each thread builds the parents of its own nodes. The hierarchy must be the same bits as the one the calling
// thread builds alone from the same system and first level (LEVEL_SPLITTING.parentsOnThreads off), on 2, 3 and 4 threads, for odd image sizes,
// thin splits (a few nodes per thread) and bands with no unknown pixel at all; and the solve on it must reach one
// thread's alpha.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystem, loadPixels, solveSystem } from "../dist/alpha.js";
import { type Engine } from "../dist/engine.js";
import { LEVEL_SPLITTING } from "../dist/split.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { enginesOfEveryBuild } from "./helpers.js";
import { type Image8, bandTrimap, smoothImage } from "./synthetic.js";

const HEADER_BYTES = 64, LEVEL_BYTES = 64;

interface Scene { name: string; image: Image8; trimap: Image8; minRowsPerThread: number; minNodesPerThread: number }

/** 203x147 with a ragged band of unknowns, split with a few hundred unknowns per thread. */
const ragged: Scene = (() => {
  const width = 203, height = 147;
  const trimap = bandTrimap(width, height, 40, 150);
  for (let y = 0; y < height; y++) for (let x = 20; x < 40 + (y % 23); x++) trimap.data[y * width + x] = 128;
  return { name: "203x147, ragged band", image: smoothImage(width, height, 5), trimap, minRowsPerThread: 512, minNodesPerThread: 1 };
})();

/** 401x81 whose unknowns all lie in the first 8 rows (one band): with no minimum, every thread but the first has an empty band. */
const emptyBands: Scene = (() => {
  const width = 401, height = 81;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = y < 8 && x > 10 && x < 390 ? 128 : x < 200 ? 0 : 255;
  return { name: "401x81, unknowns in the first band only", image: smoothImage(width, height, 9), trimap: { width, height, data, channels: 1 },
    minRowsPerThread: 0, minNodesPerThread: 0 };
})();

/** Every level's Galerkin blocks, inverse diagonal blocks, parents and prolongator, as bytes; the layout ("s" split, "-" not). */
async function hierarchy(engine: Engine, scene: Scene, maxIterations: number) {
  const { width, height } = scene.image;
  return engine.run(async (arena) => {
    const checked = checkImage(scene.image);
    const pixels = loadPixels(arena, engine, checked, checkTrimap(scene.trimap, checked));
    const system = await buildSystem(arena, engine, pixels, width, height, 1, 1e-7, scene.minRowsPerThread);
    const options = { epsilon: 1e-7, radius: 1, tolerance: 1e-9, maxIterations, preconditioner: "multigrid" as const };
    const solved = await solveSystem(arena, engine, system, pixels, { width, height }, options, () => {});
    const levels = arena.i32(solved.preconditioner, 1)[0];
    const arrays: number[][] = [];
    let layout = "";
    for (let l = 0; l < levels; l++) {
      const [nodes, , blocks, , , , parent, prolongator, , inverses, , , , , ranges] = arena.i32(solved.preconditioner + HEADER_BYTES + l * LEVEL_BYTES, 16);
      layout += ranges !== 0 ? "s" : "-";
      arrays.push(Array.from(arena.u8(blocks, nodes * 9 * 64)), Array.from(arena.u8(inverses, nodes * 64)));
      if (l < levels - 1) arrays.push(Array.from(arena.u8(parent, nodes * 4)), Array.from(arena.u8(prolongator, nodes * 64)));
    }
    const starts = system.split?.bandStarts ?? [];
    const rowRanges = system.split ? Array.from(arena.i32(system.split.rowRanges, starts.length + 1)) : [];
    return { arrays, layout, levels, rowRanges, starts, converged: solved.converged, x: arena.f64(solved.solution, system.rows).slice() };
  });
}

let engines: Map<string, Engine>;
const defaults = { ...LEVEL_SPLITTING };
beforeAll(async () => {
  engines = await enginesOfEveryBuild([2, 3, 4]);
});
afterAll(() => {
  Object.assign(LEVEL_SPLITTING, defaults);
  engines?.forEach((engine) => engine.close());
});

describe("the coarse levels' set-up on threads", () => {
  it.each([ragged, emptyBands])("$name: the same hierarchy as one thread builds, bit for bit, on 2, 3 and 4 threads", async (scene) => {
    // Bands start at multiples of 8 rows: where one starts off a multiple of 16, level 2's parents straddle two bands
    // and are built by the calling thread alone (src/split.ts splitParents); the ragged scene has both kinds.
    const startsOff16: boolean[] = [];
    try {
      const release = await hierarchy(engines.get("release")!, scene, 5000);
      expect(release.converged).toBe(true);
      for (const count of [2, 3, 4]) {
        const engine = engines.get(`threads ${count}`)!;
        Object.assign(LEVEL_SPLITTING, defaults, { minNodesPerThread: scene.minNodesPerThread });
        const split = await hierarchy(engine, scene, 5000);
        const label = `${count} threads, layout ${split.layout}, rows ${split.rowRanges.join(" ")}, bands from ${split.starts.join(" ")}`;
        startsOff16.push(split.starts.some((y) => y % 16 !== 0));
        // Level 0 split, and at least one level built from it.
        expect(split.layout, label).toMatch(/^s./);
        if (scene === emptyBands) expect(split.rowRanges.slice(1, -1), label).toEqual(new Array(count - 1).fill(split.rowRanges.at(-1)));
        Object.assign(LEVEL_SPLITTING, { parentsOnThreads: false });
        const alone = await hierarchy(engine, scene, 0);
        expect(alone.layout, label).toBe(split.layout);
        expect(split.levels, label).toBe(alone.levels);
        split.arrays.forEach((bytes, i) => expect(bytes, `${label}, array ${i}`).toEqual(alone.arrays[i]));
        expect(split.converged, label).toBe(true);
        expect(split.x.reduce((worst, v, i) => Math.max(worst, Math.abs(v - release.x[i])), 0), label).toBeLessThanOrEqual(1e-6);
      }
      if (scene === ragged) expect(startsOff16.sort()).toEqual([false, true, true]);
    } finally {
      Object.assign(LEVEL_SPLITTING, defaults);
    }
  });
});
