// Windowed colour statistics for closed-form matting (Levin et al. 2008, eq. 12):
// for every (2r+1)^2 window w_k lying inside the image, the mean colour mu_k and
// (Sigma_k + epsilon / |w| I)^-1, with Sigma_k the colour covariance.
// Box sums run as column sums slid down the image and row sums slid across it,
// so the cost per pixel does not depend on r.

import { storeSymmetricInverse } from "./mat3";
import { LABEL_UNKNOWN } from "./convert";

// Per column: r, g, b, rr, rg, rb, gg, gb, bb, unknown count.
const CHANNELS: i32 = 10;

@inline
function addPixelToColumn(column: usize, pixel: usize, unknown: f64, sign: f64): void {
  const r = load<f64>(pixel) * sign;
  const g = load<f64>(pixel, 8) * sign;
  const b = load<f64>(pixel, 16) * sign;
  const pr = load<f64>(pixel);
  const pg = load<f64>(pixel, 8);
  const pb = load<f64>(pixel, 16);
  store<f64>(column, load<f64>(column) + r);
  store<f64>(column, load<f64>(column, 8) + g, 8);
  store<f64>(column, load<f64>(column, 16) + b, 16);
  store<f64>(column, load<f64>(column, 24) + r * pr, 24);
  store<f64>(column, load<f64>(column, 32) + r * pg, 32);
  store<f64>(column, load<f64>(column, 40) + r * pb, 40);
  store<f64>(column, load<f64>(column, 48) + g * pg, 48);
  store<f64>(column, load<f64>(column, 56) + g * pb, 56);
  store<f64>(column, load<f64>(column, 64) + b * pb, 64);
  store<f64>(column, load<f64>(column, 72) + unknown * sign, 72);
}

@inline
function addRowToColumns(image: usize, labels: usize, width: i32, y: i32, columns: usize, sign: f64): void {
  const rowStart = <usize>y * <usize>width;
  for (let x = 0; x < width; x++) {
    const i = rowStart + <usize>x;
    const unknown: f64 = load<u8>(labels + i) == LABEL_UNKNOWN ? 1.0 : 0.0;
    addPixelToColumn(columns + <usize>(x * CHANNELS) * 8, image + i * 24, unknown, sign);
  }
}

/**
 * image: f64 RGB interleaved; labels: u8 per pixel; means: f64 x3 per pixel; inverses: f64 x6 per pixel
 * (packed symmetric). Both outputs are indexed by the window's centre pixel and written only for windows
 * that lie inside the image and hold at least one unknown pixel. columns: scratch of 10 * width f64.
 */
export function windowStats(
  image: usize, labels: usize, width: i32, height: i32, radius: i32, epsilon: f64,
  means: usize, inverses: usize, columns: usize
): void {
  const size = 2 * radius + 1;
  if (width < size || height < size) return;
  const n = <f64>(size * size);
  const invN = 1.0 / n;
  const regulariser = epsilon / n;
  memory.fill(columns, 0, <usize>(width * CHANNELS) * 8);
  for (let y = 0; y < size; y++) addRowToColumns(image, labels, width, y, columns, 1.0);

  for (let cy = radius; cy < height - radius; cy++) {
    let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0, s8 = 0.0, s9 = 0.0;
    for (let x = 0; x < size; x++) {
      const c = columns + <usize>(x * CHANNELS) * 8;
      s0 += load<f64>(c); s1 += load<f64>(c, 8); s2 += load<f64>(c, 16);
      s3 += load<f64>(c, 24); s4 += load<f64>(c, 32); s5 += load<f64>(c, 40);
      s6 += load<f64>(c, 48); s7 += load<f64>(c, 56); s8 += load<f64>(c, 64); s9 += load<f64>(c, 72);
    }
    for (let cx = radius; cx < width - radius; cx++) {
      if (cx > radius) {
        const add = columns + <usize>((cx + radius) * CHANNELS) * 8;
        const sub = columns + <usize>((cx - radius - 1) * CHANNELS) * 8;
        s0 += load<f64>(add) - load<f64>(sub);
        s1 += load<f64>(add, 8) - load<f64>(sub, 8);
        s2 += load<f64>(add, 16) - load<f64>(sub, 16);
        s3 += load<f64>(add, 24) - load<f64>(sub, 24);
        s4 += load<f64>(add, 32) - load<f64>(sub, 32);
        s5 += load<f64>(add, 40) - load<f64>(sub, 40);
        s6 += load<f64>(add, 48) - load<f64>(sub, 48);
        s7 += load<f64>(add, 56) - load<f64>(sub, 56);
        s8 += load<f64>(add, 64) - load<f64>(sub, 64);
        s9 += load<f64>(add, 72) - load<f64>(sub, 72);
      }
      // Count sums are exact small integers; > 0.5 means the window holds an unknown pixel.
      if (s9 < 0.5) continue;
      const k = <usize>cy * <usize>width + <usize>cx;
      const mr = s0 * invN, mg = s1 * invN, mb = s2 * invN;
      const m = means + k * 24;
      store<f64>(m, mr);
      store<f64>(m, mg, 8);
      store<f64>(m, mb, 16);
      storeSymmetricInverse(
        s3 * invN - mr * mr + regulariser,
        s4 * invN - mr * mg,
        s5 * invN - mr * mb,
        s6 * invN - mg * mg + regulariser,
        s7 * invN - mg * mb,
        s8 * invN - mb * mb + regulariser,
        inverses + k * 48
      );
    }
    if (cy + radius + 1 < height) {
      addRowToColumns(image, labels, width, cy + radius + 1, columns, 1.0);
      addRowToColumns(image, labels, width, cy - radius, columns, -1.0);
    }
  }
}
