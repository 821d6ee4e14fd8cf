// Accuracy and speed of one alpha method against its anchor, side by side: the alphamatting.com low-res set
// (27 images x 2 trimaps) scored against ground truth (SAD, MSE, Gradient, Connectivity over the unknown pixels,
// ../shared/reference/METRICS.md), beside pymatting's (or OpenCV's infoFlow, for ifm and combined) alpha from
// ../shared/anchors/run.py run in the same session in alternating chunks: a few cases of ours, then the same cases of
// the anchor in its own warm process. Prints the anchor's scores, the mean |ours - anchor| over the unknown pixels,
// time ratios, and, beside a baseline method of ours (closed-form unless --baseline says otherwise), the images
// where the method loses most against it. Ends with the synthetic scenes (bench/scenes.ts).
// npm run bench:quality -- [--method knn] [--data DIR] [--images GT01,GT02] [--trimaps trimap1] [--chunk N]
//                          [--no-anchor] [--anchor PATH/run.py] [--baseline cf|none] [--tolerance T] [--max-iterations N]
//                          [--threads N]
import path from "node:path";
import { parseArgs } from "node:util";
import { createMatting } from "../dist/entry/node.js";
import { type AnchorCase, chunks, ratioSummary, runAnchor } from "./anchor.js";
import {
  DEFAULT_ANCHOR, DEFAULT_LOWRES, type TrimapSet, Table, countOnes, fixed, imageNames, loadAverage, machineHeader, mean, median, parseList, parsePositive, parseTrimaps,
  readFirstChannel, readRgb, relativeDifference, resolveDir, sameSize, signedPercent, solverOptions, toUnit, unknownMask,
} from "./common.js";
import { type MatteScores, meanAbsoluteDifference, scoreMatte } from "./metrics.js";
import { type CaseScores, ifmVerdicts, printScoreMeans, printWorstAgainstBaseline } from "./quality-report.js";
import { runScenes } from "./scenes.js";

/** Issue 10's targets: mean SAD within 2 % of the anchor's (5 % for sampling methods), the same matte, a quarter of its time. */
const SAMPLING_METHODS = ["sm"];
const TARGET_RATIO = 0.25;
/** Issue 11's methods: measured against OpenCV's infoFlow (a partial version, so no same-matte check) and closed-form. */
const INFORMATION_FLOW_METHODS = ["ifm", "combined"];

const { values: args } = parseArgs({
  options: {
    method: { type: "string" },
    data: { type: "string" },
    images: { type: "string" },
    trimaps: { type: "string" },
    chunk: { type: "string" },
    anchor: { type: "string" },
    "no-anchor": { type: "boolean" },
    baseline: { type: "string" },
    tolerance: { type: "string" },
    "max-iterations": { type: "string" },
    threads: { type: "string" },
  },
});
const method = args.method ?? "cf";
const informationFlow = INFORMATION_FLOW_METHODS.includes(method);
const anchorMethod = informationFlow ? "ifm" : method;
const baselineMethod = args.baseline === "none" ? undefined : args.baseline ?? (method === "cf" ? undefined : "cf");
const dataDir = resolveDir(args.data, DEFAULT_LOWRES);
const names = imageNames(path.join(dataDir, "input"), parseList(args.images));
const trimapSets = parseTrimaps(args.trimaps);
const chunk = parsePositive(args.chunk, "chunk", 5, true);
const anchor = args["no-anchor"] ? undefined : path.resolve(args.anchor ?? DEFAULT_ANCHOR);
const subset = names.length !== 27;
const { options: solver, threads, note } = solverOptions(args);
const alphaOptions = { ...solver, method } as Parameters<typeof matting.estimateAlpha>[2];
const baselineOptions = { ...solver, method: baselineMethod } as Parameters<typeof matting.estimateAlpha>[2];
const sampling = SAMPLING_METHODS.includes(method);
const maxSadPercent = sampling ? 5 : 2;
const maxDifference = sampling ? 0.02 : 0.01;

async function loadCase(name: string, trimapSet: TrimapSet) {
  const image = await readRgb(path.join(dataDir, "input", `${name}.png`));
  const trimap = await readFirstChannel(path.join(dataDir, trimapSet, `${name}.png`));
  const truth = await readFirstChannel(path.join(dataDir, "gt", `${name}.png`));
  sameSize(image, trimap, `${name} ${trimapSet} against its photo`);
  sameSize(image, truth, `${name} ground truth against its photo`);
  return { image, trimap, truth: toUnit(truth.data), unknown: unknownMask(trimap.data) };
}

