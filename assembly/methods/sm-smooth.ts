// Shared matting (Gastal and Oliveira 2010) as pymatting 1.1.15 computes it, phase 4: local smoothing (sec. 4.4).
// Phases 1 and 2 are in methods/sm.ts, phase 3 in methods/sm-refine.ts.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";
import { alphaOf, channelOfFour, chromaticDistance, f3, rgb, ringPlane, ringRow } from "./sm-colour";

/** Bytes of the f32 spatial weight table of passes 2 and 3 for smoothing radius r: exp(-(dx^2 + dy^2) / sigma^2) in raster order. */
export function smTableBytes(radius: i32): i32 {
  return (2 * radius + 1) * (2 * radius + 1) * 4;
}

/** f32 planes of a pass-1 ring row: the refined alpha, F (r, g, b), B (r, g, b). */
const PLANES: i32 = 7;
const ALPHA = 0, RING_F = 1, RING_B = 4;
/** Bytes of the nine f32x4 sums of four pixels, stored to be read lane by lane. */
const SUMS_BYTES: i32 = 9 * 16;

/** Scratch bytes smSmoothColours needs: a ring of 2 radius + 1 rows of `width` pixels, four pixels' sums, its f32 weight table. */
export function smSmoothColoursScratchBytes(radius: i32, width: i32): i32 {
  return (2 * radius + 1) * width * PLANES * 4 + SUMS_BYTES + (2 * radius + 1) * (2 * radius + 1) * 4;
}

/** Copies image row y2's refined alpha, F and B into a ring row, one plane each. */
function fillRow(refinedF: usize, refinedB: usize, refinedAlpha: usize, width: i32, y2: i32, row: usize): void {
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    // Four pixels at a time: their interleaved F (and B) as three f32x4, taken apart into r, g and b lanes.
    const plane = <usize>width << 2;
    for (let from = <usize>(y2 * width) * 12, at = row; x + 4 <= width; x += 4, from += 48, at += 16) {
      const f0 = v128.load(refinedF + from), f1 = v128.load(refinedF + from, 16), f2 = v128.load(refinedF + from, 32);
      const b0 = v128.load(refinedB + from), b1 = v128.load(refinedB + from, 16), b2 = v128.load(refinedB + from, 32);
      v128.store(at, v128.load(refinedAlpha + (<usize>(y2 * width + x) << 2)));
      v128.store(at + plane * RING_F, channelOfFour(f0, f1, f2, 0));
      v128.store(at + plane * (RING_F + 1), channelOfFour(f0, f1, f2, 1));
      v128.store(at + plane * (RING_F + 2), channelOfFour(f0, f1, f2, 2));
      v128.store(at + plane * RING_B, channelOfFour(b0, b1, b2, 0));
      v128.store(at + plane * (RING_B + 1), channelOfFour(b0, b1, b2, 1));
      v128.store(at + plane * (RING_B + 2), channelOfFour(b0, b1, b2, 2));
    }
  }
  for (; x < width; x++) {
    const q = y2 * width + x;
    store<f32>(ringPlane(row, width, ALPHA, x), load<f32>(refinedAlpha + (<usize>q << 2)));
    for (let c = 0; c < 3; c++) {
      store<f32>(ringPlane(row, width, RING_F + c, x), load<f32>(refinedF + <usize>q * 12 + (<usize>c << 2)));
      store<f32>(ringPlane(row, width, RING_B + c, x), load<f32>(refinedB + <usize>q * 12 + (<usize>c << 2)));
    }
  }
}

/**
 * Local smoothing (sec. 4.4), pass 1: F and B of each unknown pixel averaged over (2r+1)^2 neighbours with
 * spatial weights exp(-d^2 / sigma^2) scaled by the alpha difference (eq. 15-16); alpha from them; and the
 * weight alpha (1 - alpha) for pass 2. Known pixels keep their refined F and B (and weight 0).
 * F and B are smoothed in place (`refinedF`, `refinedB` become the final ones): the windows read the refined values
 * from the ring only, and row y + r enters the ring before row y is written.
 * The weighted sums are computed in f32, as pymatting computes them, so that four pixels side by side are one f32x4
 * lane each; the scalar build, and pixels whose window is clipped, run each lane's arithmetic in the same order.
 * `scratch`: smSmoothColoursScratchBytes(radius, width) bytes.
 */
