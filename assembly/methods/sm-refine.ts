// Shared matting (Gastal and Oliveira 2010) as pymatting 1.1.15 computes it, phase 3: sample refinement (sec. 4.3).
// Each unknown pixel weighs the (F, B) pairs of its (2r+1)^2 neighbours by the chromatic distortion M_p(F, B)^2
// (eq. 9), 121 of them at the default radius. The parts of that distortion that depend on the neighbour alone (its
// F and B as f64, F - B and |F - B|^2 + 1e-5) are computed once per pixel into a ring of 2r + 1 rows, one f64
// plane per part, so that two neighbours side by side are one v128 load a part. The arithmetic left per neighbour
// is chromaticDistance's (methods/sm-colour.ts), in its order, so the costs are its costs bit for bit.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";
import { alphaOf, f3, rgb, setF3 } from "./sm-colour";

/** f64 planes of a ring row: F (r, g, b), B (r, g, b), F - B (r, g, b), |F - B|^2 + 1e-5. */
const PARTS: i32 = 10;
const F_R = 0, B_R = 3, GAP_R = 6, DENOMINATOR = 9;

/** Scratch bytes smRefine needs: the ring of 2 radius + 1 rows of `width` pixels, and one row's costs. */
export function smRefineScratchBytes(radius: i32, width: i32): i32 {
  return (2 * radius + 1) * width * PARTS * 8 + (2 * radius + 1) * 8;
}

/** Ring row of image row y2: PARTS planes of `width` f64 each. */
@inline
function ringRow(ring: usize, y2: i32, span: i32, width: i32): usize {
  return ring + <usize>(y2 % span) * <usize>width * <usize>(PARTS * 8);
}

@inline
function part(row: usize, width: i32, which: i32, x: i32): usize {
  return row + (<usize>(which * width + x) << 3);
}

/** Fills the ring row of image row y2 from the gathered F and B, in alphaOf's arithmetic. */
function fillRow(gatherF: usize, gatherB: usize, width: i32, y2: i32, row: usize): void {
  for (let x = 0; x < width; x++) {
    const q = y2 * width + x;
    const fr = f3(gatherF, q, 0), fg = f3(gatherF, q, 1), fb = f3(gatherF, q, 2);
    const br = f3(gatherB, q, 0), bg = f3(gatherB, q, 1), bb = f3(gatherB, q, 2);
    const dr = fr - br, dg = fg - bg, db = fb - bb;
    store<f64>(part(row, width, F_R, x), fr); store<f64>(part(row, width, F_R + 1, x), fg); store<f64>(part(row, width, F_R + 2, x), fb);
    store<f64>(part(row, width, B_R, x), br); store<f64>(part(row, width, B_R + 1, x), bg); store<f64>(part(row, width, B_R + 2, x), bb);
    store<f64>(part(row, width, GAP_R, x), dr); store<f64>(part(row, width, GAP_R + 1, x), dg); store<f64>(part(row, width, GAP_R + 2, x), db);
    store<f64>(part(row, width, DENOMINATOR, x), dr * dr + dg * dg + db * db + 1e-5);
  }
}

/** M_p(F, B)^2 of colour (ir, ig, ib) and the neighbour at column x of a ring row: chromaticDistance, from the parts. */
@inline
function distortionAt(ir: f64, ig: f64, ib: f64, row: usize, width: i32, x: i32): f64 {
  const br = load<f64>(part(row, width, B_R, x)), bg = load<f64>(part(row, width, B_R + 1, x)), bb = load<f64>(part(row, width, B_R + 2, x));
  const numerator = (ir - br) * load<f64>(part(row, width, GAP_R, x)) + (ig - bg) * load<f64>(part(row, width, GAP_R + 1, x))
    + (ib - bb) * load<f64>(part(row, width, GAP_R + 2, x));
  const a = min(1.0, max(0.0, numerator / load<f64>(part(row, width, DENOMINATOR, x))));
  const dr = a * load<f64>(part(row, width, F_R, x)) + (1 - a) * br - ir;
  const dg = a * load<f64>(part(row, width, F_R + 1, x)) + (1 - a) * bg - ig;
  const db = a * load<f64>(part(row, width, F_R + 2, x)) + (1 - a) * bb - ib;
  return <f64><f32>(dr * dr + dg * dg + db * db);
}

