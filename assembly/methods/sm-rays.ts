// Shared matting's rays (Gastal and Oliveira 2010, sec. 4.2) as pymatting 1.1.15 casts them: from an unknown pixel,
// each ray takes the first foreground and the first background pixel it meets. Rays jump over runs that cannot hold
// a sample, read from a map of each pixel's distances to the nearest foreground and background pixel. The rays of
// one pixel go four ways across the image and most of their time is spent waiting for memory, so the map is one
// two-byte load a step (instead of the labels and two i32 distance planes). Each step depends on the step before
// (its load, then the skip computed from it), so the SIMD build casts two pixels' rays at once (castRaysPair).

import { LABEL_BACKGROUND, LABEL_FOREGROUND } from "../convert";
import { wholePoints } from "./sm-colour";

/**
 * The ray map: for each pixel of `labels`, the chessboard distance to the nearest foreground pixel in the low byte
 * and to the nearest background pixel in the high byte (0 on the label itself), each capped at cap = min(255,
 * width + height) (the cap when there is no such pixel). A smaller distance only makes a ray skip less, never
 * wrongly; expansion (smExpand) reads the lesser byte as the distance to the nearest known pixel.
 * Two raster passes over the 8-neighbourhood, both labels at once as the two bytes of a pixel: a row's candidates
 * from the row before (above, then below) for eight pixels at a time, then the row's own scan as a running minimum
 * in three doubling steps. Capping commutes with the passes' min and + 1, so the bytes are those of the uncapped
 * distances capped (tests/sm-maps.test.ts checks them against a plain two-pass transform).
 */
export function smDistanceMap(labels: usize, width: i32, height: i32, map: usize): void {
  const cap = min(255, width + height), both = cap | cap << 8;
  for (let y = 0; y < height; y++) {
    const row = map + (<usize>(y * width) << 1), labelRow = labels + <usize>(y * width);
    if (y == 0) {
      for (let x = 0; x < width; x++) store<u16>(row + (<usize>x << 1), <u16>both);
    } else {
      fromNeighbourRow(row, row - (<usize>width << 1), width, cap, false);
    }
    clearLabelled(row, labelRow, width);
    scanForward(row, width, cap);
  }
  for (let y = height - 1; y >= 0; y--) {
    const row = map + (<usize>(y * width) << 1);
    if (y < height - 1) fromNeighbourRow(row, row + (<usize>width << 1), width, cap, true);
    scanBackward(row, width, cap);
  }
}

/** Byte-wise min of two packed pixels. */
@inline
function leastBytes(a: i32, b: i32): i32 {
  return min(a & 0xff, b & 0xff) | min(a >> 8, b >> 8) << 8;
}

/** Each byte + 1, capped at cap (<= 255). */
@inline
function plusOne(a: i32, cap: i32): i32 {
  return min(cap, (a & 0xff) + 1) | min(cap, (a >> 8) + 1) << 8;
}

/**
 * row[x] = min(cap, the least of next[x - 1], next[x], next[x + 1] (those inside the row) + 1), byte-wise; when
 * `keep`, also no more than row[x] was. `next` is the row before in the pass (above in the forward pass, below in
 * the backward one).
 */
function fromNeighbourRow(row: usize, next: usize, width: i32, cap: i32, keep: bool): void {
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    // Eight pixels a vector, all three neighbours inside the row: x from 1 while x + 8 < width.
    const one = i8x16.splat(1), caps = i8x16.splat(<i8>cap);
    if (width > 1) {
      neighbourPixel(row, next, width, cap, keep, 0);
      x = 1;
      for (; x + 8 < width; x += 8) {
        const at = next + (<usize>x << 1);
        let v = i8x16.min_u(i8x16.min_u(v128.load(at - 2), v128.load(at)), v128.load(at + 2));
        v = i8x16.min_u(caps, i8x16.add_sat_u(v, one));
        if (keep) v = i8x16.min_u(v, v128.load(row + (<usize>x << 1)));
        v128.store(row + (<usize>x << 1), v);
      }
    }
  }
  for (; x < width; x++) neighbourPixel(row, next, width, cap, keep, x);
}

