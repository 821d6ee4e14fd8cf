// The k-d tree (assembly/graph/kdtree.ts) against brute force: random points, duplicates, all points equal,
// k >= n, trees of a few points (halves that are empty, a last block of four partly filled), every k from 1 to 33,
// five coordinates (their own scan, two blocks at a time: ties across a pair, a last pair or block partly filled),
// three coordinates (their own scan too) at many k, 1 to 16 coordinates, points on thin curves with queries away from
// them (where the nodes' boxes prune), trees deep enough that the walk stacks many far children and bounds them from
// an ancestor's box, the tree's own points as queries (all, or some with rows of their own), both builds.
import { describe, expect, it } from "vitest";
import { type KdTreeKernels, buildKdTree, nearestNeighbours } from "../dist/methods/kdtree.js";
import { makeEngine, random } from "./helpers.js";
import { bruteForceKnn } from "./reference/knn.js";

interface Case {
  name: string;
  n: number;
  dims: number;
  k: number;
  /** Coordinate j of point i. */
  value: (next: () => number, i: number, j: number) => number;
  /** How far the queries that are not points stray from a point (each coordinate, uniform); 0.1 unless given. */
  spread?: number;
}

/** Coordinate j of point i on a thin curve through the unit cube, like a photo's colours; position after three. */
const onCurve = (next: () => number, i: number, j: number) => {
  const t = (i * 0.618034) % 1;
  return j < 3 ? 0.5 + 0.4 * Math.sin(6 * t + 2 * j) + (next() - 0.5) * 0.01 : ((j === 3 ? i % 30 : Math.floor(i / 30)) * 0.03);
};

const cases: Case[] = [
  { name: "uniform 1 point", n: 1, dims: 3, k: 4, value: (next) => next() },
  { name: "uniform, 1 coordinate", n: 300, dims: 1, k: 7, value: (next) => next() },
  { name: "uniform, 5 coordinates", n: 900, dims: 5, k: 20, value: (next) => next() },
  { name: "uniform, 6 coordinates, k 1", n: 700, dims: 6, k: 1, value: (next) => next() },
  { name: "colour and position like knn", n: 800, dims: 5, k: 10, value: (next, i, j) => (j < 3 ? Math.round(next() * 8) / 8 : (j === 3 ? i % 40 : Math.floor(i / 40)) * 0.05) },
  { name: "duplicates from four values", n: 900, dims: 3, k: 15, value: (next) => Math.floor(next() * 4) / 4 },
  // Five coordinates take their own scan, two blocks of four at a time: ties across a pair, and leaves whose last
  // pair or single block is partly filled.
  { name: "duplicates from three values, 5 coordinates", n: 901, dims: 5, k: 19, value: (next) => Math.floor(next() * 3) / 2 },
  { name: "5 coordinates, one leaf, its last pair partly filled", n: 30, dims: 5, k: 9, value: (next) => next() },
  { name: "5 coordinates, two leaves, a last pair partly filled", n: 41, dims: 5, k: 40, value: (next) => Math.round(next() * 4) },
  { name: "5 coordinates, two leaves, a last single block of one point", n: 45, dims: 5, k: 11, value: (next) => next() },
  { name: "all points equal", n: 500, dims: 5, k: 12, value: () => 0.25 },
  { name: "on a line (one coordinate varies)", n: 400, dims: 4, k: 9, value: (next, i, j) => (j === 2 ? i * 0.01 : 0.5) },
  { name: "k equal to n", n: 37, dims: 2, k: 37, value: (next) => next() },
  { name: "k above n", n: 20, dims: 3, k: 31, value: (next) => Math.floor(next() * 3) },
  { name: "a few points", n: 6, dims: 2, k: 3, value: (next) => Math.floor(next() * 4) },
  { name: "blocks partly filled", n: 70, dims: 5, k: 6, value: (next) => next() },
  { name: "16 coordinates", n: 300, dims: 16, k: 5, value: (next) => next() },
  // Boxes: far tighter than the split cells on a curve; 3, 4, 5 and 7 coordinates fill one or two groups of four.
  { name: "a curve, queries off it, 3 coordinates", n: 900, dims: 3, k: 6, value: onCurve, spread: 0.6 },
  { name: "a curve, queries off it, 4 coordinates", n: 700, dims: 4, k: 8, value: onCurve, spread: 0.4 },
  { name: "a curve and position, queries off it", n: 900, dims: 5, k: 21, value: onCurve, spread: 0.5 },
  { name: "a curve, 7 coordinates, queries far off", n: 600, dims: 7, k: 3, value: onCurve, spread: 3 },
  // Deep trees (256 leaves or more): the walk's stack and its bounds from the box of the node it came from.
  { name: "a curve and position, deep tree, queries off it", n: 6000, dims: 5, k: 10, value: onCurve, spread: 0.3 },
  { name: "a curve, 3 coordinates, deep tree, queries off it", n: 6000, dims: 3, k: 7, value: onCurve, spread: 0.2 },
  { name: "duplicates from five values, 3 coordinates, deep tree", n: 5000, dims: 3, k: 21, value: (next) => Math.floor(next() * 5) / 4 },
  // Three coordinates take their own scan: ties across a pair, partly filled last pairs and blocks, many k.
  ...[1, 2, 3, 5, 8, 9, 13, 20, 21, 33].map((k): Case => ({
    name: `colours in 3 coordinates, k ${k}`, n: 333, dims: 3, k, value: (next) => Math.round(next() * 16) / 16,
  })),
  { name: "3 coordinates, one leaf, a last single block of one point", n: 29, dims: 3, k: 5, value: (next) => next() },
  // Every k: each takes its own list length, so a shift or a screen wrong for one length shows.
  ...Array.from({ length: 33 }, (_, i): Case => ({
    name: `knn-like features, k ${i + 1}`, n: 333, dims: 5, k: i + 1,
    value: (next, p, j) => (j < 3 ? Math.round(next() * 16) / 16 : (j === 3 ? p % 21 : Math.floor(p / 21)) * 0.04),
  })),
];

