// The neighbour searches on threads (src/methods/search-team.ts, assembly/graph/search-together.ts): with 2, 3 and 4
// threads the k-d tree's build (the same tree, bit for bit) and queries (query points, the tree's own points, own points answered in given rows) and the
// grid's give one thread's answers bit for bit, and so do information flow's whole flows (every path of its
// colour-mixture search: the grid alone, a second pass, the tree of every pixel) and knn's alpha. The thresholds are
// lowered so that small images split into many chunks, and the helpers' heartbeats show that they took a share.
// Shared matting's sample gathering likewise (assembly/methods/sm.ts smGatherTogether).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkTrimapCounts, loadPixels } from "../dist/alpha.js";
import { type Arena, Engine } from "../dist/engine.js";
import { ifmKernels } from "../dist/methods/ifm-kernels.js";
import { buildFlows } from "../dist/methods/ifm.js";
import { type KdTreeKernels, buildKdTree, nearestNeighbours } from "../dist/methods/kdtree.js";
import { estimateAlphaWith } from "../dist/methods/run.js";
import { SEARCH_THREADING, searchThreads } from "../dist/methods/search-team.js";
import type { MethodContext } from "../dist/methods/types.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { makeEngine, random, threadEngine } from "./helpers.js";
import { type Image8, bandTrimap, noiseImage, randomTrimap, smoothImage } from "./synthetic.js";

const defaults = { ...SEARCH_THREADING };
const split = () => Object.assign(SEARCH_THREADING, { minQueries: 1, kdChunk: 7, gridChunk: 37, rowChunk: 5, trimRows: 1, pointChunk: 12 });

let single: Engine;
const engines = new Map<number, Engine>();
beforeAll(async () => {
  single = await makeEngine();
  for (const count of [2, 3, 4]) engines.set(count, await threadEngine(count));
});
afterEach(() => {
  Object.assign(SEARCH_THREADING, defaults);
});
afterAll(() => {
  engines.forEach((engine) => engine.close());
});

/** The sum of the helper threads' heartbeats (they bump theirs at every chunk they take). */
function helperBeats(engine: Engine): number {
  const contexts = (engine as unknown as { contexts: number[] }).contexts;
  return contexts.slice(1).reduce((sum, context) => sum + new Int32Array(engine.kernels.memory.buffer, engine.kernels.heartbeatOf(context) >>> 0, 1)[0], 0);
}

/** A smooth photo with a square of noise at (x0, y0), side `side`. */
function noisePatch(width: number, height: number, seed: number, x0: number, y0: number, side: number): Image8 {
  const image = smoothImage(width, height, seed), next = random(seed + 1);
  for (let y = y0; y < Math.min(height, y0 + side); y++) {
    for (let x = x0; x < Math.min(width, x0 + side); x++) for (let c = 0; c < 3; c++) image.data[(y * width + x) * 3 + c] = Math.floor(next() * 256);
  }
  return image;
}

