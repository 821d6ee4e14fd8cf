// Scale benchmark: closed-form alpha on the high-res alphamatting.com trimaps (6-8 megapixels). The high-res photos
// are not available, so each input is the low-res photo upscaled (bicubic) to the trimap's size: the timings and
// memory mean something, the SAD does not (../shared/datasets/README.md).
// Then the growth of cost with size on one photo: GT04 Trimap1 (3.0 M unknown pixels at full size) scaled so that
// it has from about 50 k to 3 M unknown pixels, time per unknown pixel at each size.
// With --images, the anchor (pymatting's closed-form, ../shared/anchors/run.py) runs each asked case right after
// ours, on the same stand-in photo written to a temporary PNG, in its own warm process, with its own timeout
// (--anchor-timeout; pymatting takes minutes or fails on the largest cases). It never runs on all 54 by default.
// npm run bench:scale -- [--method NAME] [--data HIGHRES_DIR] [--photos LOWRES_DIR] [--images GT19,GT22] [--trimaps trimap1]
//                        [--timeout SECONDS] [--repeat N] [--threads N] [--tolerance T] [--max-iterations N] [--no-sizes]
//                        [--no-anchor] [--anchor PATH/run.py] [--anchor-timeout SECONDS]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { parseArgs } from "node:util";
import { MattingError, createMatting } from "../dist/entry/node.js";
import { AnchorTimeout, ratioSummary, runAnchor } from "./anchor.js";
import {
  DEFAULT_ANCHOR, DEFAULT_HIGHRES, DEFAULT_LOWRES, Table, type TrimapSet, countOnes, fixed, imageNames, machineHeader, parseList, parsePositive,
  PHASES, parseTrimaps, phaseCell, printVerdict, readFirstChannel, readRgb, readRgbUpscaled, resolveDir, sameSize, solverOptions, timedRuns, toUnit,
  unknownMask, warmUp,
} from "./common.js";
import { meanAbsoluteDifference, sad } from "./metrics.js";

/** Issue 12's target at scale: GT04 Trimap1 (3.0 M unknown) on one thread. */
const TARGET_SECONDS: Record<string, number> = { "GT04 trimap1": 15 };
/** Issue 12's ratio target ours / anchor, side by side (the low-res set's). */
const TARGET_RATIO = 0.15;
/** Issue 3's memory budget: peak wasm bytes at most 300 per unknown pixel plus 40 per image pixel. */
const memoryBudget = (unknown: number, pixels: number) => 300 * unknown + 40 * pixels;
/** Issue 3: time per unknown pixel varies by less than 2x from 50 k to 3 M unknown pixels. */
const LINEAR_RANGE = [50e3, 3e6] as const;
/** Scales of GT04 Trimap1 for the size sweep: about 50 k, 120 k, 270 k, 610 k, 1.5 M and 3.0 M unknown pixels. */
const SIZE_SCALES = [0.13, 0.2, 0.3, 0.45, 0.7, 1];

const { values: args } = parseArgs({
  options: {
    data: { type: "string" },
    photos: { type: "string" },
    images: { type: "string" },
    trimaps: { type: "string" },
    timeout: { type: "string" },
    repeat: { type: "string" },
    threads: { type: "string" },
    method: { type: "string" },
    tolerance: { type: "string" },
    "max-iterations": { type: "string" },
    "no-sizes": { type: "boolean" },
    "no-anchor": { type: "boolean" },
    anchor: { type: "string" },
    "anchor-timeout": { type: "string" },
  },
});
const highresDir = resolveDir(args.data, DEFAULT_HIGHRES);
const photoDir = resolveDir(args.photos, DEFAULT_LOWRES);
const names = imageNames(path.join(highresDir, "trimap1"), parseList(args.images));
const trimapSets = parseTrimaps(args.trimaps);
const timeoutSeconds = parsePositive(args.timeout, "timeout", 300);
const repeat = parsePositive(args.repeat, "repeat", 1, true);
const { options, threads, note } = solverOptions(args);
const anchorTimeout = parsePositive(args["anchor-timeout"], "anchor-timeout", 300);
/** Only the cases asked by name: the anchor takes minutes per high-res case. */
const anchor = args["no-anchor"] || args.images === undefined ? undefined : path.resolve(args.anchor ?? DEFAULT_ANCHOR);
const anchorNote = anchor === undefined
  ? `no anchor (${args["no-anchor"] ? "--no-anchor" : "it runs only on the cases named by --images"})`
  : `anchor ${anchor} --method ${options.method ?? "cf"} after each case of ours, its own warm process (warm-up call on the same case, untimed), ` +
    `no result after ${anchorTimeout} s counts as none`;

