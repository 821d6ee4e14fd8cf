// The grid search (assembly/graph/grid-search.ts, src/methods/grid-search.ts) against brute force, over knn's
// features (r, g, b, w x, w y): the same neighbours in the same order, ties to the lower index, on smooth, noise,
// flat (every distance tied, w 0: every distance 0), few-colour and tiny images (1 x 1, single rows and columns,
// more neighbours than pixels), widths and heights that are not whole tiles, position weights from 0 to 1e4 and every
// k from 1 to 25; every pixel asked or some in rows of their own; with the grid alone (a budget never reached), with
// a small budget (the queries over it left in their rows, answered by the tree), and through pixelNeighbours, which
// gives the grid up for the tree where the queries are left too often. Both builds.
import { describe, expect, it } from "vitest";
import type { Arena, Engine } from "../dist/engine.js";
import { type GridSearchKernels, pixelNeighbours, pixelSearch } from "../dist/methods/grid-search.js";
import { makeEngine, random } from "./helpers.js";
import { bruteForceKnn } from "./reference/knn.js";
import { type Image8, noiseImage, smoothImage, unitRgb } from "./synthetic.js";

interface Kernels extends GridSearchKernels {
  knnFeatures(image: number, width: number, height: number, distanceWeight: number, features: number): void;
}

interface Case {
  name: string;
  image: Image8;
  weight: number;
  k: number;
}

function flatImage(width: number, height: number): Image8 {
  return { width, height, data: new Uint8Array(width * height * 3).fill(77) };
}

/** Colours from four levels per channel: many equal colours, many tied distances. */
function fewColours(width: number, height: number, seed: number): Image8 {
  const next = random(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(next() * 4) * 85) };
}

const cases: Case[] = [
  { name: "smooth 23x17, w 2, k 20", image: smoothImage(23, 17, 1), weight: 2, k: 20 },
  { name: "smooth 40x30, w 2, k 10", image: smoothImage(40, 30, 2), weight: 2, k: 10 },
  { name: "smooth 33x29, w 0.1, k 10", image: smoothImage(33, 29, 3), weight: 0.1, k: 10 },
  { name: "noise 31x9, w 2, k 20", image: noiseImage(31, 9, 4), weight: 2, k: 20 },
  { name: "noise 17x22, w 0.1, k 10", image: noiseImage(17, 22, 5), weight: 0.1, k: 10 },
  { name: "flat 20x20, w 2, k 20", image: flatImage(20, 20), weight: 2, k: 20 },
  { name: "flat 13x7, w 0 (every distance 0), k 9", image: flatImage(13, 7), weight: 0, k: 9 },
  { name: "few colours 37x21, w 1, k 7", image: fewColours(37, 21, 6), weight: 1, k: 7 },
  { name: "few colours 18x26, w 0, k 12", image: fewColours(18, 26, 7), weight: 0, k: 12 },
  { name: "smooth 30x30, w 1e4, k 15", image: smoothImage(30, 30, 8), weight: 1e4, k: 15 },
  { name: "smooth 25x14, w 0.5, k 64", image: smoothImage(25, 14, 9), weight: 0.5, k: 64 },
  { name: "1x1, k 20", image: smoothImage(1, 1, 10), weight: 2, k: 20 },
  { name: "1x13 column, k 20", image: smoothImage(1, 13, 11), weight: 2, k: 20 },
  { name: "9x1 row, k 4", image: noiseImage(9, 1, 12), weight: 2, k: 4 },
  { name: "3x2, more neighbours than pixels", image: noiseImage(3, 2, 13), weight: 2, k: 10 },
  { name: "6x5, k 30 = pixels", image: smoothImage(6, 5, 14), weight: 2, k: 30 },
  { name: "5x7, k 40 > pixels", image: fewColours(5, 7, 15), weight: 0.3, k: 40 },
  ...Array.from({ length: 25 }, (_, i): Case => ({ name: `smooth 13x11, w 2, k ${i + 1}`, image: smoothImage(13, 11, 20 + i), weight: 2, k: i + 1 })),
  ...[0.02, 0.2, 0.7, 3, 20].map((weight, i): Case => ({ name: `noise 19x14, w ${weight}, k 8`, image: noiseImage(19, 14, 50 + i), weight, k: 8 })),
];

async function inArena<T>(engine: Engine, c: Case, task: (arena: Arena, kernels: Kernels, features: number) => Promise<T>): Promise<T> {
  const kernels = engine.kernels as unknown as Kernels;
  const { width, height } = c.image;
  return engine.run(async (arena) => {
    const image = arena.copyIn(unitRgb(c.image.data, 3)), features = arena.alloc(width * height * 20);
    kernels.knnFeatures(image, width, height, c.weight, features);
    return task(arena, kernels, features);
  });
}

/** The grid kernel alone on the asked pixels (rows[p] >= 0), with `budget`: the answers, the rows after, the counts. */
async function gridAlone(engine: Engine, c: Case, rowOf: Int32Array, budget: number) {
  const { width, height } = c.image;
  const n = width * height;
  return inArena(engine, c, async (arena, kernels, features) => {
    const search = pixelSearch(arena, kernels, features, width, height);
    const rows = arena.copyIn(rowOf), indices = arena.alloc(n * c.k * 4), scratch = arena.alloc(kernels.gridScratchBytes(c.k, width));
    arena.i32(indices, n * c.k).fill(-7);
    // Two slices, so that the second starts from a kept list of the first.
    const middle = Math.floor(n / 2);
    kernels.gridQueryPixels(features, search.layout, width, height, c.k, 0, middle, rows, budget, indices, scratch, search.counts);
    kernels.gridQueryPixels(features, search.layout, width, height, c.k, middle, n, rows, budget, indices, scratch, search.counts);
    const [asked, left] = arena.i32(search.counts, 2);
    return { indices: arena.i32(indices, n * c.k).slice(), rows: arena.i32(rows, n).slice(), asked, left };
  });
}

