// Two builds of closed-form's set-up side by side, in one process: for trying a change to the Laplacian's assembly
// (assembly/stencil*.ts, mat3.ts, src/alpha.ts buildSystem). Per case, alternating the builds run by run (old, new,
// then new, old, ...) after an untimed warm-up: the CPU time of buildSystem alone (the "laplacian" phase, one
// thread) and of a whole estimateAlpha call, medians of --runs; whether the two builds' systems (columns, values,
// diagonal, right-hand side) are the same to the bit, the largest difference of their values, and the largest
// difference between their alphas. The old build is a copy of an earlier `dist/` folder.
// npx tsx bench/lap-ab.ts --old /tmp/old/dist [--data LOWRES_DIR] [--images GT01,GT13] [--trimaps trimap2]
//                         [--radius 1] [--runs 5]
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { AB_OPTIONS, abCases, cpuNow, fixed, loadAverage, machineHeader, median, parsePositive, parseTrimaps, readFirstChannel, readRgb, repoRoot, type Plane } from "./common.js";

type Api = typeof import("../dist/entry/node.js");
type Alpha = typeof import("../dist/alpha.js");
type Validate = typeof import("../dist/validate.js");
type EngineModule = typeof import("../dist/engine.js");
type Engine = Awaited<ReturnType<EngineModule["Engine"]["create"]>>;

interface Build {
  api: Api;
  alpha: Alpha;
  validate: Validate;
  engine: Engine;
  matting: Awaited<ReturnType<Api["createMatting"]>>;
}

interface SystemCopy {
  columns: Int32Array;
  values: Float64Array;
  diagonal: Float64Array;
  rhs: Float64Array;
}

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, trimaps: { type: "string" }, radius: { type: "string" } } });
const { old, runs, dir, names } = abCases(args, "DIST (a dist/ folder)", ["GT01", "GT02", "GT03", "GT04", "GT05", "GT08", "GT13", "GT18", "GT21", "GT24"]);
const trimaps = parseTrimaps(args.trimaps);
const radius = parsePositive(args.radius, "radius", 1, true);

async function loadBuild(dist: string): Promise<Build> {
  const at = (file: string) => import(pathToFileURL(path.resolve(dist, file)).href);
  const api: Api = await at("entry/node.js");
  const engineModule: EngineModule = await at("engine.js");
  const { readFile } = await import("node:fs/promises");
  const engine = await engineModule.Engine.create(await WebAssembly.compile(await readFile(path.resolve(dist, "matting.wasm"))));
  return { api, alpha: await at("alpha.js"), validate: await at("validate.js"), engine, matting: await api.createMatting() };
}

/** buildSystem alone: its CPU milliseconds and a copy of the system. */
function timedBuild(build: Build, photo: Plane, trimap: Plane): Promise<{ cpu: number; system: SystemCopy }> {
  return build.engine.run(async (arena) => {
    const image = build.validate.checkImage(photo);
    const pixels = build.alpha.loadPixels(arena, build.engine, image, build.validate.checkTrimap(trimap, image));
    const started = cpuNow();
    const system = await build.alpha.buildSystem(arena, build.engine, pixels, photo.width, photo.height, radius, 1e-7);
    const cpu = cpuNow() - started;
    const entries = system.rows * system.half;
    return {
      cpu,
      system: {
        columns: arena.i32(system.columns, entries).slice(), values: arena.f64(system.values, entries).slice(),
        diagonal: arena.f64(system.diagonal, system.rows).slice(), rhs: arena.f64(system.rhs, system.rows).slice(),
      },
    };
  });
}

/** Whether two systems are the same to the bit, and the largest difference of their values, diagonals and right-hand sides. */
function compareSystems(a: SystemCopy, b: SystemCopy): { identical: boolean; difference: number } {
  if (a.columns.length !== b.columns.length || a.columns.some((c, i) => c !== b.columns[i])) return { identical: false, difference: Infinity };
  let identical = true, difference = 0;
  for (const key of ["values", "diagonal", "rhs"] as const) {
    for (let i = 0; i < a[key].length; i++) {
      if (!Object.is(a[key][i], b[key][i])) identical = false;
      difference = Math.max(difference, Math.abs(a[key][i] - b[key][i]));
    }
  }
  return { identical, difference };
}

