// Shared matting's rays (Gastal and Oliveira 2010, sec. 4.2) as pymatting 1.1.15 casts them: from an unknown pixel,
// each ray takes the first foreground and the first background pixel it meets. Rays jump over runs that cannot hold
// a sample, read from a map of each pixel's distances to the nearest foreground and background pixel. The rays of
// one pixel go four ways across the image and most of their time is spent waiting for memory, so the map is one
// two-byte load a step (instead of the labels and two i32 distance planes).

/**
 * distance[i] = chessboard distance from pixel i to the nearest pixel labelled `target` (two raster passes over
 * the 8-neighbourhood; a large number when there is none). Rays use it to skip runs that cannot hold a sample.
 */
export function smLabelDistances(labels: usize, width: i32, height: i32, target: u8, distance: usize): void {
  const far = width + height;
  for (let y = 0; y < height; y++) {
    const row = distance + (<usize>(y * width) << 2), above = row - (<usize>width << 2);
    for (let x = 0; x < width; x++) {
      if (load<u8>(labels + <usize>(y * width + x)) == target) {
        store<i32>(row + (<usize>x << 2), 0);
        continue;
      }
      let d = far - 1;
      if (x > 0) d = min(d, load<i32>(row + (<usize>(x - 1) << 2)));
      if (y > 0) d = min(d, nearestOfThree(above, x, width));
      store<i32>(row + (<usize>x << 2), d + 1);
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    const row = distance + (<usize>(y * width) << 2), below = row + (<usize>width << 2);
    for (let x = width - 1; x >= 0; x--) {
      let d = load<i32>(row + (<usize>x << 2));
      if (d == 0) continue;
      if (x < width - 1) d = min(d, load<i32>(row + (<usize>(x + 1) << 2)) + 1);
      if (y < height - 1) d = min(d, nearestOfThree(below, x, width) + 1);
      store<i32>(row + (<usize>x << 2), d);
    }
  }
}

/** The least of row[x - 1], row[x], row[x + 1] (i32), those inside the row's `width`. */
@inline
function nearestOfThree(row: usize, x: i32, width: i32): i32 {
  let d = load<i32>(row + (<usize>x << 2));
  if (x > 0) d = min(d, load<i32>(row + (<usize>(x - 1) << 2)));
  if (x < width - 1) d = min(d, load<i32>(row + (<usize>(x + 1) << 2)));
  return d;
}

/** Distances above this are stored as this: a smaller distance only makes a ray skip less, never wrongly. */
const FAR: i32 = 255;

/**
 * The ray map: for each pixel, min(255, distance to the nearest foreground pixel) in the low byte and the same for
 * background in the high byte (a distance of 0 is the label itself), from smLabelDistances' two planes.
 */
export function smRayMap(fgDistance: usize, bgDistance: usize, pixels: i32, map: usize): void {
  for (let i = 0; i < pixels; i++) {
    const fg = min(FAR, load<i32>(fgDistance + (<usize>i << 2))), bg = min(FAR, load<i32>(bgDistance + (<usize>i << 2)));
    store<u16>(map + (<usize>i << 1), <u16>(fg | bg << 8));
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