/** fromNeighbourRow for one pixel x. */
@inline
function neighbourPixel(row: usize, next: usize, width: i32, cap: i32, keep: bool, x: i32): void {
  let d = <i32>load<u16>(next + (<usize>x << 1));
  if (x > 0) d = leastBytes(d, <i32>load<u16>(next + (<usize>(x - 1) << 1)));
  if (x < width - 1) d = leastBytes(d, <i32>load<u16>(next + (<usize>(x + 1) << 1)));
  d = plusOne(d, cap);
  if (keep) d = leastBytes(d, <i32>load<u16>(row + (<usize>x << 1)));
  store<u16>(row + (<usize>x << 1), <u16>d);
}

/** Zeroes the foreground byte of the row's foreground pixels and the background byte of its background pixels. */
function clearLabelled(row: usize, labelRow: usize, width: i32): void {
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    // Each label byte twice, against (foreground, background) byte pairs: a match clears that byte.
    const kinds = i16x8.splat(<i16>(<i32>LABEL_FOREGROUND | <i32>LABEL_BACKGROUND << 8));
    for (; x + 8 <= width; x += 8) {
      const pairs = v128.shuffle<u8>(v128.load64_zero(labelRow + <usize>x), i8x16.splat(0), 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
      const at = row + (<usize>x << 1);
      v128.store(at, v128.andnot(v128.load(at), i8x16.eq(pairs, kinds)));
    }
  }
  for (; x < width; x++) {
    const label = load<u8>(labelRow + <usize>x), at = row + (<usize>x << 1);
    if (label == LABEL_FOREGROUND) store<u16>(at, load<u16>(at) & 0xff00);
    else if (label == LABEL_BACKGROUND) store<u16>(at, load<u16>(at) & 0xff);
  }
}

/** row[x] = min(row[x], row[x - 1] + 1) byte-wise, left to right (capped at cap). */
function scanForward(row: usize, width: i32, cap: i32): void {
  let x = 0, last = 0xffff;
  if (ASC_FEATURE_SIMD) {
    const none = i8x16.splat(-1);
    const one = i8x16.splat(1), two = i8x16.splat(2), four = i8x16.splat(4);
    const ramp = i8x16(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8);
    for (; x + 8 <= width; x += 8) {
      const at = row + (<usize>x << 1);
      let t = v128.load(at);
      // t[x] = min over the k <= x of the vector's own v[k] + x - k, in steps of one, two and four pixels; then the
      // pixel before the vector, + 1 .. 8.
      t = i8x16.min_u(t, i8x16.add_sat_u(v128.shuffle<u8>(t, none, 16, 17, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13), one));
      t = i8x16.min_u(t, i8x16.add_sat_u(v128.shuffle<u8>(t, none, 16, 17, 18, 19, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), two));
      t = i8x16.min_u(t, i8x16.add_sat_u(v128.shuffle<u8>(t, none, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7), four));
      t = i8x16.min_u(t, i8x16.add_sat_u(i16x8.splat(<i16>last), ramp));
      v128.store(at, t);
      last = i16x8.extract_lane_u(t, 7);
    }
  }
  for (; x < width; x++) {
    const at = row + (<usize>x << 1);
    const d = x > 0 ? leastBytes(<i32>load<u16>(at), plusOne(last, cap)) : <i32>load<u16>(at);
    store<u16>(at, <u16>d);
    last = d;
  }
}