export function smSmoothColours(
  image: usize, labels: usize, width: i32, height: i32, radius: i32, sigmaSquared: f64,
  refinedF: usize, refinedB: usize, refinedAlpha: usize, finalAlpha: usize, weights: usize, scratch: usize
): void {
  const pixels = width * height;
  const finalF = refinedF, finalB = refinedB;
  const span = 2 * radius + 1;
  const ring = scratch, sums = ring + <usize>span * <usize>width * <usize>(PLANES * 4), table = sums + <usize>SUMS_BYTES;
  let k = 0;
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++, k++) store<f32>(table + (<usize>k << 2), <f32>Math.exp(-<f64>(dx * dx + dy * dy) / sigmaSquared));
  }
  memory.fill(weights, 0, <usize>pixels << 2);
  for (let y2 = 0; y2 < min(height, radius); y2++) fillRow(refinedF, refinedB, refinedAlpha, width, y2, ringRow(ring, y2, span, width, PLANES));
  for (let y = 0; y < height; y++) {
    // Row y + r replaces row y - r - 1, which no pixel from row y on reads.
    if (y + radius < height) fillRow(refinedF, refinedB, refinedAlpha, width, y + radius, ringRow(ring, y + radius, span, width, PLANES));
    let x = 0;
    while (x < width) {
      const i = y * width + x;
      if (load<u8>(labels + <usize>i) != LABEL_UNKNOWN) {
        x++;
        continue;
      }
      if (ASC_FEATURE_SIMD) {
        // Four pixels in a row whose windows all lie inside the image's columns, the first unknown: one lane each,
        // the lanes of known pixels not stored.
        if (x >= radius && x + 3 + radius < width) {
          smoothColoursQuad(image, labels, width, height, x, y, radius, ring, table, finalF, finalB, finalAlpha, weights, sums);
          x += 4;
          continue;
        }
      }
      smoothColoursAt(image, width, height, x, y, radius, ring, table, finalF, finalB, finalAlpha, weights);
      x++;
    }
  }
}

/** F = (fr, fg, fb) / sumF and B = (br, bg, bb) / sumB of pixel i (f32), its alpha and its weight alpha (1 - alpha) for pass 2. */
@inline
function storeSmoothed(image: usize, i: i32, alphaP: f32, fr: f32, fg: f32, fb: f32, br: f32, bg: f32, bb: f32, sumF: f32, sumB: f32,
  finalF: usize, finalB: usize, finalAlpha: usize, weights: usize): void {
  const at = finalF + <usize>i * 12, bt = finalB + <usize>i * 12;
  store<f32>(at, fr / sumF); store<f32>(at, fg / sumF, 4); store<f32>(at, fb / sumF, 8);
  store<f32>(bt, br / sumB); store<f32>(bt, bg / sumB, 4); store<f32>(bt, bb / sumB, 8);
  store<f32>(finalAlpha + (<usize>i << 2), <f32>alphaOf(rgb(image, i, 0), rgb(image, i, 1), rgb(image, i, 2),
    f3(finalF, i, 0), f3(finalF, i, 1), f3(finalF, i, 2), f3(finalB, i, 0), f3(finalB, i, 1), f3(finalB, i, 2)));
  const a = <f64>alphaP;
  store<f32>(weights + (<usize>i << 2), <f32>(a * (1.0 - a)));
}

