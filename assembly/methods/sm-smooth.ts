// Shared matting (Gastal and Oliveira 2010) as pymatting 1.1.15 computes it, phase 4: local smoothing (sec. 4.4).
// Phases 1 and 2 are in methods/sm.ts, phase 3 in methods/sm-refine.ts.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";
import { alphaOf, chromaticDistance, f3, f3Pair, rgb, setF3 } from "./sm-colour";

/** Bytes of the spatial weight table for smoothing radius r. */
export function smTableBytes(radius: i32): i32 {
  return (2 * radius + 1) * (2 * radius + 1) * 8;
}

/** table[(dy + r)(2r + 1) + dx + r] = exp(-(dx^2 + dy^2) / sigma^2). */
function spatialWeights(radius: i32, sigmaSquared: f64, table: usize): void {
  let k = 0;
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      store<f64>(table + (<usize>k << 3), Math.exp(-<f64>(dx * dx + dy * dy) / sigmaSquared));
      k++;
    }
  }
}

/**
 * Local smoothing (sec. 4.4), pass 1: F and B of each unknown pixel averaged over (2r+1)^2 neighbours with
 * spatial weights exp(-d^2 / sigma^2) scaled by the alpha difference (eq. 15-16); alpha from them; and the
 * weight alpha (1 - alpha) for pass 2. Known pixels keep their refined F and B (and weight 0).
 */
export function smSmoothColours(
  image: usize, labels: usize, width: i32, height: i32, radius: i32, sigmaSquared: f64,
  refinedF: usize, refinedB: usize, refinedAlpha: usize, finalF: usize, finalB: usize, finalAlpha: usize, weights: usize, table: usize
): void {
  const pixels = width * height;
  spatialWeights(radius, sigmaSquared, table);
  memory.copy(finalF, refinedF, <usize>pixels * 12);
  memory.copy(finalB, refinedB, <usize>pixels * 12);
  memory.fill(weights, 0, <usize>pixels << 2);
  for (let y = 0; y < height; y++) {
    let x = 0;
    while (x < width) {
      const i = y * width + x;
      if (load<u8>(labels + <usize>i) != LABEL_UNKNOWN) {
        x++;
        continue;
      }
      if (ASC_FEATURE_SIMD) {
        // Two unknown neighbours whose windows both lie inside the image's columns: one lane each.
        if (x >= radius && x + 1 + radius < width && load<u8>(labels + <usize>(i + 1)) == LABEL_UNKNOWN) {
          smoothColoursPair(image, width, height, x, y, radius, refinedF, refinedB, refinedAlpha, finalF, finalB, finalAlpha, weights, table);
          x += 2;
          continue;
        }
      }
      smoothColoursAt(image, width, height, x, y, radius, refinedF, refinedB, refinedAlpha, finalF, finalB, finalAlpha, weights, table);
      x++;
    }
  }
}

/** F = (fr, fg, fb) / sumF and B = (br, bg, bb) / sumB of pixel i, its alpha and its weight alpha (1 - alpha) for pass 2. */
@inline
function storeSmoothed(image: usize, i: i32, alphaP: f64, fr: f64, fg: f64, fb: f64, br: f64, bg: f64, bb: f64, sumF: f64, sumB: f64,
  finalF: usize, finalB: usize, finalAlpha: usize, weights: usize): void {
  setF3(finalF, i, fr / sumF, fg / sumF, fb / sumF);
  setF3(finalB, i, br / sumB, bg / sumB, bb / sumB);
  store<f32>(finalAlpha + (<usize>i << 2), <f32>alphaOf(rgb(image, i, 0), rgb(image, i, 1), rgb(image, i, 2),
    f3(finalF, i, 0), f3(finalF, i, 1), f3(finalF, i, 2), f3(finalB, i, 0), f3(finalB, i, 1), f3(finalB, i, 2)));
  store<f32>(weights + (<usize>i << 2), <f32>(alphaP * (1.0 - alphaP)));
}

