// Shared matting (Gastal and Oliveira 2010) as pymatting 1.1.15 computes it, phase 3: sample refinement (sec. 4.3).
// Each unknown pixel weighs the (F, B) pairs of its (2r+1)^2 neighbours by the chromatic distortion M_p(F, B)^2
// (eq. 9), 121 of them at the default radius. These distortions are computed in f32, as pymatting computes them
// (its images and estimates are float32), so that four neighbours side by side are one f32x4 lane each. The parts
// of a distortion that depend on the neighbour alone (its F and B, F - B and |F - B|^2 + 1e-5) are computed once
// per pixel into a ring of 2r + 1 rows, one f32 plane per part. The scalar build runs each lane's arithmetic in the
// same order, so both builds pick the same neighbours.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";
import { alphaOf, channelOfFour, f3, rgb, ringPlane, ringRow, setF3 } from "./sm-colour";

/** f32 planes of a ring row: F (r, g, b), B (r, g, b), F - B (r, g, b), |F - B|^2 + 1e-5. */
const PARTS: i32 = 10;
const F_R = 0, B_R = 3, GAP_R = 6, DENOMINATOR = 9;
/** Columns a ring plane holds beyond the image's, so that a row's last group of four reads inside it. */
const PADDING: i32 = 3;

/**
 * Scratch bytes smRefine needs: the ring of 2 radius + 1 rows of `width` + 3 pixels, the window's distortions,
 * four windows' distortions side by side (refineQuad) with their lanes' state, and radius + 1 rows of refined F and
 * B waiting to be written back.
 */
export function smRefineScratchBytes(radius: i32, width: i32): i32 {
  return (2 * radius + 1) * (width + PADDING) * PARTS * 4 + windowCostsBytes(radius) + quadCostsBytes(radius) + LANE_STATE_BYTES
    + (radius + 1) * width * OUT_PIXEL_BYTES;
}

/** Bytes a pixel takes in the ring of refined rows waiting to be written back: F and B, f32 x 3 each. */
const OUT_PIXEL_BYTES: i32 = 24;

/** Copies row `from` of F (and of B), 12 bytes a pixel, of one pair of planes to row `to` of another. */
@inline
function copyRow(fromF: usize, fromB: usize, toF: usize, toB: usize, width: i32, from: i32, to: i32): void {
  const bytes = <usize>width * 12;
  memory.copy(toF + <usize>(to * width) * 12, fromF + <usize>(from * width) * 12, bytes);
  memory.copy(toB + <usize>(to * width) * 12, fromB + <usize>(from * width) * 12, bytes);
}

/** Bytes of refineQuad's distortions: an f32x4 for each of the (2 radius + 1)^2 offsets, and three to pad to fours. */
@inline
function quadCostsBytes(radius: i32): i32 {
  return ((2 * radius + 1) * (2 * radius + 1) + 3) * 16;
}

/**
 * refineQuad's state of each lane's search, an f32x4 or i32x4 each: below, q0, q1, equal, tie, same, the third least,
 * and the pixels' colours (r, g, b).
 */
const LANE_STATE_BYTES: i32 = 10 * 16;

