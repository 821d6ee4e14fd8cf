// Information-flow matting's trimap trimming (Aksoy et al., CVPR 2017, section 4.2) and its test for highly
// transparent mattes (section 5), with the toolbox's thresholds (yaksoy/AffinityBasedMattingToolbox).
// Labels as in assembly/convert.ts.

import { LABEL_BACKGROUND, LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";
import { field, pointerField } from "../record";
import { barrier, beat, takeChunk, threadIndex, threads } from "../team";

const EDGE_TRIM_ITERATIONS: i32 = 9;
const EDGE_TRIM_UPPER: f64 = 9.0 / 256.0;
const EDGE_TRIM_LOWER: f64 = 1.0 / 256.0;

/** Bytes of scratch edgeTrim needs: the labels at an iteration's start and the distances of knownDistances. */
export function edgeTrimScratchBytes(width: i32, height: i32): i32 {
  return 2 * width * height;
}

/** The largest distance knownDistances tells apart: beyond every edge-trimming window. */
const FAR: i32 = EDGE_TRIM_ITERATIONS + 1;

/**
 * Each pixel's Chebyshev distance to the nearest pixel not labelled unknown in `labels`, capped at FAR, as u8
 * into `distance`: the two raster passes of the chessboard distance transform (Rosenfeld and Pfaltz, 1966),
 * each pixel taking one more than the least of its four neighbours already visited, which is exact for this metric.
 */
function knownDistances(labels: usize, width: i32, height: i32, distance: usize): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let d = FAR;
      if (load<u8>(labels + <usize>p) != LABEL_UNKNOWN) d = 0;
      else {
        if (x > 0) d = min(d, <i32>load<u8>(distance + <usize>(p - 1)) + 1);
        if (y > 0) {
          const up = p - width;
          d = min(d, <i32>load<u8>(distance + <usize>up) + 1);
          if (x > 0) d = min(d, <i32>load<u8>(distance + <usize>(up - 1)) + 1);
          if (x + 1 < width) d = min(d, <i32>load<u8>(distance + <usize>(up + 1)) + 1);
        }
      }
      store<u8>(distance + <usize>p, <u8>d);
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const p = y * width + x;
      let d = <i32>load<u8>(distance + <usize>p);
      if (d == 0) continue;
      if (x + 1 < width) d = min(d, <i32>load<u8>(distance + <usize>(p + 1)) + 1);
      if (y + 1 < height) {
        const down = p + width;
        d = min(d, <i32>load<u8>(distance + <usize>down) + 1);
        if (x + 1 < width) d = min(d, <i32>load<u8>(distance + <usize>(down + 1)) + 1);
        if (x > 0) d = min(d, <i32>load<u8>(distance + <usize>(down - 1)) + 1);
      }
      store<u8>(distance + <usize>p, <u8>d);
    }
  }
}

/**
 * Trimming from the edges of the unknown region (Shahrian et al., CVPR 2013, as the toolbox runs it): in
 * iteration i = 1..9 each unknown pixel takes the label of the nearest (Euclidean) known pixel within Chebyshev
 * distance i whose colour lies within t_i = u - i (u - l) / 9 of its own (u = 9/256, l = 1/256), labels read
 * at the start of the iteration, ties to the first in column-major order. An unknown pixel with no known pixel
 * within Chebyshev distance i keeps its label without a scan of its window (most of a wide band: 1329 pixels
 * scanned over the nine iterations otherwise). `scratch`: edgeTrimScratchBytes(width, height) bytes.
 */
export function edgeTrim(image: usize, width: i32, height: i32, labels: usize, trimmed: usize, scratch: usize): void {
  const n = <usize>(width * height);
  const distance = scratch + n;
  memory.copy(trimmed, labels, n);
  for (let i = 1; i <= EDGE_TRIM_ITERATIONS; i++) {
    memory.copy(scratch, trimmed, n);
    knownDistances(scratch, width, height, distance);
    edgeTrimRows(image, width, height, i, scratch, distance, trimmed, 0, height);
  }
}

