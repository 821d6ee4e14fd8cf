// npm run bench:video: warm starts on a generated moving scene with known alpha (bench/moving-scene.ts).
// Each frame is solved cold (from 0) and warm (from the previous frame's warm solution before clamping, as
// matteSequence does), alternating which goes first, at the same tolerance; with --alpha-start also from the
// previous frame's clamped alpha ("alpha"), to show what the unclamped start gains. Prints total iterations and solve time each way (target:
// >= 2x fewer iterations warm), the largest and mean alpha difference warm vs cold, SAD against the ground truth,
// and temporal stability: the mean |alpha_t - alpha_t-1| over the unknown pixels whose true alpha did not change.
// With --motion-oracle also from the previous warm solution moved by the ball's true motion ("moved"): per pixel the
// previous value as it was or as moved (bilinear), whichever's 3x3 colours match the current frame's better, so that
// the still veil keeps its values and the ball's edge follows it. No motion estimate can beat the true motion, so
// this bounds what motion compensation could give a warm start here.
// Also the relative residual after the first iteration (geometric mean over frames): CG needs about
// log(tolerance |b| / |r0|) / log(rate) iterations, so a warm start saves the share log(|b| / |r0|) / log(1 / tolerance)
// of them whatever the preconditioner; halving them at 1e-7 needs a start whose residual is ~3e-4 of |b|.
//
//   npx tsx bench/video.ts [--frames 60] [--width 720] [--height 480] [--method cf] [--tolerance 1e-7] [--threads 1] [--alpha-start]
//                          [--motion-oracle]
import { parseArgs } from "node:util";
import { type AlphaResult, type AlphaSolution, type Progress, createMatting } from "../dist/entry/node.js";
import { Table, fixed, machineHeader, parsePositive, solverOptions, warmUp } from "./common.js";
import { type MovingFrame, ballCentre, movingFrame } from "./moving-scene.js";

const { values: args } = parseArgs({
  options: {
    frames: { type: "string" }, width: { type: "string" }, height: { type: "string" },
    method: { type: "string" }, tolerance: { type: "string" }, threads: { type: "string" }, "max-iterations": { type: "string" },
    "alpha-start": { type: "boolean" }, "motion-oracle": { type: "boolean" },
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
type Kind = "cold" | "warm" | "alpha" | "moved";
const kinds: Kind[] = ["cold", "warm", ...(args["alpha-start"] ? ["alpha" as const] : []), ...(args["motion-oracle"] ? ["moved" as const] : [])];
const runs: Record<Kind, Run> = { cold: newRun(), warm: newRun(), alpha: newRun(), moved: newRun() };

/** Bilinear sample of a plane of `channels` values per pixel at (x, y), clamped to the frame. */
function sample(plane: Float32Array, channels: number, channel: number, x: number, y: number): number {
  const cx = Math.min(width - 1, Math.max(0, x)), cy = Math.min(height - 1, Math.max(0, y));
  const x0 = Math.min(width - 2, Math.floor(cx)), y0 = Math.min(height - 2, Math.floor(cy)), fx = cx - x0, fy = cy - y0;
  const at = (px: number, py: number) => plane[(py * width + px) * channels + channel];
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

/**
 * The previous solution moved by (dx, dy) where that explains the current frame's colours better than no motion
 * (3x3 sums of squared colour differences against the previous frame, moved or not).
 */
function movedStart(solution: AlphaSolution, previous: MovingFrame, current: MovingFrame, dx: number, dy: number): AlphaSolution {
  const moved = new Float32Array(width * height), movedImage = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      moved[y * width + x] = sample(solution.unclamped, 1, 0, x - dx, y - dy);
      for (let c = 0; c < 3; c++) movedImage[(y * width + x) * 3 + c] = sample(previous.image, 3, c, x - dx, y - dy);
    }
  }
  const mismatch = (image: Float32Array, x: number, y: number) => {
    let sum = 0;
    for (let v = Math.max(0, y - 1); v <= Math.min(height - 1, y + 1); v++) {
      for (let u = Math.max(0, x - 1); u <= Math.min(width - 1, x + 1); u++) {
        for (let c = 0; c < 3; c++) sum += (image[(v * width + u) * 3 + c] - current.image[(v * width + u) * 3 + c]) ** 2;
      }
    }
    return sum;
  };
  const unclamped = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      unclamped[i] = mismatch(movedImage, x, y) < mismatch(previous.image, x, y) ? moved[i] : solution.unclamped[i];
    }
  }
  return { width, height, unclamped };
}
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
    let start: Float32Array | AlphaSolution | undefined = kind === "warm" ? run.solution : kind === "alpha" ? run.alphas[t - 1] : undefined;
    if (kind === "moved" && run.solution) {
      const [x0, y0] = ballCentre(t - 1, scene), [x1, y1] = ballCentre(t, scene);
      start = movedStart(run.solution, truths[t - 1], frame, x1 - x0, y1 - y0);
    }
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
if (kinds.includes("moved")) {
  console.log(`from the previous solution moved by the true motion (the bound for motion compensation): ` +
    `${fixed(runs.cold.iterations / runs.moved.iterations, 2)}x fewer iterations than cold`);
}
console.log(`${ratio >= 2 ? "PASS" : "MISS"}  target: >= 2x fewer iterations warm`);
matting.close();