/** row[x] = min(row[x], row[x + 1] + 1) byte-wise, right to left (capped at cap). */
function scanBackward(row: usize, width: i32, cap: i32): void {
  let end = width, last = 0xffff;
  if (ASC_FEATURE_SIMD) {
    const none = i8x16.splat(-1);
    const one = i8x16.splat(1), two = i8x16.splat(2), four = i8x16.splat(4);
    const ramp = i8x16(8, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1);
    for (; end - 8 >= 0; end -= 8) {
      const at = row + (<usize>(end - 8) << 1);
      let t = v128.load(at);
      t = i8x16.min_u(t, i8x16.add_sat_u(v128.shuffle<u8>(t, none, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17), one));
      t = i8x16.min_u(t, i8x16.add_sat_u(v128.shuffle<u8>(t, none, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), two));
      t = i8x16.min_u(t, i8x16.add_sat_u(v128.shuffle<u8>(t, none, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23), four));
      t = i8x16.min_u(t, i8x16.add_sat_u(i16x8.splat(<i16>last), ramp));
      v128.store(at, t);
      last = i16x8.extract_lane_u(t, 0);
    }
  }
  for (let x = end - 1; x >= 0; x--) {
    const at = row + (<usize>x << 1);
    const d = x < width - 1 ? leastBytes(<i32>load<u16>(at), plusOne(last, cap)) : <i32>load<u16>(at);
    store<u16>(at, <u16>d);
    last = d;
  }
}

/**
 * A ray's state: its next step (maxSteps once done) in the low 32 bits; in the high 32, its mask: 0xff where it has
 * met a foreground pixel, 0xff00 where it has met a background pixel. A map entry ORed with the mask holds, in each
 * byte, the distance to the nearest pixel still sought (255 for none), so one min gives the distance to skip by.
 */
const BOTH: i64 = 0xffff;
/** A finished ray's state: whether it met a foreground / a background pixel. */
const MET_FG: i64 = <i64>0xff << 32;
const MET_BG: i64 = <i64>0xff00 << 32;
/** Rays cast side by side: each step waits for its load from the map, and the other rays' steps fill that wait. */
const GROUP: i32 = 4;
/** castRays' scratch: the first foreground and background pixel of each ray of a group. */
export const RAY_HITS_BYTES: i32 = GROUP * 8;

/**
 * One step of the ray from (x, y) in direction (c, s), state as above (done once its step reaches maxSteps): looks at
 * the ray's point, writes the first foreground and background pixel met to hits[0] and hits[1] (i32), and returns
 * the state after the step (its step maxSteps once both are met or the ray has left the image).
 */
@inline
function advance(map: usize, width: i32, height: i32, x: i32, y: i32, c: f64, s: f64, stretch: i32, state: i64, maxSteps: i32, hits: usize): i64 {
  const step = <i32>state;
  if (step >= maxSteps) return state;
  const x2 = <i32>(<f64>x + <f64>step * c), y2 = <i32>(<f64>y + <f64>step * s);
  let mask = state >>> 32;
  // Unsigned compares: a negative coordinate is a large one.
  if (<u32>x2 >= <u32>width || <u32>y2 >= <u32>height) return mask << 32 | <i64>maxSteps;
  const q = y2 * width + x2;
  let sought = <i32>load<u16>(map + (<usize>q << 1)) | <i32>mask;
  let needed = min(sought & 0xff, sought >> 8);
  if (needed == 0) {
    // A pixel sought: this ray's first of its kind.
    if ((sought & 0xff) == 0) {
      store<i32>(hits, q);
      mask |= 0xff;
    }
    if (sought >> 8 == 0) {
      store<i32>(hits, q, 4);
      mask |= 0xff00;
    }
    if (mask == BOTH) return mask << 32 | <i64>maxSteps;
    sought |= <i32>mask;
    needed = min(sought & 0xff, sought >> 8);
  }
  return mask << 32 | <i64>(step + skip(needed, stretch));
}

/**
 * Casts `angles` rays from (x, y), directions (cos, sin) as f64 pairs at `directions`, each until it has met a
 * foreground and a background pixel or left the image (at most maxSteps steps); writes the first foreground pixel
 * of each ray that meets one to fgSamples and the first background pixel to bgSamples, as (x, y) i32 pairs in ray
 * order. Returns the foreground count + 65536 x the background count. `hits`: RAY_HITS_BYTES of scratch.
 * Rays go GROUP at a time, a step of each in turn.
 */
