// Where the threaded closed-form solve loses its speed-up, measured so that a loaded machine does not hide it: per
// kernel, the calling thread's wall time in kernels it runs alone (serial: Amdahl's share) and in kernels the
// threads run together (src/engine.ts together, including the wait for the helpers), on an engine of one thread
// (the release build) and of N (the threads build); each thread's CPU time over the whole call, read from
// /proc/self/task (Linux: schedstat's nanoseconds on the CPU; the time in system calls from stat's 10 ms ticks), which a machine shared with other jobs
// inflates less than wall time; and each thread's barrier meetings, waits and spinning inside the module
// (Engine.barrierStats). Prints per case the serial share of the one-thread time, the speed-up Amdahl's law allows
// with it, the barriers per iteration, and a predicted idle speed-up: one thread's CPU time over the larger of the
// calling thread's CPU time less its spinning and the helper's plus the serial part (optimistic: it hides imbalance
// phase by phase); then medians and the kernels' times summed over the cases. A case marked "s" switched to smoothed
// aggregation on one thread (two threads stay plain).
// npx tsx bench/threads-profile.ts [--data LOWRES_DIR] [--images GT01,GT13] [--trimaps trimap1] [--threads 2] [--runs 3]
//                                   [--max-level 1]
import path from "node:path";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { Engine } from "../dist/engine.js";
import type { SpawnThread } from "../dist/team.js";
import { estimateAlphaWith } from "../dist/methods/run.js";
import { LEVEL_SPLITTING } from "../dist/split.js";
import { DEFAULT_LOWRES, fixed, imageNames, loadAverage, machineHeader, median, parseList, parsePositive, parseTrimaps, readFirstChannel, readRgb,
  repoRoot, resolveDir } from "./common.js";

const { values: args } = parseArgs({
  options: {
    data: { type: "string" }, images: { type: "string" }, trimaps: { type: "string" }, threads: { type: "string" }, runs: { type: "string" },
    "max-level": { type: "string" },
  },
});
const dir = resolveDir(args.data, DEFAULT_LOWRES);
const names = imageNames(path.join(dir, "input"), parseList(args.images) ?? ["GT02", "GT05", "GT13", "GT21", "GT24"]);
const trimaps = parseTrimaps(args.trimaps);
const threads = parsePositive(args.threads, "threads", 2, true);
const runs = parsePositive(args.runs, "runs", 3, true);
// The deepest block level split between the threads (src/split.ts LEVEL_SPLITTING; below it, levels are replicated).
if (args["max-level"] !== undefined) LEVEL_SPLITTING.maxLevel = parsePositive(args["max-level"], "max-level", 1, true);

const dist = path.join(repoRoot, "dist");
const compile = async (file: string) => WebAssembly.compile(await readFile(path.join(dist, file)));
const spawn: SpawnThread = (init) => new Promise((resolve, reject) => {
  const worker = new Worker(path.join(dist, "thread/node.js"), { workerData: init });
  worker.once("error", reject);
  worker.once("message", () => {
    worker.unref();
    resolve({ terminate: () => worker.terminate() });
  });
});

/**
 * CPU milliseconds of each of this process's threads (schedstat's time on the CPU, in nanoseconds; utime + stime in
 * 10 ms ticks where schedstat is missing), by thread id; and of that in the kernel (stime, 10 ms ticks).
 */
