// KNN matting, one build of the whole package against another, in one process: for each case (photo and trimap of
// the low-res set) estimateAlpha with method "knn" at the default options on one thread, timed by the process's CPU
// time, the two builds alternating run by run after an untimed warm-up so that a load change on this shared machine
// falls on both; per case the fastest run of each, their ratio, its two phases (CPU ms: the neighbour graph and the
// system up to the progress report that ends it, then the solver's set-up and iterations; each phase's fastest run),
// the iterations, and the largest difference between the two builds' alphas. For trying a change to knn: keep the other
// side's build in a folder of its own (for example `cp -r dist /tmp/knn-main-dist` before changing anything).
// npx tsx bench/knn-ab.ts --old /tmp/knn-main-dist [--new dist] [--data LOWRES_DIR] [--images GT02,GT10]
//                         [--trimaps trimap1,trimap2] [--runs 3]
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { AB_OPTIONS, abCases, cpuNow, fixed, loadAverage, machineHeader, median, parseTrimaps, readFirstChannel, readRgb, repoRoot } from "./common.js";

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, new: { type: "string" }, trimaps: { type: "string" } } });
const { old, runs, dir, names } = abCases(args, "DIST (a dist folder)", ["GT02", "GT10", "GT13", "GT24"]);
const trimaps = parseTrimaps(args.trimaps ?? "trimap1,trimap2");

interface Result {
  alpha: Float32Array;
  stats: { iterations: number; milliseconds: { laplacian: number; preconditioner: number; solve: number } };
}
interface Matting {
  estimateAlpha(image: unknown, trimap: unknown, options: { method: "knn"; onProgress: (p: { phase: string; fraction: number }) => void }): Promise<Result>;
}
/** src/methods/knn.ts's share of the progress bar for the graph: its report of it ends the first phase. */
const GRAPH_SHARE = 0.5;
const load = async (dist: string): Promise<Matting> => {
  const { createMatting } = await import(pathToFileURL(path.resolve(dist, "index.js")).href);
  return createMatting({ threads: 1 });
};
const builds = { old: await load(old), new: await load(args.new ?? path.join(repoRoot, "dist")) };

/** One knn run: CPU milliseconds in all and in the graph phase, and the result. */
async function timedRun(matting: Matting, image: unknown, trimap: unknown): Promise<{ ms: number; graph: number; result: Result }> {
  const before = cpuNow();
  let graphEnd = NaN;
  const result = await matting.estimateAlpha(image, trimap, {
    method: "knn", onProgress: (p) => {
      if (p.phase === "laplacian" && p.fraction >= GRAPH_SHARE) graphEnd = cpuNow();
    },
  });
  return { ms: cpuNow() - before, graph: graphEnd - before, result };
}

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${args.old}, new ${args.new ?? "dist"}; fastest of ${runs} run(s) each, CPU ms (graph: up to the report that ends it; solve: the rest)`);
console.log("case            old ms  new ms  new/old   graph old/new   solve old/new   solve new/old   iterations   max |alpha diff|");
const ratios: number[] = [];
const totals = { old: 0, new: 0, oldSolve: 0, newSolve: 0 };
const solveRatios: number[] = [];
let worst = 0;
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    const fresh = () => ({ ms: Infinity, graph: Infinity, solve: Infinity, result: undefined as Result | undefined });
    const best = { old: fresh(), new: fresh() };
    for (let run = -1; run < runs; run++) {
      for (const side of run % 2 !== 0 ? (["old", "new"] as const) : (["new", "old"] as const)) {
        const { ms, graph, result } = await timedRun(builds[side], photo, trimap);
        if (run < 0) continue;
        const b = best[side];
        if (ms < b.ms) [b.ms, b.result] = [ms, result];
        b.graph = Math.min(b.graph, graph);
        b.solve = Math.min(b.solve, ms - graph);
      }
    }
    const old = best.old.result!, now = best.new.result!;
    let difference = 0;
    old.alpha.forEach((v, i) => (difference = Math.max(difference, Math.abs(v - now.alpha[i]))));
    worst = Math.max(worst, difference);
    const ratio = best.new.ms / best.old.ms;
    ratios.push(ratio);
    solveRatios.push(best.new.solve / best.old.solve);
    totals.old += best.old.ms;
    totals.new += best.new.ms;
    totals.oldSolve += best.old.solve;
    totals.newSolve += best.new.solve;
    console.log([`${name} ${set}`.padEnd(14), fixed(best.old.ms, 0).padStart(7), fixed(best.new.ms, 0).padStart(7), fixed(ratio, 3).padStart(8),
      `${fixed(best.old.graph, 0)}/${fixed(best.new.graph, 0)}`.padStart(15),
      `${fixed(best.old.solve, 0)}/${fixed(best.new.solve, 0)}`.padStart(15), fixed(best.new.solve / best.old.solve, 3).padStart(15),
      `${old.stats.iterations}/${now.stats.iterations}`.padStart(12), difference.toExponential(2).padStart(18)].join(" "));
  }
}
console.log(`\nnew/old: median ${fixed(median(ratios), 3)}, of the totals ${fixed(totals.new / totals.old, 3)} (old ${fixed(totals.old, 0)} ms, new ${fixed(totals.new, 0)} ms); max |alpha difference| ${worst.toExponential(2)}`);
console.log(`solve phase new/old: median ${fixed(median(solveRatios), 3)}, of the totals ${fixed(totals.newSolve / totals.oldSolve, 3)} (old ${fixed(totals.oldSolve, 0)} ms, new ${fixed(totals.newSolve, 0)} ms)`);
console.log(`# load average ${loadAverage()} at the end`);