/** Pass 1 at the unknown pixel (x, y), its window clipped to the image, in f32. */
function smoothColoursAt(image: usize, width: i32, height: i32, x: i32, y: i32, radius: i32, ring: usize, table: usize,
  finalF: usize, finalB: usize, finalAlpha: usize, weights: usize): void {
  const span = 2 * radius + 1;
  const alphaP = load<f32>(ringPlane(ringRow(ring, y, span, width, PLANES), width, ALPHA, x));
  const least: f32 = 1e-5;
  let fr: f32 = 0, fg: f32 = 0, fb: f32 = 0, br: f32 = 0, bg: f32 = 0, bb: f32 = 0, sumF: f32 = 0, sumB: f32 = 0;
  for (let y2 = max(0, y - radius); y2 <= min(height - 1, y + radius); y2++) {
    const row = ringRow(ring, y2, span, width, PLANES);
    for (let x2 = max(0, x - radius); x2 <= min(width - 1, x + radius); x2++) {
      const dx = x2 - x, dy = y2 - y;
      const alphaQ = load<f32>(ringPlane(row, width, ALPHA, x2));
      let spatial = load<f32>(table + (<usize>((dy + radius) * span + dx + radius) << 2));
      if (dx != 0 || dy != 0) spatial *= abs<f32>(alphaP - alphaQ);
      const wF = max<f32>(spatial * alphaQ, least), wB = max<f32>(spatial * (1 - alphaQ), least);
      sumF += wF;
      sumB += wB;
      fr += wF * load<f32>(ringPlane(row, width, RING_F, x2)); fg += wF * load<f32>(ringPlane(row, width, RING_F + 1, x2));
      fb += wF * load<f32>(ringPlane(row, width, RING_F + 2, x2));
      br += wB * load<f32>(ringPlane(row, width, RING_B, x2)); bg += wB * load<f32>(ringPlane(row, width, RING_B + 1, x2));
      bb += wB * load<f32>(ringPlane(row, width, RING_B + 2, x2));
    }
  }
  storeSmoothed(image, y * width + x, alphaP, fr, fg, fb, br, bg, bb, sumF, sumB, finalF, finalB, finalAlpha, weights);
}

/**
 * Pass 1 at the pixels (x, y) to (x + 3, y), whose windows' columns lie inside the image, as four f32x4 lanes: each
 * lane sums over its window in the order smoothColoursAt does, with the same arithmetic, so the same bits; only the
 * unknown pixels' lanes are stored. pmax(least, w) is max(w, least) (w is never NaN). `sums`: SUMS_BYTES of scratch.
 */
function smoothColoursQuad(image: usize, labels: usize, width: i32, height: i32, x: i32, y: i32, radius: i32, ring: usize, table: usize,
  finalF: usize, finalB: usize, finalAlpha: usize, weights: usize, sums: usize): void {
  const span = 2 * radius + 1;
  const alphaP = v128.load(ringPlane(ringRow(ring, y, span, width, PLANES), width, ALPHA, x));
  const least = f32x4.splat(1e-5), one = f32x4.splat(1.0);
  let fr = f32x4.splat(0), fg = fr, fb = fr, br = fr, bg = fr, bb = fr, sumF = fr, sumB = fr;
  // Byte offsets of the planes after the first (alpha), computed once, so that each load is one addition away.
  const plane = <usize>width << 2, o1 = plane, o2 = plane * 2, o3 = plane * 3, o4 = plane * 4, o5 = plane * 5, o6 = plane * 6;
  // The window's centre in the ring: the one neighbour whose spatial weight is not scaled by the alpha difference.
  const centre = ringPlane(ringRow(ring, y, span, width, PLANES), width, ALPHA, x);
  for (let y2 = max(0, y - radius); y2 <= min(height - 1, y + radius); y2++) {
    // The row's addresses step along with the loop (computed from y2 in its body, they were recomputed, y2 % span
    // and all, at every neighbour).
    let at = ringPlane(ringRow(ring, y2, span, width, PLANES), width, ALPHA, x - radius);
    let weight = table + (<usize>((y2 - y + radius) * span) << 2);
    for (const end = at + (<usize>span << 2); at < end; at += 4, weight += 4) {
      const alphaQ = v128.load(at);
      let spatial = f32x4.splat(load<f32>(weight));
      if (at != centre) spatial = f32x4.mul(spatial, f32x4.abs(f32x4.sub(alphaP, alphaQ)));
      const wF = f32x4.pmax(least, f32x4.mul(spatial, alphaQ)), wB = f32x4.pmax(least, f32x4.mul(spatial, f32x4.sub(one, alphaQ)));
      sumF = f32x4.add(sumF, wF);
      sumB = f32x4.add(sumB, wB);
      fr = f32x4.add(fr, f32x4.mul(wF, v128.load(at + o1)));
      fg = f32x4.add(fg, f32x4.mul(wF, v128.load(at + o2)));
      fb = f32x4.add(fb, f32x4.mul(wF, v128.load(at + o3)));
      br = f32x4.add(br, f32x4.mul(wB, v128.load(at + o4)));
      bg = f32x4.add(bg, f32x4.mul(wB, v128.load(at + o5)));
      bb = f32x4.add(bb, f32x4.mul(wB, v128.load(at + o6)));
    }
  }
  // The sums go through memory to be taken apart lane by lane (extract_lane takes only a constant lane).
  v128.store(sums, alphaP); v128.store(sums, fr, 16); v128.store(sums, fg, 32); v128.store(sums, fb, 48); v128.store(sums, br, 64);
  v128.store(sums, bg, 80); v128.store(sums, bb, 96); v128.store(sums, sumF, 112); v128.store(sums, sumB, 128);
  for (let lane = 0; lane < 4; lane++) {
    if (load<u8>(labels + <usize>(y * width + x + lane)) != LABEL_UNKNOWN) continue;
    const at = sums + (<usize>lane << 2);
    storeSmoothed(image, y * width + x + lane, load<f32>(at), load<f32>(at, 16), load<f32>(at, 32), load<f32>(at, 48), load<f32>(at, 64),
      load<f32>(at, 80), load<f32>(at, 96), load<f32>(at, 112), load<f32>(at, 128), finalF, finalB, finalAlpha, weights);
  }
}