/** Pass 1 at the unknown pixel (x, y), its window clipped to the image. */
function smoothColoursAt(image: usize, width: i32, height: i32, x: i32, y: i32, radius: i32,
  refinedF: usize, refinedB: usize, refinedAlpha: usize, finalF: usize, finalB: usize, finalAlpha: usize, weights: usize, table: usize): void {
  const span = 2 * radius + 1;
  const i = y * width + x;
  const alphaP = <f64>load<f32>(refinedAlpha + (<usize>i << 2));
  let fr = 0.0, fg = 0.0, fb = 0.0, br = 0.0, bg = 0.0, bb = 0.0, sumF = 0.0, sumB = 0.0;
  for (let y2 = max(0, y - radius); y2 <= min(height - 1, y + radius); y2++) {
    for (let x2 = max(0, x - radius); x2 <= min(width - 1, x + radius); x2++) {
      const q = y2 * width + x2;
      const dx = x2 - x, dy = y2 - y;
      const alphaQ = <f64>load<f32>(refinedAlpha + (<usize>q << 2));
      let spatial = load<f64>(table + (<usize>((dy + radius) * span + dx + radius) << 3));
      if (q != i) spatial *= Math.abs(alphaP - alphaQ);
      const wF = max(spatial * alphaQ, 1e-5), wB = max(spatial * (1.0 - alphaQ), 1e-5);
      sumF += wF;
      sumB += wB;
      fr += wF * f3(refinedF, q, 0); fg += wF * f3(refinedF, q, 1); fb += wF * f3(refinedF, q, 2);
      br += wB * f3(refinedB, q, 0); bg += wB * f3(refinedB, q, 1); bb += wB * f3(refinedB, q, 2);
    }
  }
  storeSmoothed(image, i, alphaP, fr, fg, fb, br, bg, bb, sumF, sumB, finalF, finalB, finalAlpha, weights);
}

/**
 * Pass 1 at the unknown pixels (x, y) and (x + 1, y), whose windows' columns lie inside the image, as two lanes:
 * each lane sums over its window in the order smoothColoursAt does, with the same arithmetic, so the same bits.
 */
function smoothColoursPair(image: usize, width: i32, height: i32, x: i32, y: i32, radius: i32,
  refinedF: usize, refinedB: usize, refinedAlpha: usize, finalF: usize, finalB: usize, finalAlpha: usize, weights: usize, table: usize): void {
  const span = 2 * radius + 1;
  const i = y * width + x;
  const alphaP = f64x2.promote_low_f32x4(v128.load64_zero(refinedAlpha + (<usize>i << 2)));
  const least = f64x2.splat(1e-5), one = f64x2.splat(1.0);
  let fr = f64x2.splat(0), fg = fr, fb = fr, br = fr, bg = fr, bb = fr, sumF = fr, sumB = fr;
  for (let y2 = max(0, y - radius); y2 <= min(height - 1, y + radius); y2++) {
    const dy = y2 - y;
    for (let dx = -radius; dx <= radius; dx++) {
      const q = y2 * width + x + dx;
      const alphaQ = f64x2.promote_low_f32x4(v128.load64_zero(refinedAlpha + (<usize>q << 2)));
      let spatial = f64x2.splat(load<f64>(table + (<usize>((dy + radius) * span + dx + radius) << 3)));
      if (q != i) spatial = f64x2.mul(spatial, f64x2.abs(f64x2.sub(alphaP, alphaQ)));
      const wF = f64x2.max(f64x2.mul(spatial, alphaQ), least), wB = f64x2.max(f64x2.mul(spatial, f64x2.sub(one, alphaQ)), least);
      sumF = f64x2.add(sumF, wF);
      sumB = f64x2.add(sumB, wB);
      fr = f64x2.add(fr, f64x2.mul(wF, f3Pair(refinedF, q, 0)));
      fg = f64x2.add(fg, f64x2.mul(wF, f3Pair(refinedF, q, 1)));
      fb = f64x2.add(fb, f64x2.mul(wF, f3Pair(refinedF, q, 2)));
      br = f64x2.add(br, f64x2.mul(wB, f3Pair(refinedB, q, 0)));
      bg = f64x2.add(bg, f64x2.mul(wB, f3Pair(refinedB, q, 1)));
      bb = f64x2.add(bb, f64x2.mul(wB, f3Pair(refinedB, q, 2)));
    }
  }
  storeSmoothed(image, i, f64x2.extract_lane(alphaP, 0), f64x2.extract_lane(fr, 0), f64x2.extract_lane(fg, 0), f64x2.extract_lane(fb, 0),
    f64x2.extract_lane(br, 0), f64x2.extract_lane(bg, 0), f64x2.extract_lane(bb, 0), f64x2.extract_lane(sumF, 0), f64x2.extract_lane(sumB, 0),
    finalF, finalB, finalAlpha, weights);
  storeSmoothed(image, i + 1, f64x2.extract_lane(alphaP, 1), f64x2.extract_lane(fr, 1), f64x2.extract_lane(fg, 1), f64x2.extract_lane(fb, 1),
    f64x2.extract_lane(br, 1), f64x2.extract_lane(bg, 1), f64x2.extract_lane(bb, 1), f64x2.extract_lane(sumF, 1), f64x2.extract_lane(sumB, 1),
    finalF, finalB, finalAlpha, weights);
}

