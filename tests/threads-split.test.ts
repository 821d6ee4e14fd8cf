// How the threads' bands are chosen (src/split.ts splitRows): band starts at multiples of bandRows(deepest) image rows
// (16 where block level 2 is split too: at most LEVEL_SPLITTING.maxLevel, and only at radius 1-2 with deepRowsPerThread
// unknowns a thread),
// every band but the last at least 2r rows tall, each thread's first unknown where its band starts, and the starts
// those a plain count picks: the unknowns above a start, plus (radius 1 and 2, where the multigrid runs) 5 per
// occupied 4x4 cell and 6 per occupied 8x8 cell above it, closest to t / N of the whole, the lowest start on ties.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Engine } from "../dist/engine.js";
import { LEVEL_SPLITTING, bandRows, deepestSplit, splitRows } from "../dist/split.js";
import { makeEngine, random } from "./helpers.js";

/** The plain reference: band starts and first rows, or undefined where the image cannot be split. */
function referenceSplit(mask: Uint8Array, width: number, height: number, threads: number, radius: number, minRows: number) {
  const rows = mask.reduce((sum, m) => sum + m, 0);
  const deepest = Math.min(LEVEL_SPLITTING.maxLevel, radius <= 2 && rows >= threads * LEVEL_SPLITTING.deepRowsPerThread ? 2 : 1);
  const step = deepest === 2 ? 16 : 8, reach = 2 * radius;
  if (threads < 2 || rows < threads * minRows || reach > 16) return undefined;
  const occupied = (size: number, above: number) => {
    const cells = new Set<number>();
    for (let y = 0; y < above; y++) for (let x = 0; x < width; x++) if (mask[y * width + x]) cells.add(Math.floor(y / size) * width + Math.floor(x / size));
    return cells.size;
  };
  const unknownsAbove = (y: number) => mask.subarray(0, y * width).reduce((sum, m) => sum + m, 0);
  const cost = (y: number) => unknownsAbove(y) + (radius <= 2 ? 5 * occupied(4, y) + 6 * occupied(8, y) : 0);
  const total = cost(height);
  const starts = [0];
  for (let t = 1; t < threads; t++) {
    const goal = (t * total) / threads;
    let best = -1;
    for (let y = starts[t - 1] + Math.max(step, Math.ceil(reach / step) * step); y < height; y += step) {
      if (best < 0 || Math.abs(cost(y) - goal) < Math.abs(cost(best) - goal)) best = y;
    }
    if (best < 0) return undefined;
    starts.push(best);
  }
  const firstRows = [...starts.map(unknownsAbove), rows];
  if (firstRows.some((first, t) => t > 0 && first - firstRows[t - 1] < minRows / 2)) return undefined;
  // Per thread, its first row on its band's last 2r image rows (the last thread's: rows).
  const farRows = starts.map((_, t) => (t + 1 < threads ? unknownsAbove(starts[t + 1] - reach) : rows));
  return { deepest, starts, firstRows, farRows };
}

let engine: Engine;
let scalar: Engine;
const defaults = { ...LEVEL_SPLITTING };
beforeAll(async () => {
  engine = await makeEngine();
  scalar = await makeEngine("scalar");
});
afterAll(() => Object.assign(LEVEL_SPLITTING, defaults));

