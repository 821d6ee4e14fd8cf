// Shared matting (Gastal and Oliveira 2010) as pymatting 1.1.15 computes it (estimate_alpha_sm): trimap
// expansion, sample gathering along rays, sample refinement and local smoothing (assembly/methods/sm.ts),
// one phase at a time with progress and abort checks between them. No linear system: the iteration fields
// of stats are 0 and the method always "converges".
import type { Kernels } from "../engine.js";
import { MattingError } from "../errors.js";
import { numberListSpec, numberSpec } from "./options.js";
import { SEARCH_THREADING, searchThreads, teamScratchBytes, threadScratch } from "./search-team.js";
import type { AlphaMethod, OptionSpec } from "./types.js";

/** Shared matting's options, pymatting's estimate_alpha_sm arguments in camelCase, with its defaults. */
export interface SharedMattingOptions {
  /** Expand unknown pixels to known ones within this radius (default 10)... */
  trimapExpansionRadius?: number;
  /** ...of a colour within this distance (default 0.02; 0 turns expansion off). */
  trimapExpansionThreshold?: number;
  /** Rays per unknown pixel (default 4). */
  sampleGatheringAngles?: number;
  /** Exponents eN, eA, ef, eb of the pair cost (default [3, 2, 1, 4]). */
  sampleGatheringWeights?: number[];
  /** Radius of the chromatic distortion's neighbourhood (default 1). */
  sampleGatheringNpRadius?: number;
  /** Radius of sample refinement (default 5). */
  sampleRefinementRadius?: number;
  /** Radii of the three local smoothing passes (default 5 each). */
  localSmoothingRadius1?: number;
  localSmoothingRadius2?: number;
  localSmoothingRadius3?: number;
  /** Squared sigmas of the smoothing passes (defaults (2 r1 + 1)^2 / (9 pi), 0.1, (2 r1 + 1)^2 / (9 pi)). */
  localSmoothingSigmaSq1?: number;
  localSmoothingSigmaSq2?: number;
  localSmoothingSigmaSq3?: number;
}

interface SharedKernels extends Kernels {
  smExpandScratchBytes(kI: number): number;
  smExpand(image: number, labels: number, width: number, height: number, kI: number, kC: number, expanded: number, scratch: number,
    distances: number): void;
  smTableBytes(radius: number): number;
  smSmoothColoursScratchBytes(radius: number, width: number): number;
  smMeans(image: number, labels: number, pixels: number, means: number): void;
  smGatherScratchBytes(): number;
  smGather(image: number, labels: number, width: number, height: number, means: number, angles: number,
    eN: number, eA: number, ef: number, eb: number, npRadius: number, rayMap: number, gradients: number,
    gatherF: number, gatherB: number, scratch: number, order: number): void;
  smGatherOrderBytes(width: number, height: number, unknown: number): number;
  smGradients(image: number, width: number, height: number, gradients: number): void;
  smDistanceMap(labels: number, width: number, height: number, map: number): void;
  smRefineScratchBytes(radius: number, width: number): number;
  smRefine(image: number, labels: number, width: number, height: number, radius: number,
    gatherF: number, gatherB: number, refinedAlpha: number, scratch: number): void;
  smSmoothColours(image: number, labels: number, width: number, height: number, radius: number, sigmaSquared: number,
    refinedF: number, refinedB: number, refinedAlpha: number, finalAlpha: number, weights: number, scratch: number): void;
  indexAllPixels(pixels: number, index: number): void;
  smSmoothAlpha(image: number, labels: number, width: number, height: number, radius2: number, sigmaSquared2: number, radius3: number,
    sigmaSquared3: number, refinedAlpha: number, finalF: number, finalB: number, finalAlpha: number, weights: number, alpha: number, table: number,
    gaps: number): void;
}

const radiusSpec = (fallback: number, least: number) =>
  numberSpec(fallback, (v) => Number.isInteger(v) && v >= least && v <= 50, `an integer from ${least} to 50`);