@inline
function colourGap(finalF: usize, finalB: usize, i: i32): f64 {
  const dr = f3(finalF, i, 0) - f3(finalB, i, 0), dg = f3(finalF, i, 1) - f3(finalB, i, 1), db = f3(finalF, i, 2) - f3(finalB, i, 2);
  return Math.sqrt(dr * dr + dg * dg + db * db);
}

/**
 * Local smoothing, passes 2 and 3: the confidence of each unknown pixel's F, B (eq. 18), and alpha as the
 * confidence-weighted mix of its own estimate and a low-frequency alpha, the refined alphas averaged with
 * weights exp(-d^2 / sigma3^2) plus 1 on known pixels (eq. 19-20). Writes f64 alpha per pixel to `alpha`
 * (known pixels: their label). `gaps`: scratch of an f64 per pixel.
 */
export function smSmoothAlpha(
  image: usize, labels: usize, width: i32, height: i32, radius2: i32, sigmaSquared2: f64, radius3: i32, sigmaSquared3: f64,
  refinedAlpha: usize, finalF: usize, finalB: usize, finalAlpha: usize, weights: usize, alpha: usize, table: usize, gaps: usize
): void {
  spatialWeights(radius3, sigmaSquared3, table);
  // Each pixel's |F - B| once, instead of once per window it falls in.
  for (let q = 0; q < width * height; q++) store<f64>(gaps + (<usize>q << 3), colourGap(finalF, finalB, q));
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
        // Two unknown neighbours whose windows both lie inside the image's columns: one lane each.
        if (x >= reach && x + 1 + reach < width && load<u8>(labels + <usize>(i + 1)) == LABEL_UNKNOWN) {
          smoothAlphaPair(image, labels, width, height, x, y, radius2, sigmaSquared2, radius3, refinedAlpha, finalF, finalB, finalAlpha, weights,
            alpha, table, gaps);
          x += 2;
          continue;
        }
      }
      let gapSum = 0.0, weightSum = 0.0;
      for (let y2 = max(0, y - radius2); y2 <= min(height - 1, y + radius2); y2++) {
        for (let x2 = max(0, x - radius2); x2 <= min(width - 1, x + radius2); x2++) {
          const q = y2 * width + x2;
          const w = <f64>load<f32>(weights + (<usize>q << 2));
          weightSum += w;
          gapSum += w * load<f64>(gaps + (<usize>q << 3));
        }
      }
      let alphaSum = 0.0, alphaWeightSum = 0.0;
      for (let y2 = max(0, y - radius3); y2 <= min(height - 1, y + radius3); y2++) {
        for (let x2 = max(0, x - radius3); x2 <= min(width - 1, x + radius3); x2++) {
          const q = y2 * width + x2;
          const w = load<f64>(table + (<usize>((y2 - y + radius3) * (2 * radius3 + 1) + x2 - x + radius3) << 3))
            + (load<u8>(labels + <usize>q) != LABEL_UNKNOWN ? 1.0 : 0.0);
          alphaSum += w * <f64>load<f32>(refinedAlpha + (<usize>q << 2));
          alphaWeightSum += w;
        }
      }
      storeAlpha(image, i, sigmaSquared2, gapSum, weightSum, alphaSum, alphaWeightSum, finalF, finalB, finalAlpha, alpha, gaps);
      x++;
    }
  }
}