/** Fills the ring row of image row y2 from the gathered F and B (f32 arithmetic); the padding columns get zeros. */
function fillRow(gatherF: usize, gatherB: usize, width: i32, pitch: i32, y2: i32, row: usize): void {
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    // Four pixels at a time: their interleaved F (and B) as three f32x4, taken apart into r, g and b lanes; each lane
    // the same f32 arithmetic as below.
    const plane = <usize>pitch << 2;
    for (let from = <usize>(y2 * width) * 12, at = row; x + 4 <= width; x += 4, from += 48, at += 16) {
      const f0 = v128.load(gatherF + from), f1 = v128.load(gatherF + from, 16), f2 = v128.load(gatherF + from, 32);
      const b0 = v128.load(gatherB + from), b1 = v128.load(gatherB + from, 16), b2 = v128.load(gatherB + from, 32);
      const fr = channelOfFour(f0, f1, f2, 0);
      const fg = channelOfFour(f0, f1, f2, 1);
      const fb = channelOfFour(f0, f1, f2, 2);
      const br = channelOfFour(b0, b1, b2, 0);
      const bg = channelOfFour(b0, b1, b2, 1);
      const bb = channelOfFour(b0, b1, b2, 2);
      const dr = f32x4.sub(fr, br), dg = f32x4.sub(fg, bg), db = f32x4.sub(fb, bb);
      v128.store(at, fr); v128.store(at + plane, fg); v128.store(at + plane * 2, fb);
      v128.store(at + plane * 3, br); v128.store(at + plane * 4, bg); v128.store(at + plane * 5, bb);
      v128.store(at + plane * 6, dr); v128.store(at + plane * 7, dg); v128.store(at + plane * 8, db);
      v128.store(at + plane * 9, f32x4.add(f32x4.add(f32x4.add(f32x4.mul(dr, dr), f32x4.mul(dg, dg)), f32x4.mul(db, db)), f32x4.splat(1e-5)));
    }
  }
  for (; x < pitch; x++) {
    let fr: f32 = 0, fg: f32 = 0, fb: f32 = 0, br: f32 = 0, bg: f32 = 0, bb: f32 = 0;
    if (x < width) {
      const q = y2 * width + x;
      fr = <f32>f3(gatherF, q, 0); fg = <f32>f3(gatherF, q, 1); fb = <f32>f3(gatherF, q, 2);
      br = <f32>f3(gatherB, q, 0); bg = <f32>f3(gatherB, q, 1); bb = <f32>f3(gatherB, q, 2);
    }
    const dr = fr - br, dg = fg - bg, db = fb - bb;
    store<f32>(ringPlane(row, pitch, F_R, x), fr); store<f32>(ringPlane(row, pitch, F_R + 1, x), fg); store<f32>(ringPlane(row, pitch, F_R + 2, x), fb);
    store<f32>(ringPlane(row, pitch, B_R, x), br); store<f32>(ringPlane(row, pitch, B_R + 1, x), bg); store<f32>(ringPlane(row, pitch, B_R + 2, x), bb);
    store<f32>(ringPlane(row, pitch, GAP_R, x), dr); store<f32>(ringPlane(row, pitch, GAP_R + 1, x), dg); store<f32>(ringPlane(row, pitch, GAP_R + 2, x), db);
    store<f32>(ringPlane(row, pitch, DENOMINATOR, x), dr * dr + dg * dg + db * db + <f32>1e-5);
  }
}

/**
 * M_p(F, B)^2 of colour (ir, ig, ib) and the neighbour at column x of a ring row, in f32: a = clip((I - B).(F - B) /
 * (|F - B|^2 + 1e-5), 0, 1), then |a F + (1 - a) B - I|^2, each sum from left to right.
 */
@inline
function distortionAt(ir: f32, ig: f32, ib: f32, row: usize, pitch: i32, x: i32): f32 {
  const br = load<f32>(ringPlane(row, pitch, B_R, x)), bg = load<f32>(ringPlane(row, pitch, B_R + 1, x)), bb = load<f32>(ringPlane(row, pitch, B_R + 2, x));
  const numerator = (ir - br) * load<f32>(ringPlane(row, pitch, GAP_R, x)) + (ig - bg) * load<f32>(ringPlane(row, pitch, GAP_R + 1, x))
    + (ib - bb) * load<f32>(ringPlane(row, pitch, GAP_R + 2, x));
  const a = min<f32>(1, max<f32>(0, numerator / load<f32>(ringPlane(row, pitch, DENOMINATOR, x))));
  const rest: f32 = 1 - a;
  const dr = a * load<f32>(ringPlane(row, pitch, F_R, x)) + rest * br - ir;
  const dg = a * load<f32>(ringPlane(row, pitch, F_R + 1, x)) + rest * bg - ig;
  const db = a * load<f32>(ringPlane(row, pitch, F_R + 2, x)) + rest * bb - ib;
  return dr * dr + dg * dg + db * db;
}

/**
 * distortionAt for the neighbours at columns x to x + 3, one per f32x4 lane, each lane in the scalar order: `at` is
 * column x of the ring row's first plane, o1 ... o9 the byte offsets of planes 1 ... 9 (j times a plane's bytes,
 * computed once, so that each load is one addition away from `at`). pmin and pmax (one instruction each) clip as
 * min and max do, the quotient being neither NaN nor -0 compared with 0 and 1.
 */
