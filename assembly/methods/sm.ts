// Shared matting (Gastal and Oliveira 2010) as pymatting 1.1.15 computes it (estimate_alpha_sm), phase by
// phase: trimap expansion (sec. 4.1) and sample gathering along rays (4.2) here, sample refinement (4.3) and
// local smoothing (4.4) in methods/sm-smooth.ts. pymatting's ray angles are fixed per pixel (no randomness),
// so this is deterministic. Labels 0 background, 1 foreground, 2 unknown.
// Where pymatting deviates from the paper, its behaviour is kept, since its matte is the reference: the
// gradient along a path steps y by the x increment, and the third smoothing sigma defaults from the first radius.

import { LABEL_BACKGROUND, LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";
import { field, pointerField } from "../record";
import { barrier, beat, takeChunk, threadIndex, threadScratch, threads } from "../team";
import { alphaOf, rgb, setF3 } from "./sm-colour";
import { BACKGROUND_LANES_BYTES, neighbourhoodDistortions, setLane } from "./sm-pair";
import { pathEnergy } from "./sm-path";
import { castRaysPair, RAY_HITS_BYTES, RAY_SAMPLES_BYTES } from "./sm-rays";

const MAX_ANGLES: i32 = 64;

/** x^e, by multiplication when e is a small whole number (the default exponents are). */
@inline
function power(x: f64, e: f64): f64 {
  if (e == 0) return 1;
  if (e == 1) return x;
  if (e == 2) return x * x;
  if (e == 3) return x * x * x;
  if (e == 4) {
    const square = x * x;
    return square * square;
  }
  return Math.pow(x, e);
}

/** power of each lane of x (f64x2), the same operations as power's. */
@inline
function powerLanes(x: v128, e: f64): v128 {
  if (e == 0) return f64x2.splat(1);
  if (e == 1) return x;
  if (e == 2) return f64x2.mul(x, x);
  if (e == 3) return f64x2.mul(f64x2.mul(x, x), x);
  if (e == 4) {
    const square = f64x2.mul(x, x);
    return f64x2.mul(square, square);
  }
  return f64x2(Math.pow(f64x2.extract_lane(x, 0), e), Math.pow(f64x2.extract_lane(x, 1), e));
}

/**
 * g_p of foreground colour F = (fr, fg, fb) with the two background samples whose records (colour, D_b^eb: f64 x 4)
 * are at at0 and at1, as f64x2: each lane the arithmetic of smGather's scalar loop (alphaOf's, rounded to f32, A_p,
 * then N_p^eN A_p^eA D_f^ef D_b^eb multiplied in that order), N_p the two f32 lanes of `distortions`.
 */
@inline
function pairCosts(ir: f64, ig: f64, ib: f64, fr: f64, fg: f64, fb: f64, at0: usize, at1: usize, pf: f64, distortions: v128, eN: f64, eA: f64,
  factorF: f64): v128 {
  const br = f64x2(load<f64>(at0), load<f64>(at1)), bg = f64x2(load<f64>(at0, 8), load<f64>(at1, 8)), bb = f64x2(load<f64>(at0, 16), load<f64>(at1, 16));
  const dr = f64x2.sub(f64x2.splat(fr), br), dg = f64x2.sub(f64x2.splat(fg), bg), db = f64x2.sub(f64x2.splat(fb), bb);
  const numerator = f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(f64x2.splat(ir), br), dr), f64x2.mul(f64x2.sub(f64x2.splat(ig), bg), dg)),
    f64x2.mul(f64x2.sub(f64x2.splat(ib), bb), db));
  const denominator = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(dr, dr), f64x2.mul(dg, dg)), f64x2.mul(db, db)), f64x2.splat(1e-5));
  const a = f64x2.min(f64x2.splat(1.0), f64x2.max(f64x2.splat(0.0), f64x2.div(numerator, denominator)));
  const alpha = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(a));
  const ap = f64x2.add(f64x2.splat(pf), f64x2.mul(f64x2.splat(1.0 - 2.0 * pf), alpha));
  return f64x2.mul(f64x2.mul(f64x2.mul(powerLanes(f64x2.promote_low_f32x4(distortions), eN), powerLanes(ap, eA)), f64x2.splat(factorF)),
    f64x2(load<f64>(at0, 24), load<f64>(at1, 24)));
}

