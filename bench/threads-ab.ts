// Two builds of the package side by side on two threads (and one), in one process: for trying a change to the
// threaded solver (assembly/cycle.ts, team.ts, src/split.ts). Per case: the old build's and the new build's
// wall time on an engine of N threads, and one thread's, each the median of --runs alternating runs (old, new,
// then new, old, ...) after an untimed warm-up, so that a load change on a shared machine falls on both; their
// iterations, and the largest difference between the two builds' alphas (both solve the same system to the
// tolerance). Prints the load average before and after. The old build is a copy of an earlier `dist/` folder
// (for example `git stash && npm run build && cp -r dist /tmp/old/dist && git stash pop`).
// npx tsx bench/threads-ab.ts --old /tmp/old/dist [--data LOWRES_DIR] [--images GT01,GT13] [--trimaps trimap1]
//                             [--threads 2] [--runs 3]
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { AB_OPTIONS, abCases, fixed, loadAverage, machineHeader, median, parsePositive, parseTrimaps, readFirstChannel, readRgb, repoRoot } from "./common.js";

type Api = typeof import("../dist/entry/node.js");

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, trimaps: { type: "string" }, threads: { type: "string" } } });
const { old, runs, dir, names } = abCases(args, "DIST (a dist/ folder)", ["GT02", "GT05", "GT21", "GT24"]);
const threads = parsePositive(args.threads, "threads", 2, true);
const trimaps = parseTrimaps(args.trimaps);
const load = async (dist: string): Promise<Api> => import(pathToFileURL(path.resolve(dist, "entry/node.js")).href);
const apis = { old: await load(old), new: await load(path.join(repoRoot, "dist")) };
const engines = {
  old: { one: await apis.old.createMatting(), many: await apis.old.createMatting({ threads }) },
  new: { one: await apis.new.createMatting(), many: await apis.new.createMatting({ threads }) },
};

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${args.old}, new dist/; ${threads} threads (old ${engines.old.many.threads}, new ${engines.new.many.threads}); median of ${runs} alternating runs, wall ms`);
console.log("case            unknown  it old  it new  old 1t   new 1t   old ${threads}t   new ${threads}t   new/old ${threads}t  speed-up old  new   max |dalpha|".replace(/\$\{threads\}/g, String(threads)));
const ratios: number[] = [], speedOld: number[] = [], speedNew: number[] = [];
const totals = { old1: 0, new1: 0, oldN: 0, newN: 0 };
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    const times = { old1: [] as number[], new1: [] as number[], oldN: [] as number[], newN: [] as number[] };
    const alphas: Record<string, Float32Array> = {};
    const iterations: Record<string, number> = {};
    let unknown = 0;
    for (let run = -1; run < runs; run++) {
      for (const side of run % 2 === 0 ? (["new", "old"] as const) : (["old", "new"] as const)) {
        for (const [count, engine] of [[1, engines[side].one], [threads, engines[side].many]] as const) {
          const started = performance.now();
          const { alpha, stats } = await engine.estimateAlpha(photo, trimap);
          const elapsed = performance.now() - started;
          unknown = stats.unknownPixels;
          if (run < 0) continue;
          times[`${side}${count === 1 ? "1" : "N"}`].push(elapsed);
          if (count !== 1) {
            alphas[side] = alpha;
            iterations[side] = stats.iterations;
          }
        }
      }
    }
    let difference = 0;
    for (let i = 0; i < alphas.old.length; i++) difference = Math.max(difference, Math.abs(alphas.old[i] - alphas.new[i]));
    const m = { old1: median(times.old1), new1: median(times.new1), oldN: median(times.oldN), newN: median(times.newN) };
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += m[key];
    ratios.push(m.newN / m.oldN);
    speedOld.push(m.old1 / m.oldN);
    speedNew.push(m.new1 / m.newN);
    console.log(`${`${name} ${set}`.padEnd(15)} ${String(unknown).padStart(7)}  ${String(iterations.old).padStart(6)}  ${String(iterations.new).padStart(6)}  `
      + `${fixed(m.old1, 0).padStart(6)}   ${fixed(m.new1, 0).padStart(6)}   ${fixed(m.oldN, 0).padStart(6)}   ${fixed(m.newN, 0).padStart(6)}   `
      + `${fixed(m.newN / m.oldN, 3).padStart(9)}   ${fixed(m.old1 / m.oldN, 2).padStart(10)}  ${fixed(m.new1 / m.newN, 2).padStart(4)}   ${difference.toExponential(1)}`);
  }
}
console.log(`median new/old on ${threads} threads ${fixed(median(ratios), 3)}, totals ${fixed(totals.newN / totals.oldN, 3)}`);
console.log(`speed-up ${threads} threads over 1: old ${fixed(median(speedOld), 2)}x median (${fixed(totals.old1 / totals.oldN, 2)}x totals), `
  + `new ${fixed(median(speedNew), 2)}x median (${fixed(totals.new1 / totals.newN, 2)}x totals)`);
console.log(`# load average ${loadAverage()} at the end`);
for (const side of ["old", "new"] as const) {
  engines[side].one.close();
  engines[side].many.close();
}