@inline
function distortionQuad(ir: v128, ig: v128, ib: v128, at: usize, o1: usize, o2: usize, o3: usize, o4: usize, o5: usize, o6: usize, o7: usize,
  o8: usize, o9: usize): v128 {
  const br = v128.load(at + o3), bg = v128.load(at + o4), bb = v128.load(at + o5);
  const numerator = f32x4.add(f32x4.add(f32x4.mul(f32x4.sub(ir, br), v128.load(at + o6)), f32x4.mul(f32x4.sub(ig, bg), v128.load(at + o7))),
    f32x4.mul(f32x4.sub(ib, bb), v128.load(at + o8)));
  const a = f32x4.pmin(f32x4.splat(1.0), f32x4.pmax(f32x4.splat(0.0), f32x4.div(numerator, v128.load(at + o9))));
  const rest = f32x4.sub(f32x4.splat(1.0), a);
  const dr = f32x4.sub(f32x4.add(f32x4.mul(a, v128.load(at)), f32x4.mul(rest, br)), ir);
  const dg = f32x4.sub(f32x4.add(f32x4.mul(a, v128.load(at + o1)), f32x4.mul(rest, bg)), ig);
  const db = f32x4.sub(f32x4.add(f32x4.mul(a, v128.load(at + o2)), f32x4.mul(rest, bb)), ib);
  return f32x4.add(f32x4.add(f32x4.mul(dr, dr), f32x4.mul(dg, dg)), f32x4.mul(db, db));
}

// The three best (F, B) pairs of the pixel being refined: costs and neighbours. A new cost replaces the worst of the
// three (the first worst on ties), so only a cost below the worst matters. Module globals, as offer updates them all.
let c0: f32 = Infinity, c1: f32 = Infinity, c2: f32 = Infinity, worst: f32 = Infinity;
let n0: i32 = -1, n1: i32 = -1, n2: i32 = -1;

@inline
function offer(cost: f32, q: i32): void {
  if (cost >= worst) return;
  if (c0 == worst) { c0 = cost; n0 = q; }
  else if (c1 == worst) { c1 = cost; n1 = q; }
  else { c2 = cost; n2 = q; }
  worst = max(c0, max(c1, c2));
}

/** Offers the neighbours at columns x1 to x1 + count - 1 of a ring row (pixel index `first` at x1), in order. */
@inline
function offerRow(ir: f32, ig: f32, ib: f32, row: usize, pitch: i32, x1: i32, count: i32, first: i32): void {
  for (let k = 0; k < count; k++) offer(distortionAt(ir, ig, ib, row, pitch, x1 + k), first + k);
}

/** Bytes of the window's distortions (SIMD build): 2 radius + 1 rows of 2 radius + 1 lanes, rounded up to fours. */
@inline
function windowCostsBytes(radius: i32): i32 {
  return (2 * radius + 1) * ((2 * radius + 4) & ~3) * 4;
}

/** Whether f32 value v is 0 or of magnitude in [2^-26, 2): three such sum to the same f64 in any order. */
@inline
function moderate(v: f32): bool {
  const a = Mathf.abs(v);
  return a == 0 || (a >= <f32>1.4901161193847656e-8 && a < 2);
}

/**
 * The SIMD build's window: first the distortions of all its neighbours, four at a time, with no branch between them
 * (so that the quads' long chains of arithmetic overlap), into `costs`, a row of `lanes` f32 per window row (lanes past
 * the row's neighbours +Infinity), and the three least of each lane (a pmin / pmax network); then the three best.
 * Offering the neighbours in order (offer) keeps the three least costs, the first met among equals, each in the slot of
 * the one it displaced, and the slots' order is the order refinement sums their F and B in. So where no cost is NaN,
 * the third least T is finite, the costs equal to T (those the offers choose among) all have the same F and B bits,
 * and each chosen F and B channel is 0 or within [2^-26, 2) (moderate: the sums are exact in any order), the three are
 * the costs below T and the first ones equal to T, in raster order, found in one pass with a branch only at a group
 * holding one: the offers' test of each group against the worst so far mispredicted about as often as a group held a
 * candidate. Otherwise (one window in six to ten on GT04 and GT13, ties between other F and B) the neighbours
 * are offered in order.
 */