/**
 * The largest f64 s with sqrt(s) <= kC (kC > 0): as sqrt rounds correctly it is monotone, so sqrt(s) > kC exactly
 * when s > this, and the colour test needs no square root.
 */
function largestSquareWithin(kC: f64): f64 {
  let s = kC * kC;
  while (Math.sqrt(s) > kC) s = reinterpret<f64>(reinterpret<u64>(s) - 1);
  while (Math.sqrt(reinterpret<f64>(reinterpret<u64>(s) + 1)) <= kC) s = reinterpret<f64>(reinterpret<u64>(s) + 1);
  return s;
}

/**
 * Scratch bytes smExpand needs for radius kI: its offsets within kI, nearest first, as (dx, dy) and as index steps
 * dy width + dx, and where each ring starts.
 */
export function smExpandScratchBytes(kI: i32): i32 {
  return (2 * kI + 1) * (2 * kI + 1) * 12 + (kI + 2) * 4;
}

/** Expansion's test of pixel j: its label if it is known and its colour within kC of (ir, ig, ib), else unknown. */
@inline
function expansionLabel(image: usize, labels: usize, j: i32, ir: f64, ig: f64, ib: f64, squaredKC: f64): u8 {
  const label = load<u8>(labels + <usize>j);
  if (label == LABEL_UNKNOWN) return LABEL_UNKNOWN;
  const dr = ir - rgb(image, j, 0), dg = ig - rgb(image, j, 1), db = ib - rgb(image, j, 2);
  return dr * dr + dg * dg + db * db > squaredKC ? LABEL_UNKNOWN : label;
}

/**
 * Expansion (sec. 4.1): an unknown pixel takes the label of the nearest known pixel within kI pixels
 * (Euclidean; the first in raster order on ties) whose colour lies within kC. Reads `labels`, writes `expanded`.
 * The offsets within kI are visited nearest first (raster order among equals), so the first match is the one.
 * distances: the map of `labels` (smDistanceMap: capped chessboard distances to the nearest foreground and
 * background pixel, one byte each). No known pixel is nearer than their lesser d, in Euclidean distance either, so
 * the offsets nearer than d are skipped, and pixels with d > kI at once (a capped d is only smaller: it skips less).
 */
