// Shared matting's kernels, one wasm build against another, in one process: for each case (photo and trimap of the
// low-res set) sm's phases at the default options (as src/methods/sm.ts calls them), each timed by the process's
// CPU time, the two builds alternating run by run after an untimed warm-up so that a load change on this shared
// machine falls on both; per phase the sum over the cases of each build's fastest run, their ratio, and the largest
// difference between the two builds' alphas. For trying a change to assembly/methods/sm*.ts: build the other
// side's wasm into a folder of its own (for example `git archive main | tar -x -C /tmp/main && cd /tmp/main &&
// npx asc assembly/index.ts --target release`).
// npx tsx bench/sm-ab.ts --old /tmp/main/dist/matting.wasm [--new dist/matting.wasm] [--data LOWRES_DIR]
//                        [--images GT02,GT10] [--trimaps trimap1,trimap2] [--runs 3]
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { type Arena, Engine } from "../dist/engine.js";
import { AB_OPTIONS, abCases, cpuOf, fixed, loadAverage, machineHeader, parseTrimaps, readFirstChannel, readRgb, repoRoot } from "./common.js";

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, new: { type: "string" }, trimaps: { type: "string" } } });
const { old, runs, dir, names } = abCases(args, "WASM (a .wasm file)", ["GT02", "GT10", "GT22", "GT26"]);
const trimaps = parseTrimaps(args.trimaps ?? "trimap1,trimap2");
/** The sm kernels of either build (assembly/index.ts), called with byte offsets and numbers. */
type Kernels = Record<string, (...args: number[]) => number>;
const PHASES = ["expand", "maps", "gather", "refine", "smooth"] as const;
type Phase = (typeof PHASES)[number];

const load = async (file: string) => Engine.create(await WebAssembly.compile(await readFile(path.resolve(file))));
const builds = { old: await load(old), new: await load(args.new ?? path.join(repoRoot, "dist/matting.wasm")) };