@inline
function offerWindow(ir: f32, ig: f32, ib: f32, ring: usize, span: i32, pitch: i32, width: i32, x1: i32, count: i32, y1: i32, y2End: i32,
  costs: usize, gatherF: usize, gatherB: usize): void {
  const irQuad = f32x4.splat(ir), igQuad = f32x4.splat(ig), ibQuad = f32x4.splat(ib);
  const lanes = (count + 3) & ~3;
  const plane = <usize>pitch << 2, o1 = plane, o2 = plane * 2, o3 = plane * 3, o4 = plane * 4, o5 = plane * 5, o6 = plane * 6;
  const o7 = plane * 7, o8 = plane * 8, o9 = plane * 9;
  const infinity = f32x4.splat(Infinity);
  // The last group's lanes past the row: lane j is past it when j >= count - (lanes - 4).
  const past = i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(count - (lanes - 4)));
  let m0 = infinity, m1 = infinity, m2 = infinity;
  let nan = i32x4.splat(0);
  let at = costs;
  for (let y2 = y1; y2 <= y2End; y2++) {
    const row = ringPlane(ringRow(ring, y2, span, pitch, PARTS), pitch, 0, x1);
    for (let k = 0; k < count; k += 4) {
      let quad = distortionQuad(irQuad, igQuad, ibQuad, row + (<usize>k << 2), o1, o2, o3, o4, o5, o6, o7, o8, o9);
      if (k + 4 > count) quad = v128.bitselect(infinity, quad, past);
      nan = v128.or(nan, f32x4.ne(quad, quad));
      // quad inserted into the three least of each lane (pmin / pmax: NaN is caught above).
      const b = f32x4.pmax(m0, quad), d = f32x4.pmax(m1, b);
      m0 = f32x4.pmin(m0, quad);
      m1 = f32x4.pmin(m1, b);
      m2 = f32x4.pmin(m2, d);
      v128.store(at + (<usize>k << 2), quad);
    }
    at += <usize>lanes << 2;
  }
  // The third least of the twelve: each lane's three merged with those of the lane two on, then one on.
  for (let level = 0; level < 2; level++) {
    const s0 = level == 0 ? v128.shuffle<f32>(m0, m0, 2, 3, 0, 1) : v128.shuffle<f32>(m0, m0, 1, 0, 3, 2);
    const s1 = level == 0 ? v128.shuffle<f32>(m1, m1, 2, 3, 0, 1) : v128.shuffle<f32>(m1, m1, 1, 0, 3, 2);
    const s2 = level == 0 ? v128.shuffle<f32>(m2, m2, 2, 3, 0, 1) : v128.shuffle<f32>(m2, m2, 1, 0, 3, 2);
    let b = f32x4.pmax(m0, s0), d = f32x4.pmax(m1, b);
    m0 = f32x4.pmin(m0, s0); m1 = f32x4.pmin(m1, b); m2 = f32x4.pmin(m2, d);
    b = f32x4.pmax(m0, s1); d = f32x4.pmax(m1, b);
    m0 = f32x4.pmin(m0, s1); m1 = f32x4.pmin(m1, b); m2 = f32x4.pmin(m2, d);
    b = f32x4.pmax(m0, s2); d = f32x4.pmax(m1, b);
    m0 = f32x4.pmin(m0, s2); m1 = f32x4.pmin(m1, b); m2 = f32x4.pmin(m2, d);
  }
  const third = f32x4.extract_lane(m2, 0);
  if (!v128.any_true(nan) && third < Infinity) {
    const bound = f32x4.splat(third);
    // below: the costs < T (at most two), in raster order; the costs == T after them, as long as all of those have
    // the same F and B (then which of them the offers would keep makes no difference to the sums).
    let below = 0, q0 = -1, q1 = -1, q2 = -1, equal = 0, tie = -1, same = true;
    at = costs;
    for (let y2 = y1; y2 <= y2End; y2++) {
      const first = y2 * width + x1;
      for (let k = 0; k < count; k += 4) {
        const quad = v128.load(at + (<usize>k << 2));
        if (!v128.any_true(f32x4.le(quad, bound))) continue;
        for (let j = 0; j < 4; j++) {
          const cost = load<f32>(at + (<usize>(k + j) << 2));
          if (cost > third) continue;
          const q = first + k + j;
          if (cost < third) {
            if (below == 0) q0 = q;
            else if (below == 1) q1 = q;
            below++;
          } else if (equal++ == 0) {
            tie = q;
          } else {
            same = same && load<u64>(gatherF + <usize>q * 12) == load<u64>(gatherF + <usize>tie * 12)
              && load<u32>(gatherF + <usize>q * 12, 8) == load<u32>(gatherF + <usize>tie * 12, 8)
              && load<u64>(gatherB + <usize>q * 12) == load<u64>(gatherB + <usize>tie * 12)
              && load<u32>(gatherB + <usize>q * 12, 8) == load<u32>(gatherB + <usize>tie * 12, 8);
          }
        }
      }
      at += <usize>lanes << 2;
    }
    // The ties fill the slots left; all have the same F and B, so the first one serves for each.
    if (below == 0) { q0 = tie; q1 = tie; q2 = tie; }
    else if (below == 1) { q1 = tie; q2 = tie; }
    else q2 = tie;
    if (same && below <= 2 && equal >= 1 && below + equal >= 3) {
      let fine = true;
      for (let c = 0; c < 3; c++) {
        fine = fine && moderate(<f32>f3(gatherF, q0, c)) && moderate(<f32>f3(gatherF, q1, c)) && moderate(<f32>f3(gatherF, q2, c))
          && moderate(<f32>f3(gatherB, q0, c)) && moderate(<f32>f3(gatherB, q1, c)) && moderate(<f32>f3(gatherB, q2, c));
      }
      if (fine) {
        n0 = q0; n1 = q1; n2 = q2;
        return;
      }
    }
  }
  at = costs;
  for (let y2 = y1; y2 <= y2End; y2++) {
    const first = y2 * width + x1;
    for (let k = 0; k < count; k += 4) {
      const quad = v128.load(at + (<usize>k << 2));
      // Mostly none of the four beats the worst of the three; the lanes are offered in order only when one may.
      if (!v128.any_true(f32x4.lt(quad, f32x4.splat(worst)))) continue;
      const used = min(4, count - k);
      offer(f32x4.extract_lane(quad, 0), first + k);
      if (used > 1) offer(f32x4.extract_lane(quad, 1), first + k + 1);
      if (used > 2) offer(f32x4.extract_lane(quad, 2), first + k + 2);
      if (used > 3) offer(f32x4.extract_lane(quad, 3), first + k + 3);
    }
    at += <usize>lanes << 2;
  }
}