export function castRays(map: usize, width: i32, height: i32, x: i32, y: i32, directions: usize, angles: i32, maxSteps: i32,
  fgSamples: usize, bgSamples: usize, hits: usize): i32 {
  let fgCount = 0, bgCount = 0;
  for (let a = 0; a < angles; a += GROUP) {
    const c0 = load<f64>(directions + (<usize>a << 4)), s0 = load<f64>(directions + (<usize>a << 4), 8);
    const c1 = a + 1 < angles ? load<f64>(directions + (<usize>(a + 1) << 4)) : 0.0, s1 = a + 1 < angles ? load<f64>(directions + (<usize>(a + 1) << 4), 8) : 0.0;
    const c2 = a + 2 < angles ? load<f64>(directions + (<usize>(a + 2) << 4)) : 0.0, s2 = a + 2 < angles ? load<f64>(directions + (<usize>(a + 2) << 4), 8) : 0.0;
    const c3 = a + 3 < angles ? load<f64>(directions + (<usize>(a + 3) << 4)) : 0.0, s3 = a + 3 < angles ? load<f64>(directions + (<usize>(a + 3) << 4), 8) : 0.0;
    const stretch0 = rayStretch(c0, s0), stretch1 = rayStretch(c1, s1), stretch2 = rayStretch(c2, s2), stretch3 = rayStretch(c3, s3);
    let state0: i64 = 0, state1: i64 = a + 1 < angles ? 0 : maxSteps, state2: i64 = a + 2 < angles ? 0 : maxSteps, state3: i64 = a + 3 < angles ? 0 : maxSteps;
    while (<i32>state0 < maxSteps || <i32>state1 < maxSteps || <i32>state2 < maxSteps || <i32>state3 < maxSteps) {
      state0 = advance(map, width, height, x, y, c0, s0, stretch0, state0, maxSteps, hits);
      state1 = advance(map, width, height, x, y, c1, s1, stretch1, state1, maxSteps, hits + 8);
      state2 = advance(map, width, height, x, y, c2, s2, stretch2, state2, maxSteps, hits + 16);
      state3 = advance(map, width, height, x, y, c3, s3, stretch3, state3, maxSteps, hits + 24);
    }
    for (let r = 0; r < GROUP; r++) {
      const state = r == 0 ? state0 : r == 1 ? state1 : r == 2 ? state2 : state3;
      if ((state & MET_FG) != 0) fgCount = appendSample(fgSamples, fgCount, load<i32>(hits + (<usize>r << 3)), width);
    }
    for (let r = 0; r < GROUP; r++) {
      const state = r == 0 ? state0 : r == 1 ? state1 : r == 2 ? state2 : state3;
      if ((state & MET_BG) != 0) bgCount = appendSample(bgSamples, bgCount, load<i32>(hits + (<usize>r << 3), 4), width);
    }
  }
  return fgCount | bgCount << 16;
}

/** Bytes of one pixel's samples of one kind in castRaysPair's `samples`: (x, y) i32 pairs, one per ray at most. */
export const RAY_SAMPLES_BYTES: i32 = 64 * 8;

/**
 * castRays for two pixels A and B: writes A's foreground samples to samples, its background samples to samples +
 * RAY_SAMPLES_BYTES, B's to samples + 2 and 3 RAY_SAMPLES_BYTES (each at most 64 rays, in ray order), and returns
 * A's foreground count | A's background count << 8 | B's << 16 and << 24.
 * The SIMD build casts a group of four rays of A and one of B side by side, the rays as the lanes of i32x4 (steps,
 * masks as in advance, hits), every step of all eight computed with no branch but the loop's: a step waits for its
 * load from the map and for the arithmetic after it, and the two pixels' steps fill each other's waits (each step
 * depends on the one before, so the four rays of one pixel alone leave the core mostly idle). The points are those
 * of advance, by the same f64 operations.
 */
