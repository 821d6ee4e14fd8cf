// Accuracy benchmark: closed-form alpha on the alphamatting.com low-res set against ground truth (SAD, MSE,
// Gradient, Connectivity over the unknown pixels) and against pymatting's closed-form alphas.
// npm run bench:quality -- [--data DIR] [--reference DIR] [--images GT01,GT02] [--tolerance T] [--max-iterations N]
import path from "node:path";
import { parseArgs } from "node:util";
import { createMatting } from "../dist/entry/node.js";
import {
  DEFAULT_LOWRES, DEFAULT_PYMATTING_ALPHAS, TRIMAPS, type TrimapSet, Table, countOnes, fixed, imageNames, machineHeader,
  mean, parseList, readFirstChannel, readRgb, relativeDifference, resolveDir, sameSize, signedPercent, solverOptions, toUnit, unknownMask, warmUp,
} from "./common.js";
import { type MatteScores, meanAbsoluteDifference, scoreMatte } from "./metrics.js";
import { runScenes } from "./scenes.js";

/** pymatting 1.1.15 closed-form, mean over the 27 images (../shared/reference/BASELINE.md). */
const PYMATTING_MEANS: Record<TrimapSet, MatteScores> = {
  trimap1: { sad: 5.31, mse: 21.8e-3, gradient: 8.99, connectivity: 4.97 },
  trimap2: { sad: 7.6, mse: 24.2e-3, gradient: 11.64, connectivity: 7.14 },
};
const SAD_TOLERANCE_PERCENT = 2;
const MAX_MEAN_ABS_DIFF = 0.01;
const METRIC_NAMES: [keyof MatteScores, string, number][] = [
  ["sad", "SAD", 1], ["mse", "MSE x1e3", 1e3], ["gradient", "Grad", 1], ["connectivity", "Conn", 1],
];

const { values: args } = parseArgs({
  options: {
    data: { type: "string" },
    reference: { type: "string" },
    images: { type: "string" },
    tolerance: { type: "string" },
    "max-iterations": { type: "string" },
  },
});
const dataDir = resolveDir(args.data, DEFAULT_LOWRES);
const referenceDir = resolveDir(args.reference, DEFAULT_PYMATTING_ALPHAS);
const names = imageNames(path.join(dataDir, "input"), parseList(args.images));
const subset = names.length !== 27;
const { options: alphaOptions, threads, note: optionsNote } = solverOptions(args);

async function loadCase(name: string, trimapSet: TrimapSet) {
  const image = await readRgb(path.join(dataDir, "input", `${name}.png`));
  const trimap = await readFirstChannel(path.join(dataDir, trimapSet, `${name}.png`));
  const truth = await readFirstChannel(path.join(dataDir, "gt", `${name}.png`));
  const reference = await readFirstChannel(path.join(referenceDir, trimapSet, `${name}.png`));
  sameSize(image, trimap, `${name} ${trimapSet} against its photo`);
  sameSize(image, truth, `${name} ground truth against its photo`);
  sameSize(image, reference, `${name} pymatting alpha (${trimapSet}) against its photo`);
  return { image, trimap, truth: toUnit(truth.data), reference: toUnit(reference.data), unknown: unknownMask(trimap.data) };
}

interface CaseResult {
  ours: MatteScores;
  pymatting: MatteScores;
  differenceToPymatting: number;
}

console.log(machineHeader());
console.log(`# data ${dataDir}; pymatting alphas ${referenceDir}; ${optionsNote}`);
const matting = await createMatting({ threads });
{
  const first = await loadCase(names[0], "trimap1");
  await warmUp(`${names[0]} trimap1`, () => matting.estimateAlpha(first.image, first.trimap, alphaOptions));
}