/** Pixel i's refined F and B, the mean of the (F, B) pairs of neighbours n0, n1 and n2 (those >= 0), and its alpha. */
@inline
function storeRefined(image: usize, i: i32, gatherF: usize, gatherB: usize, refinedF: usize, refinedB: usize, refinedAlpha: usize): void {
  let fr = 0.0, fg = 0.0, fb = 0.0, br = 0.0, bg = 0.0, bb = 0.0;
  for (let k = 0; k < 3; k++) {
    const q = k == 0 ? n0 : k == 1 ? n1 : n2;
    if (q < 0) continue;
    fr += f3(gatherF, q, 0); fg += f3(gatherF, q, 1); fb += f3(gatherF, q, 2);
    br += f3(gatherB, q, 0); bg += f3(gatherB, q, 1); bb += f3(gatherB, q, 2);
  }
  fr /= 3; fg /= 3; fb /= 3; br /= 3; bg /= 3; bb /= 3;
  setF3(refinedF, i, fr, fg, fb);
  setF3(refinedB, i, br, bg, bb);
  store<f32>(refinedAlpha + (<usize>i << 2), <f32>alphaOf(rgb(image, i, 0), rgb(image, i, 1), rgb(image, i, 2),
    <f64><f32>fr, <f64><f32>fg, <f64><f32>fb, <f64><f32>br, <f64><f32>bg, <f64><f32>bb));
}