const builds = { old: await loadBuild(old), new: await loadBuild(path.join(repoRoot, "dist")) };
console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${old}, new dist/; one thread, radius ${radius}; median of ${runs} alternating runs, CPU ms`);
console.log("case            unknown  lap old  lap new  new/old   call old  call new  new/old  it old  it new  same system  max |dvalue|  max |dalpha|");
const lapRatios: number[] = [], callRatios: number[] = [];
const totals = { lapOld: 0, lapNew: 0, callOld: 0, callNew: 0 };
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    const times = { lapOld: [] as number[], lapNew: [] as number[], callOld: [] as number[], callNew: [] as number[] };
    const systems: Partial<Record<"old" | "new", SystemCopy>> = {};
    const alphas: Partial<Record<"old" | "new", Float32Array>> = {};
    const iterations: Partial<Record<"old" | "new", number>> = {};
    let unknown = 0;
    for (let run = -1; run < runs; run++) {
      for (const side of run % 2 === 0 ? (["new", "old"] as const) : (["old", "new"] as const)) {
        const { cpu, system } = await timedBuild(builds[side], photo, trimap);
        const started = cpuNow();
        const { alpha, stats } = await builds[side].matting.estimateAlpha(photo, trimap, { radius });
        const call = cpuNow() - started;
        unknown = stats.unknownPixels;
        systems[side] = system;
        alphas[side] = alpha;
        iterations[side] = stats.iterations;
        if (run < 0) continue;
        times[side === "old" ? "lapOld" : "lapNew"].push(cpu);
        times[side === "old" ? "callOld" : "callNew"].push(call);
      }
    }
    const { identical, difference } = compareSystems(systems.old!, systems.new!);
    let alphaDifference = 0;
    for (let i = 0; i < alphas.old!.length; i++) alphaDifference = Math.max(alphaDifference, Math.abs(alphas.old![i] - alphas.new![i]));
    const m = { lapOld: median(times.lapOld), lapNew: median(times.lapNew), callOld: median(times.callOld), callNew: median(times.callNew) };
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += m[key];
    lapRatios.push(m.lapNew / m.lapOld);
    callRatios.push(m.callNew / m.callOld);
    console.log(`${`${name} ${set}`.padEnd(15)} ${String(unknown).padStart(7)}  ${fixed(m.lapOld, 1).padStart(7)}  ${fixed(m.lapNew, 1).padStart(7)}  ${fixed(m.lapNew / m.lapOld, 3).padStart(7)}   `
      + `${fixed(m.callOld, 0).padStart(8)}  ${fixed(m.callNew, 0).padStart(8)}  ${fixed(m.callNew / m.callOld, 3).padStart(7)}  ${String(iterations.old).padStart(6)}  ${String(iterations.new).padStart(6)}  `
      + `${(identical ? "yes" : "no").padStart(11)}  ${difference.toExponential(1).padStart(12)}  ${alphaDifference.toExponential(1).padStart(12)}`);
  }
}
console.log(`laplacian new/old: median ${fixed(median(lapRatios), 3)}, totals ${fixed(totals.lapNew / totals.lapOld, 3)} (${fixed(totals.lapOld, 0)} -> ${fixed(totals.lapNew, 0)} CPU ms)`);
console.log(`whole call new/old: median ${fixed(median(callRatios), 3)}, totals ${fixed(totals.callNew / totals.callOld, 3)} (${fixed(totals.callOld, 0)} -> ${fixed(totals.callNew, 0)} CPU ms)`);
console.log(`# load average ${loadAverage()} at the end`);
for (const side of ["old", "new"] as const) {
  builds[side].matting.close();
  builds[side].engine.close();
}
