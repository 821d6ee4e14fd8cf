// KNN's skipped searches (src/methods/knn-search.ts, assembly/methods/knn-skip.ts) against the plain way, every
// pixel searched: the same rows, the same lists wherever a list is kept, no row in any skipped list, and the same
// degrees, diagonal and right-hand side to the last bit; over neighbour counts (1, 2, the largest skipped and one
// past it), several searches, position weights (0 too), both kernels and both builds, on pictures where many
// searches are skipped and some skipped ones must be searched after all.
import { describe, expect, it } from "vitest";
import type { Arena, Engine } from "../dist/engine.js";
import type { KnnKernels } from "../dist/methods/knn.js";
import { MAX_SKIPPED_NEIGHBORS, knnGraph } from "../dist/methods/knn-search.js";
import { makeEngine } from "./helpers.js";
import { type Image8, bandTrimap, labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

interface Case {
  name: string;
  image: Image8;
  trimap: Image8;
  neighbors: number[];
  distanceWeights: number[];
  soft: boolean;
}

/** A smooth picture with a flat patch whose colour also lies in the unknown band: far pixels that are still near. */
function patchedImage(width: number, height: number, seed: number): Image8 {
  const image = smoothImage(width, height, seed);
  for (let y = 2; y < 12; y++) for (let x = 2; x < 14; x++) image.data.set(image.data.subarray(((y + 20) * width + 40) * 3, ((y + 20) * width + 40) * 3 + 3), (y * width + x) * 3);
  return image;
}

const cases: Case[] = [
  { name: "smooth 80x60 band, defaults", image: smoothImage(80, 60, 1), trimap: bandTrimap(80, 60, 36, 44), neighbors: [20, 10], distanceWeights: [2, 0.1], soft: false },
  { name: "patched 80x60 band, defaults, soft", image: patchedImage(80, 60, 2), trimap: bandTrimap(80, 60, 34, 46), neighbors: [20, 10], distanceWeights: [2, 0.1], soft: true },
  { name: "smooth 70x50 band, three searches, weight 0", image: smoothImage(70, 50, 3), trimap: bandTrimap(70, 50, 30, 38), neighbors: [3, 8, 2], distanceWeights: [0, 5, 0.5], soft: true },
  { name: "smooth 60x50 band, one neighbour", image: smoothImage(60, 50, 4), trimap: bandTrimap(60, 50, 28, 31), neighbors: [1], distanceWeights: [1], soft: false },
  { name: "smooth 60x50 band, two neighbours", image: patchedImage(60, 50, 5), trimap: bandTrimap(60, 50, 20, 24), neighbors: [2], distanceWeights: [3], soft: false },
  {
    name: "smooth 60x40 band, the most skipped and one past it", image: smoothImage(60, 40, 6), trimap: bandTrimap(60, 40, 25, 33),
    neighbors: [MAX_SKIPPED_NEIGHBORS, MAX_SKIPPED_NEIGHBORS + 1], distanceWeights: [2, 0.1], soft: false,
  },
  // A position weight low enough that the grid is given up for the tree, whose leaves then bound the tests.
  { name: "smooth 120x90 band, low position weight", image: smoothImage(120, 90, 11), trimap: bandTrimap(120, 90, 55, 65), neighbors: [20, 10], distanceWeights: [2, 0.02], soft: false },
  { name: "noise 40x30, random trimap", image: noiseImage(40, 30, 7), trimap: randomTrimap(40, 30, 8, 0.1), neighbors: [20, 10], distanceWeights: [2, 0.1], soft: false },
  { name: "smooth 30x20, no unknown pixel", image: smoothImage(30, 20, 9), trimap: bandTrimap(30, 20, 15, 14), neighbors: [20, 10], distanceWeights: [2, 0.1], soft: false },
  { name: "smooth 4x3 band, more neighbours than pixels", image: smoothImage(4, 3, 10), trimap: bandTrimap(4, 3, 2, 2), neighbors: [20, 5], distanceWeights: [2, 0.1], soft: false },
];

async function graphAndSystem(engine: Engine, c: Case, skipFar: boolean) {
  const kernels = engine.kernels as unknown as KnnKernels;
  const { width, height } = c.image;
  const n = width * height;
  return engine.run(async (arena: Arena) => {
    const image = arena.alloc(n * 24);
    arena.f64(image, n * 3).set(unitRgb(c.image.data, 3));
    const labels = arena.alloc(n);
    arena.u8(labels, n).set(labels8(c.trimap.data));
    const graph = await knnGraph(arena, kernels, {
      image, labels, width, height, neighbors: c.neighbors, distanceWeights: c.distanceWeights, soft: c.soft, skipFar, hops: 1,
    }, async () => undefined);
    const lists = c.neighbors.map((k, s) => arena.i32(graph.fields[2 + 3 * s], n * k).slice());
    const weights = c.neighbors.map((k, s) => (c.soft ? arena.f32(graph.fields[3 + 3 * s], n * k).slice() : undefined));
    const degree = arena.alloc(n * 8), diagonal = arena.alloc(graph.rows * 8), rhs = arena.alloc(graph.rows * 8);
    kernels.knnDegrees(graph.sets, n, degree);
    const degrees = arena.f64(degree, n).slice();
    kernels.knnSystem(graph.sets, n, labels, degree, graph.activeIndex, 100, diagonal, rhs);
    return {
      rows: graph.rows, skipped: graph.skipped, searchedAfter: graph.searchedAfter, activeIndex: arena.i32(graph.activeIndex, n).slice(), lists, weights,
      degrees, diagonal: arena.f64(diagonal, graph.rows).slice(), rhs: arena.f64(rhs, graph.rows).slice(),
    };
  });
}

const counts = { skipped: 0, searchedAfter: 0 };

describe("knn's skipped searches against every pixel searched", () => {
  it.each(cases.flatMap((c) => (["release", "scalar"] as const).map((build) => ({ ...c, build }))))("$name ($build)", async (c) => {
    const engine = await makeEngine(c.build);
    const plain = await graphAndSystem(engine, c, false);
    const fast = await graphAndSystem(engine, c, true);
    expect(plain.skipped).toBe(0);
    expect(fast.rows).toBe(plain.rows);
    expect([...fast.activeIndex]).toEqual([...plain.activeIndex]);
    const n = c.image.width * c.image.height;
    let skippedLists = 0;
    c.neighbors.forEach((k, s) => {
      for (let p = 0; p < n; p++) {
        const got = fast.lists[s].subarray(p * k, p * k + k), full = plain.lists[s].subarray(p * k, p * k + k);
        if (got[0] === -1) {
          skippedLists++;
          expect(k).toBeLessThanOrEqual(MAX_SKIPPED_NEIGHBORS);
          expect(got.every((j) => j === -1)).toBe(true);
          expect(plain.activeIndex[p]).toBe(-1);
          expect(full.some((j) => j >= 0 && plain.activeIndex[j] >= 0)).toBe(false);
        } else {
          expect([...got]).toEqual([...full]);
          if (c.soft) expect([...fast.weights[s]!.subarray(p * k, p * k + k)]).toEqual([...plain.weights[s]!.subarray(p * k, p * k + k)]);
        }
      }
    });
    expect(skippedLists).toBe(fast.skipped - fast.searchedAfter);
    for (let p = 0; p < n; p++) if (plain.activeIndex[p] >= 0) expect(fast.degrees[p]).toBe(plain.degrees[p]);
    expect([...fast.diagonal]).toEqual([...plain.diagonal]);
    expect([...fast.rhs]).toEqual([...plain.rhs]);
    counts.skipped += fast.skipped;
    counts.searchedAfter += fast.searchedAfter;
  });

  it("skipped searches, and searched some of them after all (the cases above exercise both)", () => {
    expect(counts.skipped).toBeGreaterThan(1000);
    expect(counts.searchedAfter).toBeGreaterThan(0);
  });
});