/**
 * edgeTrim on the engine's threads (src/methods/ifm.ts): per iteration the first thread copies the labels and
 * measures the distances, and then every thread takes chunks of rows from that iteration's cursor, which reads only
 * the labels at the iteration's start: the labels one thread gives, bit for bit.
 * job (i32): [0..EDGE_TRIM_ITERATIONS) the iterations' cursors (zero) [9] rows per chunk [10] image [11] width
 *   [12] height [13] labels [14] trimmed [15] scratch
 */
export function edgeTrimTogether(job: usize, context: usize): void {
  const image = pointerField(job, 10), width = field(job, 11), height = field(job, 12);
  const labels = pointerField(job, 13), trimmed = pointerField(job, 14), scratch = pointerField(job, 15);
  const n = <usize>(width * height), distance = scratch + n, first = threadIndex(context) == 0;
  const chunk = threads(context) == 1 ? height : field(job, 9);
  if (first) memory.copy(trimmed, labels, n);
  for (let i = 1; i <= EDGE_TRIM_ITERATIONS; i++) {
    if (first) {
      memory.copy(scratch, trimmed, n);
      knownDistances(scratch, width, height, distance);
      beat(context);
    }
    barrier(context);
    for (;;) {
      const y0 = takeChunk(job + (<usize>(i - 1) << 2), chunk);
      if (y0 >= height) break;
      edgeTrimRows(image, width, height, i, scratch, distance, trimmed, y0, min(height, y0 + chunk));
      beat(context);
    }
    barrier(context);
  }
}

/** Rows [y0, y1) of edgeTrim's iteration i: `known` holds the labels at its start, `distance` their distances. */
function edgeTrimRows(image: usize, width: i32, height: i32, i: i32, known: usize, distance: usize, trimmed: usize, y0: i32, y1: i32): void {
  const threshold = EDGE_TRIM_UPPER - (<f64>i * (EDGE_TRIM_UPPER - EDGE_TRIM_LOWER)) / <f64>EDGE_TRIM_ITERATIONS;
  const limit = threshold * threshold;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (load<u8>(known + <usize>p) != LABEL_UNKNOWN || <i32>load<u8>(distance + <usize>p) > i) continue;
      const c = image + <usize>p * 24;
      const r = load<f64>(c), g = load<f64>(c, 8), b = load<f64>(c, 16);
      let best = i32.MAX_VALUE;
      let label = LABEL_UNKNOWN;
      const top = max(0, y - i), bottom = min(height - 1, y + i);
      for (let xx = max(0, x - i), x1 = min(width - 1, x + i); xx <= x1; xx++) {
        for (let yy = top; yy <= bottom; yy++) {
          const q = yy * width + xx;
          const label0 = load<u8>(known + <usize>q);
          if (label0 == LABEL_UNKNOWN) continue;
          const squared = (xx - x) * (xx - x) + (yy - y) * (yy - y);
          if (squared >= best) continue;
          const d = image + <usize>q * 24;
          const dr = load<f64>(d) - r, dg = load<f64>(d, 8) - g, db = load<f64>(d, 16) - b;
          if (dr * dr + dg * dg + db * db < limit) {
            best = squared;
            label = label0;
          }
        }
      }
      store<u8>(trimmed + <usize>p, label);
    }
  }
}

@inline
function clampIndex(v: i32, extent: i32): i32 {
  return min(max(v, 0), extent - 1);
}

/** Mean colour of each pixel's 3x3 window, the border pixels repeated outward: f64 RGB per pixel. */
export function windowMeans(image: usize, width: i32, height: i32, means: usize): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0.0, g = 0.0, b = 0.0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const c = image + <usize>(clampIndex(y + dy, height) * width + clampIndex(x + dx, width)) * 24;
          r += load<f64>(c);
          g += load<f64>(c, 8);
          b += load<f64>(c, 16);
        }
      }
      const out = means + <usize>(y * width + x) * 24;
      store<f64>(out, r / 9);
      store<f64>(out, g / 9, 8);
      store<f64>(out, b / 9, 16);
    }
  }
}

const PATCH_EPSILON: f64 = 1e-8;
const PATCH_TRIM_GOOD: f64 = 0.25;
const PATCH_TRIM_REJECT: f64 = 0.9;