async function loadCase(name: string, trimapSet: TrimapSet) {
  const trimap = await readFirstChannel(path.join(highresDir, trimapSet, `${name}.png`));
  const truth = await readFirstChannel(path.join(highresDir, "gt", `${name}.png`));
  sameSize(trimap, truth, `${name} high-res ground truth against its ${trimapSet}`);
  const image = await readRgbUpscaled(path.join(photoDir, "input", `${name}.png`), trimap.width, trimap.height);
  return { image, trimap, truth: toUnit(truth.data), unknown: unknownMask(trimap.data) };
}

console.log(machineHeader());
console.log(`# trimaps ${highresDir}; photos ${photoDir} upscaled (bicubic); SAD against high-res ground truth means nothing on stand-in photos`);
console.log(`# load average ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min): other jobs on this machine slow both sides`);
console.log(`# per-case timeout ${timeoutSeconds} s; median of ${repeat} run(s); ${note}`);
console.log(`# ${anchorNote}`);
const matting = await createMatting({ threads });
{
  const image = await readRgb(path.join(photoDir, "input", `${names[0]}.png`));
  const trimap = await readFirstChannel(path.join(photoDir, "trimap1", `${names[0]}.png`));
  await warmUp(`low-res ${names[0]} trimap1`, () => matting.estimateAlpha(image, trimap, options));
}

const table = new Table([
  { title: "image", width: 5, align: "left" }, { title: "trimap", width: 7, align: "left" }, { title: "size", width: 9 },
  { title: "unknown", width: 7 }, { title: "iter", width: 5 }, { title: "conv", width: 4 },
  { title: "ms lapl", width: 7 }, { title: "ms precond", width: 10 }, { title: "ms solve", width: 8 }, { title: "ms total", width: 8 },
  { title: "us/unknown", width: 10 },
  { title: "peak MiB", width: 8 }, { title: "B/unknown", width: 9 }, { title: "budget MiB", width: 10 }, { title: "mem", width: 4 },
  { title: "SAD", width: 7 }, { title: "pm s", width: 6 }, { title: "pm SAD", width: 7 }, { title: "|a-pm|", width: 7 },
  { title: "ratio", width: 5 }, { title: "notes", width: 5, align: "left" },
]);
if (anchor) console.log("## pm = the anchor on the same stand-in photo, right after ours; ratio = ms total / pm's; |a-pm| = mean |ours - anchor| over the unknown pixels");
table.header();

