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
 */
export function castRays(map: usize, width: i32, height: i32, x: i32, y: i32, directions: usize, angles: i32, maxSteps: i32,
  fgSamples: usize, bgSamples: usize): i32 {
  let fgCount = 0, bgCount = 0;
  for (let a = 0; a < angles; a++) {
    const direction = directions + (<usize>a << 4);
    const c = load<f64>(direction), s = load<f64>(direction, 8);
    let hasFg = false, hasBg = false;
    for (let step = 0; step < maxSteps; step++) {
      const x2 = <i32>(<f64>x + <f64>step * c), y2 = <i32>(<f64>y + <f64>step * s);
      if (x2 < 0 || y2 < 0 || x2 >= width || y2 >= height) break;
      const distances = <i32>load<u16>(map + (<usize>(y2 * width + x2) << 1));
      const toFg = distances & 0xff, toBg = distances >> 8;
      if (!hasFg && toFg == 0) {
        store<i32>(fgSamples + (<usize>fgCount << 3), x2);
        store<i32>(fgSamples + (<usize>fgCount << 3), y2, 4);
        fgCount++;
        hasFg = true;
      }
      if (!hasBg && toBg == 0) {
        store<i32>(bgSamples + (<usize>bgCount << 3), x2);
        store<i32>(bgSamples + (<usize>bgCount << 3), y2, 4);
        bgCount++;
        hasBg = true;
      }
      if (hasFg && hasBg) break;
      // Ray points t steps on lie within chessboard distance t + 1 of this one (|cos|, |sin| <= 1, truncation):
      // none of the next (distance to the nearest pixel still sought) - 2 can be one.
      const needed = hasFg ? toBg : hasBg ? toFg : min(toFg, toBg);
      if (needed > 2) step += needed - 2;
    }
  }
  return fgCount | bgCount << 16;
}