/** The 3x3 window's covariance E[c c^T] - mu mu^T + 1e-8 I as 6 packed values (xx xy xz yy yz zz) at `out`. */
function windowCovariance(image: usize, width: i32, height: i32, means: usize, p: i32, out: usize): void {
  const x = p % width, y = p / width;
  let rr = 0.0, rg = 0.0, rb = 0.0, gg = 0.0, gb = 0.0, bb = 0.0;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const c = image + <usize>(clampIndex(y + dy, height) * width + clampIndex(x + dx, width)) * 24;
      const r = load<f64>(c), g = load<f64>(c, 8), b = load<f64>(c, 16);
      rr += r * r; rg += r * g; rb += r * b; gg += g * g; gb += g * b; bb += b * b;
    }
  }
  const m = means + <usize>p * 24;
  const mr = load<f64>(m), mg = load<f64>(m, 8), mb = load<f64>(m, 16);
  store<f64>(out, rr / 9 - mr * mr + PATCH_EPSILON);
  store<f64>(out, rg / 9 - mr * mg, 8);
  store<f64>(out, rb / 9 - mr * mb, 16);
  store<f64>(out, gg / 9 - mg * mg + PATCH_EPSILON, 24);
  store<f64>(out, gb / 9 - mg * mb, 32);
  store<f64>(out, bb / 9 - mb * mb + PATCH_EPSILON, 40);
}

@inline
function packedDeterminant(m: usize): f64 {
  const a = load<f64>(m), b = load<f64>(m, 8), c = load<f64>(m, 16), d = load<f64>(m, 24), e = load<f64>(m, 32), f = load<f64>(m, 40);
  return a * (d * f - e * e) - b * (b * f - e * c) + c * (b * e - d * c);
}

/** Bhattacharyya distance between N(mean p, cov p) and N(mean q, cov q) (covariances packed, see above). */
function bhattacharyya(means: usize, p: i32, covP: usize, q: i32, covQ: usize, average: usize): f64 {
  for (let i = 0; i < 6; i++) store<f64>(average + (<usize>i << 3), (load<f64>(covP + (<usize>i << 3)) + load<f64>(covQ + (<usize>i << 3))) / 2);
  const a = load<f64>(average), b = load<f64>(average, 8), c = load<f64>(average, 16);
  const d = load<f64>(average, 24), e = load<f64>(average, 32), f = load<f64>(average, 40);
  const det = packedDeterminant(average);
  const mp = means + <usize>p * 24, mq = means + <usize>q * 24;
  const x = load<f64>(mq) - load<f64>(mp), y = load<f64>(mq, 8) - load<f64>(mp, 8), z = load<f64>(mq, 16) - load<f64>(mp, 16);
  // v^T A^-1 v by the adjugate of the symmetric A.
  const quadratic = (x * x * (d * f - e * e) + y * y * (a * f - c * c) + z * z * (a * d - b * b)
    + 2 * x * y * (c * e - b * f) + 2 * x * z * (b * e - c * d) + 2 * y * z * (b * c - a * e)) / det;
  return 0.125 * quadratic + 0.5 * Math.log(det / Math.sqrt(packedDeterminant(covP) * packedDeterminant(covQ)));
}

/** Bytes of scratch patchTrimForeground and patchTrimBackground need. */
export function patchTrimScratchBytes(): i32 {
  return 3 * 48;
}

/**
 * The least Bhattacharyya distance from p's window to those of the k pixels listed at `found` (-1: none), or the
 * first one found below `enough` (or equal to it, with `orEqual`): the caller's decision is then made, whatever
 * the rest are.
 */
function nearestBhattacharyya(
  image: usize, width: i32, height: i32, means: usize, p: i32, covP: usize, found: usize, k: i32, enough: f64, orEqual: bool, scratch: usize,
): f64 {
  let best = Infinity;
  for (let j = 0; j < k && !(best < enough || (orEqual && best == enough)); j++) {
    const q = load<i32>(found + (<usize>j << 2));
    if (q < 0) continue;
    windowCovariance(image, width, height, means, q, scratch);
    best = Math.min(best, bhattacharyya(means, p, covP, q, scratch, scratch + 48));
  }
  return best;
}