/** Whether neighbours q and r have the same F and B bits. */
@inline
function samePair(gatherF: usize, gatherB: usize, q: i32, r: i32): bool {
  return load<u64>(gatherF + <usize>q * 12) == load<u64>(gatherF + <usize>r * 12)
    && load<u32>(gatherF + <usize>q * 12, 8) == load<u32>(gatherF + <usize>r * 12, 8)
    && load<u64>(gatherB + <usize>q * 12) == load<u64>(gatherB + <usize>r * 12)
    && load<u32>(gatherB + <usize>q * 12, 8) == load<u32>(gatherB + <usize>r * 12, 8);
}

/**
 * Refinement of the pixels (x, y) to (x + 3, y) (SIMD build), whose windows' columns lie inside the image, one f32x4
 * lane each: the distortion of offset (dx, dy) for the four pixels is one distortionQuad at column x + dx of ring row
 * y + dy (lane j reads the neighbour of pixel x + j), so no lane is past a window's row, and each lane's three least
 * costs (the pmin / pmax network) are its pixel's own. Then, lane by lane, the choice offerWindow makes: where no cost
 * is NaN, the third least T is finite, the costs equal to T have the same F and B and the chosen F and B are moderate,
 * the costs below T and the first equal to T (one scan of the costs for all four lanes, a branch only at an offset
 * where some lane holds one); otherwise the lane's costs offered in order. Known pixels get their label as alpha.
 * `costs`: quadCostsBytes(radius) + LANE_STATE_BYTES of scratch.
 */
