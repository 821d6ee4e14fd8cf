// Cost of information flow against closed-form, side by side (issue 11's targets: at most 3x closed-form's time and
// 2x its peak wasm memory on one thread, on the low-res set and on the high-res GT19, GT22, GT04 cases). Each case
// runs both methods on the same warm engine, one right after the other, the order alternating from case to case so
// that a load change on this shared machine falls on both; per case the ratios ifm / cf of total time and of peak
// memory, both SADs, ifm's phases; then median, total and worst ratios against the targets. Beside the wall-clock
// ratio, the ratio of the process's CPU time over the same calls (process.cpuUsage): on a machine shared with other
// jobs the wall clock also counts the time others hold the cores, the CPU time much less. High-res cases use the
// low-res photo upscaled to the trimap's size (bench/scale.ts): their times and memory mean something, SAD does not.
// npm run bench:ifm -- [--method ifm|combined] [--data LOWRES_DIR] [--highres HIGHRES_DIR] [--images GT01,GT02]
//                      [--trimaps trimap1] [--highres-images GT19,GT22,GT04] [--highres-trimaps trimap1] [--no-lowres]
//                      [--no-highres] [--repeat N] [--threads N]
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type AlphaOptions, createMatting } from "../dist/entry/node.js";
import {
  DEFAULT_HIGHRES, DEFAULT_LOWRES, type Plane, Table, type TimedRuns, type TrimapSet, fixed, imageNames, machineHeader, median, parseList,
  parsePositive, parseTrimaps, printVerdict, readFirstChannel, readRgb, readRgbUpscaled, resolveDir, timedRuns, toUnit, unknownMask, warmUp,
} from "./common.js";
import { sad } from "./metrics.js";

/** Issue 11: ifm / cf on one thread, measured in the same run. */
const TARGET_TIME_RATIO = 3;
const TARGET_MEMORY_RATIO = 2;
const HIGHRES_IMAGES = ["GT19", "GT22", "GT04"];

const { values: args } = parseArgs({
  options: {
    method: { type: "string" }, data: { type: "string" }, highres: { type: "string" }, images: { type: "string" }, trimaps: { type: "string" },
    "highres-images": { type: "string" }, "highres-trimaps": { type: "string" }, "no-lowres": { type: "boolean" }, "no-highres": { type: "boolean" },
    repeat: { type: "string" }, threads: { type: "string" },
  },
});
const method = (args.method ?? "ifm") as AlphaOptions["method"];
if (method !== "ifm" && method !== "combined") throw new Error(`--method must be ifm or combined, got ${method}`);
const repeat = parsePositive(args.repeat, "repeat", 1, true);
const threads = parsePositive(args.threads, "threads", 1, true);

interface Case { set: "low-res" | "high-res"; name: string; trimapSet: TrimapSet; load(): Promise<{ image: Plane; trimap: Plane; truth: Plane }> }
const cases: Case[] = [];
if (!args["no-lowres"]) {
  const dir = resolveDir(args.data, DEFAULT_LOWRES);
  for (const trimapSet of parseTrimaps(args.trimaps)) {
    for (const name of imageNames(path.join(dir, "input"), parseList(args.images))) {
      cases.push({ set: "low-res", name, trimapSet, load: async () => ({
        image: await readRgb(path.join(dir, "input", `${name}.png`)), trimap: await readFirstChannel(path.join(dir, trimapSet, `${name}.png`)),
        truth: await readFirstChannel(path.join(dir, "gt", `${name}.png`)),
      }) });
    }
  }
}
if (!args["no-highres"]) {
  const dir = resolveDir(args.highres, DEFAULT_HIGHRES);
  const photos = resolveDir(args.data, DEFAULT_LOWRES);
  for (const trimapSet of parseTrimaps(args["highres-trimaps"] ?? "trimap1")) {
    for (const name of imageNames(path.join(dir, trimapSet), parseList(args["highres-images"]) ?? HIGHRES_IMAGES)) {
      cases.push({ set: "high-res", name, trimapSet, load: async () => {
        const trimap = await readFirstChannel(path.join(dir, trimapSet, `${name}.png`));
        const image = await readRgbUpscaled(path.join(photos, "input", `${name}.png`), trimap.width, trimap.height);
        return { image, trimap, truth: await readFirstChannel(path.join(dir, "gt", `${name}.png`)) };
      } });
    }
  }
}

console.log(machineHeader());
console.log(`# load average ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min): other jobs on this machine slow both sides`);
console.log(`# ${method} against cf on one engine of ${threads} thread(s), median of ${repeat} run(s) each, order alternating per case`);
const matting = await createMatting({ threads });
// Warm-up on a low-res case always: a high-res one would take minutes per run.
const warmDir = resolveDir(args.data, DEFAULT_LOWRES);
const warmName = imageNames(path.join(warmDir, "input"))[0];
const warm = { image: await readRgb(path.join(warmDir, "input", `${warmName}.png`)), trimap: await readFirstChannel(path.join(warmDir, "trimap1", `${warmName}.png`)) };
await warmUp(`cf and ${method} on low-res ${warmName} trimap1`, async () => {
  await matting.estimateAlpha(warm.image, warm.trimap, { method: "cf" });
  await matting.estimateAlpha(warm.image, warm.trimap, { method });
});