/**
 * Patch-based trimming (paper section 4.2), first half: each query pixel's 3x3 colour distribution is compared with
 * those of its k foreground neighbours (found by window mean; rows of `foreground`), the least Bhattacharyya distance
 * into toForeground (f64 per query). Below 0.25 the pixel becomes foreground if its best background match is above
 * 0.9, above 0.9 background if that one is below 0.25; between the two it keeps its label whatever the background
 * gives, so only the others need a background search: their rows into `needed` and their pixels into
 * `neededPixels` (i32 each). Returns how many. The search stops once its least distance is below 0.25.
 */
export function patchTrimForeground(
  image: usize, width: i32, height: i32, means: usize, queries: usize, count: i32, foreground: usize, k: i32,
  scratch: usize, toForeground: usize, needed: usize, neededPixels: usize,
): i32 {
  patchTrimDistances(image, width, height, means, queries, count, foreground, k, scratch, toForeground);
  return patchTrimNeeded(queries, count, toForeground, needed, neededPixels);
}

/** patchTrimForeground's distances alone (toForeground), for rows that threads share (ifm-together.ts). */
export function patchTrimDistances(
  image: usize, width: i32, height: i32, means: usize, queries: usize, count: i32, foreground: usize, k: i32, scratch: usize, toForeground: usize,
): void {
  const covP = scratch, rest = scratch + 48;
  for (let row = 0; row < count; row++) {
    const p = load<i32>(queries + (<usize>row << 2));
    windowCovariance(image, width, height, means, p, covP);
    store<f64>(toForeground + (<usize>row << 3),
      nearestBhattacharyya(image, width, height, means, p, covP, foreground + (<usize>(row * k) << 2), k, PATCH_TRIM_GOOD, false, rest));
  }
}

/** patchTrimForeground's list of the rows that need a background search, from the distances. Returns how many. */
export function patchTrimNeeded(queries: usize, count: i32, toForeground: usize, needed: usize, neededPixels: usize): i32 {
  let needs = 0;
  for (let row = 0; row < count; row++) {
    const best = load<f64>(toForeground + (<usize>row << 3));
    if (best < PATCH_TRIM_GOOD || best > PATCH_TRIM_REJECT) {
      store<i32>(needed + (<usize>needs << 2), row);
      store<i32>(neededPixels + (<usize>needs << 2), load<i32>(queries + (<usize>row << 2)));
      needs++;
    }
  }
  return needs;
}

/**
 * Patch-based trimming, second half, for the `count` query pixels listed at `neededPixels` (their rows of the first
 * half at `needed`), whose k background neighbours are the rows of `background` in that order: foreground after a
 * good foreground match (below 0.25) and a background one above 0.9, background after a rejected foreground match
 * (above 0.9) and a background one below 0.25. Each search stops once its least distance settles the label. Writes
 * `trimmed` (a copy of the labels made by the caller) at those pixels only.
 */
export function patchTrimBackground(
  image: usize, width: i32, height: i32, means: usize, neededPixels: usize, needed: usize, count: i32, toForeground: usize,
  background: usize, k: i32, scratch: usize, trimmed: usize,
): void {
  const covP = scratch, rest = scratch + 48;
  for (let i = 0; i < count; i++) {
    const p = load<i32>(neededPixels + (<usize>i << 2));
    const good = load<f64>(toForeground + (<usize>load<i32>(needed + (<usize>i << 2)) << 3)) < PATCH_TRIM_GOOD;
    windowCovariance(image, width, height, means, p, covP);
    const found = background + (<usize>(i * k) << 2);
    if (good) {
      // At or below 0.9 the pixel stays unknown: the search may stop there.
      if (nearestBhattacharyya(image, width, height, means, p, covP, found, k, PATCH_TRIM_REJECT, true, rest) > PATCH_TRIM_REJECT) {
        store<u8>(trimmed + <usize>p, LABEL_FOREGROUND);
      }
    } else if (nearestBhattacharyya(image, width, height, means, p, covP, found, k, PATCH_TRIM_GOOD, false, rest) < PATCH_TRIM_GOOD) {
      store<u8>(trimmed + <usize>p, LABEL_BACKGROUND);
    }
  }
}