export function smExpand(image: usize, labels: usize, width: i32, height: i32, kI: i32, kC: f64, expanded: usize, scratch: usize,
  distances: usize): void {
  const pixels = width * height;
  memory.copy(expanded, labels, <usize>pixels);
  if (kI <= 0 || kC <= 0) return;
  let count = 0;
  for (let dy = -kI; dy <= kI; dy++) {
    for (let dx = -kI; dx <= kI; dx++) {
      const d = dx * dx + dy * dy;
      if (d > kI * kI) continue;
      // Insertion by (distance, raster order); raster order is the order of generation, so only distance moves it.
      let at = count++;
      while (at > 0) {
        const before = scratch + (<usize>(at - 1) << 3);
        const bx = load<i32>(before), by = load<i32>(before, 4);
        if (bx * bx + by * by <= d) break;
        store<i64>(scratch + (<usize>at << 3), load<i64>(before));
        at--;
      }
      store<i32>(scratch + (<usize>at << 3), dx);
      store<i32>(scratch + (<usize>at << 3), dy, 4);
    }
  }
  // ringStart[t] = the first offset with dx^2 + dy^2 >= t^2, for t = 0..kI.
  const ringStart = scratch + (<usize>((2 * kI + 1) * (2 * kI + 1)) << 3);
  for (let t = 0, k = 0; t <= kI; t++) {
    while (k < count) {
      const dx = load<i32>(scratch + (<usize>k << 3)), dy = load<i32>(scratch + (<usize>k << 3), 4);
      if (dx * dx + dy * dy >= t * t) break;
      k++;
    }
    store<i32>(ringStart + (<usize>t << 2), k);
  }
  // steps[k] = dy width + dx of offset k: for pixels whose disc lies inside the image, no bounds to check.
  const steps = ringStart + (<usize>(kI + 2) << 2);
  for (let k = 0; k < count; k++) {
    store<i32>(steps + (<usize>k << 2), load<i32>(scratch + (<usize>k << 3), 4) * width + load<i32>(scratch + (<usize>k << 3)));
  }
  const squaredKC = largestSquareWithin(kC);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (load<u8>(labels + <usize>i) != LABEL_UNKNOWN) continue;
      const pair = <i32>load<u16>(distances + (<usize>i << 1)), nearest = min(pair & 0xff, pair >> 8);
      if (nearest > kI) continue;
      const ir = rgb(image, i, 0), ig = rgb(image, i, 1), ib = rgb(image, i, 2);
      if (x >= kI && x + kI < width && y >= kI && y + kI < height) {
        for (let k = load<i32>(ringStart + (<usize>nearest << 2)); k < count; k++) {
          const label = expansionLabel(image, labels, i + load<i32>(steps + (<usize>k << 2)), ir, ig, ib, squaredKC);
          if (label == LABEL_UNKNOWN) continue;
          store<u8>(expanded + <usize>i, label);
          break;
        }
        continue;
      }
      for (let k = load<i32>(ringStart + (<usize>nearest << 2)); k < count; k++) {
        const x2 = x + load<i32>(scratch + (<usize>k << 3)), y2 = y + load<i32>(scratch + (<usize>k << 3), 4);
        if (x2 < 0 || x2 >= width || y2 < 0 || y2 >= height) continue;
        const label = expansionLabel(image, labels, y2 * width + x2, ir, ig, ib, squaredKC);
        if (label == LABEL_UNKNOWN) continue;
        store<u8>(expanded + <usize>i, label);
        break;
      }
    }
  }
}

/** Mean colours of the foreground and background pixels into means (f64 x 6: F then B). */
export function smMeans(image: usize, labels: usize, pixels: i32, means: usize): void {
  let fr = 0.0, fg = 0.0, fb = 0.0, br = 0.0, bg = 0.0, bb = 0.0, fn = 0, bn = 0;
  for (let i = 0; i < pixels; i++) {
    const label = load<u8>(labels + <usize>i);
    if (label == LABEL_FOREGROUND) {
      fr += rgb(image, i, 0); fg += rgb(image, i, 1); fb += rgb(image, i, 2); fn++;
    } else if (label == LABEL_BACKGROUND) {
      br += rgb(image, i, 0); bg += rgb(image, i, 1); bb += rgb(image, i, 2); bn++;
    }
  }
  store<f64>(means, fr / <f64>fn); store<f64>(means, fg / <f64>fn, 8); store<f64>(means, fb / <f64>fn, 16);
  store<f64>(means, br / <f64>bn, 24); store<f64>(means, bg / <f64>bn, 32); store<f64>(means, bb / <f64>bn, 40);
}

/**
 * min over the `count` samples ((x, y) i32 pairs) of E_p(s) (pathEnergy). The nearest sample goes first: its path is
 * the shortest and mostly the cheapest, so the bound it sets stops the others' sums early. The minimum does not
 * depend on the order (a sum stopped at the bound is no less than it).
 */
@inline
function leastPathEnergy(image: usize, gradients: usize, width: i32, height: i32, x: i32, y: i32, samples: usize, count: i32): f64 {
  let nearest = 0, nearestDistance = i32.MAX_VALUE;
  for (let k = 0; k < count; k++) {
    const dx = load<i32>(samples + (<usize>k << 3)) - x, dy = load<i32>(samples + (<usize>k << 3), 4) - y;
    if (dx * dx + dy * dy < nearestDistance) {
      nearestDistance = dx * dx + dy * dy;
      nearest = k;
    }
  }
  let least = pathEnergy(image, gradients, width, height, x, y, load<i32>(samples + (<usize>nearest << 3)), load<i32>(samples + (<usize>nearest << 3), 4), Infinity);
  for (let k = 0; k < count; k++) {
    if (k == nearest) continue;
    least = min(least, pathEnergy(image, gradients, width, height, x, y, load<i32>(samples + (<usize>k << 3)), load<i32>(samples + (<usize>k << 3), 4), least));
  }
  return least;
}

