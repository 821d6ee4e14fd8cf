// Any method on N threads against one thread, side by side in one process: for each case (photo and trimap of the
// low-res set) the method on an engine of one thread and on one of N, the two alternating run by run (A B, B A, ...)
// after an untimed warm-up, so that a drift in the machine's speed falls on both; per case the median wall times,
// the speed-up, the threads the call used (stats.threads: the solve's; the searches of ifm, combined and knn split
// whenever the engine has threads), SAD of both and the largest difference between their alphas; then the median and
// total speed-up. bench:speed measures closed-form this way; this is for the other methods.
// npx tsx bench/methods-threads.ts [--method ifm|combined|knn|...] [--threads 2] [--data LOWRES_DIR] [--images GT01,GT02]
//                                  [--trimaps trimap1,trimap2] [--repeat 3]
import path from "node:path";
import { parseArgs } from "node:util";
import { type AlphaOptions, createMatting } from "../dist/entry/node.js";
import {
  DEFAULT_LOWRES, alternatingRuns, fixed, imageNames, loadAverage, machineHeader, median, parseList, parsePositive, parseTrimaps, readFirstChannel,
  readRgb, resolveDir, toUnit, unknownMask, warmUp,
} from "./common.js";
import { sad } from "./metrics.js";

const { values: args } = parseArgs({
  options: { method: { type: "string" }, threads: { type: "string" }, data: { type: "string" }, images: { type: "string" }, trimaps: { type: "string" }, repeat: { type: "string" } },
});
const method = (args.method ?? "ifm") as AlphaOptions["method"];
const threads = parsePositive(args.threads, "threads", 2, true);
const repeat = parsePositive(args.repeat, "repeat", 3, true);
const dir = resolveDir(args.data, DEFAULT_LOWRES);
const names = imageNames(path.join(dir, "input"), parseList(args.images));
const trimaps = parseTrimaps(args.trimaps);

const one = await createMatting({ threads: 1 }), many = await createMatting({ threads });
if (many.threads !== threads) throw new Error(`asked for ${threads} threads, the engine has ${many.threads}`);
console.log(machineHeader());
console.log(`# load average ${loadAverage()} at the start; ${method} on 1 and ${threads} threads, alternating, median of ${repeat} run(s) each, wall ms`);
const first = { image: await readRgb(path.join(dir, "input", `${names[0]}.png`)), trimap: await readFirstChannel(path.join(dir, trimaps[0], `${names[0]}.png`)) };
await warmUp(`${names[0]} ${trimaps[0]}, both engines`, async () => {
  await one.estimateAlpha(first.image, first.trimap, { method });
  await many.estimateAlpha(first.image, first.trimap, { method });
});
console.log("case             unknown   1t ms   Nt ms  speed-up  threads   SAD 1t   SAD Nt  max |dalpha|");
const speedUps: number[] = [];
const totals = { one: 0, many: 0 };
for (const name of names) {
  const image = await readRgb(path.join(dir, "input", `${name}.png`)), truth = await readFirstChannel(path.join(dir, "gt", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    const [a, b] = await alternatingRuns([one, many], image, trimap, { method }, repeat);
    const score = (alpha: Float32Array) => sad({ width: image.width, height: image.height, predicted: alpha, truth: toUnit(truth.data), unknown: unknownMask(trimap.data) });
    let difference = 0;
    for (let i = 0; i < a.alpha.length; i++) difference = Math.max(difference, Math.abs(a.alpha[i] - b.alpha[i]));
    const t1 = a.milliseconds.total, tn = b.milliseconds.total;
    speedUps.push(t1 / tn);
    totals.one += t1;
    totals.many += tn;
    console.log(`${`${name} ${set}`.padEnd(15)} ${String(a.stats.unknownPixels).padStart(8)}  ${fixed(t1, 0).padStart(6)}  ${fixed(tn, 0).padStart(6)}  `
      + `${`${fixed(t1 / tn, 2)}x`.padStart(8)}  ${String(b.stats.threads).padStart(7)}  ${fixed(score(a.alpha), 4).padStart(7)}  ${fixed(score(b.alpha), 4).padStart(7)}  `
      + `${difference.toExponential(2)}`);
  }
}
console.log(`${method}: ${threads} threads over one, median ${fixed(median(speedUps), 2)}x, of the totals ${fixed(totals.one / totals.many, 2)}x `
  + `(${fixed(totals.one / 1000, 1)} s -> ${fixed(totals.many / 1000, 1)} s over ${speedUps.length} cases)`);
console.log(`# load average ${loadAverage()} at the end`);
one.close();
many.close();