const table = new Table([
  { title: "set", width: 8, align: "left" }, { title: "image", width: 5, align: "left" }, { title: "trimap", width: 7, align: "left" },
  { title: "unknown", width: 7 }, { title: "cf ms", width: 6 }, { title: "cf MiB", width: 6 }, { title: "cf SAD", width: 7 },
  { title: "ms build", width: 8 }, { title: "ms solve", width: 8 }, { title: "iter", width: 4 }, { title: "ms total", width: 8 },
  { title: "MiB", width: 6 }, { title: "SAD", width: 7 }, { title: "time x", width: 6 }, { title: "cpu x", width: 5 }, { title: "mem x", width: 5 },
]);
table.header();
const results: { set: string; time: number; memory: number; cf: number; ours: number; cfCpu: number; oursCpu: number }[] = [];
/** CPU milliseconds of this process (every thread) over `task`. */
async function cpuTimed<T>(task: () => Promise<T>): Promise<{ result: T; cpu: number }> {
  const before = process.cpuUsage();
  const result = await task();
  const used = process.cpuUsage(before);
  return { result, cpu: (used.user + used.system) / 1000 };
}
for (const [i, c] of cases.entries()) {
  const { image, trimap, truth } = await c.load();
  const score = (alpha: Float32Array) =>
    sad({ width: image.width, height: image.height, predicted: alpha, truth: toUnit(truth.data), unknown: unknownMask(trimap.data) });
  const run = (m: AlphaOptions["method"]) => cpuTimed(() => timedRuns(matting, image, trimap, { method: m }, repeat));
  let cfRun: { result: TimedRuns; cpu: number }, oursRun: { result: TimedRuns; cpu: number };
  if (i % 2 === 0) {
    cfRun = await run("cf");
    oursRun = await run(method);
  } else {
    oursRun = await run(method);
    cfRun = await run("cf");
  }
  const cf = cfRun.result, ours = oursRun.result;
  const time = ours.milliseconds.total / cf.milliseconds.total, memory = ours.stats.peakBytes / cf.stats.peakBytes;
  results.push({ set: c.set, time, memory, cf: cf.milliseconds.total, ours: ours.milliseconds.total, cfCpu: cfRun.cpu, oursCpu: oursRun.cpu });
  const mib = (bytes: number) => fixed(bytes / 2 ** 20, 1);
  table.row([c.set, c.name, c.trimapSet, String(ours.stats.unknownPixels), fixed(cf.milliseconds.total, 0), mib(cf.stats.peakBytes), fixed(score(cf.alpha), 3),
    fixed(ours.milliseconds.laplacian, 0), fixed(ours.milliseconds.solve, 0), String(ours.stats.iterations), fixed(ours.milliseconds.total, 0),
    mib(ours.stats.peakBytes), fixed(score(ours.alpha), 3), fixed(time, 2), fixed(oursRun.cpu / cfRun.cpu, 2), fixed(memory, 2)]);
}

console.log(`\n## ${method} / cf on ${threads} thread(s)`);
for (const set of ["low-res", "high-res"]) {
  const rows = results.filter((r) => r.set === set);
  if (rows.length === 0) continue;
  const total = rows.reduce((s, r) => s + r.ours, 0) / rows.reduce((s, r) => s + r.cf, 0);
  const cpuTotal = rows.reduce((s, r) => s + r.oursCpu, 0) / rows.reduce((s, r) => s + r.cfCpu, 0);
  const worstTime = Math.max(...rows.map((r) => r.time)), worstMemory = Math.max(...rows.map((r) => r.memory));
  console.log(`${set} (${rows.length} cases): time median ${fixed(median(rows.map((r) => r.time)), 2)}x, of the totals ${fixed(total, 2)}x, worst ${fixed(worstTime, 2)}x; ` +
    `CPU time of the totals ${fixed(cpuTotal, 2)}x; ` +
    `peak memory median ${fixed(median(rows.map((r) => r.memory)), 2)}x, worst ${fixed(worstMemory, 2)}x`);
  printVerdict(total <= TARGET_TIME_RATIO ? "PASS" : "MISSED", `${set}: time of the totals ${fixed(total, 2)}x <= ${TARGET_TIME_RATIO}x`);
  printVerdict(worstMemory <= TARGET_MEMORY_RATIO ? "PASS" : "MISSED", `${set}: worst peak memory ${fixed(worstMemory, 2)}x <= ${TARGET_MEMORY_RATIO}x`);
}
matting.close();
