// Speed of estimateForeground (Germer et al. 2020) on the alphamatting.com low-res photos with their
// ground-truth alphas, against pymatting's estimate_foreground_ml (median 0.06 s, ../shared/reference/BASELINE.md).
// npm run bench:foreground -- [--data DIR] [--images GT01,GT02] [--repeat N]
import path from "node:path";
import { parseArgs } from "node:util";
import { createMatting } from "../dist/entry/node.js";
import {
  DEFAULT_LOWRES, Table, fixed, imageNames, machineHeader, median, parseList, parsePositive, printVerdict, readFirstChannel,
  readRgb, resolveDir, sameSize, warmUp,
} from "./common.js";

const PYMATTING_MEDIAN_SECONDS = 0.06;

const { values: args } = parseArgs({
  options: { data: { type: "string" }, images: { type: "string" }, repeat: { type: "string" } },
});
const dataDir = resolveDir(args.data, DEFAULT_LOWRES);
const names = imageNames(path.join(dataDir, "input"), parseList(args.images));
const repeat = parsePositive(args.repeat, "repeat", 7, true);

async function loadCase(name: string) {
  const image = await readRgb(path.join(dataDir, "input", `${name}.png`));
  const alpha = await readFirstChannel(path.join(dataDir, "gt", `${name}.png`));
  sameSize(image, alpha, `${name} ground truth against its photo`);
  return { image, alpha };
}

/**
 * How well a F + (1 - a) B reproduces the photo where 0 < a < 1, as the mean absolute difference in 8-bit
 * levels per channel. It checks the compositing equation the method solves in least squares; it cannot show
 * whether F is the true foreground (the datasets hold no true colours).
 */
function compositingError(image: Uint8Array, alpha: Uint8Array, foreground: Float32Array, background: Float32Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < alpha.length; i++) {
    if (alpha[i] === 0 || alpha[i] === 255) continue;
    const a = alpha[i] / 255;
    for (let c = 0; c < 3; c++) {
      const k = 3 * i + c;
      sum += Math.abs(255 * (a * foreground[k] + (1 - a) * background[k]) - image[k]);
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}

console.log(machineHeader());
console.log(`# data ${dataDir}; ${repeat} timed runs per image after one warm-up; alpha = ground truth`);
const matting = await createMatting();
{
  const first = await loadCase(names[0]);
  await warmUp(names[0], () => matting.estimateForeground(first.image, first.alpha));
}

const table = new Table([
  { title: "image", width: 5, align: "left" },
  { title: "size", width: 7, align: "left" },
  { title: "median ms", width: 9 },
  { title: "cpu ms", width: 6 },
  { title: "error (8-bit)", width: 13 },
]);
table.header();
const medians: number[] = [];
const cpuMedians: number[] = [];
const errors: number[] = [];
for (const name of names) {
  const { image, alpha } = await loadCase(name);
  const wall: number[] = [];
  const cpu: number[] = [];
  let result = await matting.estimateForeground(image, alpha);
  for (let r = 0; r < repeat; r++) {
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    result = await matting.estimateForeground(image, alpha);
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  const error = compositingError(image.data, alpha.data, result.foreground, result.background);
  medians.push(median(wall));
  cpuMedians.push(median(cpu));
  errors.push(error);
  table.row([name, `${image.width}x${image.height}`, fixed(median(wall), 1), fixed(median(cpu), 1), fixed(error, 3)]);
}

const overall = median(medians) / 1000;
console.log("");
console.log(`median over ${names.length} images: ${fixed(overall * 1000, 1)} ms wall (${fixed(median(cpuMedians), 1)} ms CPU); `
  + `pymatting ${PYMATTING_MEDIAN_SECONDS * 1000} ms; mean compositing error ${fixed(errors.reduce((s, e) => s + e, 0) / errors.length, 3)} levels`);
printVerdict(overall <= PYMATTING_MEDIAN_SECONDS ? "PASS" : "MISSED",
  `foreground median ${fixed(overall, 3)} s against pymatting's ${PYMATTING_MEDIAN_SECONDS} s (${fixed(PYMATTING_MEDIAN_SECONDS / overall, 1)}x)`);