describe("k-d tree queries on threads", () => {
  const n = 1500;
  for (const dims of [3, 5]) {
    for (const k of [1, 6, 21]) {
      it(`${dims} coordinates, k = ${k}: query points, own points and own points by rows give one thread's answers`, async () => {
        const next = random(100 * dims + k);
        // Clustered points with repeats, so that ties and the start bounds' paths are taken.
        const points = Float32Array.from({ length: n * dims }, (_, i) => Math.round(next() * 40 + (i % dims) * (Math.floor(i / dims) % 3) * 10) / 40);
        const queries = Float32Array.from({ length: 700 * dims }, () => Math.round(next() * 60) / 40);
        const rows = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : (i * 7919) % n));
        const run = (engine: Engine) => engine.run(async (arena: Arena) => {
          const kernels = engine.kernels as KdTreeKernels;
          const tree = buildKdTree(arena, kernels, arena.copyIn(points), n, dims, engine);
          // The tree itself: blocked coordinates, index, split coordinates and values, boxes.
          const [blocked, index, splitDims, splitValues, boxes] = arena.i32(tree + 12, 5), inner = kernels.kdNodeCount(n) >> 1;
          const results: number[][] = [
            Array.from(arena.u8(blocked, kernels.kdCoordinateBytes(n, dims))), Array.from(arena.i32(index, n)), Array.from(arena.i32(splitDims, inner)),
            Array.from(arena.f32(splitValues, inner)), Array.from(arena.f32(boxes, kernels.kdBoxBytes(n, dims) / 4)),
          ];
          for (const kind of ["points", "own", "rows"] as const) {
            const count = kind === "points" ? 700 : n;
            const indices = arena.alloc(count * k * 4), distances = arena.alloc(count * k * 8);
            arena.i32(indices, count * k).fill(-7);
            arena.f64(distances, count * k).fill(-1);
            const asked = kind === "points" ? arena.copyIn(queries) : kind === "own" ? "own points" as const : { rows: arena.copyIn(rows) };
            await nearestNeighbours(arena, kernels, tree, asked, count, k, indices, distances, () => {}, engine);
            results.push(Array.from(arena.i32(indices, count * k)), Array.from(arena.f64(distances, count * k)));
          }
          return results;
        });
        const one = await run(single);
        split();
        for (const [count, engine] of engines) {
          expect(searchThreads(engine, 700)).toBe(count);
          const before = helperBeats(engine);
          const many = await run(engine);
          expect(helperBeats(engine), `${count} threads: the helpers took chunks`).toBeGreaterThan(before);
          many.forEach((values, i) => expect(values, `${count} threads, result ${i}`).toEqual(one[i]));
        }
      });
    }
  }

  it("below the threshold, or on an engine of one thread, one thread answers", () => {
    expect(searchThreads(engines.get(2)!, SEARCH_THREADING.minQueries - 1)).toBe(1);
    expect(searchThreads(engines.get(2)!, SEARCH_THREADING.minQueries)).toBe(2);
    expect(searchThreads(single, 1 << 20)).toBe(1);
    expect(searchThreads(undefined, 1 << 20)).toBe(1);
  });
});

describe("information flow's searches on threads", () => {
  const cases: { name: string; image: Image8; trimap: Image8; takes: ("grid" | "second" | "tree")[] }[] = [
    { name: "smooth 72x52, a band", image: smoothImage(72, 52, 31), trimap: bandTrimap(72, 52, 30, 42), takes: ["grid"] },
    { name: "smooth 200x120 with a noise patch in the band", image: noisePatch(200, 120, 32, 96, 50, 6), trimap: bandTrimap(200, 120, 90, 110), takes: ["grid", "second"] },
    { name: "noise 120x90, random trimap", image: noiseImage(120, 90, 33), trimap: randomTrimap(120, 90, 34, 0.25), takes: ["tree"] },
    { name: "120x100, smooth above and noise below", image: noisePatch(120, 100, 38, 0, 50, 120), trimap: bandTrimap(120, 100, 40, 80), takes: ["grid", "tree"] },
  ];
  let withKnownToUnknown = 0;
  for (const { name, image, trimap, takes } of cases) {
    it(`${name}: every flow's neighbours, weights and estimates are one thread's`, async () => {
      const flowsOn = (engine: Engine) => engine.run(async (arena: Arena) => {
        const checked = checkImage(image);
        const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
        checkTrimapCounts(pixels.counts);
        const { width, height } = image;
        const context: MethodContext = { engine, arena, width, height, pixels, progress: () => {}, checkpoint: async () => {} };
        const rows = pixels.counts.unknown, n = width * height;
        const flows = await buildFlows(context, ifmKernels(engine), rows);
        const ku = flows.knownToUnknown;
        return {
          paths: flows.colourMixtureSearch,
          tables: [
            arena.u8(flows.edgeTrimmed, n), arena.i32(flows.colourMixture.neighbours, rows * 20), arena.f32(flows.colourMixture.weights, rows * 20),
            arena.i32(flows.intraUnknown.neighbours, rows * flows.intraUnknown.k), arena.f32(flows.intraUnknown.weights, rows * flows.intraUnknown.k),
            ...(ku ? [arena.u8(ku.patchTrimmed, n), arena.i32(ku.queries, ku.count), arena.f64(ku.estimate, ku.count), arena.f64(ku.confidence, ku.count)] : []),
          ].map((table) => Array.from(table)),
        };
      });
      const one = await flowsOn(single);
      for (const path of takes) expect(one.paths[path], path).toBeGreaterThan(0);
      if (one.tables.length > 5) withKnownToUnknown++;
      split();
      for (const [count, engine] of engines) {
        const before = helperBeats(engine);
        const many = await flowsOn(engine);
        expect(helperBeats(engine)).toBeGreaterThan(before);
        expect(many.tables.length).toBe(one.tables.length);
        many.tables.forEach((table, i) => expect(table, `${count} threads, table ${i}`).toEqual(one.tables[i]));
      }
    });
  }
  it("the cases above take patch trimming and the known-to-unknown flow too", () => {
    expect(withKnownToUnknown).toBeGreaterThan(0);
  });
});

