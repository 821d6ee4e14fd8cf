// Speed benchmark on the alphamatting.com low-res set, side by side with the anchor (pymatting's closed-form,
// ../shared/anchors/run.py) in alternating chunks: a few cases of ours, then the same cases of the anchor in its own
// warm process, and so on. Per case: our phase times, peak wasm memory and SAD, the anchor's time and SAD, and the
// ratio ours / anchor; then the median and total ratios against issue 12's targets. With --threads N each case also
// runs on an engine of N threads: its total time, its SAD and the speed-up. --no-anchor times ours alone.
// --baseline FILE.wasm also runs an older one-thread build of ours (say main's dist/matting.wasm, copied aside) on
// each case right after this one: its iterations, time and SAD, to show what a change did under the same load.
// --repeat N times every case N times on each side (our engines alternating run by run, one thread then N threads,
// then N then one, ...; the anchor given each name N times in its process) and takes each side's median, so that one
// slow run on either side moves no ratio.
// npm run bench -- [--method NAME] [--data DIR] [--images GT01,GT02] [--trimaps trimap1] [--repeat N] [--threads N]
//                  [--chunk N] [--no-anchor] [--anchor PATH/run.py] [--tolerance T] [--max-iterations N]
//                  [--baseline FILE.wasm]
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createMatting } from "../dist/entry/node.js";
import { type AnchorCase, chunks, ratioSummary, runAnchor } from "./anchor.js";
import {
  DEFAULT_ANCHOR, DEFAULT_LOWRES, type TrimapSet, Table, fixed, imageNames, machineHeader, mean, median, parseList, parsePositive,
  PHASES, parseTrimaps, phaseCell, printVerdict, readFirstChannel, readRgb, relativeDifference, resolveDir, sameSize, signedPercent, solverOptions,
  alternatingRuns, toUnit, unknownMask, warmUp,
} from "./common.js";
import { sad } from "./metrics.js";

/** Issue 12, one thread, side by side: median and total ratio ours / pymatting, and the hard case GT13. */
const TARGET_RATIO = 0.15;
const TARGET_HARD_RATIO = 0.35;
const HARD_CASE = "GT13";
/** Mean SAD within this many percent of the anchor's. */
const SAD_TOLERANCE_PERCENT = 2;
/** Issue 12: a second thread gives at least this much more on 2 cores. */
const TARGET_THREAD_SPEEDUP = 1.6;

const { values: args } = parseArgs({
  options: {
    data: { type: "string" },
    images: { type: "string" },
    trimaps: { type: "string" },
    repeat: { type: "string" },
    threads: { type: "string" },
    chunk: { type: "string" },
    anchor: { type: "string" },
    "no-anchor": { type: "boolean" },
    method: { type: "string" },
    tolerance: { type: "string" },
    "max-iterations": { type: "string" },
    baseline: { type: "string" },
  },
});
const dataDir = resolveDir(args.data, DEFAULT_LOWRES);
const names = imageNames(path.join(dataDir, "input"), parseList(args.images));
const trimapSets = parseTrimaps(args.trimaps);
const repeat = parsePositive(args.repeat, "repeat", 1, true);
const chunk = parsePositive(args.chunk, "chunk", 5, true);
const { options, threads, note } = solverOptions(args);
const method = options.method ?? "cf";
const anchor = args["no-anchor"] ? undefined : path.resolve(args.anchor ?? DEFAULT_ANCHOR);
const fullSet = names.length === 27 && trimapSets.length === 2;

async function loadCase(name: string, trimapSet: TrimapSet) {
  const image = await readRgb(path.join(dataDir, "input", `${name}.png`));
  const trimap = await readFirstChannel(path.join(dataDir, trimapSet, `${name}.png`));
  const truth = await readFirstChannel(path.join(dataDir, "gt", `${name}.png`));
  sameSize(image, trimap, `${name} ${trimapSet} against its photo`);
  sameSize(image, truth, `${name} ground truth against its photo`);
  return { image, trimap, truth: toUnit(truth.data), unknown: unknownMask(trimap.data) };
}

console.log(machineHeader());
console.log(`# load average ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min): other jobs on this machine slow both sides`);
console.log(`# data ${dataDir}; median of ${repeat} run(s) per case on a warm engine${repeat > 1 && anchor ? ", and of the anchor's as many runs in a row" : ""}; ${note}`);
console.log(`# anchor ${anchor === undefined ? "none (--no-anchor)" : `${anchor} --method ${method}`}; chunks of ${chunk} cases, ours then the anchor's (ours on ${threads > 1 ? "1 and " : ""}${threads} thread${threads > 1 ? "s" : ""}; the anchor as run.py runs it)`);
const matting = await createMatting();
const baseline = args.baseline === undefined ? undefined : await createMatting({ module: readFileSync(path.resolve(args.baseline)) });
if (baseline) console.log(`# baseline ${path.resolve(args.baseline!)}: an older build of ours, one thread, run right after this build on each case`);
const threaded = threads > 1 ? await createMatting({ threads }) : undefined;
if (threaded && threaded.threads !== threads) throw new Error(`asked for ${threads} threads, got ${threaded.threads}`);
{
  const first = await loadCase(names[0], trimapSets[0]);
  await warmUp(`${names[0]} ${trimapSets[0]}`, () => matting.estimateAlpha(first.image, first.trimap, options));
  if (threaded) await warmUp(`${names[0]} ${trimapSets[0]} on ${threads} threads`, () => threaded.estimateAlpha(first.image, first.trimap, options));
  if (baseline) await warmUp(`${names[0]} ${trimapSets[0]} on the baseline`, () => baseline.estimateAlpha(first.image, first.trimap, options));
}

