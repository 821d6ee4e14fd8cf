// Closed-form on one thread, two builds side by side in one process: for trying a change to the solve or its
// preconditioner (assembly/cycle.ts, aggregation.ts, smoothed*.ts, src/smoothed.ts). Per case: each build's CPU
// time (process.cpuUsage, so that other jobs on a shared machine count less than in wall time), the median of
// --runs alternating runs (old, new, then new, old, ...) after an untimed warm-up; its phase times (wall, median);
// iterations; SAD against the ground truth (/1000, as the benchmark prints it); the largest difference between
// the two alphas. The old build is a copy of an earlier `dist/` folder.
// npx tsx bench/cf-ab.ts --old /tmp/old/dist [--data LOWRES_DIR] [--images GT02,GT13] [--trimaps trimap1] [--runs 3]
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { AB_OPTIONS, abCases, cpuNow, fixed, loadAverage, machineHeader, median, parseTrimaps, readFirstChannel, readRgb, repoRoot } from "./common.js";

type Api = typeof import("../dist/entry/node.js");

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, trimaps: { type: "string" } } });
const { old, runs, dir, names } = abCases(args, "DIST (a dist/ folder)", ["GT02", "GT05", "GT13", "GT21", "GT24"]);
const trimaps = parseTrimaps(args.trimaps);
const load = async (dist: string): Promise<Api> => import(pathToFileURL(path.resolve(dist, "entry/node.js")).href);
const apis = { old: await load(old), new: await load(path.join(repoRoot, "dist")) };
const engines = { old: await apis.old.createMatting(), new: await apis.new.createMatting() };

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${args.old}, new dist/; one thread; median of ${runs} alternating runs; CPU ms, phases wall ms (laplacian/preconditioner/solve)`);
console.log("case            unknown  it old  it new   cpu old  cpu new  new/old   phases old          phases new          SAD old  SAD new  max |dalpha|");
const ratios: number[] = [];
const totals = { old: 0, new: 0, sadOld: 0, sadNew: 0, itOld: 0, itNew: 0 };
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  const truth = await readFirstChannel(path.join(dir, "gt", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    const cpu = { old: [] as number[], new: [] as number[] };
    const phases = { old: [[], [], []] as number[][], new: [[], [], []] as number[][] };
    const alphas: Record<string, Float32Array> = {};
    const iterations: Record<string, number> = {};
    let unknown = 0;
    for (let run = -1; run < runs; run++) {
      for (const side of run % 2 === 0 ? (["new", "old"] as const) : (["old", "new"] as const)) {
        const started = cpuNow();
        const { alpha, stats } = await engines[side].estimateAlpha(photo, trimap);
        const used = cpuNow() - started;
        unknown = stats.unknownPixels;
        if (run < 0) continue;
        cpu[side].push(used);
        const { laplacian, preconditioner, solve } = stats.milliseconds;
        [laplacian, preconditioner, solve].forEach((ms, i) => phases[side][i].push(ms));
        alphas[side] = alpha;
        iterations[side] = stats.iterations;
      }
    }
    const sad = (alpha: Float32Array) => alpha.reduce((sum, a, p) => sum + Math.abs(a - truth.data[p] / 255), 0) / 1000;
    let difference = 0;
    for (let i = 0; i < alphas.old.length; i++) difference = Math.max(difference, Math.abs(alphas.old[i] - alphas.new[i]));
    const m = { old: median(cpu.old), new: median(cpu.new) };
    const sads = { old: sad(alphas.old), new: sad(alphas.new) };
    totals.old += m.old;
    totals.new += m.new;
    totals.sadOld += sads.old;
    totals.sadNew += sads.new;
    totals.itOld += iterations.old;
    totals.itNew += iterations.new;
    ratios.push(m.new / m.old);
    const phaseText = (side: "old" | "new") => phases[side].map((p) => fixed(median(p), 0)).join("/").padEnd(18);
    console.log(`${`${name} ${set}`.padEnd(15)} ${String(unknown).padStart(7)}  ${String(iterations.old).padStart(6)}  ${String(iterations.new).padStart(6)}  `
      + `${fixed(m.old, 0).padStart(7)}  ${fixed(m.new, 0).padStart(7)}  ${fixed(m.new / m.old, 3).padStart(7)}   ${phaseText("old")}  ${phaseText("new")}  `
      + `${fixed(sads.old, 3).padStart(7)}  ${fixed(sads.new, 3).padStart(7)}  ${difference.toExponential(1)}`);
  }
}
console.log(`CPU time new/old: median ${fixed(median(ratios), 3)}, totals ${fixed(totals.new / totals.old, 3)}; iterations ${totals.itOld} -> ${totals.itNew}; `
  + `SAD totals ${fixed(totals.sadOld, 3)} -> ${fixed(totals.sadNew, 3)}`);
console.log(`# load average ${loadAverage()} at the end`);
engines.old.close();
engines.new.close();