const positive = (v: number) => Number.isFinite(v) && v > 0 && v <= 1e6;
/** A squared sigma, or undefined for pymatting's default (2 r1 + 1)^2 / (9 pi). */
function optionalSigmaSquared(): OptionSpec<number | undefined> {
  return {
    default: undefined,
    check(value, key) {
      if (typeof value !== "number" || !positive(value)) {
        throw new MattingError("INVALID_OPTION", `option ${key} must be a number in (0, 1e6], got ${String(value)}`, { option: key, value });
      }
      return value;
    },
  };
}

const options = {
  /** Unknown pixels take the label of a known pixel within this many pixels... */
  trimapExpansionRadius: radiusSpec(10, 0),
  /** ...whose colour is within this distance (RGB in [0, 1]); 0 turns expansion off. */
  trimapExpansionThreshold: numberSpec(0.02, (v) => Number.isFinite(v) && v >= 0 && v <= 2, "a number from 0 to 2"),
  /** Rays cast from each unknown pixel to gather samples. */
  sampleGatheringAngles: numberSpec(4, (v) => Number.isInteger(v) && v >= 1 && v <= 64, "an integer from 1 to 64"),
  /** Exponents eN, eA, ef, eb of the sample-pair cost (Gastal and Oliveira, eq. 7). */
  sampleGatheringWeights: numberListSpec([3, 2, 1, 4], (v) => Number.isFinite(v) && v >= 0 && v <= 16, "numbers from 0 to 16", 4),
  /** Radius of the neighbourhood N_p of the chromatic distortion. */
  sampleGatheringNpRadius: radiusSpec(1, 0),
  /** Neighbours whose samples refinement compares. */
  sampleRefinementRadius: radiusSpec(5, 1),
  localSmoothingRadius1: radiusSpec(5, 1),
  localSmoothingRadius2: radiusSpec(5, 1),
  localSmoothingRadius3: radiusSpec(5, 1),
  localSmoothingSigmaSq1: optionalSigmaSquared(),
  localSmoothingSigmaSq2: numberSpec(0.1, positive, "a number in (0, 1e6]"),
  localSmoothingSigmaSq3: optionalSigmaSquared(),
};

/** assembly/methods/sm.ts smGatherScratchBytes(). */
const GATHER_SCRATCH_BYTES = 4 * 64 * 8 + 64 * 64 * 16 + 4 * 8 + 64 * 32 + 3 * 64 * 4 + 16;
/** smGatherTogether's job record: 18 i32, then four f64. */
const GATHER_JOB_BYTES = 18 * 4 + 4 * 8;
/** The path energies' table of central differences (assembly/methods/sm-path.ts), held while gathering, and its padding. */
const GRADIENT_BYTES = 24, GRADIENT_PADDING = 4;
/** The rays' map of distances to the nearest foreground and background pixel (assembly/methods/sm-rays.ts). */
const RAY_MAP_BYTES = 2;
/** Gathering's order (smGatherOrderBytes): a count per diagonal (w + h - 1), then an i32 index per unknown pixel. */
const gatherOrderBytes = (width: number, height: number, unknown: number) => (width + height + unknown) * 4;
/** smSmoothAlpha's gaps: |F - B| and (SIMD build) 1 on known pixels, two f32 a pixel. */
const GAPS_BYTES_PER_PIXEL = 8;
/** Bytes per pixel while expanding the trimap: expanded labels, the known pixels' distance map (u16). */
const EXPANSION_BYTES_PER_PIXEL = 1 + 2;
/** assembly/methods/sm.ts smExpandScratchBytes: the (2 kI + 1)^2 offsets within kI (12 bytes each) and the rings' starts. */
const expandScratchBytes = (radius: number) => (2 * radius + 1) ** 2 * 12 + (radius + 2) * 4;
/** Bytes per pixel while gathering: expanded labels, F and B (f32 x 3), the ray map, the gradient table (the order besides). */
const GATHERING_BYTES_PER_PIXEL = 1 + 2 * 12 + RAY_MAP_BYTES + GRADIENT_BYTES;
/** Bytes per pixel while refining: expanded labels, F and B (refined in place), the refined alpha (the scratch besides). */
const REFINEMENT_BYTES_PER_PIXEL = 1 + 2 * 12 + 4;
/** Bytes per pixel during smoothing's pass 1: the above, the final alpha and the weights (F and B smoothed in place; its ring besides). */
const SMOOTHING_BYTES_PER_PIXEL = REFINEMENT_BYTES_PER_PIXEL + 2 * 4;
/** Bytes per pixel at the end: the above, the gaps, the f64 alpha (the index takes F and B's place). */
const END_BYTES_PER_PIXEL = SMOOTHING_BYTES_PER_PIXEL + GAPS_BYTES_PER_PIXEL + 8;
/**
 * assembly/methods/sm-refine.ts smRefineScratchBytes: 2 r + 1 rows of width + 3 pixels, ten f32 a pixel, the window's
 * distortions (2 r + 1 rows of 2 r + 1 f32, rounded up to fours), four windows' distortions ((2 r + 1)^2 + 3 f32x4),
 * ten f32x4 of their lanes' state, and r + 1 rows of refined F and B waiting to be written back (24 bytes a pixel).
 */