/** Channels whose histograms the transparency test compares: the toolbox reads red, blue and blue again. */
const HISTOGRAM_CHANNELS: StaticArray<i32> = [0, 2, 2];
const BINS: i32 = 10;
/**
 * A known pixel q counts as near the unknown region when an unknown pixel p has p - q within [-9, 10] in both
 * x and y (the toolbox's 20x20 dilation).
 */
const NEAR_BEFORE: i32 = 9;
const NEAR_AFTER: i32 = 10;

/** f64 values transparencyHistograms writes (src/methods/ifm-kernels.ts has the same). */
const TRANSPARENCY_VALUES: i32 = 93;

@inline
function addToHistogram(image: usize, p: i32, slot: i32, histograms: usize): void {
  const count = histograms + (<usize>(90 + slot) << 3);
  store<f64>(count, load<f64>(count) + 1);
  for (let c = 0; c < 3; c++) {
    const v = load<f64>(image + <usize>p * 24 + (<usize>unchecked(HISTOGRAM_CHANNELS[c]) << 3));
    const bin = slot * 30 + c * BINS + <i32>Math.round(v * <f64>(BINS - 1));
    const at = histograms + (<usize>bin << 3);
    store<f64>(at, load<f64>(at) + 1);
  }
}

@inline
function nearFlag(next: i32, q: i32): u8 {
  return <u8>(next <= q + NEAR_AFTER);
}

/**
 * The histograms of the paper's transparency test (section 5): 10 bins (centres 0, 1/9, .., 1) of three channels
 * for the foreground near the unknown region, the background near it and the unknown region, each divided by its
 * pixel count, at `histograms`: foreground 0..29, background 30..59, unknown 60..89, then the three counts.
 * `scratch`: width * height bytes.
 */
export function transparencyHistograms(image: usize, labels: usize, width: i32, height: i32, scratch: usize, histograms: usize): void {
  // Along rows: scratch[q] = 1 when the row holds an unknown pixel p with p - q in [-9, 10]; `next` is the first
  // unknown at or after s, and q = s + 9 is decided at s (q < 9 at s = 0).
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let next = i32.MAX_VALUE - NEAR_AFTER;
    for (let s = width - 1; s >= 0; s--) {
      if (load<u8>(labels + <usize>(row + s)) == LABEL_UNKNOWN) next = s;
      if (s + NEAR_BEFORE < width) store<u8>(scratch + <usize>(row + s + NEAR_BEFORE), nearFlag(next, s + NEAR_BEFORE));
      if (s == 0) for (let q = 0; q < min(NEAR_BEFORE, width); q++) store<u8>(scratch + <usize>(row + q), nearFlag(next, q));
    }
  }
  memory.fill(histograms, 0, <usize>TRANSPARENCY_VALUES << 3);
  // Along columns, the same over the row flags, classifying each pixel as its flag is decided.
  for (let x = 0; x < width; x++) {
    let next = i32.MAX_VALUE - NEAR_AFTER;
    for (let s = height - 1; s >= 0; s--) {
      if (load<u8>(scratch + <usize>(s * width + x)) != 0) next = s;
      const from = s == 0 ? 0 : s + NEAR_BEFORE, to = s + NEAR_BEFORE;
      for (let q = from; q <= min(to, height - 1); q++) {
        const p = q * width + x;
        const label = load<u8>(labels + <usize>p);
        if (label == LABEL_UNKNOWN) addToHistogram(image, p, 2, histograms);
        else if (nearFlag(next, q)) addToHistogram(image, p, label == LABEL_FOREGROUND ? 0 : 1, histograms);
      }
    }
  }
  for (let slot = 0; slot < 3; slot++) {
    const count = max(load<f64>(histograms + (<usize>(90 + slot) << 3)), 1.0);
    for (let i = 0; i < 30; i++) {
      const at = histograms + (<usize>(slot * 30 + i) << 3);
      store<f64>(at, load<f64>(at) / count);
    }
  }
}