const table = new Table([
  { title: "image", width: 5, align: "left" }, { title: "size", width: 7 }, { title: "unknown", width: 7 },
  { title: "iter", width: 5 }, { title: "conv", width: 4 }, { title: "s", width: 6 },
  { title: "SAD", width: 6 }, { title: "MSE x1e3", width: 8 }, { title: "Grad", width: 6 }, { title: "Conn", width: 6 },
  { title: "pm SAD", width: 6 }, { title: "|a-pm|", width: 7 },
]);
const results: Record<TrimapSet, CaseResult[]> = { trimap1: [], trimap2: [] };
for (const trimapSet of TRIMAPS) {
  console.log(`\n## ${trimapSet}: ours against ground truth; pm SAD = pymatting's alpha against ground truth;`);
  console.log("## |a-pm| = mean |ours - pymatting| over the unknown pixels");
  table.header();
  for (const name of names) {
    const c = await loadCase(name, trimapSet);
    const { alpha, stats } = await matting.estimateAlpha(c.image, c.trimap, alphaOptions);
    const { width, height } = c.image;
    const ours = scoreMatte({ width, height, predicted: alpha, truth: c.truth, unknown: c.unknown });
    const pymatting = scoreMatte({ width, height, predicted: c.reference, truth: c.truth, unknown: c.unknown });
    const differenceToPymatting = meanAbsoluteDifference(alpha, c.reference, c.unknown);
    results[trimapSet].push({ ours, pymatting, differenceToPymatting });
    const unknownNote = countOnes(c.unknown) === stats.unknownPixels ? "" : ` (library counts ${stats.unknownPixels})`;
    table.row([
      name, `${width}x${height}`, `${countOnes(c.unknown)}${unknownNote}`, String(stats.iterations), stats.converged ? "yes" : "NO",
      fixed(stats.milliseconds.total / 1000, 2), fixed(ours.sad, 3), fixed(ours.mse * 1e3, 3), fixed(ours.gradient, 3),
      fixed(ours.connectivity, 3), fixed(pymatting.sad, 3), fixed(differenceToPymatting, 5),
    ]);
  }
}

console.log(`\n## Means over ${names.length} images${subset ? " (a subset: not comparable to BASELINE.md's 27-image means)" : ""}`);
const means = new Table([
  { title: "trimap", width: 7, align: "left" }, { title: "metric", width: 8, align: "left" }, { title: "ours", width: 7 },
  { title: "pymatting PNG, our metrics", width: 8 }, { title: "BASELINE.md", width: 8 }, { title: "ours vs BASELINE", width: 8 },
]);
means.header();
const verdicts: string[] = [];
for (const trimapSet of TRIMAPS) {
  const rows = results[trimapSet];
  for (const [key, label, scale] of METRIC_NAMES) {
    const ours = mean(rows.map((r) => r.ours[key]));
    const theirs = mean(rows.map((r) => r.pymatting[key]));
    const baseline = PYMATTING_MEANS[trimapSet][key];
    const percent = relativeDifference(ours, baseline);
    means.row([trimapSet, label, fixed(ours * scale, 3), fixed(theirs * scale, 3), fixed(baseline * scale, 2), signedPercent(percent, 1)]);
    if (key === "sad") {
      const pass = !subset && Math.abs(percent) <= SAD_TOLERANCE_PERCENT;
      const outcome = subset ? "n/a (subset)" : pass ? "PASS" : "FAIL";
      const within = `within ${SAD_TOLERANCE_PERCENT}% of pymatting's ${baseline}`;
      verdicts.push(`${outcome}  mean SAD ${trimapSet} ${fixed(ours, 3)} ${within} (${signedPercent(percent, 2)})`);
    }
  }
}
const all = [...results.trimap1, ...results.trimap2];
const worst = Math.max(...all.map((r) => r.differenceToPymatting));
const over = all.filter((r) => r.differenceToPymatting >= MAX_MEAN_ABS_DIFF).length;
const worstNote = `worst ${fixed(worst, 5)}; ${over} of ${all.length} at or above`;
verdicts.push(`${over === 0 ? "PASS" : "FAIL"}  every per-image mean |ours - pymatting| over unknown pixels < ${MAX_MEAN_ABS_DIFF} (${worstNote})`);

await runScenes(matting, ["cf", "ifm", "combined"]);

console.log("\n## Verdict");
for (const line of verdicts) console.log(line);
const failed = verdicts.some((v) => v.startsWith("FAIL"));
console.log(failed ? "QUALITY: FAIL" : subset ? "QUALITY: PASS on the subset (run all 27 images for the SAD check)" : "QUALITY: PASS");