/**
 * Scratch bytes smGather needs: positions of up to 64 foreground and 64 background samples of two pixels, ray
 * directions, castRays' hits, the background samples' colours and distance factors, their colours as f32 lanes, four
 * distortions.
 */
export function smGatherScratchBytes(): i32 {
  return 4 * RAY_SAMPLES_BYTES + 64 * MAX_ANGLES * 16 + RAY_HITS_BYTES + MAX_ANGLES * 32 + BACKGROUND_LANES_BYTES + 16;
}

/** Bytes of smGather's `order` for at most `unknown` unknown pixels: a count per diagonal, then their indices. */
export function smGatherOrderBytes(width: i32, height: i32, unknown: i32): i32 {
  return (width + height + unknown) * 4;
}

/** Where the indices of `order` start: after the w + h - 1 diagonals' counts. */
@inline
function orderIndices(order: usize, width: i32, height: i32): usize {
  return order + (<usize>(width + height - 1) << 2);
}

/**
 * Writes the indices of the unknown pixels to `order` (smGatherOrderBytes; from orderIndices on), diagonal x - y =
 * 1 - height first, and along each diagonal by increasing x (a counting sort in two raster passes); returns how many
 * there are.
 */
function diagonalOrder(labels: usize, width: i32, height: i32, order: usize): i32 {
  const starts = order, diagonals = width + height - 1, indices = orderIndices(order, width, height);
  memory.fill(starts, 0, <usize>diagonals << 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (load<u8>(labels + <usize>(y * width + x)) != LABEL_UNKNOWN) continue;
      const at = starts + (<usize>(x - y + height - 1) << 2);
      store<i32>(at, load<i32>(at) + 1);
    }
  }
  let unknown = 0;
  for (let d = 0; d < diagonals; d++) {
    const count = load<i32>(starts + (<usize>d << 2));
    store<i32>(starts + (<usize>d << 2), unknown);
    unknown += count;
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (load<u8>(labels + <usize>(y * width + x)) != LABEL_UNKNOWN) continue;
      const at = starts + (<usize>(x - y + height - 1) << 2), slot = load<i32>(at);
      store<i32>(indices + (<usize>slot << 2), y * width + x);
      store<i32>(at, slot + 1);
    }
  }
  return unknown;
}

/**
 * Sample gathering (sec. 4.2): from each unknown pixel, `angles` rays (start angle fixed by the pixel's place in an
 * 8x8 tile, as pymatting does) each take the first foreground and the first background pixel they meet; of all
 * pairs, the one minimising g_p = N_p^eN A_p^eA D_f^ef D_b^eb (eq. 7) gives F and B. Known pixels keep
 * their colour as F (foreground) or B (background) and the mean colour of the other kind.
 */
export function smGather(
  image: usize, labels: usize, width: i32, height: i32, means: usize, angles: i32,
  eN: f64, eA: f64, ef: f64, eb: f64, npRadius: i32, rayMap: usize, gradients: usize,
  gatherF: usize, gatherB: usize, scratch: usize, order: usize
): void {
  const unknown = gatherStart(image, labels, width, height, means, gatherF, gatherB, order);
  rayDirections(scratch, angles);
  gatherRanks(image, width, height, means, angles, eN, eA, ef, eb, npRadius, rayMap, gradients, gatherF, gatherB, scratch,
    orderIndices(order, width, height), unknown, 0, unknown);
}

/**
 * smGather on the engine's threads (src/methods/sm.ts): the first thread sets the known pixels and orders the
 * unknown ones, every thread writes the rays' directions into its own scratch, and then each takes chunks of the
 * order (pairs kept whole) from the job's cursor. A pixel's F and B depend on nothing but the image and the labels
 * and go to its own place: one thread's, bit for bit.
 * job: i32 [0] cursor [1] ranks per chunk (even) [2] scratch [3] stride [4] image [5] labels [6] width [7] height
 *   [8] means [9] angles [10] npRadius [11] rayMap [12] gradients [13] gatherF [14] gatherB [15] order
 *   [16] unknown pixels (the first thread writes it); f64 at byte 72: eN, eA, ef, eb
 */