describe("the threads' bands", () => {
  it("are the plain count's, at multiples of bandRows(), every band but the last at least 2r rows tall", async () => {
    const next = random(7);
    let split = 0, offSixteen = 0, notSplit = 0, deep = 0, shallowAtTwo = 0;
    for (let trial = 0; trial < 120; trial++) {
      const width = 9 + Math.floor(next() * 120), height = 20 + Math.floor(next() * 140);
      // Blobs of unknowns of uneven density: some rows full, some sparse, so that unknowns and cells disagree.
      const mask = new Uint8Array(width * height);
      const density = Array.from({ length: 6 }, () => next());
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) if (next() < density[Math.floor((y * 6) / height)] * (x < width * density[(x + y) % 6] ? 1 : 0.1)) mask[y * width + x] = 1;
      }
      const threads = 2 + (trial % 3), radius = [1, 2, 3, 8][trial % 4], minRows = trial % 5 === 0 ? 0 : 64;
      // Level 2 split by the default threshold (never at these sizes), at every size, or from about the median size on.
      const deepRowsPerThread = [defaults.deepRowsPerThread, 0, 1500][Math.floor(trial / 3) % 3];
      Object.assign(LEVEL_SPLITTING, defaults, { maxLevel: [1, 0, 2][trial % 3], deepRowsPerThread });
      const expected = referenceSplit(mask, width, height, threads, radius, minRows);
      // The counts come from assembly/bands.ts: SIMD four pixels at a time (release) and pixel by pixel (scalar).
      const splitOn = (on: Engine) => on.run((arena) => {
        const unknownIndex = arena.alloc(width * height * 4);
        const index = arena.i32(unknownIndex, width * height);
        let row = 0;
        for (let p = 0; p < width * height; p++) index[p] = mask[p] ? row++ : -1;
        const result = splitRows(arena, on.kernels, unknownIndex, width, height, row, threads, radius, minRows);
        return result && {
          deepest: result.deepest, starts: result.bandStarts, firstRows: Array.from(arena.i32(result.rowRanges, threads + 1)), farRows: Array.from(arena.i32(result.farRows, threads)),
        };
      });
      const got = await splitOn(engine);
      const label = `trial ${trial}: ${width}x${height}, ${threads} threads, radius ${radius}, maxLevel ${LEVEL_SPLITTING.maxLevel}, level 2 from ${deepRowsPerThread} a thread`;
      expect(got, label).toEqual(expected);
      expect(await splitOn(scalar), `${label}, scalar build`).toEqual(expected);
      if (!got) {
        notSplit++;
        continue;
      }
      split++;
      if (got.starts.some((y) => y % 16 !== 0)) offSixteen++;
      if (got.deepest === 2) deep++;
      else if (LEVEL_SPLITTING.maxLevel === 2) shallowAtTwo++;
      expect(got.deepest, label).toBe(deepestSplit(got.firstRows[threads], threads, radius));
      const step = bandRows(got.deepest);
      expect(step, label).toBe(got.deepest === 2 ? 16 : 8);
      for (const [t, y] of got.starts.entries()) {
        expect(y % step, label).toBe(0);
        if (t > 0) expect(y - got.starts[t - 1], label).toBeGreaterThanOrEqual(Math.max(step, 2 * radius));
      }
    }
    // Both outcomes, starts off the multiples of 16, and level 2 split and not split where it may be, were reached.
    expect(split).toBeGreaterThan(20);
    expect(notSplit).toBeGreaterThan(0);
    expect(offSixteen).toBeGreaterThan(5);
    expect(deep).toBeGreaterThan(2);
    expect(shallowAtTwo).toBeGreaterThan(2);
  });

  it("balance the first block levels' nodes too: a dense band against a sparse one", async () => {
    // 64x160: rows 0-79 hold one unknown in every 4x4 cell, rows 80-159 are full. By unknowns alone the split would
    // fall in the dense half (at 120); with the cells' cost it moves up, to where the threads' costs are closest.
    const width = 64, height = 160;
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) mask[y * width + x] = y >= 80 || (x % 4 === 0 && y % 4 === 0) ? 1 : 0;
    Object.assign(LEVEL_SPLITTING, defaults);
    const expected = referenceSplit(mask, width, height, 2, 1, 0)!;
    const starts = await engine.run((arena) => {
      const unknownIndex = arena.alloc(width * height * 4);
      const index = arena.i32(unknownIndex, width * height);
      let row = 0;
      for (let p = 0; p < width * height; p++) index[p] = mask[p] ? row++ : -1;
      return splitRows(arena, engine.kernels, unknownIndex, width, height, row, 2, 1, 0)!.bandStarts;
    });
    expect(starts).toEqual(expected.starts);
    expect(starts[1]).toBeLessThan(112);
  });
});