/** distortionAt for the neighbours at columns x and x + 1, one per f64x2 lane, each lane in the scalar order. */
@inline
function distortionPair(ir: v128, ig: v128, ib: v128, row: usize, width: i32, x: i32): v128 {
  const br = v128.load(part(row, width, B_R, x)), bg = v128.load(part(row, width, B_R + 1, x)), bb = v128.load(part(row, width, B_R + 2, x));
  const numerator = f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(ir, br), v128.load(part(row, width, GAP_R, x))),
    f64x2.mul(f64x2.sub(ig, bg), v128.load(part(row, width, GAP_R + 1, x)))), f64x2.mul(f64x2.sub(ib, bb), v128.load(part(row, width, GAP_R + 2, x))));
  const a = f64x2.min(f64x2.splat(1.0), f64x2.max(f64x2.splat(0.0), f64x2.div(numerator, v128.load(part(row, width, DENOMINATOR, x)))));
  const rest = f64x2.sub(f64x2.splat(1.0), a);
  const dr = f64x2.sub(f64x2.add(f64x2.mul(a, v128.load(part(row, width, F_R, x))), f64x2.mul(rest, br)), ir);
  const dg = f64x2.sub(f64x2.add(f64x2.mul(a, v128.load(part(row, width, F_R + 1, x))), f64x2.mul(rest, bg)), ig);
  const db = f64x2.sub(f64x2.add(f64x2.mul(a, v128.load(part(row, width, F_R + 2, x))), f64x2.mul(rest, bb)), ib);
  const sum = f64x2.add(f64x2.add(f64x2.mul(dr, dr), f64x2.mul(dg, dg)), f64x2.mul(db, db));
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(sum));
}

/** costs[k] = M_p(F, B)^2 of colour (ir, ig, ib) and the neighbour at column x1 + k of a ring row, k < count. */
@inline
function rowCosts(ir: f64, ig: f64, ib: f64, row: usize, width: i32, x1: i32, count: i32, costs: usize): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const irPair = f64x2.splat(ir), igPair = f64x2.splat(ig), ibPair = f64x2.splat(ib);
    for (; k + 2 <= count; k += 2) v128.store(costs + (<usize>k << 3), distortionPair(irPair, igPair, ibPair, row, width, x1 + k));
  }
  for (; k < count; k++) store<f64>(costs + (<usize>k << 3), distortionAt(ir, ig, ib, row, width, x1 + k));
}

/**
 * Sample refinement (sec. 4.3): for each unknown pixel, the three (F, B) pairs of its (2r+1)^2 neighbours
 * (inside the image) that best explain its colour, averaged; alpha from the average. Known pixels keep their
 * gathered F and B and their label as alpha. `scratch`: smRefineScratchBytes(radius, width) bytes.
 */
export function smRefine(
  image: usize, labels: usize, width: i32, height: i32, radius: i32,
  gatherF: usize, gatherB: usize, refinedF: usize, refinedB: usize, refinedAlpha: usize, scratch: usize
): void {
  const pixels = width * height;
  const span = 2 * radius + 1;
  const ring = scratch, costs = scratch + <usize>span * <usize>width * <usize>(PARTS * 8);
  memory.copy(refinedF, gatherF, <usize>pixels * 12);
  memory.copy(refinedB, gatherB, <usize>pixels * 12);
  for (let y2 = 0; y2 < min(height, radius); y2++) fillRow(gatherF, gatherB, width, y2, ringRow(ring, y2, span, width));
  for (let y = 0; y < height; y++) {
    // Row y + r replaces row y - r - 1, which no pixel from row y on reads.
    if (y + radius < height) fillRow(gatherF, gatherB, width, y + radius, ringRow(ring, y + radius, span, width));
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const label = load<u8>(labels + <usize>i);
      if (label != LABEL_UNKNOWN) {
        store<f32>(refinedAlpha + (<usize>i << 2), label == LABEL_FOREGROUND ? 1 : 0);
        continue;
      }
      const ir = rgb(image, i, 0), ig = rgb(image, i, 1), ib = rgb(image, i, 2);
      // The three best so far (cost, neighbour); a new one replaces the worst (the first worst on ties), so only a
      // cost below the worst of the three matters.
      let c0 = Infinity, c1 = Infinity, c2 = Infinity, worst = Infinity;
      let n0 = -1, n1 = -1, n2 = -1;
      const x1 = max(0, x - radius), count = min(width - 1, x + radius) - x1 + 1;
      for (let y2 = max(0, y - radius); y2 <= min(height - 1, y + radius); y2++) {
        const first = y2 * width + x1;
        rowCosts(ir, ig, ib, ringRow(ring, y2, span, width), width, x1, count, costs);
        for (let k = 0; k < count; k++) {
          const cost = load<f64>(costs + (<usize>k << 3));
          if (cost >= worst) continue;
          if (c0 == worst) { c0 = cost; n0 = first + k; }
          else if (c1 == worst) { c1 = cost; n1 = first + k; }
          else { c2 = cost; n2 = first + k; }
          worst = max(c0, max(c1, c2));
        }
      }
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
      store<f32>(refinedAlpha + (<usize>i << 2), <f32>alphaOf(ir, ig, ib, <f64><f32>fr, <f64><f32>fg, <f64><f32>fb, <f64><f32>br, <f64><f32>bg, <f64><f32>bb));
    }
  }
}