interface CaseResult extends CaseScores {
  seconds: number;
  bytesPerUnknown: number;
  baselineSeconds?: number;
  anchor?: { scores: MatteScores; seconds: number; difference: number };
}

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min): other jobs on this machine slow both sides`);
console.log(`# method ${method}; baseline ${baselineMethod ?? "none"}; data ${dataDir}; anchor ${anchor ? `${anchor} --method ${anchorMethod}` : "none"}; ` +
  `chunks of ${chunk} cases, ours then the anchor's; ${note}`);
const matting = await createMatting({ threads });
{
  const first = await loadCase(names[0], trimapSets[0]);
  const started = performance.now();
  await matting.estimateAlpha(first.image, first.trimap, alphaOptions);
  if (baselineMethod) await matting.estimateAlpha(first.image, first.trimap, baselineOptions);
  console.log(`# warm-up: ${names[0]} ${trimapSets[0]} once, ${fixed((performance.now() - started) / 1000, 2)} s (not counted)`);
}

const table = new Table([
  { title: "image", width: 5, align: "left" }, { title: "size", width: 7 }, { title: "unknown", width: 7 },
  { title: "iter", width: 5 }, { title: "conv", width: 4 }, { title: "s", width: 6 }, { title: "B/unk", width: 5 },
  { title: "SAD", width: 6 }, { title: "MSE x1e3", width: 8 }, { title: "Grad", width: 6 }, { title: "Conn", width: 6 },
  { title: "base SAD", width: 8 }, { title: "base s", width: 6 },
  { title: "pm SAD", width: 6 }, { title: "|a-pm|", width: 7 }, { title: "pm s", width: 6 }, { title: "ratio", width: 5 },
]);
const results: Record<TrimapSet, CaseResult[]> = { trimap1: [], trimap2: [] };
for (const trimapSet of trimapSets) {
  console.log(`\n## ${trimapSet}: ours against ground truth; base = ours with ${baselineMethod ?? "(none)"}; pm = the anchor (${anchorMethod});`);
  console.log("## |a-pm| = mean |ours - anchor| over the unknown pixels; ratio = our seconds / the anchor's");
  table.header();
  for (const chunkNames of chunks(names, chunk)) {
    const ours = [];
    for (const name of chunkNames) {
      const c = await loadCase(name, trimapSet);
      let started = performance.now();
      const { alpha, stats } = await matting.estimateAlpha(c.image, c.trimap, alphaOptions);
      const seconds = (performance.now() - started) / 1000;
      let baseline;
      if (baselineMethod) {
        started = performance.now();
        const { alpha: baseAlpha } = await matting.estimateAlpha(c.image, c.trimap, baselineOptions);
        baseline = { alpha: baseAlpha, seconds: (performance.now() - started) / 1000 };
      }
      ours.push({ name, c, alpha, stats, seconds, baseline });
    }
    const anchored = anchor ? await runAnchor({ script: anchor, method: anchorMethod }, { data: dataDir, trimapSet, names: chunkNames }) : new Map<string, AnchorCase>();
    for (const { name, c, alpha, stats, seconds, baseline } of ours) {
      const { width, height } = c.image;
      const score = (predicted: Float32Array) => scoreMatte({ width, height, predicted, truth: c.truth, unknown: c.unknown });
      const scores = score(alpha);
      const theirs = anchored.get(name);
      const result: CaseResult = {
        name, ours: scores, seconds, bytesPerUnknown: stats.peakBytes / Math.max(1, stats.unknownPixels),
        baseline: baseline && score(baseline.alpha), baselineSeconds: baseline?.seconds,
      };
      if (theirs) {
        result.anchor = { scores: score(theirs.alpha), seconds: theirs.ms / 1000, difference: meanAbsoluteDifference(alpha, theirs.alpha, c.unknown) };
      } else if (anchor) {
        throw new Error(`the anchor gave no alpha for ${name} ${trimapSet}`);
      }
      results[trimapSet].push(result);
      const a = result.anchor;
      table.row([
        name, `${width}x${height}`, String(countOnes(c.unknown)), String(stats.iterations), stats.converged ? "yes" : "NO", fixed(seconds, 2),
        fixed(result.bytesPerUnknown, 0), fixed(scores.sad, 3), fixed(scores.mse * 1e3, 3), fixed(scores.gradient, 3), fixed(scores.connectivity, 3),
        result.baseline ? fixed(result.baseline.sad, 3) : "-", fixed(result.baselineSeconds ?? NaN, 2),
        a ? fixed(a.scores.sad, 3) : "-", a ? fixed(a.difference, 5) : "-", a ? fixed(a.seconds, 2) : "-", a ? fixed(seconds / a.seconds, 3) : "-",
      ]);
    }
  }
}