const table = new Table([
  { title: "image", width: 5, align: "left" }, { title: "trimap", width: 7, align: "left" }, { title: "size", width: 7 },
  { title: "unknown", width: 7 }, { title: "iter", width: 5 }, { title: "conv", width: 4 },
  { title: "ms lapl", width: 7 }, { title: "ms precond", width: 10 }, { title: "ms solve", width: 8 }, { title: "ms total", width: 8 },
  { title: "peak MiB", width: 8 }, { title: "B/unknown", width: 9 }, { title: "SAD", width: 6 },
  ...(anchor ? [{ title: "pm ms", width: 6 }, { title: "pm SAD", width: 6 }, { title: "ratio", width: 5 }] : []),
  ...(threaded ? [{ title: "thr", width: 3 }, { title: `ms ${threads}-thr`, width: 8 }, { title: `SAD ${threads}-thr`, width: 9 }, { title: "speed-up", width: 8 }] : []),
  ...(baseline ? [{ title: "base iter", width: 9 }, { title: "base ms", width: 7 }, { title: "base SAD", width: 8 }, { title: "ms / base", width: 9 }] : []),
]);
if (anchor) console.log("\n## pm = the anchor, timed in its own process after the same chunk of ours; ratio = ms total / pm ms");
table.header();
interface Row {
  name: string; trimapSet: TrimapSet; seconds: number; sad: number; iterations: number; anchor?: { seconds: number; sad: number }; threadedSeconds?: number;
  base?: { seconds: number; sad: number; iterations: number };
}
const rows: Row[] = [];
for (const trimapSet of trimapSets) {
  for (const chunkNames of chunks(names, chunk)) {
    const ours = [];
    for (const name of chunkNames) {
      const c = await loadCase(name, trimapSet);
      // One thread, N threads and the baseline alternate run by run: their ratios are what the verdicts weigh.
      const engines = [matting, ...(threaded ? [threaded] : []), ...(baseline ? [baseline] : [])];
      const measured = await alternatingRuns(engines, c.image, c.trimap, options, repeat);
      const timed = measured[0];
      const other = threaded ? measured[1] : undefined;
      const older = baseline ? measured[engines.length - 1] : undefined;
      ours.push({ name, c, timed, other, older });
    }
    const anchored = anchor ? await runAnchor({ script: anchor, method }, { data: dataDir, trimapSet, names: chunkNames, repeat }) : new Map<string, AnchorCase>();
    for (const { name, c, timed: { alpha, stats, milliseconds }, other, older } of ours) {
      const { width, height } = c.image;
      const score = (predicted: Float32Array) => sad({ width, height, predicted, truth: c.truth, unknown: c.unknown });
      const row: Row = { name, trimapSet, seconds: milliseconds.total / 1000, sad: score(alpha), iterations: stats.iterations };
      const theirs = anchored.get(name);
      if (theirs) row.anchor = { seconds: theirs.ms / 1000, sad: score(theirs.alpha) };
      else if (anchor) throw new Error(`the anchor gave no alpha for ${name} ${trimapSet}`);
      const anchorCells = row.anchor ? [fixed(theirs!.ms, 0), fixed(row.anchor.sad, 3), fixed(row.seconds / row.anchor.seconds, 3)] : [];
      const threadCells: string[] = [];
      if (other) {
        row.threadedSeconds = other.milliseconds.total / 1000;
        threadCells.push(String(other.stats.threads), fixed(other.milliseconds.total, 0), fixed(score(other.alpha), 3), `${fixed(milliseconds.total / other.milliseconds.total, 2)}x`);
      }
      const baseCells: string[] = [];
      if (older) {
        row.base = { seconds: older.milliseconds.total / 1000, sad: score(older.alpha), iterations: older.stats.iterations };
        baseCells.push(String(row.base.iterations), fixed(older.milliseconds.total, 0), fixed(row.base.sad, 3), fixed(row.seconds / row.base.seconds, 3));
      }
      rows.push(row);
      table.row([
        name, trimapSet, `${width}x${height}`, String(stats.unknownPixels), String(stats.iterations), stats.converged ? "yes" : "NO",
        ...PHASES.map((phase) => phaseCell(milliseconds, phase)),
        fixed(stats.peakBytes / 2 ** 20, 1), fixed(stats.peakBytes / Math.max(1, stats.unknownPixels), 0), fixed(row.sad, 3), ...anchorCells, ...threadCells, ...baseCells,
      ]);
    }
  }
}

