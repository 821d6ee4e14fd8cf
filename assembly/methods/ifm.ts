// Information-flow matting (Aksoy, Aydin, Pollefeys, "Designing Effective Inter-Pixel Information Flow for
// Natural Image Matting", CVPR 2017): the weights of its non-local flows, given neighbour lists (pixel indices,
// k per query pixel) found by the k-d tree. Images are f64 RGB interleaved; pixels are raster indices.

import { lleScratchBytes, lleWeights } from "../graph/lle";

/** The toolbox's LLE regulariser (yaksoy/AffinityBasedMattingToolbox). */
const LLE_CONDITIONER: f64 = 1e-10;

/**
 * Search features of each pixel, f32: [r, g, b, s (x + 1) / width, s (y + 1) / height] (dims 5), or the colour
 * alone when s = 0 (dims 3); s weighs spatial proximity against colour. Returns dims.
 */
export function pixelFeatures(image: usize, width: i32, height: i32, spatial: f64, features: usize): i32 {
  return pixelFeatureRows(image, width, height, spatial, 0, width * height, features);
}

/**
 * The search features of pixelFeatures for `count` pixels listed at `pixels` (i32; 0: every pixel in raster
 * order), one row after another into `out`: a k-d tree's points or its queries. Returns dims.
 */
export function pixelFeatureRows(image: usize, width: i32, height: i32, spatial: f64, pixels: usize, count: i32, out: usize): i32 {
  const dims = spatial > 0 ? 5 : 3;
  const sx = spatial / <f64>width, sy = spatial / <f64>height;
  for (let i = 0; i < count; i++) {
    const p = pixels == 0 ? i : load<i32>(pixels + (<usize>i << 2));
    const src = image + <usize>p * 24;
    store<f32>(out, <f32>load<f64>(src));
    store<f32>(out, <f32>load<f64>(src, 8), 4);
    store<f32>(out, <f32>load<f64>(src, 16), 8);
    if (dims == 5) {
      store<f32>(out, <f32>(sx * <f64>(p % width + 1)), 12);
      store<f32>(out, <f32>(sy * <f64>(p / width + 1)), 16);
    }
    out += <usize>dims << 2;
  }
  return dims;
}

/** Bytes of scratch colourMixtureWeights and knownToUnknownEstimates need for k neighbours. */
export function flowScratchBytes(k: i32): i32 {
  return k * 24 + lleScratchBytes(k);
}

@inline
function gatherColours(image: usize, neighbours: usize, k: i32, colours: usize): void {
  for (let j = 0; j < k; j++) {
    const q = load<i32>(neighbours + (<usize>j << 2));
    memory.copy(colours + <usize>j * 24, image + <usize>q * 24, 24);
  }
}

/**
 * Colour-mixture flow (paper eq. 2): for each query pixel, the LLE weights (colour only) of its k neighbours.
 * neighbours: count * k i32; weights: count * k f64.
 */
export function colourMixtureWeights(image: usize, queries: usize, count: i32, neighbours: usize, k: i32, scratch: usize, weights: usize): void {
  const colours = scratch, lle = scratch + <usize>k * 24;
  for (let row = 0; row < count; row++) {
    const p = load<i32>(queries + (<usize>row << 2));
    gatherColours(image, neighbours + (<usize>(row * k) << 2), k, colours);
    lleWeights(image + <usize>p * 24, colours, k, 3, LLE_CONDITIONER, lle, weights + (<usize>(row * k) << 3));
  }
}

/**
 * Known-to-unknown flow (paper eq. 4-6): LLE weights over each query's k foreground and k background neighbours;
 * estimate = the foreground neighbours' share, confidence = |F - B|^2 / 3 with F and B the weighted colours.
 * foreground, background: count * k i32; estimate, confidence: count f64. scratch: flowScratchBytes(2 k) + 16 k.
 */
export function knownToUnknownEstimates(
  image: usize, queries: usize, count: i32, foreground: usize, background: usize, k: i32, scratch: usize, estimate: usize, confidence: usize,
): void {
  const both = 2 * k;
  const colours = scratch, lle = scratch + <usize>both * 24;
  const weights = lle + <usize>lleScratchBytes(both);
  for (let row = 0; row < count; row++) {
    const p = load<i32>(queries + (<usize>row << 2));
    gatherColours(image, foreground + (<usize>(row * k) << 2), k, colours);
    gatherColours(image, background + (<usize>(row * k) << 2), k, colours + <usize>k * 24);
    lleWeights(image + <usize>p * 24, colours, both, 3, LLE_CONDITIONER, lle, weights);
    let share = 0.0, dr = 0.0, dg = 0.0, db = 0.0;
    for (let j = 0; j < both; j++) {
      const w = load<f64>(weights + (<usize>j << 3));
      const signed = j < k ? w : -w;
      const c = colours + <usize>j * 24;
      dr += signed * load<f64>(c);
      dg += signed * load<f64>(c, 8);
      db += signed * load<f64>(c, 16);
      if (j < k) share += w;
    }
    store<f64>(estimate + (<usize>row << 3), share);
    store<f64>(confidence + (<usize>row << 3), (dr * dr + dg * dg + db * db) / 3);
  }
}