export function castRaysPair(map: usize, width: i32, height: i32, xA: i32, yA: i32, directionsA: usize, xB: i32, yB: i32, directionsB: usize,
  angles: i32, maxSteps: i32, samples: usize, hits: usize): i32 {
  const fgA = samples, bgA = fgA + <usize>RAY_SAMPLES_BYTES, fgB = bgA + <usize>RAY_SAMPLES_BYTES, bgB = fgB + <usize>RAY_SAMPLES_BYTES;
  if (!ASC_FEATURE_SIMD) {
    const a = castRays(map, width, height, xA, yA, directionsA, angles, maxSteps, fgA, bgA, hits);
    const b = castRays(map, width, height, xB, yB, directionsB, angles, maxSteps, fgB, bgB, hits);
    return (a & 0xff) | (a >>> 16) << 8 | (b & 0xff) << 16 | (b >>> 16) << 24;
  }
  let fgCountA = 0, bgCountA = 0, fgCountB = 0, bgCountB = 0;
  const pxA = f64x2.splat(<f64>xA), pyA = f64x2.splat(<f64>yA), pxB = f64x2.splat(<f64>xB), pyB = f64x2.splat(<f64>yB);
  const widths = i32x4.splat(width), heights = i32x4.splat(height), ends = i32x4.splat(maxSteps);
  for (let a = 0; a < angles; a += GROUP) {
    // Lanes past the last ray: no direction, and done from the start.
    const atA = directionsA + (<usize>a << 4), atB = directionsB + (<usize>a << 4);
    const cA0 = load<f64>(atA), sA0 = load<f64>(atA, 8), cB0 = load<f64>(atB), sB0 = load<f64>(atB, 8);
    const cA1 = a + 1 < angles ? load<f64>(atA, 16) : 0.0, sA1 = a + 1 < angles ? load<f64>(atA, 24) : 0.0;
    const cA2 = a + 2 < angles ? load<f64>(atA, 32) : 0.0, sA2 = a + 2 < angles ? load<f64>(atA, 40) : 0.0;
    const cA3 = a + 3 < angles ? load<f64>(atA, 48) : 0.0, sA3 = a + 3 < angles ? load<f64>(atA, 56) : 0.0;
    const cB1 = a + 1 < angles ? load<f64>(atB, 16) : 0.0, sB1 = a + 1 < angles ? load<f64>(atB, 24) : 0.0;
    const cB2 = a + 2 < angles ? load<f64>(atB, 32) : 0.0, sB2 = a + 2 < angles ? load<f64>(atB, 40) : 0.0;
    const cB3 = a + 3 < angles ? load<f64>(atB, 48) : 0.0, sB3 = a + 3 < angles ? load<f64>(atB, 56) : 0.0;
    const cA01 = f64x2(cA0, cA1), cA23 = f64x2(cA2, cA3), sA01 = f64x2(sA0, sA1), sA23 = f64x2(sA2, sA3);
    const cB01 = f64x2(cB0, cB1), cB23 = f64x2(cB2, cB3), sB01 = f64x2(sB0, sB1), sB23 = f64x2(sB2, sB3);
    const stretchA = i32x4(rayStretch(cA0, sA0), rayStretch(cA1, sA1), rayStretch(cA2, sA2), rayStretch(cA3, sA3));
    const stretchB = i32x4(rayStretch(cB0, sB0), rayStretch(cB1, sB1), rayStretch(cB2, sB2), rayStretch(cB3, sB3));
    const first = i32x4(0, a + 1 < angles ? 0 : maxSteps, a + 2 < angles ? 0 : maxSteps, a + 3 < angles ? 0 : maxSteps);
    let stepsA = first, masksA = i32x4.splat(0), fgHitsA = i32x4.splat(0), bgHitsA = i32x4.splat(0);
    let stepsB = first, masksB = i32x4.splat(0), fgHitsB = i32x4.splat(0), bgHitsB = i32x4.splat(0);
    while (v128.any_true(v128.or(i32x4.lt_s(stepsA, ends), i32x4.lt_s(stepsB, ends)))) {
      const xsA = wholePoints(stepsA, pxA, cA01, cA23), ysA = wholePoints(stepsA, pyA, sA01, sA23);
      const xsB = wholePoints(stepsB, pxB, cB01, cB23), ysB = wholePoints(stepsB, pyB, sB01, sB23);
      // Unsigned compares: a negative coordinate is a large one. Lanes not live read pixel 0's entry and keep nothing.
      const liveA = v128.and(v128.and(i32x4.lt_u(xsA, widths), i32x4.lt_u(ysA, heights)), i32x4.lt_s(stepsA, ends));
      const liveB = v128.and(v128.and(i32x4.lt_u(xsB, widths), i32x4.lt_u(ysB, heights)), i32x4.lt_s(stepsB, ends));
      const qA = v128.and(i32x4.add(i32x4.mul(ysA, widths), xsA), liveA), qB = v128.and(i32x4.add(i32x4.mul(ysB, widths), xsB), liveB);
      const entriesA = mapEntries(map, qA), entriesB = mapEntries(map, qB);
      const fgMetA = metMask(v128.or(entriesA, masksA), 0, liveA), bgMetA = metMask(v128.or(entriesA, masksA), 8, liveA);
      const fgMetB = metMask(v128.or(entriesB, masksB), 0, liveB), bgMetB = metMask(v128.or(entriesB, masksB), 8, liveB);
      fgHitsA = v128.bitselect(qA, fgHitsA, fgMetA);
      bgHitsA = v128.bitselect(qA, bgHitsA, bgMetA);
      fgHitsB = v128.bitselect(qB, fgHitsB, fgMetB);
      bgHitsB = v128.bitselect(qB, bgHitsB, bgMetB);
      // The skip from the masks before this step's hits (nextSkips), so that it need not wait for the new masks.
      const skipsA = nextSkips(v128.or(entriesA, masksA), stretchA), skipsB = nextSkips(v128.or(entriesB, masksB), stretchB);
      masksA = v128.or(masksA, v128.or(v128.and(fgMetA, i32x4.splat(0xff)), v128.and(bgMetA, i32x4.splat(0xff00))));
      masksB = v128.or(masksB, v128.or(v128.and(fgMetB, i32x4.splat(0xff)), v128.and(bgMetB, i32x4.splat(0xff00))));
      stepsA = v128.bitselect(i32x4.add(stepsA, skipsA), ends, v128.andnot(liveA, i32x4.eq(masksA, i32x4.splat(<i32>BOTH))));
      stepsB = v128.bitselect(i32x4.add(stepsB, skipsB), ends, v128.andnot(liveB, i32x4.eq(masksB, i32x4.splat(<i32>BOTH))));
    }
    fgCountA = appendHits(fgA, fgCountA, masksA, fgHitsA, 0xff, width);
    bgCountA = appendHits(bgA, bgCountA, masksA, bgHitsA, 0xff00, width);
    fgCountB = appendHits(fgB, fgCountB, masksB, fgHitsB, 0xff, width);
    bgCountB = appendHits(bgB, bgCountB, masksB, bgHitsB, 0xff00, width);
  }
  return fgCountA | bgCountA << 8 | fgCountB << 16 | bgCountB << 24;
}