export function smGatherTogether(job: usize, context: usize): void {
  const image = pointerField(job, 4), labels = pointerField(job, 5), width = field(job, 6), height = field(job, 7), means = pointerField(job, 8);
  const angles = field(job, 9), gatherF = pointerField(job, 13), gatherB = pointerField(job, 14), order = pointerField(job, 15);
  const scratch = threadScratch(context, pointerField(job, 2), field(job, 3));
  if (threadIndex(context) == 0) store<i32>(job, gatherStart(image, labels, width, height, means, gatherF, gatherB, order), 64);
  rayDirections(scratch, angles);
  barrier(context);
  // Chunks of an even number of ranks, so that the pairs are one thread's.
  const unknown = field(job, 16), chunk = threads(context) == 1 ? max(2, unknown + 1) : (max(2, field(job, 1)) + 1) & ~1;
  for (;;) {
    const from = takeChunk(job, chunk);
    if (from >= unknown) break;
    gatherRanks(image, width, height, means, angles, load<f64>(job, 72), load<f64>(job, 80), load<f64>(job, 88), load<f64>(job, 96), field(job, 10),
      pointerField(job, 11), pointerField(job, 12), gatherF, gatherB, scratch, orderIndices(order, width, height), unknown, from, min(unknown, from + chunk));
    beat(context);
  }
}

/** The rays' directions (cos, sin) for each of the 64 start angles of the 8x8 tile and each ray, in the scratch. */
function rayDirections(scratch: usize, angles: i32): void {
  const directions = scratch + (<usize>(4 * RAY_SAMPLES_BYTES));
  for (let tile = 0; tile < 64; tile++) {
    const startAngle = 2.0 * Math.PI / 64.0 * <f64>tile;
    for (let a = 0; a < angles; a++) {
      const angle = 2.0 * Math.PI / <f64>angles * <f64>a + startAngle;
      const at = directions + (<usize>(tile * angles + a) << 4);
      store<f64>(at, Math.cos(angle));
      store<f64>(at, Math.sin(angle), 8);
    }
  }
}

/**
 * Known pixels in raster order: their own colour as F (foreground) or B (background), the other kind's mean; then
 * the unknown pixels' order (diagonalOrder). Returns how many are unknown.
 */
function gatherStart(image: usize, labels: usize, width: i32, height: i32, means: usize, gatherF: usize, gatherB: usize, order: usize): i32 {
  const meanFr = load<f64>(means), meanFg = load<f64>(means, 8), meanFb = load<f64>(means, 16);
  const meanBr = load<f64>(means, 24), meanBg = load<f64>(means, 32), meanBb = load<f64>(means, 40);
  const pixels = width * height;
  for (let i = 0; i < pixels; i++) {
    const label = load<u8>(labels + <usize>i);
    if (label == LABEL_UNKNOWN) continue;
    if (label == LABEL_FOREGROUND) setF3(gatherF, i, rgb(image, i, 0), rgb(image, i, 1), rgb(image, i, 2));
    else setF3(gatherF, i, meanFr, meanFg, meanFb);
    if (label == LABEL_BACKGROUND) setF3(gatherB, i, rgb(image, i, 0), rgb(image, i, 1), rgb(image, i, 2));
    else setF3(gatherB, i, meanBr, meanBg, meanBb);
  }
  return diagonalOrder(labels, width, height, order);
}

/**
 * The unknown pixels of ranks [from, to) of the order (from even) gathered. Along the diagonals x - y = const: the
 * path points of a pixel lie on or next to its diagonal (pymatting steps y by the x increment, see sm-path.ts), so the
 * next pixel finds them in cache. Each pixel's answer depends on nothing but the image and the labels, so the order
 * does not change it. Two pixels' rays are cast at once (castRaysPair), then each pixel's samples are weighed. The
 * scratch holds the rays' directions (rayDirections).
 */
