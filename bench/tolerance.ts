// What a method's tolerance costs and buys: each low-res case solved at each given tolerance in turn on one engine
// of one thread, the first tolerance's alpha the reference. Per tolerance: CG iterations, CPU time (process.cpuUsage,
// less moved by other jobs than wall time), mean SAD per trimap set against the ground truth, and the largest alpha
// difference from the first tolerance's alpha over all cases. For choosing a method's default tolerance (ifm's and
// combined's 1e-6: README, "The authors' tolerance").
// npx tsx bench/tolerance.ts [--method ifm] [--tolerances 1e-7,1e-6] [--data LOWRES_DIR] [--images GT01,GT02] [--trimaps trimap1]
import path from "node:path";
import { parseArgs } from "node:util";
import { createMatting } from "../dist/entry/node.js";
import {
  DEFAULT_LOWRES, Table, cpuNow, fixed, imageNames, loadAverage, machineHeader, parseList, parseTrimaps, readFirstChannel, readRgb, resolveDir,
  sameSize, toUnit, unknownMask, warmUp,
} from "./common.js";
import { sad } from "./metrics.js";

const { values: args } = parseArgs({
  options: { method: { type: "string" }, tolerances: { type: "string" }, data: { type: "string" }, images: { type: "string" }, trimaps: { type: "string" } },
});
const method = args.method ?? "ifm";
const tolerances = (parseList(args.tolerances) ?? ["1e-7", "1e-6"]).map((t) => {
  const value = Number(t);
  if (!(value > 0 && value < 1)) throw new Error(`--tolerances: each must be a number in (0, 1), got ${t}`);
  return value;
});
const dir = resolveDir(args.data, DEFAULT_LOWRES);
const names = imageNames(path.join(dir, "input"), parseList(args.images));
const trimapSets = parseTrimaps(args.trimaps);

console.log(machineHeader());
console.log(`# load average ${loadAverage()} at the start; method ${method}; tolerances ${tolerances.join(", ")}, each case at each in turn`);
const matting = await createMatting({ threads: 1 });
{
  const image = await readRgb(path.join(dir, "input", `${names[0]}.png`));
  const trimap = await readFirstChannel(path.join(dir, trimapSets[0], `${names[0]}.png`));
  await warmUp(`${names[0]} ${trimapSets[0]}`, () => matting.estimateAlpha(image, trimap, { method } as never));
}
interface Sum { iterations: number; cpu: number; sad: Record<string, number>; worst: number }
const sums: Sum[] = tolerances.map(() => ({ iterations: 0, cpu: 0, sad: {}, worst: 0 }));
const table = new Table([
  { title: "image", width: 5, align: "left" }, { title: "trimap", width: 7, align: "left" },
  ...tolerances.flatMap((t) => [{ title: `iter ${t}`, width: 10 }, { title: "cpu ms", width: 7 }, { title: "SAD", width: 7 }]),
]);
table.header();
for (const trimapSet of trimapSets) {
  for (const name of names) {
    const image = await readRgb(path.join(dir, "input", `${name}.png`));
    const trimap = await readFirstChannel(path.join(dir, trimapSet, `${name}.png`));
    const truth = await readFirstChannel(path.join(dir, "gt", `${name}.png`));
    sameSize(image, trimap, `${name} ${trimapSet}`);
    const unknown = unknownMask(trimap.data), truthUnit = toUnit(truth.data);
    let reference: Float32Array | undefined;
    const cells: string[] = [];
    for (const [k, tolerance] of tolerances.entries()) {
      const started = cpuNow();
      const { alpha, stats } = await matting.estimateAlpha(image, trimap, { method, tolerance } as never);
      const cpu = cpuNow() - started;
      const score = sad({ width: image.width, height: image.height, predicted: alpha, truth: truthUnit, unknown });
      const sum = sums[k];
      sum.iterations += stats.iterations;
      sum.cpu += cpu;
      sum.sad[trimapSet] = (sum.sad[trimapSet] ?? 0) + score;
      if (reference === undefined) reference = alpha;
      else for (let i = 0; i < alpha.length; i++) sum.worst = Math.max(sum.worst, Math.abs(alpha[i] - reference[i]));
      cells.push(String(stats.iterations), fixed(cpu, 0), fixed(score, 3));
    }
    table.row([name, trimapSet, ...cells]);
  }
}
console.log(`\n## ${method} over ${names.length} images x ${trimapSets.length} trimap set(s)`);
for (const [k, tolerance] of tolerances.entries()) {
  const sum = sums[k];
  const sadText = trimapSets.map((set) => `${set} ${fixed(sum.sad[set] / names.length, 4)}`).join(", ");
  const against = k === 0 ? "" : `; largest |alpha - the ${tolerances[0]} alpha| ${sum.worst.toExponential(2)}`;
  console.log(`tolerance ${tolerance}: ${sum.iterations} iterations, CPU ${fixed(sum.cpu / 1000, 1)} s, mean SAD ${sadText}${against}`);
}
console.log(`# load average ${loadAverage()} at the end`);
matting.close();
