// npm run bench:video: warm starts on a generated moving scene with known alpha (bench/moving-scene.ts).
// Each frame is solved cold (from 0) and warm (from the previous frame's warm solution before clamping, as
// matteSequence does), alternating which goes first, at the same tolerance; with --alpha-start also from the
// previous frame's clamped alpha ("alpha"), to show what the unclamped start gains. Prints total iterations and solve time each way (target:
// >= 2x fewer iterations warm), the largest and mean alpha difference warm vs cold, SAD against the ground truth,
// and temporal stability: the mean |alpha_t - alpha_t-1| over the unknown pixels whose true alpha did not change.
// Also the relative residual after the first iteration (geometric mean over frames): CG needs about
// log(tolerance |b| / |r0|) / log(rate) iterations, so a warm start saves the share log(|b| / |r0|) / log(1 / tolerance)
// of them whatever the preconditioner; halving them at 1e-7 needs a start whose residual is ~3e-4 of |b|.
//
//   npx tsx bench/video.ts [--frames 60] [--width 720] [--height 480] [--method cf] [--tolerance 1e-7] [--threads 1] [--alpha-start]
import { parseArgs } from "node:util";
import { type AlphaResult, type AlphaSolution, type Progress, createMatting } from "../dist/entry/node.js";
import { Table, fixed, machineHeader, parsePositive, solverOptions, warmUp } from "./common.js";
import { type MovingFrame, movingFrame } from "./moving-scene.js";

const { values: args } = parseArgs({
  options: {
    frames: { type: "string" }, width: { type: "string" }, height: { type: "string" },
    method: { type: "string" }, tolerance: { type: "string" }, threads: { type: "string" }, "max-iterations": { type: "string" },
    "alpha-start": { type: "boolean" },
  },
});
const frames = parsePositive(args.frames, "frames", 60, true);
const width = parsePositive(args.width, "width", 720, true);
const height = parsePositive(args.height, "height", 480, true);
const { options, threads, note } = solverOptions(args);
const matting = await createMatting({ threads });
const scene = { width, height, frames };

interface Run {
  alphas: Float32Array[];
  /** The last frame's solution before clamping (the warm run's start for the next frame). */
  solution?: AlphaSolution;
  iterations: number;
  milliseconds: number;
  /** log of the relative residual after the first iteration, per counted frame. */
  firstResiduals: number[];
}
const newRun = (): Run => ({ alphas: [], iterations: 0, milliseconds: 0, firstResiduals: [] });
type Kind = "cold" | "warm" | "alpha";
const kinds: Kind[] = args["alpha-start"] ? ["cold", "warm", "alpha"] : ["cold", "warm"];
const runs: Record<Kind, Run> = { cold: newRun(), warm: newRun(), alpha: newRun() };
const solve = (frame: MovingFrame, initialAlpha?: Float32Array | AlphaSolution, firstResidual?: (residual: number) => void): Promise<AlphaResult> => {
  let reported = false;
  // The solve's first progress report comes after its first slice, one iteration.
  const onProgress = (p: Progress) => {
    if (reported || p.residual === undefined) return;
    reported = true;
    firstResidual?.(p.residual);
  };
  return matting.estimateAlpha({ width, height, data: frame.image }, { width, height, data: frame.trimap }, { ...options, initialAlpha, keepSolution: true, onProgress });
};

console.log(machineHeader());
console.log(`# ${frames} frames of ${width}x${height}; ${note}`);
const first = movingFrame(0, scene);
await warmUp(`frame 0`, () => solve(first));

const truths: MovingFrame[] = [];
let unknownMin = Infinity;
for (let t = 0; t < frames; t++) {
  const frame = movingFrame(t, scene);
  truths.push(frame);
  unknownMin = Math.min(unknownMin, frame.trimap.reduce((s, v) => s + (v === 128 ? 1 : 0), 0));
  // Rotate which goes first, so that none always meets a cache another warmed.
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[(k + t) % kinds.length];
    const run = runs[kind];
    const start = kind === "warm" ? run.solution : kind === "alpha" ? run.alphas[t - 1] : undefined;
    const result = await solve(frame, start, (residual) => t > 0 && run.firstResiduals.push(Math.log10(residual)));
    run.alphas.push(result.alpha);
    run.solution = result.solution;
    if (t > 0) {
      // Frame 0 has no previous frame: both runs solve it cold, so it counts for neither.
      run.iterations += result.stats.iterations;
      run.milliseconds += result.stats.milliseconds.solve;
    }
  }
}

/** SAD (sum of |alpha - truth| over the unknown pixels, / 1000, as alphamatting.com) per frame, its mean. */
function meanSad(alphas: Float32Array[]): number {
  let total = 0;
  alphas.forEach((alpha, t) => {
    const { trimap, alpha: truth } = truths[t];
    for (let i = 0; i < alpha.length; i++) if (trimap[i] === 128) total += Math.abs(alpha[i] - truth[i]);
  });
  return total / 1000 / alphas.length;
}

/** Mean |alpha_t - alpha_t-1| over pixels unknown in both frames whose true alpha did not change. */
function flicker(alphas: Float32Array[]): number {
  let sum = 0, count = 0;
  for (let t = 1; t < alphas.length; t++) {
    const now = truths[t], before = truths[t - 1];
    for (let i = 0; i < now.alpha.length; i++) {
      if (now.trimap[i] !== 128 || before.trimap[i] !== 128 || now.alpha[i] !== before.alpha[i]) continue;
      sum += Math.abs(alphas[t][i] - alphas[t - 1][i]);
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

let maxDifference = 0, differenceSum = 0, differenceCount = 0;
runs.warm.alphas.forEach((alpha, t) => {
  const cold = runs.cold.alphas[t];
  for (let i = 0; i < alpha.length; i++) {
    const d = Math.abs(alpha[i] - cold[i]);
    maxDifference = Math.max(maxDifference, d);
    differenceSum += d;
    differenceCount++;
  }
});

console.log(`# at least ${unknownMin} unknown pixels per frame; frames 1..${frames - 1} counted`);
const table = new Table([
  { title: "start", width: 5, align: "left" }, { title: "iterations", width: 10 }, { title: "solve s", width: 8 },
  { title: "first residual", width: 14 }, { title: "mean SAD", width: 8 }, { title: "flicker x1e3", width: 12 },
]);
table.header();
for (const kind of kinds) {
  const run = runs[kind];
  const firstResidual = 10 ** (run.firstResiduals.reduce((s, v) => s + v, 0) / run.firstResiduals.length);
  table.row([kind, String(run.iterations), fixed(run.milliseconds / 1000, 1), firstResidual.toExponential(2), fixed(meanSad(run.alphas), 2), fixed(1000 * flicker(run.alphas), 3)]);
}
const ratio = runs.cold.iterations / runs.warm.iterations;
console.log(`warm vs cold: ${fixed(ratio, 2)}x fewer iterations, ${fixed(runs.cold.milliseconds / runs.warm.milliseconds, 2)}x less solve time; ` +
  `alpha difference max ${maxDifference.toExponential(2)}, mean ${(differenceSum / differenceCount).toExponential(2)}`);
if (kinds.includes("alpha")) {
  console.log(`from the clamped alpha instead: ${fixed(runs.cold.iterations / runs.alpha.iterations, 2)}x fewer iterations than cold`);
}
console.log(`${ratio >= 2 ? "PASS" : "MISS"}  target: >= 2x fewer iterations warm`);
matting.close();