function gatherRanks(
  image: usize, width: i32, height: i32, means: usize, angles: i32, eN: f64, eA: f64, ef: f64, eb: f64, npRadius: i32, rayMap: usize,
  gradients: usize, gatherF: usize, gatherB: usize, scratch: usize, order: usize, unknown: i32, from: i32, to: i32,
): void {
  const meanFr = load<f64>(means), meanFg = load<f64>(means, 8), meanFb = load<f64>(means, 16);
  const meanBr = load<f64>(means, 24), meanBg = load<f64>(means, 32), meanBb = load<f64>(means, 40);
  const maxSteps = 2 * max(width, height);
  const samples = scratch; // two pixels' foreground and background samples, (x, y) i32 pairs (castRaysPair)
  const directions = samples + (<usize>(4 * RAY_SAMPLES_BYTES));
  const hits = directions + (<usize>(64 * MAX_ANGLES) << 4);
  const bgTable = hits + <usize>RAY_HITS_BYTES; // per background sample: colour, D_b^eb (f64 x 4)
  const bgLanes = bgTable + (<usize>MAX_ANGLES << 5), distortions = bgLanes + <usize>BACKGROUND_LANES_BYTES;
  for (let rank = from; rank < to; rank += 2) {
    const iA = load<i32>(order + (<usize>rank << 2)), yA = iA / width, xA = iA - yA * width;
    // An odd last pixel is cast twice, as A and as B, and weighed once.
    const iB = rank + 1 < unknown ? load<i32>(order + (<usize>rank << 2), 4) : iA, yB = iB / width, xB = iB - yB * width;
    const counts = castRaysPair(rayMap, width, height, xA, yA, directions + (<usize>(startTile(xA, yA) * angles) << 4),
      xB, yB, directions + (<usize>(startTile(xB, yB) * angles) << 4), angles, maxSteps, samples, hits);
    for (let member = 0; member < 2 && rank + member < unknown; member++) {
      const i = member == 0 ? iA : iB, y = member == 0 ? yA : yB, x = member == 0 ? xA : xB;
      const ir = rgb(image, i, 0), ig = rgb(image, i, 1), ib = rgb(image, i, 2);
      setF3(gatherF, i, meanFr, meanFg, meanFb);
      setF3(gatherB, i, meanBr, meanBg, meanBb);
      const fgSamples = samples + <usize>(member * 2 * RAY_SAMPLES_BYTES), bgSamples = fgSamples + <usize>RAY_SAMPLES_BYTES;
      let fgCount = (counts >>> (member << 4)) & 0xff, bgCount = (counts >>> ((member << 4) + 8)) & 0xff;
      // No sample of a kind: the mean colour of that kind, placed at p itself.
      const fgMissing = fgCount == 0, bgMissing = bgCount == 0;
      if (fgMissing) {
        store<i32>(fgSamples, x);
        store<i32>(fgSamples, y, 4);
        fgCount = 1;
      }
      if (bgMissing) {
        store<i32>(bgSamples, x);
        store<i32>(bgSamples, y, 4);
        bgCount = 1;
      }
      const minEf = leastPathEnergy(image, gradients, width, height, x, y, fgSamples, fgCount);
      const minEb = leastPathEnergy(image, gradients, width, height, x, y, bgSamples, bgCount);
      const pf = minEb / (minEf + minEb + 1e-5);
      // Each background sample's colour and D_b^eb, once for all foreground samples.
      for (let m = 0; m < bgCount; m++) {
        const bx = load<i32>(bgSamples + (<usize>m << 3)), by = load<i32>(bgSamples + (<usize>m << 3), 4);
        const b = by * width + bx, at = bgTable + (<usize>m << 5);
        store<f64>(at, bgMissing ? meanBr : rgb(image, b, 0));
        store<f64>(at, bgMissing ? meanBg : rgb(image, b, 1), 8);
        store<f64>(at, bgMissing ? meanBb : rgb(image, b, 2), 16);
        store<f64>(at, power(Math.sqrt(<f64>((x - bx) * (x - bx) + (y - by) * (y - by))), eb), 24);
        setLane(bgLanes, m, load<f64>(at), load<f64>(at, 8), load<f64>(at, 16));
      }
      // The last group of four lanes filled up with the last sample, so that no lane computes on stale bits.
      for (let m = bgCount; m % 4 != 0; m++) setLane(bgLanes, m, load<f64>(bgTable + (<usize>(bgCount - 1) << 5)),
        load<f64>(bgTable + (<usize>(bgCount - 1) << 5), 8), load<f64>(bgTable + (<usize>(bgCount - 1) << 5), 16));
      let minCost = Infinity;
      for (let k = 0; k < fgCount; k++) {
        const fx = load<i32>(fgSamples + (<usize>k << 3)), fy = load<i32>(fgSamples + (<usize>k << 3), 4);
        const f = fy * width + fx;
        const fr = fgMissing ? meanFr : rgb(image, f, 0), fg = fgMissing ? meanFg : rgb(image, f, 1), fb = fgMissing ? meanFb : rgb(image, f, 2);
        const factorF = power(Math.sqrt(<f64>((x - fx) * (x - fx) + (y - fy) * (y - fy))), ef);
        if (ASC_FEATURE_SIMD) {
          // Two background samples' costs at once (pairCosts), offered in order as below.
          for (let m = 0; m < bgCount; m += 2) {
            if (m % 4 == 0) neighbourhoodDistortions(image, width, height, x, y, npRadius, <f32>fr, <f32>fg, <f32>fb, bgLanes, m, distortions);
            const at0 = bgTable + (<usize>m << 5), at1 = m + 1 < bgCount ? at0 + 32 : at0;
            const costs = pairCosts(ir, ig, ib, fr, fg, fb, at0, at1, pf, v128.load64_zero(distortions + (<usize>(m % 4) << 2)), eN, eA, factorF);
            minCost = takeIfCheaper(minCost, f64x2.extract_lane(costs, 0), gatherF, gatherB, i, fr, fg, fb, at0);
            if (m + 1 < bgCount) minCost = takeIfCheaper(minCost, f64x2.extract_lane(costs, 1), gatherF, gatherB, i, fr, fg, fb, at1);
          }
          continue;
        }
        for (let m = 0; m < bgCount; m++) {
          // N_p of four background samples at once.
          if (m % 4 == 0) neighbourhoodDistortions(image, width, height, x, y, npRadius, <f32>fr, <f32>fg, <f32>fb, bgLanes, m, distortions);
          const at = bgTable + (<usize>m << 5);
          const alpha = <f64><f32>alphaOf(ir, ig, ib, fr, fg, fb, load<f64>(at), load<f64>(at, 8), load<f64>(at, 16));
          const ap = pf + (1.0 - 2.0 * pf) * alpha;
          // g_p = N_p^eN A_p^eA D_f^ef D_b^eb (eq. 7), multiplied in that order.
          const cost = power(<f64>load<f32>(distortions + (<usize>(m % 4) << 2)), eN) * power(ap, eA) * factorF * load<f64>(at, 24);
          minCost = takeIfCheaper(minCost, cost, gatherF, gatherB, i, fr, fg, fb, at);
        }
      }
    }
  }
}

/**
 * The pair of foreground colour (fr, fg, fb) and the background sample whose record is at `at` (colour first, f64)
 * becomes pixel i's F and B when its cost is below the least so far (the first of equal costs stays); returns the
 * least cost after it.
 */
@inline
function takeIfCheaper(least: f64, cost: f64, gatherF: usize, gatherB: usize, i: i32, fr: f64, fg: f64, fb: f64, at: usize): f64 {
  if (!(least > cost)) return least;
  setF3(gatherF, i, fr, fg, fb);
  setF3(gatherB, i, load<f64>(at), load<f64>(at, 8), load<f64>(at, 16));
  return cost;
}

/** The start angle's index (0..63) of pixel (x, y)'s rays: its place in an 8x8 tile, shuffled as pymatting does. */
@inline
function startTile(x: i32, y: i32): i32 {
  return ((x % 8) + (y % 8) * 8) * 99991 % 64;
}