function refineQuad(image: usize, labels: usize, width: i32, height: i32, radius: i32, ring: usize, span: i32, pitch: i32, x: i32, y: i32,
  costs: usize, gatherF: usize, gatherB: usize, refinedF: usize, refinedB: usize, refinedAlpha: usize): void {
  const i = y * width + x;
  // The four pixels' colours as f32 lanes, through memory (built from lanes in registers, they were rebuilt in the loop).
  const state = costs + <usize>quadCostsBytes(radius);
  for (let j = 0; j < 4; j++) {
    for (let c = 0; c < 3; c++) store<f32>(state + (<usize>(112 + 16 * c + 4 * j)), <f32>rgb(image, i + j, c));
  }
  const ir = v128.load(state, 112), ig = v128.load(state, 128), ib = v128.load(state, 144);
  const plane = <usize>pitch << 2, o1 = plane, o2 = plane * 2, o3 = plane * 3, o4 = plane * 4, o5 = plane * 5, o6 = plane * 6;
  const o7 = plane * 7, o8 = plane * 8, o9 = plane * 9;
  const infinity = f32x4.splat(Infinity);
  const y1 = max(0, y - radius), y2End = min(height - 1, y + radius);
  let m0 = infinity, m1 = infinity, m2 = infinity;
  let nan = i32x4.splat(0);
  let at = costs;
  for (let y2 = y1; y2 <= y2End; y2++) {
    // The row's address steps along with the loop (computed from y2 in its body, it was recomputed at every offset).
    let from = ringPlane(ringRow(ring, y2, span, pitch, PARTS), pitch, 0, x - radius);
    for (const end = from + (<usize>span << 2); from < end; from += 4) {
      const quad = distortionQuad(ir, ig, ib, from, o1, o2, o3, o4, o5, o6, o7, o8, o9);
      nan = v128.or(nan, f32x4.ne(quad, quad));
      const b = f32x4.pmax(m0, quad), d = f32x4.pmax(m1, b);
      m0 = f32x4.pmin(m0, quad);
      m1 = f32x4.pmin(m1, b);
      m2 = f32x4.pmin(m2, d);
      v128.store(at, quad);
      at += 16;
    }
  }
  // The lanes that take the one scan: unknown pixels with no NaN cost and a finite third least; the others' bound is
  // -Infinity, which no cost is at or below.
  const unknown = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(i8x16.eq(v128.load32_zero(labels + <usize>i), i8x16.splat(LABEL_UNKNOWN))));
  const scan = v128.and(v128.andnot(unknown, nan), f32x4.lt(m2, infinity));
  const bound = v128.bitselect(m2, f32x4.splat(-Infinity), scan);
  v128.store(state, i32x4.splat(0)); // below
  v128.store(state, i32x4.splat(-1), 16); // q0
  v128.store(state, i32x4.splat(-1), 32); // q1
  v128.store(state, i32x4.splat(0), 48); // equal
  v128.store(state, i32x4.splat(-1), 64); // tie
  v128.store(state, i32x4.splat(1), 80); // same
  // Each scanned lane's third least, -Infinity in the others; read from memory in the scan (held in a local, it was
  // recomputed at each offset).
  v128.store(state, bound, 96);
  // The costs as one run of rows * span f32x4, four at a time (padded with +Infinity, at or below no bound): the 16 bits
  // of a group are offset-major, so each lane's candidates come in raster order; one branch per group of four.
  const total = (y2End - y1 + 1) * span;
  for (let k = total; k & 3; k++) v128.store(costs + (<usize>k << 4), infinity);
  const first = y1 * width + x - radius;
  for (let group = 0; group < total; group += 4) {
    const bound = v128.load(state, 96), from = costs + (<usize>group << 4);
    let lanes = i32x4.bitmask(f32x4.le(v128.load(from), bound)) | i32x4.bitmask(f32x4.le(v128.load(from, 16), bound)) << 4
      | i32x4.bitmask(f32x4.le(v128.load(from, 32), bound)) << 8 | i32x4.bitmask(f32x4.le(v128.load(from, 48), bound)) << 12;
    while (lanes != 0) {
      const b = ctz(lanes);
      lanes &= lanes - 1;
      const j = b & 3, offset = group + (b >> 2), row = offset / span;
      const cost = load<f32>(costs + (<usize>offset << 4) + (<usize>j << 2)), third = load<f32>(state + (<usize>j << 2), 96);
      const q = first + row * width + offset - row * span + j, lane = state + (<usize>j << 2);
      if (cost < third) {
        const below = load<i32>(lane);
        if (below == 0) store<i32>(lane, q, 16);
        else if (below == 1) store<i32>(lane, q, 32);
        store<i32>(lane, below + 1);
      } else {
        const equal = load<i32>(lane, 48);
        if (equal == 0) store<i32>(lane, q, 64);
        else if (load<i32>(lane, 80) != 0 && !samePair(gatherF, gatherB, q, load<i32>(lane, 64))) store<i32>(lane, 0, 80);
        store<i32>(lane, equal + 1, 48);
      }
    }
  }
  for (let j = 0; j < 4; j++) {
    const p = i + j;
    if (load<u8>(labels + <usize>p) != LABEL_UNKNOWN) {
      store<f32>(refinedAlpha + (<usize>p << 2), load<u8>(labels + <usize>p) == LABEL_FOREGROUND ? 1 : 0);
      continue;
    }
    const lane = state + (<usize>j << 2);
    const below = load<i32>(lane), equal = load<i32>(lane, 48), tie = load<i32>(lane, 64);
    let q0 = load<i32>(lane, 16), q1 = load<i32>(lane, 32), q2 = -1;
    // The ties fill the slots left; all have the same F and B, so the first one serves for each.
    if (below == 0) { q0 = tie; q1 = tie; q2 = tie; }
    else if (below == 1) { q1 = tie; q2 = tie; }
    else q2 = tie;
    // Lanes left out of the scan have no candidates (equal 0).
    let fine = load<i32>(lane, 80) != 0 && below <= 2 && equal >= 1 && below + equal >= 3;
    if (fine) {
      for (let c = 0; c < 3; c++) {
        fine = fine && moderate(<f32>f3(gatherF, q0, c)) && moderate(<f32>f3(gatherF, q1, c)) && moderate(<f32>f3(gatherF, q2, c))
          && moderate(<f32>f3(gatherB, q0, c)) && moderate(<f32>f3(gatherB, q1, c)) && moderate(<f32>f3(gatherB, q2, c));
      }
    }
    if (fine) {
      n0 = q0; n1 = q1; n2 = q2;
    } else {
      c0 = Infinity; c1 = Infinity; c2 = Infinity; worst = Infinity;
      n0 = -1; n1 = -1; n2 = -1;
      let from = costs + (<usize>j << 2);
      for (let y2 = y1; y2 <= y2End; y2++) {
        const first = y2 * width + x + j - radius;
        for (let k = 0; k < span; k++, from += 16) offer(load<f32>(from), first + k);
      }
    }
    storeRefined(image, p, gatherF, gatherB, refinedF, refinedB, refinedAlpha);
  }
}