function threadCpu(): Map<number, number> {
  const times = new Map<number, number>();
  systemTimes.clear();
  for (const task of readdirSync("/proc/self/task")) {
    try {
      const fields = readFileSync(`/proc/self/task/${task}/stat`, "utf8").split(") ")[1].split(" ");
      let onCpu = (Number(fields[11]) + Number(fields[12])) * 10;
      try {
        onCpu = Number(readFileSync(`/proc/self/task/${task}/schedstat`, "utf8").split(" ")[0]) / 1e6;
      } catch {
        // no schedstat (a kernel without CONFIG_SCHED_INFO): the ticks
      }
      times.set(Number(task), onCpu);
      systemTimes.set(Number(task), Number(fields[12]) * 10);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return times;
}

const systemTimes = new Map<number, number>();

/** Wall ms per kernel: run alone by the calling thread, or by the team (the together call, waits included). */
interface Profile {
  serial: Map<string, number>; team: Map<string, number>; wall: number; mainCpu: number; helperCpu: number;
  /** CPU ms in the kernel (system calls: blocking and waking at barriers), all threads of the process. */
  systemCpu: number;
  /** Per thread (the calling thread first): barriers met, ms waited at them, ms of that spun (Engine.barrierStats). */
  barriers: { meetings: number; waited: number; spun: number }[];
}

function instrument(engine: Engine, profile: () => Profile): void {
  const kernels = engine.kernels as unknown as Record<string, unknown>;
  let inTeam = 0;
  const add = (map: Map<string, number>, name: string, ms: number) => map.set(name, (map.get(name) ?? 0) + ms);
  const timed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(kernels)) {
    if (typeof value !== "function") {
      Object.defineProperty(timed, name, { get: () => kernels[name] });
      continue;
    }
    const kernel = value as (...v: number[]) => number;
    timed[name] = (...values: number[]) => {
      if (inTeam > 0) return kernel(...values);
      const started = performance.now();
      try {
        return kernel(...values);
      } finally {
        add(profile().serial, name, performance.now() - started);
      }
    };
  }
  Object.defineProperty(engine, "kernels", { value: timed });
  const together = engine.together.bind(engine);
  engine.together = (kernel, values, alone = false) => {
    const started = performance.now();
    inTeam++;
    try {
      return together(kernel, values, alone);
    } finally {
      inTeam--;
      add(alone ? profile().serial : profile().team, kernel, performance.now() - started);
    }
  };
}

const module = await compile("matting.wasm");
const one = await Engine.create(module);
const many = await Engine.create(module, undefined, { count: threads, module: await compile("matting-threads.wasm"), spawn });
let current: Profile;
for (const engine of [one, many]) instrument(engine, () => current);

async function measure(engine: Engine, photo: Awaited<ReturnType<typeof readRgb>>, trimap: Awaited<ReturnType<typeof readFirstChannel>>) {
  current = { serial: new Map(), team: new Map(), wall: 0, mainCpu: 0, helperCpu: 0, systemCpu: 0, barriers: [] };
  const barriersBefore = engine.barrierStats();
  const before = threadCpu(), systemBefore = new Map(systemTimes);
  const started = performance.now();
  const { stats } = await estimateAlphaWith(engine, photo, trimap);
  current.wall = performance.now() - started;
  const after = threadCpu();
  current.barriers = engine.barrierStats().map((b, t) => ({
    meetings: b.meetings - barriersBefore[t].meetings, waited: b.waited - barriersBefore[t].waited, spun: b.spun - barriersBefore[t].spun,
  }));
  for (const [task, ms] of after) {
    const used = ms - (before.get(task) ?? 0);
    current.systemCpu += (systemTimes.get(task) ?? 0) - (systemBefore.get(task) ?? 0);
    if (task === process.pid) current.mainCpu = used;
    else current.helperCpu = Math.max(current.helperCpu, used);
  }
  return { profile: current, stats };
}

const sum = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
console.log(machineHeader());
console.log(`# load average ${loadAverage()} at the start; block levels 0-${LEVEL_SPLITTING.maxLevel} split; ${threads} threads (engine has ${many.threads}); median of ${runs} runs, wall ms`);
const workShares: number[] = [], amdahl: number[] = [], serialShares: number[] = [], predictions: number[] = [], syncShares: number[] = [];
const kernelTotals = { one: new Map<string, number>(), many: new Map<string, number>(), manyTeam: new Map<string, number>() };
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    const samples = { one: [] as Profile[], many: [] as Profile[] };
    let iterations = "", iterationsN = 0;
    for (let run = -1; run < runs; run++) {
      const a = await measure(one, photo, trimap);
      const b = await measure(many, photo, trimap);
      iterations = `${a.stats.iterations}/${b.stats.iterations} (${b.stats.threads}t)`;
      iterationsN = b.stats.iterations;
      if (run < 0) continue;
      samples.one.push(a.profile);
      samples.many.push(b.profile);
    }
    const med = (list: Profile[], pick: (p: Profile) => number) => median(list.map(pick));
    const wall1 = med(samples.one, (p) => p.wall), wallN = med(samples.many, (p) => p.wall);
    const serialN = med(samples.many, (p) => sum(p.serial)), teamN = med(samples.many, (p) => sum(p.team));
    const jsN = wallN - serialN - teamN;
    // Work the threads cannot share: the N-thread engine's serial kernels and its JavaScript, as a share of one thread's time.
    const serialShare = Math.min(1, (serialN + Math.max(0, jsN)) / wall1);
    serialShares.push(serialShare);
    amdahl.push(1 / (serialShare + (1 - serialShare) / threads));
    for (const p of samples.one) for (const [k, ms] of p.serial) kernelTotals.one.set(k, (kernelTotals.one.get(k) ?? 0) + ms / runs);
    for (const p of samples.many) for (const [k, ms] of p.serial) kernelTotals.many.set(k, (kernelTotals.many.get(k) ?? 0) + ms / runs);
    for (const p of samples.many) for (const [k, ms] of p.team) kernelTotals.manyTeam.set(k, (kernelTotals.manyTeam.get(k) ?? 0) + ms / runs);
    const cpu1 = med(samples.one, (p) => p.mainCpu), cpuMain = med(samples.many, (p) => p.mainCpu), cpuHelper = med(samples.many, (p) => p.helperCpu);
    const meetings = med(samples.many, (p) => p.barriers[0]?.meetings ?? 0);
    const spunMain = med(samples.many, (p) => p.barriers[0]?.spun ?? 0), spunHelper = med(samples.many, (p) => p.barriers[1]?.spun ?? 0);
    const waitedMain = med(samples.many, (p) => p.barriers[0]?.waited ?? 0), waitedHelper = med(samples.many, (p) => p.barriers[1]?.waited ?? 0);
    // On an idle machine the calling thread runs the serial part, then its share while the helpers run theirs: the
    // threads' CPU time less their spinning is their work (an optimistic bound: it hides imbalance phase by phase).
    const serialCpu = serialShare * cpu1;
    const predicted = cpu1 / Math.max(cpuMain - spunMain, cpuHelper - spunHelper + serialCpu, 1);
    predictions.push(predicted);
    syncShares.push((waitedMain + waitedHelper) / (2 * wallN));
    const perIteration = samples.many[0] && iterationsN > 0 ? meetings / iterationsN : 0;
    const switched = samples.one[0].serial.has("smoothedFirstGalerkin") ? "s" : " ";
    console.log(`${`${name} ${set}`.padEnd(15)} it ${iterations.padEnd(13)}${switched} wall 1t ${fixed(wall1, 0).padStart(5)}  ${threads}t ${fixed(wallN, 0).padStart(5)}`
      + ` (${fixed(wall1 / wallN, 2)}x) cpu 1t ${fixed(cpu1, 0).padStart(5)}  ${threads}t: serial kernels ${fixed(serialN, 0).padStart(4)} js ${fixed(jsN, 0).padStart(4)} team ${fixed(teamN, 0).padStart(5)}`
      + `  cpu main ${fixed(cpuMain, 0).padStart(5)} helper ${fixed(cpuHelper, 0).padStart(5)}`
      + `  serial share ${fixed(serialShare, 3)} Amdahl ${fixed(amdahl.at(-1)!, 2)}x  barriers ${meetings} (${fixed(perIteration, 1)}/it)`
      + ` sys ${fixed(med(samples.one, (p) => p.systemCpu), 0)}/${fixed(med(samples.many, (p) => p.systemCpu), 0)}`
      + ` waited main ${fixed(waitedMain, 0)} (spun ${fixed(spunMain, 0)}) helper ${fixed(waitedHelper, 0)} (spun ${fixed(spunHelper, 0)})`
      + `  work ${fixed((cpuMain - spunMain + cpuHelper - spunHelper) / cpu1, 3)} of 1t  predicted idle ${fixed(predicted, 2)}x`);
    workShares.push((cpuMain - spunMain + cpuHelper - spunHelper) / cpu1);
  }
}
const table = (title: string, map: Map<string, number>) => {
  console.log(title);
  for (const [k, ms] of [...map].sort((a, b) => b[1] - a[1])) if (ms >= 1) console.log(`  ${k.padEnd(28)} ${fixed(ms, 0).padStart(7)}`);
};
table("# one thread, wall ms per kernel (sum over cases):", kernelTotals.one);
table(`# ${threads} threads, serial kernels on the calling thread (sum over cases):`, kernelTotals.many);
table(`# ${threads} threads, team kernels (sum over cases):`, kernelTotals.manyTeam);
console.log(`median serial share ${fixed(median(serialShares), 3)}, median Amdahl bound ${fixed(median(amdahl), 2)}x, median share of the`
  + ` threads' wall time waited at barriers ${fixed(median(syncShares), 3)}, median predicted idle speed-up ${fixed(median(predictions), 2)}x,`
  + ` median work of the ${threads} threads (CPU less spinning) over one thread's CPU ${fixed(median(workShares), 3)}`);
console.log(`# load average ${loadAverage()} at the end`);
one.close();
many.close();