/** The ray map's entries of the four pixels q (i32x4), as i32x4. */
@inline
function mapEntries(map: usize, q: v128): v128 {
  let entries = v128.load16_lane(map + (<usize>i32x4.extract_lane(q, 0) << 1), i32x4.splat(0), 0);
  entries = v128.load16_lane(map + (<usize>i32x4.extract_lane(q, 1) << 1), entries, 2);
  entries = v128.load16_lane(map + (<usize>i32x4.extract_lane(q, 2) << 1), entries, 4);
  return v128.load16_lane(map + (<usize>i32x4.extract_lane(q, 3) << 1), entries, 6);
}

/** All ones in the live lanes whose byte at `shift` of `sought` (a map entry ORed with the ray's mask) is 0. */
@inline
function metMask(sought: v128, shift: i32, live: v128): v128 {
  return v128.and(i32x4.eq(v128.and(i32x4.shr_u(sought, shift), i32x4.splat(0xff)), i32x4.splat(0)), live);
}

/**
 * advance's skip(needed) of each lane, from `sought` = map entry | the ray's mask before this step: needed - 1 =
 * min(low byte - 1, high byte - 1) as unsigned, so that a byte of 0 (a pixel met here, whose byte the new mask sets
 * to 255) counts as u32 max and never wins unless both are 0, where the ray is done and its skip not used; a byte of
 * 255 gives 254 either way. The same skip as advance's after its hits.
 */
