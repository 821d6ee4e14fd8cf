// Shared matting's path energy E_p(s) (Gastal and Oliveira 2010, eq. 4) as pymatting 1.1.15 samples it, read from
// a table of the image's central differences. The path points of one pixel's samples lie all over the image, so
// one 24-byte record per point instead of four pixels on three rows saves most of the memory traffic. The energy
// is computed in f32, as pymatting computes it, the three channels of a point as lanes of one f32x4, and the square
// roots of four points as one f32x4.

import { rgb, wholePoints } from "./sm-colour";

/**
 * Bytes per pixel of the gradient table: gx (R, G, B) then gy (R, G, B), f32. A record is read as two f32x4 at bytes 0
 * and 12, whose fourth lanes (gy's R, the next record's gx R) are never used; so the table needs 4 bytes more than its
 * records, for the last record's second load (src/methods/sm.ts allocates them).
 */
export const GRADIENT_BYTES: i32 = 24;

/** The central difference (I(after) - I(before)) / 2 of one channel, rounded to f32. */
@inline
function difference(image: usize, after: i32, before: i32, channel: i32): f32 {
  return <f32>(0.5 * (rgb(image, after, channel) - rgb(image, before, channel)));
}

/**
 * gradients[i] = (gx, gy) per channel at pixel i = (x, y): gx = (I(x+1, y) - I(x-1, y)) / 2 and gy = (I(x, y+1) -
 * I(x, y-1)) / 2, neighbours clamped to the image.
 */
export function smGradients(image: usize, width: i32, height: i32, gradients: usize): void {
  for (let y = 0; y < height; y++) {
    const up = min(height - 1, y + 1), down = max(0, y - 1);
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      // Inside the row: red and green as an f64x2 (the same f64 arithmetic, then one rounding to f32 a lane, as
      // difference rounds), blue alone; the demotion zeroes lanes 2 and 3. gx's fourth lane lands on gy's R, which
      // the store of gy then writes; gy's lands on the next record's gx R, which that record's stores then write (the
      // row's last record is gradientAt's, which stores channels alone).
      const half = f64x2.splat(0.5);
      const row = image + <usize>(y * width) * 24, above = image + <usize>(up * width) * 24, below = image + <usize>(down * width) * 24;
      for (x = 1; x < width - 1; x++) {
        const offset = <usize>x * 24, pixel = row + offset, at = gradients + <usize>(y * width + x) * GRADIENT_BYTES;
        const gx = f32x4.demote_f64x2_zero(f64x2.mul(half, f64x2.sub(v128.load(pixel, 24), v128.load(pixel - 24))));
        v128.store(at, f32x4.replace_lane(gx, 2, <f32>(0.5 * (load<f64>(pixel, 40) - load<f64>(pixel - 24, 16)))));
        const gy = f32x4.demote_f64x2_zero(f64x2.mul(half, f64x2.sub(v128.load(above + offset), v128.load(below + offset))));
        v128.store(at, f32x4.replace_lane(gy, 2, <f32>(0.5 * (load<f64>(above + offset, 16) - load<f64>(below + offset, 16)))), 12);
      }
      // The row's first and last pixel (clamped neighbours) as the scalar build does them.
      if (width > 1) gradientAt(image, width, y, up, down, 0, gradients);
      x = width - 1;
    }
    for (; x < width; x++) gradientAt(image, width, y, up, down, x, gradients);
  }
}

/** smGradients at pixel (x, y), rows up and down (clamped) given. */
@inline
function gradientAt(image: usize, width: i32, y: i32, up: i32, down: i32, x: i32, gradients: usize): void {
  const left = max(0, x - 1), right = min(width - 1, x + 1);
  const at = gradients + <usize>(y * width + x) * GRADIENT_BYTES;
  for (let c = 0; c < 3; c++) {
    store<f32>(at + (<usize>c << 2), difference(image, y * width + right, y * width + left, c));
    store<f32>(at + (<usize>c << 2), difference(image, up * width + x, down * width + x, c), 12);
  }
}

/** |stepX gx + stepY gy| at a point, in f32: the three channels' squares summed R + G, then + B. */
@inline
function pointEnergy(stepX: f32, stepY: f32, gxR: f32, gxG: f32, gxB: f32, gyR: f32, gyG: f32, gyB: f32): f32 {
  const r = stepX * gxR + stepY * gyR, g = stepX * gxG + stepY * gyG, b = stepX * gxB + stepY * gyB;
  return Mathf.sqrt(r * r + g * g + b * b);
}

