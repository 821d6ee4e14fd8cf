// Where KNN matting's time goes: estimateAlpha with method "knn" at the default options on one thread, each call
// into the wasm module timed by the process's CPU time and summed per kernel (the searches' kernels per neighbour
// count k, the tree's own-point queries with the number of queries asked), after an untimed warm-up run per case.
// For choosing what to speed up; compare builds with bench/knn-ab.ts.
// npx tsx bench/knn-phases.ts [--dist dist] [--data LOWRES_DIR] [--images GT02,GT13] [--trimaps trimap1,trimap2] [--min 5]
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_LOWRES, cpuNow, fixed, loadAverage, machineHeader, parseList, parseTrimaps, readFirstChannel, readRgb, repoRoot, resolveDir } from "./common.js";

const { values: args } = parseArgs({
  options: { dist: { type: "string" }, data: { type: "string" }, images: { type: "string" }, trimaps: { type: "string" }, min: { type: "string" } },
});
const dist = path.resolve(args.dist ?? path.join(repoRoot, "dist"));
const dir = resolveDir(args.data, DEFAULT_LOWRES);
const names = parseList(args.images) ?? ["GT02", "GT13", "GT05", "GT24"];
const trimaps = parseTrimaps(args.trimaps ?? "trimap1,trimap2");
const shownFrom = Number(args.min ?? 5);

type Kernel = (...values: number[]) => number;
const { Engine } = await import(pathToFileURL(path.join(dist, "engine.js")).href);
const { estimateAlphaWith } = await import(pathToFileURL(path.join(dist, "methods/run.js")).href);
const engine = await Engine.create(await WebAssembly.compile(await readFile(path.join(dist, "matting.wasm"))));
const exports = engine.kernels as Record<string, Kernel | WebAssembly.Memory>;

/** The argument holding k, for the kernels timed per neighbour count. */
const K_ARGUMENT: Record<string, number> = { gridQueryPixels: 4, kdQueryOwnPoints: 3, knnSkipFar: 4, knnCheckSkipped: 2 };
const totals = new Map<string, number>();
const add = (name: string, value: number) => totals.set(name, (totals.get(name) ?? 0) + value);

/** The own-point queries a kdQueryOwnPoints call asks: the tree's points in [from, to) whose row is not negative. */
function askedQueries(memory: WebAssembly.Memory, tree: number, from: number, to: number, rows: number): number {
  const words = new Int32Array(memory.buffer), index = words[(tree >>> 2) + 4] >>> 2;
  let asked = 0;
  for (let position = from; position < to; position++) if (rows === 0 || words[(rows >>> 2) + words[index + position]] >= 0) asked++;
  return asked;
}

// The engine's kernels replaced by timed ones (the exports object itself is frozen).
const timed: Record<string, unknown> = {};
for (const [name, value] of Object.entries(exports)) {
  if (typeof value !== "function") {
    timed[name] = value;
    continue;
  }
  timed[name] = (...values: number[]) => {
    const key = name in K_ARGUMENT ? `${name} k${values[K_ARGUMENT[name]]}` : name;
    if (name === "kdQueryOwnPoints") add(`queries k${values[3]}`, askedQueries(exports.memory as WebAssembly.Memory, values[0], values[1], values[2], values[7]));
    const before = cpuNow();
    const result = value(...values);
    add(key, cpuNow() - before);
    return result;
  };
}
Object.defineProperty(engine, "kernels", { value: timed });

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start; ${dist}; CPU ms per kernel (those above ${shownFrom} ms), one thread`);
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    await estimateAlphaWith(engine, photo, trimap, { method: "knn" });
    totals.clear();
    const before = cpuNow();
    const result = await estimateAlphaWith(engine, photo, trimap, { method: "knn" });
    const all = cpuNow() - before;
    const parts = [...totals.entries()].filter(([key, v]) => key.startsWith("queries") || v >= shownFrom).sort((a, b) => b[1] - a[1]);
    console.log(`${name} ${set}: ${fixed(all, 0)} ms, ${result.stats.iterations} iterations; ${parts.map(([key, v]) => `${key} ${fixed(v, 0)}`).join(", ")}`);
  }
}
console.log(`# load average ${loadAverage()} at the end`);