/**
 * Intra-unknown flow (paper eq. 7, after KNN matting): weight max(1 - |f_p - f_q|_1 / 5, 0) / 2 for each query p
 * and neighbour q, on features [rgb, s (x + 1) / width, s (y + 1) / height]; the halves make (W + W^T) / 2 when
 * both directions are summed. neighbours: count * k i32; weights: count * k f64.
 */
export function intraUnknownWeights(
  image: usize, width: i32, height: i32, spatial: f64, queries: usize, count: i32, neighbours: usize, k: i32, weights: usize,
): void {
  const sx = spatial / <f64>width, sy = spatial / <f64>height;
  for (let row = 0; row < count; row++) {
    const p = load<i32>(queries + (<usize>row << 2));
    const px = p % width, py = p / width;
    const a = image + <usize>p * 24;
    for (let j = 0; j < k; j++) {
      const q = load<i32>(neighbours + (<usize>(row * k + j) << 2));
      const b = image + <usize>q * 24;
      const l1 = Math.abs(load<f64>(a) - load<f64>(b)) + Math.abs(load<f64>(a, 8) - load<f64>(b, 8)) + Math.abs(load<f64>(a, 16) - load<f64>(b, 16))
        + Math.abs(sx * <f64>(px - q % width)) + Math.abs(sy * <f64>(py - q / width));
      store<f64>(weights + (<usize>(row * k + j) << 3), Math.max(1 - l1 / 5, 0) / 2);
    }
  }
}

/** The pixels with a label, in raster order, into `out` (i32). Returns their count. */
export function pixelsWithLabel(labels: usize, pixels: i32, label: u8, out: usize): i32 {
  let count = 0;
  for (let p = 0; p < pixels; p++) {
    if (load<u8>(labels + <usize>p) != label) continue;
    store<i32>(out + (<usize>count << 2), p);
    count++;
  }
  return count;
}

/** Each pixel's row in the list of `count` query pixels at `queries` (i32), -1 for pixels not listed, into `rows`. */
export function queryRows(queries: usize, count: i32, pixels: i32, rows: usize): void {
  memory.fill(rows, 0xff, <usize>pixels << 2);
  for (let row = 0; row < count; row++) store<i32>(rows + (<usize>load<i32>(queries + (<usize>row << 2)) << 2), row);
}

/** How many of pixels [from, to) still have a row (rows[p] >= 0, i32 per pixel): the queries a search has left open. */
export function countOpenRows(rows: usize, from: i32, to: i32): i32 {
  let open = 0;
  for (let p = from; p < to; p++) if (load<i32>(rows + (<usize>p << 2)) >= 0) open++;
  return open;
}

/** Row by row, ka i32 of `a` then kb of `b` into `out` (rows x (ka + kb)): two neighbour lists as one. */
export function interleaveRows(rows: i32, a: usize, ka: i32, b: usize, kb: i32, out: usize): void {
  for (let row = 0; row < rows; row++) {
    const target = out + (<usize>(row * (ka + kb)) << 2);
    memory.copy(target, a + (<usize>(row * ka) << 2), <usize>ka << 2);
    memory.copy(target + (<usize>ka << 2), b + (<usize>(row * kb) << 2), <usize>kb << 2);
  }
}

/**
 * Rows `rows` (i32, count of them) of `features` (dims values each, f32 or f64 by sourceBytes) one after another
 * into `out` as f32: the points of a k-d tree or its queries.
 */
export function gatherRows(features: usize, dims: i32, sourceBytes: i32, rows: usize, count: i32, out: usize): void {
  for (let i = 0; i < count; i++) {
    const row = <usize>load<i32>(rows + (<usize>i << 2)) * <usize>dims;
    for (let d = 0; d < dims; d++) {
      const at = row + <usize>d;
      const v = sourceBytes == 4 ? load<f32>(features + (at << 2)) : <f32>load<f64>(features + (at << 3));
      store<f32>(out + ((<usize>(i * dims + d)) << 2), v);
    }
  }
}

/**
 * Neighbour lists of a k-d tree over a subset of pixels -> pixel indices, the query pixel itself left out:
 * `found` holds kFound tree indices per query (nearest first), `candidates` the pixel of each tree index (0: the
 * tree holds every pixel, index = pixel), `queries` the query pixels. The first k others go to `out` (k per query).
 * `out` may be `found` itself: each entry is written at or before where it was read.
 */
export function neighbourPixels(found: usize, count: i32, kFound: i32, candidates: usize, queries: usize, k: i32, out: usize): void {
  for (let q = 0; q < count; q++) {
    const self = load<i32>(queries + (<usize>q << 2));
    let written = 0;
    for (let j = 0; j < kFound && written < k; j++) {
      const index = load<i32>(found + (<usize>(q * kFound + j) << 2));
      const pixel = index < 0 ? -1 : candidates == 0 ? index : load<i32>(candidates + (<usize>index << 2));
      if (pixel == self && pixel >= 0) continue;
      store<i32>(out + (<usize>(q * k + written) << 2), pixel);
      written++;
    }
    for (; written < k; written++) store<i32>(out + (<usize>(q * k + written) << 2), -1);
  }
}