/** Alpha of the unknown pixel i from its window sums of pass 2 (gapSum, weightSum) and pass 3 (alphaSum, alphaWeightSum). */
@inline
function storeAlpha(image: usize, i: i32, sigmaSquared2: f64, gapSum: f64, weightSum: f64, alphaSum: f64, alphaWeightSum: f64,
  finalF: usize, finalB: usize, finalAlpha: usize, alpha: usize, gaps: usize): void {
  const typicalGap = gapSum / (weightSum + 1e-5) + 1e-5;
  const distortion = chromaticDistance(rgb(image, i, 0), rgb(image, i, 1), rgb(image, i, 2),
    f3(finalF, i, 0), f3(finalF, i, 1), f3(finalF, i, 2), f3(finalB, i, 0), f3(finalB, i, 1), f3(finalB, i, 2));
  const confidence = <f64><f32>(min(1.0, load<f64>(gaps + (<usize>i << 3)) / typicalGap) * Math.exp(-Math.sqrt(distortion) / sigmaSquared2));
  const lowFrequency = alphaSum / alphaWeightSum;
  const own = <f64>load<f32>(finalAlpha + (<usize>i << 2));
  store<f64>(alpha + (<usize>i << 3), confidence * own + (1.0 - confidence) * lowFrequency);
}

/**
 * Passes 2 and 3 at the unknown pixels (x, y) and (x + 1, y), whose windows' columns lie inside the image, as two
 * lanes: each lane sums over its window in the order of the scalar loops above, with the same arithmetic.
 */
function smoothAlphaPair(image: usize, labels: usize, width: i32, height: i32, x: i32, y: i32, radius2: i32, sigmaSquared2: f64,
  radius3: i32, refinedAlpha: usize, finalF: usize, finalB: usize, finalAlpha: usize, weights: usize, alpha: usize, table: usize, gaps: usize): void {
  const i = y * width + x;
  let gapSum = f64x2.splat(0), weightSum = gapSum;
  for (let y2 = max(0, y - radius2); y2 <= min(height - 1, y + radius2); y2++) {
    for (let q = y2 * width + x - radius2, last = y2 * width + x + radius2; q <= last; q++) {
      const w = f64x2.promote_low_f32x4(v128.load64_zero(weights + (<usize>q << 2)));
      weightSum = f64x2.add(weightSum, w);
      gapSum = f64x2.add(gapSum, f64x2.mul(w, v128.load(gaps + (<usize>q << 3))));
    }
  }
  const unknown = i8x16.splat(LABEL_UNKNOWN), one = f64x2.splat(1.0);
  let alphaSum = f64x2.splat(0), alphaWeightSum = alphaSum;
  for (let y2 = max(0, y - radius3); y2 <= min(height - 1, y + radius3); y2++) {
    const row = table + (<usize>((y2 - y + radius3) * (2 * radius3 + 1)) << 3);
    for (let dx = -radius3; dx <= radius3; dx++) {
      const q = y2 * width + x + dx;
      // 1.0 in the lanes of known pixels q and q + 1, 0.0 in the others.
      const known = i64x2.extend_low_i32x4_s(i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(
        i8x16.ne(i16x8.splat(<i16>load<u16>(labels + <usize>q)), unknown))));
      const w = f64x2.add(f64x2.splat(load<f64>(row + (<usize>(dx + radius3) << 3))), v128.and(known, one));
      alphaSum = f64x2.add(alphaSum, f64x2.mul(w, f64x2.promote_low_f32x4(v128.load64_zero(refinedAlpha + (<usize>q << 2)))));
      alphaWeightSum = f64x2.add(alphaWeightSum, w);
    }
  }
  storeAlpha(image, i, sigmaSquared2, f64x2.extract_lane(gapSum, 0), f64x2.extract_lane(weightSum, 0), f64x2.extract_lane(alphaSum, 0),
    f64x2.extract_lane(alphaWeightSum, 0), finalF, finalB, finalAlpha, alpha, gaps);
  storeAlpha(image, i + 1, sigmaSquared2, f64x2.extract_lane(gapSum, 1), f64x2.extract_lane(weightSum, 1), f64x2.extract_lane(alphaSum, 1),
    f64x2.extract_lane(alphaWeightSum, 1), finalF, finalB, finalAlpha, alpha, gaps);
}