@inline
function colourGap(finalF: usize, finalB: usize, i: i32): f32 {
  const dr = f3(finalF, i, 0) - f3(finalB, i, 0), dg = f3(finalF, i, 1) - f3(finalB, i, 1), db = f3(finalF, i, 2) - f3(finalB, i, 2);
  return <f32>Math.sqrt(dr * dr + dg * dg + db * db);
}

/**
 * Local smoothing, passes 2 and 3: the confidence of each unknown pixel's F, B (eq. 18), and alpha as the
 * confidence-weighted mix of its own estimate and a low-frequency alpha, the refined alphas averaged with
 * weights exp(-d^2 / sigma3^2) plus 1 on known pixels (eq. 19-20). Writes f64 alpha per pixel to `alpha`
 * (known pixels: their label). `gaps`: scratch of two f32 per pixel; `table`: smTableBytes(radius3).
 * The window sums are computed in f32, as pymatting computes them, four pixels side by side as f32x4 lanes; the
 * scalar build, and pixels whose windows are clipped, run each lane's arithmetic in the same order.
 */
export function smSmoothAlpha(
  image: usize, labels: usize, width: i32, height: i32, radius2: i32, sigmaSquared2: f64, radius3: i32, sigmaSquared3: f64,
  refinedAlpha: usize, finalF: usize, finalB: usize, finalAlpha: usize, weights: usize, alpha: usize, table: usize, gaps: usize
): void {
  let k = 0;
  for (let dy = -radius3; dy <= radius3; dy++) {
    for (let dx = -radius3; dx <= radius3; dx++, k++) store<f32>(table + (<usize>k << 2), <f32>Math.exp(-<f64>(dx * dx + dy * dy) / sigmaSquared3));
  }
  // Each pixel's |F - B| once, instead of once per window it falls in; and after them (SIMD build) 1.0 on known
  // pixels, 0.0 on unknown ones, pass 3's addition to the spatial weight.
  // Known pixels' gaps are 0 (no square root): pass 2 weighs them by their weight, 0, and 0 times a finite gap is +0
  // as 0 times 0 is (F and B are colours in [0, 1]), and no pixel reads its own gap unless unknown.
  const pixels = width * height;
  for (let q = 0; q < pixels; q++) {
    const known = load<u8>(labels + <usize>q) != LABEL_UNKNOWN;
    store<f32>(gaps + (<usize>q << 2), known ? <f32>0 : colourGap(finalF, finalB, q));
    if (ASC_FEATURE_SIMD) store<f32>(gaps + (<usize>(pixels + q) << 2), known ? <f32>1 : <f32>0);
  }
  const reach = max(radius2, radius3);
  for (let y = 0; y < height; y++) {
    let x = 0;
    while (x < width) {
      const i = y * width + x;
      const label = load<u8>(labels + <usize>i);
      if (label != LABEL_UNKNOWN) {
        store<f64>(alpha + (<usize>i << 3), label == LABEL_FOREGROUND ? 1.0 : 0.0);
        x++;
        continue;
      }
      if (ASC_FEATURE_SIMD) {
        // Four pixels in a row whose windows all lie inside the image's columns, the first unknown: one lane each,
        // the known pixels' lanes replaced by their labels.
        if (x >= reach && x + 3 + reach < width) {
          smoothAlphaQuad(image, labels, width, height, x, y, radius2, sigmaSquared2, radius3, refinedAlpha, finalF, finalB, finalAlpha, weights,
            alpha, table, gaps);
          x += 4;
          continue;
        }
      }
      let gapSum: f32 = 0, weightSum: f32 = 0;
      for (let y2 = max(0, y - radius2); y2 <= min(height - 1, y + radius2); y2++) {
        for (let x2 = max(0, x - radius2); x2 <= min(width - 1, x + radius2); x2++) {
          const q = y2 * width + x2;
          const w = load<f32>(weights + (<usize>q << 2));
          weightSum += w;
          gapSum += w * load<f32>(gaps + (<usize>q << 2));
        }
      }
      let alphaSum: f32 = 0, alphaWeightSum: f32 = 0;
      for (let y2 = max(0, y - radius3); y2 <= min(height - 1, y + radius3); y2++) {
        for (let x2 = max(0, x - radius3); x2 <= min(width - 1, x + radius3); x2++) {
          const q = y2 * width + x2;
          const w = load<f32>(table + (<usize>((y2 - y + radius3) * (2 * radius3 + 1) + x2 - x + radius3) << 2))
            + (load<u8>(labels + <usize>q) != LABEL_UNKNOWN ? <f32>1 : <f32>0);
          alphaSum += w * load<f32>(refinedAlpha + (<usize>q << 2));
          alphaWeightSum += w;
        }
      }
      storeAlpha(image, labels, i, sigmaSquared2, gapSum, weightSum, alphaSum, alphaWeightSum, finalF, finalB, finalAlpha, alpha, gaps);
      x++;
    }
  }
}