console.log(`\n## Means over ${names.length} images${subset ? " (a subset)" : ""}`);
printScoreMeans(trimapSets.map((t) => ({
  trimapSet: t,
  rows: [
    { label: `${method} (ours)`, scores: results[t].map((r) => r.ours) },
    ...(baselineMethod ? [{ label: `${baselineMethod} (ours)`, scores: results[t].map((r) => r.baseline!) }] : []),
    ...(results[t].every((r) => r.anchor) ? [{ label: `anchor ${anchorMethod}`, scores: results[t].map((r) => r.anchor!.scores) }] : []),
  ],
})));
const verdicts: string[] = [];
const verdict = (pass: boolean, text: string) => verdicts.push(`${pass ? "PASS  " : "MISSED"}  ${text}`);
for (const trimapSet of trimapSets) {
  const rows = results[trimapSet];
  if (baselineMethod) printWorstAgainstBaseline(trimapSet, baselineMethod, rows);
  const ours = mean(rows.map((r) => r.ours.sad));
  if (!rows.every((r) => r.anchor)) continue;
  const theirs = mean(rows.map((r) => r.anchor!.scores.sad));
  const percent = relativeDifference(ours, theirs);
  verdict(percent <= maxSadPercent, `mean SAD ${trimapSet} ${fixed(ours, 3)} within ${maxSadPercent} % of the anchor's ${fixed(theirs, 3)} or lower (${signedPercent(percent, 2)})${subset ? " (subset)" : ""}`);
  if (informationFlow) continue;
  const worst = Math.max(...rows.map((r) => r.anchor!.difference));
  verdict(worst <= maxDifference, `every case's mean |ours - anchor| over unknown pixels <= ${maxDifference} on ${trimapSet} (worst ${fixed(worst, 5)}; mean ${fixed(mean(rows.map((r) => r.anchor!.difference)), 5)})`);
}
if (informationFlow) for (const line of ifmVerdicts(trimapSets.map((t) => ({ trimapSet: t, rows: results[t] })), subset)) verdicts.push(line);
const all = trimapSets.flatMap((t) => results[t]);
console.log(`\n# load average at the end ${loadAverage()} (1, 5, 15 min)`);
console.log(`\n## Time and memory over ${all.length} cases (${threads} thread${threads > 1 ? "s" : ""})`);
console.log(`ours: median ${fixed(median(all.map((r) => r.seconds)), 3)} s, total ${fixed(all.reduce((s, r) => s + r.seconds, 0), 1)} s; ` +
  `peak wasm bytes per unknown pixel: median ${fixed(median(all.map((r) => r.bytesPerUnknown)), 0)}, max ${fixed(Math.max(...all.map((r) => r.bytesPerUnknown)), 0)}`);
if (baselineMethod) {
  const r = ratioSummary(all.map((c) => c.seconds), all.map((c) => c.baselineSeconds!));
  console.log(`baseline ${baselineMethod} (ours, same run): median ${fixed(r.anchorMedian, 3)} s; ratio ${method} / ${baselineMethod}: median ${fixed(r.medianRatio, 3)}, ` +
    `of the totals ${fixed(r.totalRatio, 3)}, worst ${fixed(r.worstRatio, 3)}`);
}
if (all.every((r) => r.anchor)) {
  const r = ratioSummary(all.map((c) => c.seconds), all.map((c) => c.anchor!.seconds));
  console.log(`anchor: median ${fixed(r.anchorMedian, 3)} s, total ${fixed(r.anchorTotal, 1)} s`);
  console.log(`ratio ours / anchor: median ${fixed(r.medianRatio, 3)}, of the totals ${fixed(r.totalRatio, 3)}, worst ${fixed(r.worstRatio, 3)}`);
  if (!informationFlow) verdict(r.medianRatio <= TARGET_RATIO, `median time ratio ours / anchor ${fixed(r.medianRatio, 3)} <= ${TARGET_RATIO}`);
}
const sceneMethods = [...new Set(["cf", "ifm", "combined", method])];
const scenes = await runScenes(matting, sceneMethods);
if (method !== "cf") {
  const lost = scenes.filter((s) => s.sad[method] > s.sad.cf);
  verdict(lost.length === 0, `${method} no worse than cf in SAD on every synthetic scene${lost.length ? ` (worse on ${lost.map((s) => s.name).join(", ")})` : ""}`);
}

console.log("\n## Verdict");
for (const line of verdicts) console.log(line);