/** Points, queries and the brute-force answer of a case (the same for both builds). */
const inputs = new Map<string, ReturnType<typeof makeInputs>>();
function makeInputs(c: Case) {
  const next = random(c.n * 31 + c.dims);
  const points = Float32Array.from({ length: c.n * c.dims }, (_, at) => c.value(next, Math.floor(at / c.dims), at % c.dims));
  // Queries: the points themselves (as knn asks) and as many others.
  const others = Float32Array.from({ length: c.n * c.dims }, (_, at) => c.value(next, Math.floor(at / c.dims), at % c.dims) + (next() - 0.5) * (c.spread ?? 0.1));
  const queries = new Float32Array(points.length * 2);
  queries.set(points);
  queries.set(others, points.length);
  return { points, queries, expected: bruteForceKnn(points, c.dims, queries, c.k) };
}

describe("k-d tree nearest neighbours against brute force", () => {
  const runs = cases.flatMap((c) => (["release", "scalar"] as const).map((build) => [`${c.name} (${build})`, c, build] as const));
  it.each(runs)("%s", async (_, c, build) => {
    const engine = await makeEngine(build);
    if (!inputs.has(c.name)) inputs.set(c.name, makeInputs(c));
    const { points, queries, expected } = inputs.get(c.name)!;
    const count = 2 * c.n;
    await engine.run(async (arena) => {
      const kernels = engine.kernels as KdTreeKernels;
      const source = arena.copyIn(points);
      const tree = buildKdTree(arena, kernels, source, c.n, c.dims);
      const at = arena.copyIn(queries);
      const indices = arena.alloc(count * c.k * 4), distances = arena.alloc(count * c.k * 8);
      let slices = 0;
      await nearestNeighbours(arena, kernels, tree, at, count, c.k, indices, distances, () => void slices++);
      expect(slices).toBeGreaterThan(0);
      expect(Array.from(arena.i32(indices, count * c.k))).toEqual(Array.from(expected.indices));
      expect(Array.from(arena.f64(distances, count * c.k))).toEqual(Array.from(expected.distances));
      // The tree's own points as queries, taken in the tree's order, answered in the points' order.
      const own = arena.alloc(c.n * c.k * 4);
      await nearestNeighbours(arena, kernels, tree, "own points", c.n, c.k, own, 0, () => {});
      expect(Array.from(arena.i32(own, c.n * c.k))).toEqual(Array.from(expected.indices.subarray(0, c.n * c.k)));
      // Some of the own points, each answered in a row of its own (every third point left out, the rows reversed).
      const asked = Array.from({ length: c.n }, (_, i) => i).filter((i) => i % 3 !== 1);
      const rowOf = new Int32Array(c.n).fill(-1);
      asked.forEach((i, j) => (rowOf[i] = asked.length - 1 - j));
      const rows = arena.copyIn(rowOf), some = arena.alloc(asked.length * c.k * 4);
      arena.i32(some, asked.length * c.k).fill(-7);
      await nearestNeighbours(arena, kernels, tree, { rows }, c.n, c.k, some, 0, () => {});
      const answered = arena.i32(some, asked.length * c.k);
      asked.forEach((i) => {
        const row = rowOf[i];
        expect(Array.from(answered.subarray(row * c.k, row * c.k + c.k))).toEqual(Array.from(expected.indices.subarray(i * c.k, i * c.k + c.k)));
      });
    });
  });
});