/**
 * Alpha of pixel i: if unknown, from its window sums of pass 2 (gapSum, weightSum) and pass 3 (alphaSum,
 * alphaWeightSum); if known, its label.
 */
@inline
function storeAlpha(image: usize, labels: usize, i: i32, sigmaSquared2: f64, gapSum: f32, weightSum: f32, alphaSum: f32, alphaWeightSum: f32,
  finalF: usize, finalB: usize, finalAlpha: usize, alpha: usize, gaps: usize): void {
  const label = load<u8>(labels + <usize>i);
  if (label != LABEL_UNKNOWN) {
    store<f64>(alpha + (<usize>i << 3), label == LABEL_FOREGROUND ? 1.0 : 0.0);
    return;
  }
  const typicalGap = <f64>gapSum / (<f64>weightSum + 1e-5) + 1e-5;
  const distortion = chromaticDistance(rgb(image, i, 0), rgb(image, i, 1), rgb(image, i, 2),
    f3(finalF, i, 0), f3(finalF, i, 1), f3(finalF, i, 2), f3(finalB, i, 0), f3(finalB, i, 1), f3(finalB, i, 2));
  const confidence = <f64><f32>(min(1.0, <f64>load<f32>(gaps + (<usize>i << 2)) / typicalGap) * Math.exp(-Math.sqrt(distortion) / sigmaSquared2));
  const lowFrequency = <f64>alphaSum / <f64>alphaWeightSum;
  const own = <f64>load<f32>(finalAlpha + (<usize>i << 2));
  store<f64>(alpha + (<usize>i << 3), confidence * own + (1.0 - confidence) * lowFrequency);
}

/**
 * Passes 2 and 3 at the pixels (x, y) to (x + 3, y), whose windows' columns lie inside the image, as four f32x4
 * lanes: each lane sums over its window in the order of the scalar loops above, with the same arithmetic (the
 * lanes of known pixels: their labels).
 */