describe("knn's searches and shared matting's sample gathering on threads", () => {
  it.each([
    ["knn", noisePatch(90, 70, 41, 20, 20, 25), randomTrimap(90, 70, 42, 0.4)],
    ["sm", noisePatch(90, 70, 43, 30, 10, 30), randomTrimap(90, 70, 44, 0.5)],
  ] as const)("%s: 2, 3 and 4 threads give one thread's alpha bit for bit", async (method, image, trimap) => {
    const one = await estimateAlphaWith(single, image, trimap, { method });
    split();
    for (const [count, engine] of engines) {
      const before = helperBeats(engine);
      const many = await estimateAlphaWith(engine, image, trimap, { method });
      expect(helperBeats(engine)).toBeGreaterThan(before);
      expect(Array.from(many.alpha), `${count} threads`).toEqual(Array.from(one.alpha));
    }
  });
});

describe("random scenes on threads", () => {
  // Sizes, trimaps, thread counts and chunk sizes drawn at random: every split must give one thread's answers.
  const next = random(2026);
  const pick = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  const scenes = Array.from({ length: 8 }, (_, i) => {
    const width = pick(24, 110), height = pick(24, 90);
    const image = next() < 0.5 ? smoothImage(width, height, 500 + i) : noisePatch(width, height, 500 + i, pick(0, width / 2), pick(0, height / 2), pick(4, 30));
    return {
      name: `${width}x${height}`, image, trimap: randomTrimap(width, height, 600 + i, 0.2 + 0.6 * next()), threads: pick(2, 4),
      chunks: { minQueries: 1, kdChunk: pick(1, 40), gridChunk: pick(1, 300), rowChunk: pick(1, 40), trimRows: pick(1, 6), pointChunk: pick(1, 64) },
    };
  });
  for (const { name, image, trimap, threads, chunks } of scenes) {
    it(`${name} on ${threads} threads, chunks ${JSON.stringify(Object.values(chunks))}: knn's and sm's alphas and ifm's flows are one thread's`, async () => {
      const engine = engines.get(threads)!;
      const flowsOn = (on: Engine) => on.run(async (arena: Arena) => {
        const checked = checkImage(image);
        const pixels = loadPixels(arena, on, checked, checkTrimap(trimap, checked));
        checkTrimapCounts(pixels.counts);
        const { width, height } = image;
        const context: MethodContext = { engine: on, arena, width, height, pixels, progress: () => {}, checkpoint: async () => {} };
        const rows = pixels.counts.unknown;
        const flows = await buildFlows(context, ifmKernels(on), rows);
        return [arena.u8(flows.edgeTrimmed, width * height), arena.i32(flows.colourMixture.neighbours, rows * 20), arena.f32(flows.colourMixture.weights, rows * 20),
          arena.i32(flows.intraUnknown.neighbours, rows * flows.intraUnknown.k)].map((table) => Array.from(table));
      });
      const alone = { knn: await estimateAlphaWith(single, image, trimap, { method: "knn" }), sm: await estimateAlphaWith(single, image, trimap, { method: "sm" }), flows: await flowsOn(single) };
      Object.assign(SEARCH_THREADING, chunks);
      expect(Array.from((await estimateAlphaWith(engine, image, trimap, { method: "knn" })).alpha)).toEqual(Array.from(alone.knn.alpha));
      expect(Array.from((await estimateAlphaWith(engine, image, trimap, { method: "sm" })).alpha)).toEqual(Array.from(alone.sm.alpha));
      (await flowsOn(engine)).forEach((table, i) => expect(table, `table ${i}`).toEqual(alone.flows[i]));
    });
  }
});