@inline
function nextSkips(sought: v128, stretch: v128): v128 {
  const ones = i32x4.splat(1);
  const neededLess = i32x4.min_u(i32x4.sub(v128.and(sought, i32x4.splat(0xff)), ones), i32x4.sub(i32x4.shr_u(sought, 8), ones));
  return i32x4.max_s(ones, i32x4.shr_s(i32x4.add(i32x4.mul(neededLess, stretch), i32x4.splat(0xffff)), 16));
}

/** Appends the hits of the rays (lanes, in order) whose mask has `met` to samples[count]; returns the new count. */
@inline
function appendHits(samples: usize, count: i32, masks: v128, hits: v128, met: i32, width: i32): i32 {
  if ((i32x4.extract_lane(masks, 0) & met) != 0) count = appendSample(samples, count, i32x4.extract_lane(hits, 0), width);
  if ((i32x4.extract_lane(masks, 1) & met) != 0) count = appendSample(samples, count, i32x4.extract_lane(hits, 1), width);
  if ((i32x4.extract_lane(masks, 2) & met) != 0) count = appendSample(samples, count, i32x4.extract_lane(hits, 2), width);
  if ((i32x4.extract_lane(masks, 3) & met) != 0) count = appendSample(samples, count, i32x4.extract_lane(hits, 3), width);
  return count;
}

/**
 * Steps to the next ray point that may be a pixel still sought, for a ray of `stretch` = floor(65536 / m) - 1,
 * m = max(|cos|, |sin|) (rayStretch). The point t steps on lies within chessboard distance floor(t m + e) + 1 of this
 * one (truncation moves a coordinate by at most one more than the real distance; e covers the rounding of the
 * positions, far below 1e-6), so with d = the distance to the nearest such pixel (`needed`) none of the points at t
 * with t m < d - 1 - 1e-6 can be one; t = ceil((d - 1) stretch / 65536) is the first not ruled out that way, as
 * (t - 1) m <= (d - 1) - m / 65536. Axis-parallel rays (m = 1) skip d - 1, diagonal ones up to 1.41 (d - 1).
 */
@inline
function skip(needed: i32, stretch: i32): i32 {
  return max(1, ((needed - 1) * stretch + 0xffff) >> 16);
}

/** skip's stretch of a ray in direction (c, s): floor(65536 / max(|c|, |s|)) - 1 (65535 for no direction). */
@inline
function rayStretch(c: f64, s: f64): i32 {
  const m = max(Math.abs(c), Math.abs(s));
  return m > 0 ? <i32>Math.floor(65536.0 / m) - 1 : 65535;
}

/** Writes pixel q as an (x, y) pair at samples[count]; returns count + 1. */
@inline
function appendSample(samples: usize, count: i32, q: i32, width: i32): i32 {
  store<i32>(samples + (<usize>count << 3), q % width);
  store<i32>(samples + (<usize>count << 3), q / width, 4);
  return count + 1;
}