function smoothAlphaQuad(image: usize, labels: usize, width: i32, height: i32, x: i32, y: i32, radius2: i32, sigmaSquared2: f64,
  radius3: i32, refinedAlpha: usize, finalF: usize, finalB: usize, finalAlpha: usize, weights: usize, alpha: usize, table: usize, gaps: usize): void {
  const i = y * width + x;
  const unknown = i8x16.splat(LABEL_UNKNOWN), one = f32x4.splat(1.0);
  let gapSum = f32x4.splat(0), weightSum = gapSum, alphaSum = gapSum, alphaWeightSum = gapSum;
  if (radius2 == radius3) {
    // The default: both passes over the same window in one loop, so that their four chains of additions (each in its
    // pass's order) overlap; the two loops below are each a wait on their two chains.
    // q and the table's address step along with the loop (computed from y2 and dx in its body, they were recomputed
    // with multiplications at every neighbour); `known` (1.0 on known pixels, else 0.0) is smSmoothAlpha's plane.
    const known = gaps + (<usize>(width * height) << 2);
    for (let y2 = max(0, y - radius2); y2 <= min(height - 1, y + radius2); y2++) {
      let spatial = table + (<usize>((y2 - y + radius3) * (2 * radius3 + 1)) << 2);
      for (let q = y2 * width + x - radius2, last = q + 2 * radius2; q <= last; q++, spatial += 4) {
        const w = v128.load(weights + (<usize>q << 2));
        weightSum = f32x4.add(weightSum, w);
        gapSum = f32x4.add(gapSum, f32x4.mul(w, v128.load(gaps + (<usize>q << 2))));
        const w3 = f32x4.add(f32x4.splat(load<f32>(spatial)), v128.load(known + (<usize>q << 2)));
        alphaSum = f32x4.add(alphaSum, f32x4.mul(w3, v128.load(refinedAlpha + (<usize>q << 2))));
        alphaWeightSum = f32x4.add(alphaWeightSum, w3);
      }
    }
  } else {
    for (let y2 = max(0, y - radius2); y2 <= min(height - 1, y + radius2); y2++) {
      for (let q = y2 * width + x - radius2, last = y2 * width + x + radius2; q <= last; q++) {
        const w = v128.load(weights + (<usize>q << 2));
        weightSum = f32x4.add(weightSum, w);
        gapSum = f32x4.add(gapSum, f32x4.mul(w, v128.load(gaps + (<usize>q << 2))));
      }
    }
    for (let y2 = max(0, y - radius3); y2 <= min(height - 1, y + radius3); y2++) {
      const row = table + (<usize>((y2 - y + radius3) * (2 * radius3 + 1)) << 2);
      for (let dx = -radius3; dx <= radius3; dx++) {
        const q = y2 * width + x + dx;
        // 1.0 in the lanes of known pixels q to q + 3, 0.0 in the others.
        const known = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(i8x16.ne(v128.load32_zero(labels + <usize>q), unknown)));
        const w = f32x4.add(f32x4.splat(load<f32>(row + (<usize>(dx + radius3) << 2))), v128.and(known, one));
        alphaSum = f32x4.add(alphaSum, f32x4.mul(w, v128.load(refinedAlpha + (<usize>q << 2))));
        alphaWeightSum = f32x4.add(alphaWeightSum, w);
      }
    }
  }
  storeAlpha(image, labels, i, sigmaSquared2, f32x4.extract_lane(gapSum, 0), f32x4.extract_lane(weightSum, 0), f32x4.extract_lane(alphaSum, 0),
    f32x4.extract_lane(alphaWeightSum, 0), finalF, finalB, finalAlpha, alpha, gaps);
  storeAlpha(image, labels, i + 1, sigmaSquared2, f32x4.extract_lane(gapSum, 1), f32x4.extract_lane(weightSum, 1), f32x4.extract_lane(alphaSum, 1),
    f32x4.extract_lane(alphaWeightSum, 1), finalF, finalB, finalAlpha, alpha, gaps);
  storeAlpha(image, labels, i + 2, sigmaSquared2, f32x4.extract_lane(gapSum, 2), f32x4.extract_lane(weightSum, 2), f32x4.extract_lane(alphaSum, 2),
    f32x4.extract_lane(alphaWeightSum, 2), finalF, finalB, finalAlpha, alpha, gaps);
  storeAlpha(image, labels, i + 3, sigmaSquared2, f32x4.extract_lane(gapSum, 3), f32x4.extract_lane(weightSum, 3), f32x4.extract_lane(alphaSum, 3),
    f32x4.extract_lane(alphaWeightSum, 3), finalF, finalB, finalAlpha, alpha, gaps);
}
