// Information-flow matting, one build of the package against another, in one process, on one thread: for each
// case (photo and trimap of the low-res set) `ifm` at its defaults on each build, timed by the process's CPU time,
// the two builds alternating run by run after an untimed warm-up so that a load change on this shared machine falls
// on both; per case the fastest run of each (whole call, and the build / solve split of that run's wall clock),
// CG iterations, both SADs and the largest difference between the two builds' alphas. For trying a change to
// assembly/methods/ifm*.ts, assembly/graph/lle.ts or src/methods/ifm*.ts: keep a copy of the other build's `dist/`
// (for example `cp -r dist /tmp/ifm-main-dist` before changing anything). `--threads N` runs both builds on engines
// of N threads and times them by the wall clock instead (the process's CPU time counts every thread's); `--method`
// times another method that runs the same searches (combined, knn).
// npx tsx bench/ifm-ab.ts --old /tmp/ifm-main-dist [--data LOWRES_DIR] [--images GT02,GT08] [--trimaps trimap1,trimap2]
//                         [--runs 3] [--threads 2] [--method ifm|combined|knn]
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import {
  AB_OPTIONS, abCases, cpuNow, parsePositive, fixed, loadAverage, machineHeader, parseTrimaps, readFirstChannel, readRgb, repoRoot, toUnit, unknownMask,
} from "./common.js";
import { sad } from "./metrics.js";

type Api = typeof import("../dist/entry/node.js");

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, trimaps: { type: "string" }, threads: { type: "string" }, method: { type: "string" } } });
const { old, runs, dir, names } = abCases(args, "DIST (a dist/ folder)", ["GT02", "GT08", "GT13", "GT17", "GT24"]);
const trimaps = parseTrimaps(args.trimaps ?? "trimap1,trimap2");
const load = async (dist: string): Promise<Api> => import(pathToFileURL(path.resolve(dist, "entry/node.js")).href);
const threads = parsePositive(args.threads, "threads", 1, true);
const method = (args.method ?? "ifm") as "ifm" | "combined" | "knn";
if (!["ifm", "combined", "knn"].includes(method)) throw new Error(`--method must be ifm, combined or knn, got ${method}`);
// On one thread the process's CPU time, which load on a shared machine inflates less; on several the wall clock.
const clock = threads > 1 ? () => performance.now() : cpuNow;
const engines = { old: await (await load(old)).createMatting({ threads }), new: await (await load(path.join(repoRoot, "dist"))).createMatting({ threads }) };

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${args.old}, new dist/; ${method} on ${threads} thread(s), fastest of ${runs} alternating run(s) each, ${threads > 1 ? "wall" : "CPU"} ms `
  + "(build / solve: that run's wall ms)");
console.log("case             unknown  it old  it new   cpu old   cpu new  new/old   build old/new   solve old/new   SAD old   SAD new  max |dalpha|");
const totals = { old: 0, new: 0 };
const sads = { old: 0, new: 0 };
let worst = 0;
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  const truth = await readFirstChannel(path.join(dir, "gt", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    const best = { old: { cpu: Infinity, build: 0, solve: 0 }, new: { cpu: Infinity, build: 0, solve: 0 } };
    const results: Partial<Record<"old" | "new", { alpha: Float32Array; iterations: number; unknown: number }>> = {};
    for (let run = -1; run < runs; run++) {
      for (const side of run % 2 === 0 ? (["new", "old"] as const) : (["old", "new"] as const)) {
        const before = clock();
        const { alpha, stats } = await engines[side].estimateAlpha(photo, trimap, { method });
        const cpu = clock() - before;
        results[side] = { alpha, iterations: stats.iterations, unknown: stats.unknownPixels };
        if (run < 0 || cpu >= best[side].cpu) continue;
        const ms = stats.milliseconds as Record<string, number>;
        best[side] = { cpu, build: ms.laplacian, solve: (ms.preconditioner ?? 0) + ms.solve };
      }
    }
    const a = results.old!, b = results.new!;
    let difference = 0;
    for (let i = 0; i < a.alpha.length; i++) difference = Math.max(difference, Math.abs(a.alpha[i] - b.alpha[i]));
    worst = Math.max(worst, difference);
    const score = (alpha: Float32Array) => sad({ width: photo.width, height: photo.height, predicted: alpha, truth: toUnit(truth.data), unknown: unknownMask(trimap.data) });
    const sadOld = score(a.alpha), sadNew = score(b.alpha);
    sads.old += sadOld;
    sads.new += sadNew;
    totals.old += best.old.cpu;
    totals.new += best.new.cpu;
    console.log(`${`${name} ${set}`.padEnd(15)} ${String(a.unknown).padStart(8)}  ${String(a.iterations).padStart(6)}  ${String(b.iterations).padStart(6)}  `
      + `${fixed(best.old.cpu, 0).padStart(8)}  ${fixed(best.new.cpu, 0).padStart(8)}  ${fixed(best.new.cpu / best.old.cpu, 3).padStart(7)}   `
      + `${`${fixed(best.old.build, 0)}/${fixed(best.new.build, 0)}`.padStart(13)}   ${`${fixed(best.old.solve, 0)}/${fixed(best.new.solve, 0)}`.padStart(13)}   `
      + `${fixed(sadOld, 4).padStart(7)}   ${fixed(sadNew, 4).padStart(7)}  ${difference.toExponential(2)}`);
  }
}
console.log(`total ${threads > 1 ? "wall" : "CPU"} ${fixed(totals.old, 0)} -> ${fixed(totals.new, 0)} ms: new/old ${fixed(totals.new / totals.old, 3)}; SAD sum ${fixed(sads.old, 4)} -> ${fixed(sads.new, 4)}; `
  + `max |alpha difference| ${worst.toExponential(2)}`);
console.log(`# load average ${loadAverage()} at the end`);
engines.old.close();
engines.new.close();