/** sm's phases at the default options, as src/methods/sm.ts runs them; returns the phases' CPU times and alpha. */
function runSm(arena: Arena, k: Kernels, rgb: Float64Array, trimap: Uint8Array, width: number, height: number): { times: Record<Phase, number>; alpha: Float64Array } {
  const n = width * height;
  const image = arena.copyIn(rgb);
  const known = arena.alloc(n);
  // The low-res trimaps hold 0, 128 and 255 only.
  arena.u8(known, n).set(trimap.map((t) => (t === 0 ? 0 : t === 255 ? 1 : 2)));
  const labels = arena.alloc(n), colours = () => arena.alloc(n * 12), plane = () => arena.alloc(n * 4);
  const times = {} as Record<Phase, number>;
  const expandScratch = arena.alloc(k.smExpandScratchBytes(10));
  // Builds before smDistanceMap made two i32 planes of label distances (smLabelDistances) and a map from them.
  const knownFg = plane(), knownBg = plane();
  times.expand = cpuOf(() => {
    if (k.smDistanceMap) {
      k.smDistanceMap(known, width, height, knownFg);
      k.smExpand(image, known, width, height, 10, 0.02, labels, expandScratch, knownFg);
    } else {
      k.smLabelDistances(known, width, height, 1, knownFg);
      k.smLabelDistances(known, width, height, 0, knownBg);
      k.smExpand(image, known, width, height, 10, 0.02, labels, expandScratch, knownFg, knownBg);
    }
  });
  const means = arena.alloc(48), gatherF = colours(), gatherB = colours(), scratch = arena.alloc(k.smGatherScratchBytes());
  const rayMap = arena.alloc(n * 2), fgDistance = plane(), bgDistance = plane(), gradients = arena.alloc(n * 32);
  times.maps = cpuOf(() => {
    k.smMeans(image, labels, n, means);
    if (k.smDistanceMap) {
      k.smDistanceMap(labels, width, height, rayMap);
    } else {
      k.smLabelDistances(labels, width, height, 1, fgDistance);
      k.smLabelDistances(labels, width, height, 0, bgDistance);
      k.smRayMap(fgDistance, bgDistance, n, rayMap);
    }
    k.smGradients(image, width, height, gradients);
  });
  // Builds before the gathering's diagonal order (smGatherOrderBytes) take no order and ignore the argument; builds
  // since 2026-12-01 size it by the unknown pixels (all pixels here, a bound) and refine and smooth F and B in place.
  const inPlace = k.smRefine.length === 9;
  const order = arena.alloc(!k.smGatherOrderBytes ? 16 : k.smGatherOrderBytes.length === 3 ? k.smGatherOrderBytes(width, height, n) : k.smGatherOrderBytes(width, height));
  times.gather = cpuOf(() => k.smGather(image, labels, width, height, means, 4, 3, 2, 1, 4, 1, rayMap, gradients, gatherF, gatherB, scratch, order));
  const refinedF = inPlace ? gatherF : colours(), refinedB = inPlace ? gatherB : colours(), refinedAlpha = plane();
  const refineScratch = arena.alloc(k.smRefineScratchBytes(5, width));
  times.refine = cpuOf(() => inPlace ? k.smRefine(image, labels, width, height, 5, gatherF, gatherB, refinedAlpha, refineScratch)
    : k.smRefine(image, labels, width, height, 5, gatherF, gatherB, refinedF, refinedB, refinedAlpha, refineScratch));
  const finalF = inPlace ? gatherF : colours(), finalB = inPlace ? gatherB : colours(), finalAlpha = plane(), weights = plane();
  const smoothScratch = arena.alloc(k.smSmoothColoursScratchBytes(5, width)), table = arena.alloc(k.smTableBytes(5));
  const alpha = arena.alloc(n * 8), sigma = 11 ** 2 / (9 * Math.PI), gaps = inPlace ? arena.alloc(n * 8) : gatherF;
  times.smooth = cpuOf(() => {
    if (inPlace) k.smSmoothColours(image, labels, width, height, 5, sigma, gatherF, gatherB, refinedAlpha, finalAlpha, weights, smoothScratch);
    else k.smSmoothColours(image, labels, width, height, 5, sigma, refinedF, refinedB, refinedAlpha, finalF, finalB, finalAlpha, weights, smoothScratch);
    k.smSmoothAlpha(image, labels, width, height, 5, 0.1, 5, sigma, refinedAlpha, finalF, finalB, finalAlpha, weights, alpha, table, gaps);
  });
  return { times, alpha: arena.f64(alpha, n).slice() };
}

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${args.old}, new ${args.new ?? "dist/matting.wasm"}; fastest of ${runs} run(s) each, CPU ms`);
const totals = { old: Object.fromEntries(PHASES.map((p) => [p, 0])), new: Object.fromEntries(PHASES.map((p) => [p, 0])) } as Record<"old" | "new", Record<Phase, number>>;
let worst = 0;
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  const rgb = Float64Array.from(photo.data, (v) => v / 255);
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    const best = { old: {} as Record<Phase, number>, new: {} as Record<Phase, number> };
    const alphas: Partial<Record<"old" | "new", Float64Array>> = {};
    for (let run = -1; run < runs; run++) {
      for (const side of run % 2 !== 0 ? (["old", "new"] as const) : (["new", "old"] as const)) {
        const result = await builds[side].run((arena) => runSm(arena, builds[side].kernels as unknown as Kernels, rgb, trimap.data, photo.width, photo.height));
        alphas[side] = result.alpha;
        if (run < 0) continue;
        for (const p of PHASES) best[side][p] = Math.min(best[side][p] ?? Infinity, result.times[p]);
      }
    }
    let difference = 0;
    alphas.old!.forEach((v, i) => (difference = Math.max(difference, Math.abs(v - alphas.new![i]))));
    worst = Math.max(worst, difference);
    for (const side of ["old", "new"] as const) for (const p of PHASES) totals[side][p] += best[side][p];
    const cells = PHASES.map((p) => `${p} ${fixed(best.old[p], 0)}/${fixed(best.new[p], 0)}`);
    console.log(`${name} ${set}  ${cells.join("  ")}  max |alpha difference| ${difference.toExponential(2)}`);
  }
}
const sum = (side: "old" | "new") => PHASES.reduce((s, p) => s + totals[side][p], 0);
console.log(`total  ${PHASES.map((p) => `${p} ${fixed(totals.old[p], 0)}/${fixed(totals.new[p], 0)} (${fixed(totals.new[p] / totals.old[p], 3)})`).join("  ")}`);
console.log(`all phases ${fixed(sum("old"), 0)} -> ${fixed(sum("new"), 0)} ms: new/old ${fixed(sum("new") / sum("old"), 3)}; max |alpha difference| ${worst.toExponential(2)}`);
console.log(`# load average ${loadAverage()} at the end`);