interface Finished {
  key: string; unknown: number; seconds: number; microsPerUnknown: number; withinBudget: boolean; converged: boolean;
  anchorSeconds?: number;
}
const finished: Finished[] = [];
const failures: string[] = [];
for (const trimapSet of trimapSets) {
  for (const name of names) {
    const key = `${name} ${trimapSet}`;
    const c = await loadCase(name, trimapSet);
    const { width, height } = c.image;
    const caseOptions = { ...options, signal: AbortSignal.timeout(timeoutSeconds * 1000 * repeat) };
    try {
      const { alpha, stats, milliseconds } = await timedRuns(matting, c.image, c.trimap, caseOptions, repeat);
      const budget = memoryBudget(stats.unknownPixels, width * height);
      const microsPerUnknown = (1000 * milliseconds.total) / Math.max(1, stats.unknownPixels);
      const withinBudget = stats.peakBytes <= budget;
      const seconds = milliseconds.total / 1000;
      const done: Finished = { key, unknown: stats.unknownPixels, seconds, microsPerUnknown, withinBudget, converged: stats.converged };
      finished.push(done);
      const anchorCells = ["-", "-", "-", "-", ""];
      if (anchor) {
        const theirs = await anchorCase(name, c.image, path.join(highresDir, trimapSet, `${name}.png`));
        if (theirs.alpha === undefined) {
          anchorCells[4] = `anchor: ${theirs.note}`;
        } else {
          done.anchorSeconds = theirs.seconds;
          anchorCells.splice(0, 4, fixed(theirs.seconds!, 1), fixed(sad({ width, height, predicted: theirs.alpha, truth: c.truth, unknown: c.unknown }), 2),
            fixed(meanAbsoluteDifference(alpha, theirs.alpha, c.unknown), 5), fixed(seconds / theirs.seconds!, 3));
        }
      }
      table.row([
        name, trimapSet, `${width}x${height}`, String(stats.unknownPixels), String(stats.iterations), stats.converged ? "yes" : "NO",
        ...PHASES.map((phase) => phaseCell(milliseconds, phase)), fixed(microsPerUnknown, 2),
        fixed(stats.peakBytes / 2 ** 20, 0), fixed(stats.peakBytes / Math.max(1, stats.unknownPixels), 0), fixed(budget / 2 ** 20, 0),
        withinBudget ? "ok" : "OVER", fixed(sad({ width, height, predicted: alpha, truth: c.truth, unknown: c.unknown }), 2), ...anchorCells,
      ]);
    } catch (error) {
      if (!(error instanceof MattingError)) throw error;
      const what = error.code === "ABORTED" ? `timed out after ${timeoutSeconds * repeat} s` : `${error.code}: ${error.message}`;
      failures.push(`${key}: ${what}`);
      const dashes = Array<string>(16).fill("-");
      table.row([name, trimapSet, `${width}x${height}`, String(countOnes(c.unknown)), ...dashes, what]);
    }
  }
}

console.log("\n## Against issue 12's targets at scale");
const anchored = finished.filter((f) => f.anchorSeconds !== undefined);
if (anchored.length > 0) {
  const r = ratioSummary(anchored.map((f) => f.seconds), anchored.map((f) => f.anchorSeconds!));
  const summary = `over ${anchored.length} case(s) the anchor finished: ours ${fixed(r.oursTotal, 1)} s, anchor ${fixed(r.anchorTotal, 1)} s`;
  console.log(`RATIO ours / anchor: median ${fixed(r.medianRatio, 3)}, of the totals ${fixed(r.totalRatio, 3)} (${summary})`);
  printVerdict(r.medianRatio <= TARGET_RATIO ? "PASS" : "MISSED", `median ratio ours / anchor ${fixed(r.medianRatio, 3)} <= ${TARGET_RATIO}`);
} else if (anchor) {
  printVerdict("n/a", "the anchor finished no case: no ratio");
}
for (const [key, target] of Object.entries(TARGET_SECONDS)) {
  const ours = finished.find((f) => f.key === key);
  const against = `target ${fixed(target, 2)} s (${threads} thread${threads > 1 ? "s" : ""})`;
  if (ours === undefined) {
    printVerdict("n/a", `${key}: not run or did not finish; ${against}`);
  } else if (!ours.converged) {
    printVerdict("n/a", `${key}: ${fixed(ours.seconds, 2)} s but NOT converged (capped iterations do not count); ${against}`);
  } else {
    printVerdict(ours.seconds <= target ? "PASS" : "MISSED", `${key}: ${fixed(ours.seconds, 2)} s; ${against}`);
  }
}
const inRange = finished.filter((f) => f.converged && f.unknown >= LINEAR_RANGE[0] && f.unknown <= LINEAR_RANGE[1]);
if (inRange.length >= 2) {
  // Across different photos the iteration count differs (GT13's fur needs three times GT04's), so this spread
  // measures difficulty as much as size; the size sweep below holds the photo fixed.
  const rates = inRange.map((f) => f.microsPerUnknown);
  const [fastest, slowest] = [Math.min(...rates), Math.max(...rates)];
  const range = `${fixed(fastest, 2)} to ${fixed(slowest, 2)} us over ${inRange.length} converged cases with 50 k to 3 M unknown`;
  printVerdict("info", `time per unknown pixel across photos from ${range}: ${fixed(slowest / fastest, 2)}x`);
}
const over = finished.filter((f) => !f.withinBudget).map((f) => f.key);
const memoryVerdict = finished.length === 0 ? "n/a" : over.length === 0 ? "PASS" : "MISSED";
const overNote = over.length > 0 ? ` (over: ${over.join(", ")})` : "";
const withinCount = `${finished.length - over.length} of ${finished.length} finished cases${overNote}`;
printVerdict(memoryVerdict, `peak wasm memory within 300 B per unknown + 40 B per image pixel on ${withinCount}`);
const total = names.length * trimapSets.length;
const converged = finished.filter((f) => f.converged).length;
const failed = failures.length > 0 ? `; failed: ${failures.join("; ")}` : "";
printVerdict(failures.length === 0 && converged === total ? "PASS" : "MISSED", `${finished.length} of ${total} cases completed, ${converged} converged${failed}`);

