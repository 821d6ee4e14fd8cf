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
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let d = load<u8>(labels + <usize>i) == target ? 0 : far;
      if (d > 0) {
        if (x > 0) d = min(d, load<i32>(distance + (<usize>(i - 1) << 2)) + 1);
        if (y > 0) {
          for (let x2 = max(0, x - 1); x2 <= min(width - 1, x + 1); x2++) d = min(d, load<i32>(distance + (<usize>(i - width + x2 - x) << 2)) + 1);
        }
      }
      store<i32>(distance + (<usize>i << 2), d);
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      let d = load<i32>(distance + (<usize>i << 2));
      if (x < width - 1) d = min(d, load<i32>(distance + (<usize>(i + 1) << 2)) + 1);
      if (y < height - 1) {
        for (let x2 = max(0, x - 1); x2 <= min(width - 1, x + 1); x2++) d = min(d, load<i32>(distance + (<usize>(i + width + x2 - x) << 2)) + 1);
      }
      store<i32>(distance + (<usize>i << 2), d);
    }
  }
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
 * Casts `angles` rays from (x, y), directions (cos, sin) as f64 pairs at `directions`, each until it has met a
 * foreground and a background pixel or left the image (at most maxSteps steps); writes the first foreground pixel
 * of each ray that meets one to fgSamples and the first background pixel to bgSamples, as (x, y) i32 pairs in ray
 * order. Returns the foreground count + 65536 x the background count.
 * Rays go two at a time, a step of one then a step of the other: each step waits for its load from the map, and
 * the other ray's step fills that wait.
 */
export function castRays(map: usize, width: i32, height: i32, x: i32, y: i32, directions: usize, angles: i32, maxSteps: i32,
  fgSamples: usize, bgSamples: usize): i32 {
  let fgCount = 0, bgCount = 0;
  for (let a = 0; a < angles; a += 2) {
    const c0 = load<f64>(directions + (<usize>a << 4)), s0 = load<f64>(directions + (<usize>a << 4), 8);
    const two = a + 1 < angles;
    const c1 = two ? load<f64>(directions + (<usize>(a + 1) << 4)) : 0.0, s1 = two ? load<f64>(directions + (<usize>(a + 1) << 4), 8) : 0.0;
    // Per ray: the next step, and the first foreground and background pixel met (-1: none yet).
    let step0 = 0, fg0 = -1, bg0 = -1, step1 = two ? 0 : maxSteps, fg1 = -1, bg1 = -1;
    while (step0 < maxSteps || step1 < maxSteps) {
      if (step0 < maxSteps) {
        const x2 = <i32>(<f64>x + <f64>step0 * c0), y2 = <i32>(<f64>y + <f64>step0 * s0);
        if (x2 < 0 || y2 < 0 || x2 >= width || y2 >= height) {
          step0 = maxSteps;
        } else {
          const q = y2 * width + x2;
          const distances = <i32>load<u16>(map + (<usize>q << 1));
          if (fg0 < 0 && (distances & 0xff) == 0) fg0 = q;
          if (bg0 < 0 && distances >> 8 == 0) bg0 = q;
          step0 = fg0 >= 0 && bg0 >= 0 ? maxSteps : step0 + skip(distances, fg0 >= 0, bg0 >= 0);
        }
      }
      if (step1 < maxSteps) {
        const x2 = <i32>(<f64>x + <f64>step1 * c1), y2 = <i32>(<f64>y + <f64>step1 * s1);
        if (x2 < 0 || y2 < 0 || x2 >= width || y2 >= height) {
          step1 = maxSteps;
        } else {
          const q = y2 * width + x2;
          const distances = <i32>load<u16>(map + (<usize>q << 1));
          if (fg1 < 0 && (distances & 0xff) == 0) fg1 = q;
          if (bg1 < 0 && distances >> 8 == 0) bg1 = q;
          step1 = fg1 >= 0 && bg1 >= 0 ? maxSteps : step1 + skip(distances, fg1 >= 0, bg1 >= 0);
        }
      }
    }
    if (fg0 >= 0) fgCount = appendSample(fgSamples, fgCount, fg0, width);
    if (fg1 >= 0) fgCount = appendSample(fgSamples, fgCount, fg1, width);
    if (bg0 >= 0) bgCount = appendSample(bgSamples, bgCount, bg0, width);
    if (bg1 >= 0) bgCount = appendSample(bgSamples, bgCount, bg1, width);
  }
  return fgCount | bgCount << 16;
}

/**
 * Steps to the next ray point that may be a pixel still sought. Ray points t steps on lie within chessboard distance
 * t + 1 of this one (|cos|, |sin| <= 1, truncation): none of the next (distance to the nearest such pixel) - 2 can be one.
 */
@inline
function skip(distances: i32, hasFg: bool, hasBg: bool): i32 {
  const toFg = distances & 0xff, toBg = distances >> 8;
  const needed = hasFg ? toBg : hasBg ? toFg : min(toFg, toBg);
  return max(1, needed - 1);
}

/** Writes pixel q as an (x, y) pair at samples[count]; returns count + 1. */
@inline
function appendSample(samples: usize, count: i32, q: i32, width: i32): i32 {
  store<i32>(samples + (<usize>count << 3), q % width);
  store<i32>(samples + (<usize>count << 3), q / width, 4);
  return count + 1;
}