const refineScratchBytes = (radius: number, width: number) =>
  (2 * radius + 1) * (width + 3) * 10 * 4 + (2 * radius + 1) * ((2 * radius + 4) & ~3) * 4 + ((2 * radius + 1) ** 2 + 3) * 16 + 160
  + (radius + 1) * width * 24;
/** assembly/methods/sm-smooth.ts smTableBytes: passes 2 and 3's f32 spatial weights, (2 r3 + 1)^2 of them, held to the end. */
const smoothingTableBytes = (radius3: number) => (2 * radius3 + 1) ** 2 * 4;
/** assembly/methods/sm-smooth.ts smSmoothColoursScratchBytes: 2 r + 1 rows of seven f32 a pixel, 144 bytes of sums, an f32 weight table. */
const smoothScratchBytes = (radius: number, width: number) => (2 * radius + 1) * width * 7 * 4 + 144 + (2 * radius + 1) ** 2 * 4;

export const sharedMatting: AlphaMethod<typeof options> = {
  name: "sm",
  options,
  // Checked up front (not in solve, which a trimap without unknown pixels never reaches).
  checkOptions({ sampleGatheringWeights }) {
    if (sampleGatheringWeights.length !== 4) {
      throw new MattingError("INVALID_OPTION", `option sampleGatheringWeights must hold 4 numbers (eN, eA, ef, eb), got ${sampleGatheringWeights.length}`,
        { option: "sampleGatheringWeights", value: sampleGatheringWeights });
    }
  },
  /**
   * The gathering scratch (smGatherScratchBytes: two pixels' samples of 64 rays, the directions) is held throughout. Refinement
   * and smoothing's pass 1 hold less per pixel than the end, plus their rings of rows, which on a short wide picture
   * can be more.
   */
  peakBytes: (size, o, engine) => Math.max(
    size.pixels * EXPANSION_BYTES_PER_PIXEL + expandScratchBytes(o.trimapExpansionRadius),
    size.pixels * GATHERING_BYTES_PER_PIXEL + GRADIENT_PADDING + 16 + gatherOrderBytes(size.width, size.height, size.unknown),
    size.pixels * REFINEMENT_BYTES_PER_PIXEL + refineScratchBytes(o.sampleRefinementRadius, size.width),
    size.pixels * SMOOTHING_BYTES_PER_PIXEL + smoothScratchBytes(o.localSmoothingRadius1, size.width),
    size.pixels * END_BYTES_PER_PIXEL + smoothingTableBytes(o.localSmoothingRadius3),
  ) + GATHER_SCRATCH_BYTES + teamScratchBytes(searchThreads(engine, size.unknown), GATHER_SCRATCH_BYTES) + GATHER_JOB_BYTES + 4096,
  async solve(context, o) {
    const { arena, engine, pixels, width, height } = context;
    const k = engine.kernels as SharedKernels;
    const n = width * height;
    const [eN, eA, ef, eb] = o.sampleGatheringWeights;
    // pymatting's defaults; its third sigma is derived from the first radius, not the third.
    const defaultSigmaSquared = (2 * o.localSmoothingRadius1 + 1) ** 2 / (9 * Math.PI);
    const started = performance.now();
    const phase = async (fraction: number) => {
      context.progress({ phase: "solve", fraction });
      await context.checkpoint();
    };
    context.progress({ phase: "laplacian", fraction: 0 });
    const labels = arena.alloc(n);
    const colours = () => arena.alloc(n * 12);
    const plane = () => arena.alloc(n * 4);
    const mark = arena.mark();
    const expandScratch = arena.alloc(k.smExpandScratchBytes(o.trimapExpansionRadius));
    const knownDistances = arena.alloc(n * 2);
    k.smDistanceMap(pixels.labels, width, height, knownDistances);
    k.smExpand(pixels.image, pixels.labels, width, height, o.trimapExpansionRadius, o.trimapExpansionThreshold, labels, expandScratch, knownDistances);
    arena.release(mark);
    const means = arena.alloc(48);
    k.smMeans(pixels.image, labels, n, means);
    const gatherF = colours(), gatherB = colours();
    // On threads each gathers with a scratch of its own (assembly/methods/sm.ts smGatherTogether).
    const threads = searchThreads(engine, pixels.counts.unknown);
    const { scratch, stride } = threadScratch(arena, threads, k.smGatherScratchBytes()), job = threads > 1 ? arena.alloc(GATHER_JOB_BYTES) : 0;
    const gathering = arena.mark();
    const rayMap = arena.alloc(n * 2);
    k.smDistanceMap(labels, width, height, rayMap);
    const gradients = arena.alloc(n * GRADIENT_BYTES + GRADIENT_PADDING);
    const order = arena.alloc(k.smGatherOrderBytes(width, height, pixels.counts.unknown));
    k.smGradients(pixels.image, width, height, gradients);
    await phase(0.05);
    if (threads > 1) {
      arena.i32(job, 18).set([0, SEARCH_THREADING.rowChunk, scratch, stride, pixels.image, labels, width, height, means, o.sampleGatheringAngles,
        o.sampleGatheringNpRadius, rayMap, gradients, gatherF, gatherB, order, 0, 0]);
      arena.f64(job + 72, 4).set([eN, eA, ef, eb]);
      engine.together("smGatherTogether", [job]);
    } else {
      k.smGather(pixels.image, labels, width, height, means, o.sampleGatheringAngles, eN, eA, ef, eb, o.sampleGatheringNpRadius,
        rayMap, gradients, gatherF, gatherB, scratch, order);
    }
    arena.release(gathering);
    await phase(0.6);
    // Refinement and pass 1 of smoothing write F and B in place: from here gatherF and gatherB hold the refined, then
    // the final F and B.
    const refinedAlpha = plane();
    const refineMark = arena.mark();
    const refineScratch = arena.alloc(k.smRefineScratchBytes(o.sampleRefinementRadius, width));
    k.smRefine(pixels.image, labels, width, height, o.sampleRefinementRadius, gatherF, gatherB, refinedAlpha, refineScratch);
    arena.release(refineMark);
    await phase(0.75);
    const finalAlpha = plane(), weights = plane();
    const smoothMark = arena.mark();
    const smoothScratch = arena.alloc(k.smSmoothColoursScratchBytes(o.localSmoothingRadius1, width));
    k.smSmoothColours(pixels.image, labels, width, height, o.localSmoothingRadius1, o.localSmoothingSigmaSq1 ?? defaultSigmaSquared,
      gatherF, gatherB, refinedAlpha, finalAlpha, weights, smoothScratch);
    arena.release(smoothMark);
    const table = arena.alloc(k.smTableBytes(o.localSmoothingRadius3));
    await phase(0.9);
    const gaps = arena.alloc(n * GAPS_BYTES_PER_PIXEL), alpha = arena.alloc(n * 8);
    k.smSmoothAlpha(pixels.image, labels, width, height, o.localSmoothingRadius2, o.localSmoothingSigmaSq2, o.localSmoothingRadius3,
      o.localSmoothingSigmaSq3 ?? defaultSigmaSquared, refinedAlpha, gatherF, gatherB, finalAlpha, weights, alpha, table, gaps);
    // F and B are read no more: the index takes their place.
    arena.recycle(gatherF, n * 12);
    const index = arena.alloc(n * 4);
    k.indexAllPixels(n, index);
    return {
      solution: alpha, unknownIndex: index, iterations: 0, residual: 0, converged: true,
      milliseconds: { laplacian: 0, preconditioner: 0, solve: performance.now() - started },
      threads: 1,
    };
  },
};