if (!args["no-sizes"]) await sizeSweep();

/**
 * The anchor on one stand-in case: the photo written to a temporary PNG, the high-res trimap file as it is. The
 * process may take twice the timeout (its untimed warm-up call is on the same case) before it counts as no result.
 */
async function anchorCase(name: string, image: { width: number; height: number; data: Uint8Array }, trimapFile: string):
  Promise<{ alpha?: Float32Array; seconds?: number; note: string }> {
  const folder = mkdtempSync(path.join(os.tmpdir(), "matting-standin-"));
  try {
    const photo = path.join(folder, `${name}.png`);
    await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png({ compressionLevel: 1 }).toFile(photo);
    const found = await runAnchor({ script: anchor!, method: options.method ?? "cf", timeoutSeconds: 2 * anchorTimeout }, { image: photo, trimapFile });
    const theirs = found.get(name);
    if (theirs === undefined) return { note: "gave no alpha" };
    if (theirs.ms > anchorTimeout * 1000) return { note: `no result in ${anchorTimeout} s (took ${fixed(theirs.ms / 1000, 0)} s)` };
    return { alpha: theirs.alpha, seconds: theirs.ms / 1000, note: "" };
  } catch (error) {
    if (error instanceof AnchorTimeout) return { note: `no result in ${anchorTimeout} s` };
    return { note: `failed: ${(error as Error).message.split("\n")[0]}` };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** GT04 Trimap1 at sizes with about 50 k to 3 M unknown pixels: time per unknown pixel should not grow. */
async function sizeSweep(): Promise<void> {
  const name = "GT04";
  const full = await readFirstChannel(path.join(highresDir, "trimap1", `${name}.png`));
  console.log(`\n## Growth with size: ${name} trimap1 scaled (nearest-neighbour trimap, bicubic stand-in photo)`);
  const sizes = new Table([
    { title: "scale", width: 5 }, { title: "size", width: 9 }, { title: "unknown", width: 7 }, { title: "iter", width: 5 },
    { title: "ms total", width: 8 }, { title: "us/unknown", width: 10 }, { title: "peak MiB", width: 8 },
  ]);
  sizes.header();
  const rates: number[] = [];
  for (const scale of SIZE_SCALES) {
    const width = Math.round(full.width * scale), height = Math.round(full.height * scale);
    const { data } = await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 1 } })
      .resize(width, height, { kernel: "nearest", fit: "fill" }).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const trimap = { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
    const image = await readRgbUpscaled(path.join(photoDir, "input", `${name}.png`), width, height);
    const { stats, milliseconds } = await timedRuns(matting, image, trimap, options, repeat);
    const micros = (1000 * milliseconds.total) / stats.unknownPixels;
    if (stats.converged) rates.push(micros);
    sizes.row([fixed(scale, 2), `${width}x${height}`, String(stats.unknownPixels), String(stats.iterations), fixed(milliseconds.total, 0),
      fixed(micros, 2), fixed(stats.peakBytes / 2 ** 20, 0)]);
  }
  const spread = Math.max(...rates) / Math.min(...rates);
  const verdict = rates.length === SIZE_SCALES.length && spread < 2 ? "PASS" : "MISSED";
  printVerdict(verdict, `time per unknown pixel of one photo from 50 k to 3 M unknown: ${fixed(Math.min(...rates), 2)} to ${fixed(Math.max(...rates), 2)} us, ${fixed(spread, 2)}x (target < 2x)`);
}