/**
 * Sample refinement (sec. 4.3): for each unknown pixel, the three (F, B) pairs of its (2r+1)^2 neighbours
 * (inside the image) that best explain its colour, averaged; alpha from the average. Known pixels keep their
 * gathered F and B and their label as alpha. F and B (`gatherF`, `gatherB`) are refined in place: row y's refined
 * values wait in a ring of r + 1 rows of the scratch until row y + r is done, the last row whose windows read row
 * y's gathered F and B, and then overwrite them (24 bytes a pixel fewer than separate refined planes).
 * `scratch`: smRefineScratchBytes(radius, width) bytes.
 */
export function smRefine(
  image: usize, labels: usize, width: i32, height: i32, radius: i32,
  gatherF: usize, gatherB: usize, refinedAlpha: usize, scratch: usize
): void {
  const span = 2 * radius + 1, pitch = width + PADDING;
  const ring = scratch, costs = scratch + <usize>(span * pitch * PARTS * 4), quadCosts = costs + <usize>windowCostsBytes(radius);
  const waiting = quadCosts + <usize>(quadCostsBytes(radius) + LANE_STATE_BYTES), slots = radius + 1;
  const waitingF = waiting, waitingB = waiting + <usize>(slots * width) * 12;
  for (let y2 = 0; y2 < min(height, radius); y2++) fillRow(gatherF, gatherB, width, pitch, y2, ringRow(ring, y2, span, pitch, PARTS));
  for (let y = 0; y < height; y++) {
    // Row y + r replaces row y - r - 1, which no pixel from row y on reads.
    if (y + radius < height) fillRow(gatherF, gatherB, width, pitch, y + radius, ringRow(ring, y + radius, span, pitch, PARTS));
    // Row y's slot starts as its gathered F and B (what known pixels keep); refinedF + 12 i is pixel i's place in it.
    const slot = y % slots;
    copyRow(gatherF, gatherB, waitingF, waitingB, width, y, slot);
    const shift = <usize>((y - slot) * width) * 12;
    const refinedF = waitingF - shift, refinedB = waitingB - shift;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const label = load<u8>(labels + <usize>i);
      if (label != LABEL_UNKNOWN) {
        store<f32>(refinedAlpha + (<usize>i << 2), label == LABEL_FOREGROUND ? 1 : 0);
        continue;
      }
      if (ASC_FEATURE_SIMD) {
        // Four pixels in a row whose windows all lie inside the image's columns, the first unknown: one lane each.
        if (x >= radius && x + 3 + radius < width) {
          refineQuad(image, labels, width, height, radius, ring, span, pitch, x, y, quadCosts, gatherF, gatherB, refinedF, refinedB, refinedAlpha);
          x += 3; // and the loop's x++
          continue;
        }
      }
      const ir = rgb(image, i, 0), ig = rgb(image, i, 1), ib = rgb(image, i, 2);
      c0 = Infinity; c1 = Infinity; c2 = Infinity; worst = Infinity;
      n0 = -1; n1 = -1; n2 = -1;
      const x1 = max(0, x - radius), count = min(width - 1, x + radius) - x1 + 1;
      if (ASC_FEATURE_SIMD) {
        offerWindow(<f32>ir, <f32>ig, <f32>ib, ring, span, pitch, width, x1, count, max(0, y - radius), min(height - 1, y + radius), costs, gatherF, gatherB);
      } else {
        for (let y2 = max(0, y - radius); y2 <= min(height - 1, y + radius); y2++) {
          offerRow(<f32>ir, <f32>ig, <f32>ib, ringRow(ring, y2, span, pitch, PARTS), pitch, x1, count, y2 * width + x1);
        }
      }
      storeRefined(image, i, gatherF, gatherB, refinedF, refinedB, refinedAlpha);
    }
    // No window from row y + 1 on reaches row y - r: its refined values replace its gathered ones.
    if (y >= radius) copyRow(waitingF, waitingB, gatherF, gatherB, width, (y - radius) % slots, y - radius);
  }
  for (let y = max(0, height - radius); y < height; y++) copyRow(waitingF, waitingB, gatherF, gatherB, width, y % slots, y);
}
