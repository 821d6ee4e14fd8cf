// The k-d tree's searches, one wasm build against another, in one process: for each photo, knn's two feature sets
// (k 20 at distance weight 2, k 10 at 0.1) and colour alone (k 8, three coordinates, as ifm's colour-only searches);
// every pixel's nearest among every pixel, asked in the tree's order as knn and ifm ask them, the tree build and the queries timed by the process's CPU time, the two builds
// alternating run by run after an untimed warm-up so that a load change on this shared machine falls on both; per set the fastest run of
// each, their ratio, and whether the two builds found the same neighbours (they must: the searches are exact).
// Two identical builds measured 0.94-1.06 of each other here (2 shared cores, load average 3-6): read smaller
// differences as none. For trying a change to assembly/graph/kdtree.ts: build the other side's wasm into a folder of its own (for
// example `git archive main | tar -x -C /tmp/main && cd /tmp/main && npx asc assembly/index.ts --target release`).
// npx tsx bench/search-ab.ts --old /tmp/main/dist/matting.wasm [--new dist/matting.wasm] [--data LOWRES_DIR]
//                            [--images GT01,GT13] [--runs 3]
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { Engine } from "../dist/engine.js";
import type { KdTreeKernels } from "../dist/methods/kdtree.js";
import { AB_OPTIONS, abCases, cpuOf, fixed, loadAverage, machineHeader, readRgb, repoRoot } from "./common.js";

interface SearchKernels extends KdTreeKernels {
  knnFeatures(image: number, width: number, height: number, distanceWeight: number, features: number): void;
}

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, new: { type: "string" } } });
const { old, runs, dir, names } = abCases(args, "WASM (a .wasm file)", ["GT01", "GT13"]);
/** knn's default searches (neighbour count, distance weight, coordinates), and a search of colours alone. */
const SEARCHES = [{ k: 20, weight: 2, dims: 5 }, { k: 10, weight: 0.1, dims: 5 }, { k: 8, weight: 0, dims: 3 }];
const FEATURES = 5;

const load = async (file: string) => Engine.create(await WebAssembly.compile(await readFile(path.resolve(file))));
const builds = { old: await load(old), new: await load(args.new ?? path.join(repoRoot, "dist/matting.wasm")) };

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${args.old}, new ${args.new ?? "dist/matting.wasm"}; fastest of ${runs} run(s) each, CPU ms`);
console.log("image  k   weight  build old  build new  queries old  queries new  queries new/old  same");
const totals = { old: 0, new: 0 };

for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  const n = photo.width * photo.height;
  const rgb = Float64Array.from(photo.data, (v) => v / 255);
  for (const { k, weight, dims } of SEARCHES) {
    const times = { old: { build: Infinity, queries: Infinity }, new: { build: Infinity, queries: Infinity } };
    const answers: Partial<Record<"old" | "new", Int32Array>> = {};
    // Run -1 warms both builds up, untimed.
    for (let run = -1; run < runs; run++) {
      for (const side of run % 2 !== 0 ? (["old", "new"] as const) : (["new", "old"] as const)) {
        const engine = builds[side];
        await engine.run(async (arena) => {
          const kernels = engine.kernels as SearchKernels;
          const image = arena.copyIn(rgb), features = arena.alloc(n * FEATURES * 4);
          kernels.knnFeatures(image, photo.width, photo.height, weight, features);
          // Fewer coordinates: the first `dims` of each point's, packed.
          const packed = arena.f32(features, n * FEATURES).filter((_, i) => i % FEATURES < dims);
          arena.f32(features, n * dims).set(packed);
          const inner = kernels.kdNodeCount(n) >> 1;
          const tree = arena.alloc(32);
          const parts = [arena.alloc(kernels.kdCoordinateBytes(n, dims)), arena.alloc(n * 4), arena.alloc(inner * 4), arena.alloc(inner * 4),
            arena.alloc(kernels.kdBoxBytes(n, dims))];
          const work = arena.alloc(n * dims * 4 + 16), found = arena.alloc(n * k * 4), scratch = arena.alloc(kernels.kdQueryScratchBytes(k));
          arena.i32(tree + 12, parts.length).set(parts);
          const build = cpuOf(() => kernels.kdBuild(tree, features, n, dims, work));
          const queries = cpuOf(() => kernels.kdQueryOwnPoints(tree, 0, n, k, found, 0, scratch, 0));
          if (run < 0) return;
          times[side].build = Math.min(times[side].build, build);
          times[side].queries = Math.min(times[side].queries, queries);
          answers[side] = arena.i32(found, n * k).slice();
        });
      }
    }
    const same = answers.old!.every((v, i) => v === answers.new![i]);
    totals.old += times.old.build + times.old.queries;
    totals.new += times.new.build + times.new.queries;
    console.log([name.padEnd(5), String(k).padStart(3), (dims === 3 ? "rgb" : fixed(weight, 1)).padStart(7), fixed(times.old.build, 0).padStart(10),
      fixed(times.new.build, 0).padStart(10), fixed(times.old.queries, 0).padStart(12), fixed(times.new.queries, 0).padStart(12),
      fixed(times.new.queries / times.old.queries, 3).padStart(16), same ? "  yes" : "  NO"].join(" "));
    if (!same) process.exitCode = 1;
  }
}
console.log(`\nbuild and queries, all sets: new / old ${fixed(totals.new / totals.old, 3)} (old ${fixed(totals.old, 0)} ms, new ${fixed(totals.new, 0)} ms)`);
console.log(`# load average ${loadAverage()} at the end`);