const expectations = new Map<string, { points: Float32Array; expected: Int32Array }>();
async function expected(engine: Engine, c: Case) {
  if (!expectations.has(c.name)) {
    const n = c.image.width * c.image.height;
    const points = await inArena(engine, c, async (arena, _, features) => arena.f32(features, n * 5).slice());
    expectations.set(c.name, { points, expected: bruteForceKnn(points, 5, points, c.k).indices });
  }
  return expectations.get(c.name)!;
}

const rowsOfEvery = (n: number) => Int32Array.from({ length: n }, (_, p) => p);
/** Every third pixel left out, the others answered in reversed rows. */
function someRows(n: number): { rowOf: Int32Array; asked: number[] } {
  const asked = Array.from({ length: n }, (_, p) => p).filter((p) => p % 3 !== 1);
  const rowOf = new Int32Array(n).fill(-1);
  asked.forEach((p, j) => (rowOf[p] = asked.length - 1 - j));
  return { rowOf, asked };
}

describe("grid search against brute force", () => {
  const runs = cases.flatMap((c) => (["release", "scalar"] as const).map((build) => [`${c.name} (${build})`, c, build] as const));
  it.each(runs)("%s", async (_, c, build) => {
    const engine = await makeEngine(build);
    const { expected: want } = await expected(engine, c);
    const n = c.image.width * c.image.height, k = c.k;

    // The grid alone, every pixel: no query left, every row consumed.
    const every = await gridAlone(engine, c, rowsOfEvery(n), 1 << 30);
    expect(every.asked).toBe(n);
    expect(every.left).toBe(0);
    expect(every.rows.every((r) => r === -1)).toBe(true);
    expect(Array.from(every.indices)).toEqual(Array.from(want));

    // Some pixels, in rows of their own; rows past the asked ones untouched.
    const { rowOf, asked } = someRows(n);
    const some = await gridAlone(engine, c, rowOf, 1 << 30);
    expect(some.asked).toBe(asked.length);
    asked.forEach((p) => expect(Array.from(some.indices.subarray(rowOf[p] * k, rowOf[p] * k + k))).toEqual(Array.from(want.subarray(p * k, p * k + k))));
    expect(some.indices.subarray(asked.length * k).every((v) => v === -7)).toBe(true);

    // A budget of one tile: the queries over it keep their rows, the others are answered.
    const tight = await gridAlone(engine, c, rowsOfEvery(n), 1);
    const left = Array.from(tight.rows).filter((r) => r >= 0).length;
    expect(left).toBe(tight.left);
    tight.rows.forEach((r, p) => {
      if (r < 0) expect(Array.from(tight.indices.subarray(p * k, p * k + k))).toEqual(Array.from(want.subarray(p * k, p * k + k)));
    });

    // pixelNeighbours: the grid, and the tree for what it leaves or where it is given up; twice on one search.
    const [first, second] = await inArena(engine, c, async (arena, kernels, features) => {
      const search = pixelSearch(arena, kernels, features, c.image.width, c.image.height);
      const rows = arena.alloc(n * 4), indices = arena.alloc(n * k * 4);
      await pixelNeighbours(arena, kernels, search, k, rows, true, indices, () => {});
      const all = arena.i32(indices, n * k).slice();
      arena.i32(rows, n).set(rowOf);
      arena.i32(indices, n * k).fill(-7);
      await pixelNeighbours(arena, kernels, search, k, rows, false, indices, () => {});
      return [all, arena.i32(indices, n * k).slice()];
    });
    expect(Array.from(first)).toEqual(Array.from(want));
    asked.forEach((p) => expect(Array.from(second.subarray(rowOf[p] * k, rowOf[p] * k + k))).toEqual(Array.from(want.subarray(p * k, p * k + k))));
  });
});

describe("pixelNeighbours chooses", () => {
  /** The grid's counts and whether it is still used after one search of every pixel. */
  async function choice(image: Image8, weight: number, k: number) {
    const engine = await makeEngine();
    const c = { name: "", image, weight, k };
    const n = image.width * image.height;
    return inArena(engine, c, async (arena, kernels, features) => {
      const search = pixelSearch(arena, kernels, features, image.width, image.height);
      const rows = arena.alloc(n * 4), indices = arena.alloc(n * k * 4);
      await pixelNeighbours(arena, kernels, search, k, rows, true, indices, () => {});
      const [asked, left] = arena.i32(search.counts, 2);
      const { indices: want } = bruteForceKnn(arena.f32(features, n * 5).slice(), 5, arena.f32(features, n * 5).slice(), k);
      expect(Array.from(arena.i32(indices, n * k))).toEqual(Array.from(want));
      return { asked, left, grid: search.grid, tree: search.tree !== 0 };
    });
  }

  it("keeps the grid, without a tree, where position weighs (smooth image, w 2)", async () => {
    const r = await choice(smoothImage(48, 40, 60), 2, 20);
    expect(r).toMatchObject({ asked: 48 * 40, left: 0, grid: true, tree: false });
  });

  it("gives the grid up for the tree where colour decides (noise, w 0)", async () => {
    const r = await choice(noiseImage(64, 48, 61), 0, 10);
    expect(r.grid).toBe(false);
    expect(r.tree).toBe(true);
    expect(r.asked).toBeLessThan(64 * 48);
  });
});
