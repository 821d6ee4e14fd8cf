// Colour arithmetic shared by the phases of shared matting (methods/sm.ts, methods/sm-smooth.ts): pixel and
// F / B access, the rings of f32 row planes that refinement and smoothing slide down the
// image, and the alpha and chromatic distortion of Gastal and Oliveira 2010 as pymatting computes them.
// Colours f64 RGB interleaved; per-pixel F and B estimates f32 x 3 (as pymatting keeps them).

@inline
export function rgb(image: usize, i: i32, channel: i32): f64 {
  return load<f64>(image + <usize>i * 24 + (<usize>channel << 3));
}

@inline
export function f3(plane: usize, i: i32, channel: i32): f64 {
  return <f64>load<f32>(plane + <usize>i * 12 + (<usize>channel << 2));
}

@inline
export function setF3(plane: usize, i: i32, a: f64, b: f64, c: f64): void {
  const at = plane + <usize>i * 12;
  store<f32>(at, <f32>a);
  store<f32>(at, <f32>b, 4);
  store<f32>(at, <f32>c, 8);
}

/** alpha = (I - B).(F - B) / (|F - B|^2 + 1e-5), clipped to [0, 1] (eq. 12, pymatting's estimate_alpha). */
@inline
export function alphaOf(ir: f64, ig: f64, ib: f64, fr: f64, fg: f64, fb: f64, br: f64, bg: f64, bb: f64): f64 {
  const dr = fr - br, dg = fg - bg, db = fb - bb;
  const a = ((ir - br) * dr + (ig - bg) * dg + (ib - bb) * db) / (dr * dr + dg * dg + db * db + 1e-5);
  return min(1.0, max(0.0, a));
}

/** M_p(F, B)^2: squared distance of I from the composite a F + (1 - a) B (eq. 9), in f32 as pymatting returns it. */
@inline
export function chromaticDistance(ir: f64, ig: f64, ib: f64, fr: f64, fg: f64, fb: f64, br: f64, bg: f64, bb: f64): f64 {
  const a = alphaOf(ir, ig, ib, fr, fg, fb, br, bg, bb);
  const dr = a * fr + (1 - a) * br - ir, dg = a * fg + (1 - a) * bg - ig, db = a * fb + (1 - a) * bb - ib;
  return <f64><f32>(dr * dr + dg * dg + db * db);
}

/**
 * Ring row of image row y2 in a ring of `span` rows (refinement's and smoothing's rings of 2r + 1 rows), each row
 * `planes` f32 planes of `pitch` values.
 */
@inline
export function ringRow(ring: usize, y2: i32, span: i32, pitch: i32, planes: i32): usize {
  return ring + <usize>(y2 % span) * <usize>pitch * <usize>(planes * 4);
}

/** Value x of plane `which` in a ring row whose planes hold `pitch` f32. */
@inline
export function ringPlane(row: usize, pitch: i32, which: i32, x: i32): usize {
  return row + (<usize>(which * pitch + x) << 2);
}

/**
 * Four pixels' interleaved f32 colours (r g b r | g b r g | b r g b as v0, v1, v2) taken apart: lane k of the
 * result is channel `channel` (0 red, 1 green, 2 blue) of pixel k. Every call passes a constant channel, so inlining
 * keeps its two shuffles only.
 */
@inline
export function channelOfFour(v0: v128, v1: v128, v2: v128, channel: i32): v128 {
  if (channel == 0) return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 0, 3, 6, 7), v2, 0, 1, 2, 5);
  if (channel == 1) return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 1, 4, 7, 7), v2, 0, 1, 2, 6);
  return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 2, 5, 5, 5), v2, 0, 1, 4, 7);
}

/**
 * The two lanes of v (f64x2, of magnitude below 2^51) truncated, each as a two's complement i32 in the low half of its
 * lane: whole f64 values plus 1.5 x 2^52 (exact), a shorter wait than a conversion to i32.
 */
@inline
function wholeLanes(v: v128): v128 {
  return f64x2.add(f64x2.trunc(v), f64x2.splat(6755399441055744.0));
}

/**
 * Four points' coordinate o + step d truncated, as i32x4 (steps: i32x4; o: f64x2 splat; d: of points 0, 1 and 2, 3
 * as f64x2), the values within a few image sizes of the image, far below 2^51: rays' points (sm-rays.ts) and path
 * points (sm-path.ts).
 */
@inline
export function wholePoints(steps: v128, o: v128, d01: v128, d23: v128): v128 {
  const t01 = f64x2.convert_low_i32x4_s(steps), t23 = f64x2.convert_low_i32x4_s(v128.shuffle<i32>(steps, steps, 2, 3, 2, 3));
  return v128.shuffle<i32>(wholeLanes(f64x2.add(o, f64x2.mul(t01, d01))), wholeLanes(f64x2.add(o, f64x2.mul(t23, d23))), 0, 2, 4, 6);
}
