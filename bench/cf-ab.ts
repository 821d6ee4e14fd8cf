// Closed-form on one thread, two builds side by side in one process: for trying a change to the solve or its
// preconditioner (assembly/cycle.ts, aggregation.ts, smoothed*.ts, src/smoothed.ts). Each build's Laplacian and
// solve run through its own dist/alpha.js (loadPixels, buildSystem, solveSystem, as closed-form's method does, with
// the default options), so that an internal option reaches the new build: --smoothed passes smoothedAggregation
// (src/smoothed.ts), which an old build ignores. Per case: each build's CPU time (process.cpuUsage, so that other
// jobs on a shared machine count less than in wall time), the median of --runs alternating runs (old, new, then new,
// old, ...) after an untimed warm-up; its phase times (wall, median); iterations; SAD against the ground truth (/1000,
// as the benchmark prints it; alpha clamped to [0, 1], known pixels from the trimap); the largest difference between
// the two alphas; each build's peak arena memory. The old build is a copy of an earlier `dist/` folder.
// npx tsx bench/cf-ab.ts --old /tmp/old/dist [--smoothed] [--data LOWRES_DIR] [--images GT02,GT13] [--trimaps trimap1] [--runs 3]
import path from "node:path";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { AB_OPTIONS, abCases, cpuNow, fixed, loadAverage, machineHeader, median, parseTrimaps, type Plane, readFirstChannel, readRgb, repoRoot } from "./common.js";

type Alpha = typeof import("../dist/alpha.js");
type Validate = typeof import("../dist/validate.js");
type EngineClass = (typeof import("../dist/engine.js"))["Engine"];

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, trimaps: { type: "string" }, smoothed: { type: "boolean" }, plain: { type: "boolean" } } });
const { old, runs, dir, names } = abCases(args, "DIST (a dist/ folder)", ["GT02", "GT05", "GT13", "GT21", "GT24"]);
const trimaps = parseTrimaps(args.trimaps);

/** A build's solver: its engine on the SIMD module and a closed-form solve with the default options. */
async function load(dist: string) {
  const from = (file: string) => import(pathToFileURL(path.resolve(dist, file)).href);
  const alpha: Alpha = await from("alpha.js");
  const validate: Validate = await from("validate.js");
  const { Engine }: { Engine: EngineClass } = await from("engine.js");
  const engine = await Engine.create(await WebAssembly.compile(await readFile(path.resolve(dist, "matting.wasm"))));
  // --smoothed: smoothed aggregation from the start; --plain: the plain hierarchy only (no switch); neither: the default.
  const options = { ...validate.ALPHA_DEFAULTS, smoothedSwitch: !args.plain, ...(args.smoothed || args.plain ? { smoothedAggregation: args.smoothed === true } : {}) };
  const solve = (photo: Plane, trimap: Plane) => engine.run(async (arena) => {
    const image = validate.checkImage(photo);
    const pixels = alpha.loadPixels(arena, engine, image, validate.checkTrimap(trimap, image));
    const started = performance.now();
    const system = await alpha.buildSystem(arena, engine, pixels, photo.width, photo.height, options.radius, options.epsilon);
    const laplacian = performance.now() - started;
    const solved = await alpha.solveSystem(arena, engine, system, pixels, photo, options, () => {});
    const solve = performance.now() - started - laplacian - solved.setupMilliseconds;
    const x = arena.f64(solved.solution, system.rows), index = arena.i32(system.unknownIndex, photo.width * photo.height);
    const values = Float32Array.from(index, (u, p) => (u >= 0 ? Math.min(1, Math.max(0, x[u])) : trimap.data[p] === 255 ? 1 : 0));
    return { alpha: values, iterations: solved.iterations, switchedAt: solved.switchedAt ?? 0, unknown: system.rows, phases: [laplacian, solved.setupMilliseconds, solve], peak: arena.peak };
  });
  return { engine, solve };
}
const builds = { old: await load(old), new: await load(path.join(repoRoot, "dist")) };

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${args.old}, new dist/${args.smoothed ? " with smoothedAggregation" : args.plain ? " plain only" : " (default: adaptive switch)"}; one thread; median of ${runs} alternating runs; CPU ms, phases wall ms (laplacian/preconditioner/solve); peak: the arena's, wasm bytes the call held at most`);
console.log("case            unknown  it old  it new   cpu old  cpu new  new/old   phases old          phases new          SAD old  SAD new  max |dalpha|  peak MiB old/new");
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
    const peaks: Record<string, number> = {};
    let switchedAt = 0;
    let unknown = 0;
    for (let run = -1; run < runs; run++) {
      for (const side of run % 2 === 0 ? (["new", "old"] as const) : (["old", "new"] as const)) {
        const started = cpuNow();
        const solved = await builds[side].solve(photo, trimap);
        const used = cpuNow() - started;
        unknown = solved.unknown;
        if (run < 0) continue;
        cpu[side].push(used);
        solved.phases.forEach((ms, i) => phases[side][i].push(ms));
        alphas[side] = solved.alpha;
        iterations[side] = solved.iterations;
        peaks[side] = solved.peak;
        if (side === "new") switchedAt = solved.switchedAt;
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
    console.log(`${`${name} ${set}`.padEnd(15)} ${String(unknown).padStart(7)}  ${String(iterations.old).padStart(6)}  ${`${iterations.new}${switchedAt ? `/${switchedAt}` : ""}`.padStart(6)}  `
      + `${fixed(m.old, 0).padStart(7)}  ${fixed(m.new, 0).padStart(7)}  ${fixed(m.new / m.old, 3).padStart(7)}   ${phaseText("old")}  ${phaseText("new")}  `
      + `${fixed(sads.old, 3).padStart(7)}  ${fixed(sads.new, 3).padStart(7)}  ${difference.toExponential(1)}  ${fixed(peaks.old / 2 ** 20, 1)}/${fixed(peaks.new / 2 ** 20, 1)}`);
  }
}
console.log(`CPU time new/old: median ${fixed(median(ratios), 3)}, totals ${fixed(totals.new / totals.old, 3)}; iterations ${totals.itOld} -> ${totals.itNew}; `
  + `SAD totals ${fixed(totals.sadOld, 3)} -> ${fixed(totals.sadNew, 3)}`);
console.log("# it new a/b: a iterations in all, the switch to smoothed aggregation after b of them");
console.log(`# load average ${loadAverage()} at the end`);
builds.old.engine.close();
builds.new.engine.close();