/** The gradient record of path point i (pymatting's sampling, see pathEnergy), the point lying inside the image. */
@inline
function pointRecord(gradients: usize, width: i32, px: i32, py: i32, stepX: f64, i: i32): usize {
  const t = <f64>i * stepX;
  return gradients + <usize>(<i32>(<f64>py + t) * width + <i32>(<f64>px + t)) * GRADIENT_BYTES;
}

/**
 * min(10, max(1, ceil(d))) for the path length d = sqrt(squared), squared > 0 a whole number, with no square root:
 * the least n with n^2 >= squared, at most 10 (sqrt rounds correctly, so it is exact at squares, and it lies far from
 * a whole number elsewhere below 100).
 */
@inline
function pathSteps(squared: i32): i32 {
  return 1 + <i32>(squared > 1) + <i32>(squared > 4) + <i32>(squared > 9) + <i32>(squared > 16) + <i32>(squared > 25) + <i32>(squared > 36)
    + <i32>(squared > 49) + <i32>(squared > 64) + <i32>(squared > 81);
}

/**
 * E_p(s): the image gradient integrated along the straight path from p to s in at most 10 steps (eq. 4),
 * with pymatting's sampling of the path (its y coordinate advances by the x increment, so it can leave the image:
 * there the neighbours are clamped as pymatting clamps them, which the table does not hold), in f32.
 * Only min(bound, E_p(s)) is wanted: once the partial sum (of non-negative terms, rounding being monotone) reaches
 * `bound`, the whole cannot fall below it, and the partial sum is returned (the SIMD build's taken a few points on).
 */
