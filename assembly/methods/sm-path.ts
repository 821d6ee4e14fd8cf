// Shared matting's path energy E_p(s) (Gastal and Oliveira 2010, eq. 4) as pymatting 1.1.15 samples it, read from
// a table of the image's central differences. The path points of one pixel's samples lie all over the image, so
// one 48-byte record per point instead of four pixels on three rows saves most of the memory traffic.

import { rgb } from "./sm-colour";

/** Bytes per pixel of the gradient table: gx then gy (f64) for each of R, G, B. */
export const GRADIENT_BYTES: i32 = 48;

/**
 * gradients[i] = (gx, gy) per channel at pixel i = (x, y): gx = (I(x+1, y) - I(x-1, y)) / 2 and gy = (I(x, y+1) -
 * I(x, y-1)) / 2, neighbours clamped to the image, in the arithmetic of the path energy below.
 */
export function smGradients(image: usize, width: i32, height: i32, gradients: usize): void {
  for (let y = 0; y < height; y++) {
    const up = min(height - 1, y + 1), down = max(0, y - 1);
    for (let x = 0; x < width; x++) {
      const left = max(0, x - 1), right = min(width - 1, x + 1);
      const at = gradients + <usize>(y * width + x) * GRADIENT_BYTES;
      for (let c = 0; c < 3; c++) {
        store<f64>(at + (<usize>c << 4), 0.5 * (rgb(image, y * width + right, c) - rgb(image, y * width + left, c)));
        store<f64>(at + (<usize>c << 4), 0.5 * (rgb(image, up * width + x, c) - rgb(image, down * width + x, c)), 8);
      }
    }
  }
}

/**
 * E_p(s): the image gradient integrated along the straight path from p to s in at most 10 steps (eq. 4),
 * with pymatting's sampling of the path (its y coordinate advances by the x increment, so it can leave the image:
 * there the neighbours are clamped as pymatting clamps them, which the table does not hold).
 * Only min(bound, E_p(s)) is wanted: once the partial sum, rounded to f32 as the whole is, reaches `bound`, the
 * whole (a sum of non-negative terms, and rounding is monotone) cannot fall below it, and the partial sum is returned.
 */
export function pathEnergy(image: usize, gradients: usize, width: i32, height: i32, px: i32, py: i32, sx: i32, sy: i32, bound: f64): f64 {
  const spx = sx - px, spy = sy - py;
  const d = Math.sqrt(<f64>(spx * spx + spy * spy));
  if (d == 0) return 0;
  const steps = min(10, max(1, <i32>Math.ceil(d)));
  const stepX = <f64>spx / <f64>steps, stepY = <f64>spy / <f64>steps;
  let result = 0.0;
  for (let i = 0; i <= steps; i++) {
    const rawX = <i32>(<f64>px + <f64>i * stepX);
    const rawY = <i32>(<f64>py + <f64>i * stepX);
    let sum = 0.0;
    if (rawX >= 0 && rawX < width && rawY >= 0 && rawY < height) {
      const at = gradients + <usize>(rawY * width + rawX) * GRADIENT_BYTES;
      for (let c = 0; c < 3; c++) {
        const v = stepX * load<f64>(at + (<usize>c << 4)) + stepY * load<f64>(at + (<usize>c << 4), 8);
        sum += v * v;
      }
    } else {
      const left = min(width - 1, max(0, rawX - 1)), right = min(width - 1, max(0, rawX + 1));
      const up = min(height - 1, max(0, rawY + 1)), down = min(height - 1, max(0, rawY - 1));
      const qx = min(width - 1, max(0, rawX)), qy = min(height - 1, max(0, rawY));
      for (let c = 0; c < 3; c++) {
        const gx = 0.5 * (rgb(image, qy * width + right, c) - rgb(image, qy * width + left, c));
        const gy = 0.5 * (rgb(image, up * width + qx, c) - rgb(image, down * width + qx, c));
        const v = stepX * gx + stepY * gy;
        sum += v * v;
      }
    }
    result += Math.sqrt(sum);
    if (<f64><f32>result >= bound) break;
  }
  return <f64><f32>result;
}
