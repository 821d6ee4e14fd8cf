// The chromatic distortion of shared matting's pair cost (Gastal and Oliveira 2010, eq. 10): N_p(F, B), the
// distortion M_p(F, B)^2 (eq. 9) summed over the (2r+1)^2 pixels around p. Computed in f32, as pymatting computes it,
// for four background samples at once (one f32x4 lane each) against one foreground sample; the scalar build runs
// each lane's arithmetic in the same order.

import { rgb } from "./sm-colour";

/** Samples a lane table holds: as many as rays (64), rounded up to whole groups of four. */
const LANE_SAMPLES: i32 = 64;
/** Bytes of the background samples' colours as three f32 planes (R, G, B) of LANE_SAMPLES each. */
export const BACKGROUND_LANES_BYTES: i32 = 3 * LANE_SAMPLES * 4;

/** Puts background sample m's colour into the lane table. */
@inline
export function setLane(lanes: usize, m: i32, r: f64, g: f64, b: f64): void {
  store<f32>(lanes + (<usize>m << 2), <f32>r);
  store<f32>(lanes + (<usize>(LANE_SAMPLES + m) << 2), <f32>g);
  store<f32>(lanes + (<usize>(2 * LANE_SAMPLES + m) << 2), <f32>b);
}

/**
 * M_p(F, B)^2 of colour I in f32: a = clip((I - B).(F - B) / (|F - B|^2 + 1e-5), 0, 1), then |a F + (1 - a) B - I|^2,
 * each sum from left to right (the arithmetic of refinement's distortions, methods/sm-refine.ts).
 */
@inline
function distortion(ir: f32, ig: f32, ib: f32, fr: f32, fg: f32, fb: f32, br: f32, bg: f32, bb: f32): f32 {
  const gapR = fr - br, gapG = fg - bg, gapB = fb - bb;
  const denominator = gapR * gapR + gapG * gapG + gapB * gapB + <f32>1e-5;
  const numerator = (ir - br) * gapR + (ig - bg) * gapG + (ib - bb) * gapB;
  const a = min<f32>(1, max<f32>(0, numerator / denominator));
  const rest: f32 = 1 - a;
  const dr = a * fr + rest * br - ir, dg = a * fg + rest * bg - ig, db = a * fb + rest * bb - ib;
  return dr * dr + dg * dg + db * db;
}

/**
 * N_p(F, B) for the background samples m to m + 3 of the lane table and the foreground colour (fr, fg, fb), written
 * to out (f32 x 4): the pixels around p = (x, y) within `radius`, clamped to the image, in raster order; a lane's
 * sum in f32. Lanes past the samples read whatever the table holds there and are not to be used.
 */
export function neighbourhoodDistortions(image: usize, width: i32, height: i32, x: i32, y: i32, radius: i32, fr: f32, fg: f32, fb: f32,
  lanes: usize, m: i32, out: usize): void {
  const atR = lanes + (<usize>m << 2), atG = atR + (<usize>LANE_SAMPLES << 2), atB = atG + (<usize>LANE_SAMPLES << 2);
  if (ASC_FEATURE_SIMD) {
    const br = v128.load(atR), bg = v128.load(atG), bb = v128.load(atB);
    const fR = f32x4.splat(fr), fG = f32x4.splat(fg), fB = f32x4.splat(fb);
    const gapR = f32x4.sub(fR, br), gapG = f32x4.sub(fG, bg), gapB = f32x4.sub(fB, bb);
    const denominator = f32x4.add(f32x4.add(f32x4.add(f32x4.mul(gapR, gapR), f32x4.mul(gapG, gapG)), f32x4.mul(gapB, gapB)), f32x4.splat(1e-5));
    let sum = f32x4.splat(0);
    for (let y2 = y - radius; y2 <= y + radius; y2++) {
      const yc = min(height - 1, max(0, y2));
      for (let x2 = x - radius; x2 <= x + radius; x2++) {
        const j = yc * width + min(width - 1, max(0, x2));
        const ir = f32x4.splat(<f32>rgb(image, j, 0)), ig = f32x4.splat(<f32>rgb(image, j, 1)), ib = f32x4.splat(<f32>rgb(image, j, 2));
        const numerator = f32x4.add(f32x4.add(f32x4.mul(f32x4.sub(ir, br), gapR), f32x4.mul(f32x4.sub(ig, bg), gapG)), f32x4.mul(f32x4.sub(ib, bb), gapB));
        // pmin and pmax clip as min and max do: the quotient is neither NaN nor -0 compared with 0 and 1.
        const a = f32x4.pmin(f32x4.splat(1), f32x4.pmax(f32x4.splat(0), f32x4.div(numerator, denominator)));
        const rest = f32x4.sub(f32x4.splat(1), a);
        const dr = f32x4.sub(f32x4.add(f32x4.mul(a, fR), f32x4.mul(rest, br)), ir);
        const dg = f32x4.sub(f32x4.add(f32x4.mul(a, fG), f32x4.mul(rest, bg)), ig);
        const db = f32x4.sub(f32x4.add(f32x4.mul(a, fB), f32x4.mul(rest, bb)), ib);
        sum = f32x4.add(sum, f32x4.add(f32x4.add(f32x4.mul(dr, dr), f32x4.mul(dg, dg)), f32x4.mul(db, db)));
      }
    }
    v128.store(out, sum);
    return;
  }
  for (let lane = 0; lane < 4; lane++) {
    const br = load<f32>(atR + (<usize>lane << 2)), bg = load<f32>(atG + (<usize>lane << 2)), bb = load<f32>(atB + (<usize>lane << 2));
    let sum: f32 = 0;
    for (let y2 = y - radius; y2 <= y + radius; y2++) {
      const yc = min(height - 1, max(0, y2));
      for (let x2 = x - radius; x2 <= x + radius; x2++) {
        const j = yc * width + min(width - 1, max(0, x2));
        sum += distortion(<f32>rgb(image, j, 0), <f32>rgb(image, j, 1), <f32>rgb(image, j, 2), fr, fg, fb, br, bg, bb);
      }
    }
    store<f32>(out + (<usize>lane << 2), sum);
  }
}