export function pathEnergy(image: usize, gradients: usize, width: i32, height: i32, px: i32, py: i32, sx: i32, sy: i32, bound: f64): f64 {
  const spx = sx - px, spy = sy - py;
  const squared = spx * spx + spy * spy;
  if (squared == 0) return 0;
  const steps = pathSteps(squared);
  const stepX = <f64>spx / <f64>steps, stepY = <f64>spy / <f64>steps;
  const stepX32 = <f32>stepX, stepY32 = <f32>stepY;
  let result: f32 = 0;
  // Point i lies at (px + i stepX, py + i stepX), truncated: both coordinates move monotonically with i (each
  // rounding being monotone), so when the last point lies inside the image, so do all of them (the first is p).
  const t = <f64>steps * stepX, lastX = <i32>(<f64>px + t), lastY = <i32>(<f64>py + t);
  if (lastX >= 0 && lastX < width && lastY >= 0 && lastY < height) {
    if (ASC_FEATURE_SIMD) {
      // Four points at a time: their energies' square roots as one f32x4, each lane summed (R + G) + B as
      // pointEnergy sums it, and added to the result one by one, in order. Lanes past the last point repeat point i
      // and are not added. The bound is tested once a group (a test per point mispredicted where the sum crossed
      // it): a sum past the bound is still no less than it, which is all the caller's min sees.
      // The four points' records found as lanes: the same f64 operations as pointRecord's, the offsets in bytes as
      // i32 lanes (x 24 = GRADIENT_BYTES; as usize, wrapping alike). Lanes past the last point repeat it. The loads'
      // fourth lanes are never summed.
      const sx4 = f32x4.splat(stepX32), sy4 = f32x4.splat(stepY32);
      const stepX2 = f64x2.splat(stepX), px2 = f64x2.splat(<f64>px), py2 = f64x2.splat(<f64>py), widths = i32x4.splat(width), last = i32x4.splat(steps);
      for (let i = 0; i <= steps; i += 4) {
        const index = i32x4.min_s(i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3)), last);
        const xs = wholePoints(index, px2, stepX2, stepX2), ys = wholePoints(index, py2, stepX2, stepX2);
        const offsets = i32x4.mul(i32x4.add(i32x4.mul(ys, widths), xs), i32x4.splat(GRADIENT_BYTES));
        const at0 = gradients + <usize><u32>i32x4.extract_lane(offsets, 0), at1 = gradients + <usize><u32>i32x4.extract_lane(offsets, 1);
        const at2 = gradients + <usize><u32>i32x4.extract_lane(offsets, 2), at3 = gradients + <usize><u32>i32x4.extract_lane(offsets, 3);
        const v0 = f32x4.add(f32x4.mul(sx4, v128.load(at0)), f32x4.mul(sy4, v128.load(at0, 12)));
        const v1 = f32x4.add(f32x4.mul(sx4, v128.load(at1)), f32x4.mul(sy4, v128.load(at1, 12)));
        const v2 = f32x4.add(f32x4.mul(sx4, v128.load(at2)), f32x4.mul(sy4, v128.load(at2, 12)));
        const v3 = f32x4.add(f32x4.mul(sx4, v128.load(at3)), f32x4.mul(sy4, v128.load(at3, 12)));
        const q0 = f32x4.mul(v0, v0), q1 = f32x4.mul(v1, v1), q2 = f32x4.mul(v2, v2), q3 = f32x4.mul(v3, v3);
        // Transposed: lane k of red holds point k's R^2, and so on.
        const low01 = v128.shuffle<f32>(q0, q1, 0, 4, 1, 5), low23 = v128.shuffle<f32>(q2, q3, 0, 4, 1, 5);
        const high01 = v128.shuffle<f32>(q0, q1, 2, 6, 3, 7), high23 = v128.shuffle<f32>(q2, q3, 2, 6, 3, 7);
        const red = v128.shuffle<f32>(low01, low23, 0, 1, 4, 5), green = v128.shuffle<f32>(low01, low23, 2, 3, 6, 7);
        const blue = v128.shuffle<f32>(high01, high23, 0, 1, 4, 5);
        const energies = f32x4.sqrt(f32x4.add(f32x4.add(red, green), blue));
        result += f32x4.extract_lane(energies, 0);
        if (i + 1 > steps) break;
        result += f32x4.extract_lane(energies, 1);
        if (i + 2 > steps) break;
        result += f32x4.extract_lane(energies, 2);
        if (i + 3 > steps) break;
        result += f32x4.extract_lane(energies, 3);
        if (<f64>result >= bound) break;
      }
    } else {
      for (let i = 0; i <= steps; i++) {
        const at = pointRecord(gradients, width, px, py, stepX, i);
        result += pointEnergy(stepX32, stepY32, load<f32>(at), load<f32>(at, 4), load<f32>(at, 8), load<f32>(at, 12), load<f32>(at, 16), load<f32>(at, 20));
        if (<f64>result >= bound) break;
      }
    }
    return <f64>result;
  }
  for (let i = 0; i <= steps; i++) {
    const rawX = <i32>(<f64>px + <f64>i * stepX);
    const rawY = <i32>(<f64>py + <f64>i * stepX);
    if (rawX >= 0 && rawX < width && rawY >= 0 && rawY < height) {
      const at = gradients + <usize>(rawY * width + rawX) * GRADIENT_BYTES;
      if (ASC_FEATURE_SIMD) {
        const v = f32x4.add(f32x4.mul(f32x4.splat(stepX32), v128.load(at)), f32x4.mul(f32x4.splat(stepY32), v128.load(at, 12)));
        const square = f32x4.mul(v, v);
        result += Mathf.sqrt(f32x4.extract_lane(square, 0) + f32x4.extract_lane(square, 1) + f32x4.extract_lane(square, 2));
      } else {
        result += pointEnergy(stepX32, stepY32, load<f32>(at), load<f32>(at, 4), load<f32>(at, 8), load<f32>(at, 12), load<f32>(at, 16), load<f32>(at, 20));
      }
    } else {
      const left = min(width - 1, max(0, rawX - 1)), right = min(width - 1, max(0, rawX + 1));
      const up = min(height - 1, max(0, rawY + 1)), down = min(height - 1, max(0, rawY - 1));
      const qx = min(width - 1, max(0, rawX)), qy = min(height - 1, max(0, rawY));
      const row = qy * width;
      result += pointEnergy(stepX32, stepY32,
        difference(image, row + right, row + left, 0), difference(image, row + right, row + left, 1), difference(image, row + right, row + left, 2),
        difference(image, up * width + qx, down * width + qx, 0), difference(image, up * width + qx, down * width + qx, 1),
        difference(image, up * width + qx, down * width + qx, 2));
    }
    if (<f64>result >= bound) break;
  }
  return <f64>result;
}