const seconds = rows.map((r) => r.seconds);
console.log(`\n## Summary over ${rows.length} cases${fullSet ? "" : " (a subset of the 54)"}, ours on one thread`);
console.log(`ours: median ${fixed(median(seconds), 3)} s, total ${fixed(seconds.reduce((s, v) => s + v, 0), 1)} s`);
const verdicts: [string, string][] = [];
for (const trimapSet of trimapSets) {
  const set = rows.filter((r) => r.trimapSet === trimapSet);
  const ours = mean(set.map((r) => r.sad));
  if (!anchor) {
    console.log(`mean SAD ${trimapSet}: ours ${fixed(ours, 3)}`);
    continue;
  }
  const theirs = mean(set.map((r) => r.anchor!.sad));
  const percent = relativeDifference(ours, theirs);
  console.log(`mean SAD ${trimapSet}: ours ${fixed(ours, 3)}, anchor ${fixed(theirs, 3)} (${signedPercent(percent, 2)})`);
  // pymatting's methods are ported: the same answer within 2 %. OpenCV's information flow is a partial version of
  // ours (README, "Information flow"): ours must be no worse.
  if (method === "ifm") verdicts.push([percent <= 0 ? "PASS" : "MISSED", `mean SAD ${trimapSet} no more than the anchor's (${signedPercent(percent, 2)})`]);
  else verdicts.push([Math.abs(percent) <= SAD_TOLERANCE_PERCENT ? "PASS" : "MISSED", `mean SAD ${trimapSet} within ${SAD_TOLERANCE_PERCENT} % of the anchor's (${signedPercent(percent, 2)})`]);
}
if (anchor) {
  const r = ratioSummary(seconds, rows.map((row) => row.anchor!.seconds));
  console.log(`anchor: median ${fixed(r.anchorMedian, 3)} s, total ${fixed(r.anchorTotal, 1)} s`);
  console.log(`RATIO ours / anchor: median ${fixed(r.medianRatio, 3)}, of the totals ${fixed(r.totalRatio, 3)}, worst ${fixed(r.worstRatio, 3)}`);
  const subset = fullSet ? "" : " (subset)";
  // The time targets are issue 12's, closed-form's; the other methods' ratios are printed above without a verdict.
  if (method === "cf") {
    verdicts.push([r.medianRatio <= TARGET_RATIO ? "PASS" : "MISSED", `median ratio ours / anchor ${fixed(r.medianRatio, 3)} <= ${TARGET_RATIO}${subset}`]);
    verdicts.push([r.totalRatio <= TARGET_RATIO ? "PASS" : "MISSED", `ratio of the totals ${fixed(r.totalRatio, 3)} <= ${TARGET_RATIO}${subset}`]);
    for (const row of rows.filter((x) => x.name === HARD_CASE)) {
      const ratio = row.seconds / row.anchor!.seconds;
      verdicts.push([ratio <= TARGET_HARD_RATIO ? "PASS" : "MISSED", `${HARD_CASE} ${row.trimapSet} ratio ${fixed(ratio, 3)} <= ${TARGET_HARD_RATIO}`]);
    }
  }
}
if (threaded) {
  const threadedSeconds = rows.map((r) => r.threadedSeconds!);
  const speedUp = median(rows.map((r) => r.seconds / r.threadedSeconds!));
  const total = seconds.reduce((s, v) => s + v, 0) / threadedSeconds.reduce((s, v) => s + v, 0);
  console.log(`ours on ${threads} threads: median ${fixed(median(threadedSeconds), 3)} s, total ${fixed(threadedSeconds.reduce((s, v) => s + v, 0), 1)} s; ` +
    `speed-up over one thread: median ${fixed(speedUp, 2)}x, of the totals ${fixed(total, 2)}x`);
  verdicts.push([speedUp >= TARGET_THREAD_SPEEDUP ? "PASS" : "MISSED", `median speed-up on ${threads} threads ${fixed(speedUp, 2)}x >= ${TARGET_THREAD_SPEEDUP}x`]);
}
if (baseline) {
  const base = rows.map((r) => r.base!);
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
  const meanSad = mean(rows.map((r) => r.sad)), baseSad = mean(base.map((b) => b.sad));
  console.log(`this build against the baseline: time median ${fixed(median(rows.map((r, i) => r.seconds / base[i].seconds)), 3)}, of the totals ` +
    `${fixed(sum(seconds) / sum(base.map((b) => b.seconds)), 3)}; iterations ${sum(rows.map((r) => r.iterations))} against ${sum(base.map((b) => b.iterations))}; ` +
    `mean SAD over the ${rows.length} cases ${fixed(meanSad, 5)} against ${fixed(baseSad, 5)} (${signedPercent(relativeDifference(meanSad, baseSad), 3)})`);
}
console.log(`# load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`);
console.log("\n## Verdict");
if (!anchor) printVerdict("n/a", "no anchor (--no-anchor): no ratio; speed is only claimed side by side");
for (const [verdict, text] of verdicts) printVerdict(verdict, text);
threaded?.close();
