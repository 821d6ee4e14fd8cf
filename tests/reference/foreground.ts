// Plain reference of multi-level foreground estimation, from Germer, Uelwer, Conrad, Harmeling, "Fast Multi-Level
// Foreground Estimation" (ICPR 2020), in f64 and one pixel, one channel at a time. For pixel i with neighbours
// j (4-neighbourhood, clamped at the border) it minimises over F_i, B_i, the neighbours held at their latest values:
//
//   (a_i F_i + (1 - a_i) B_i - I_i)^2 + sum_j (epsilon_r + omega |a_i - a_j|) ((F_i - F_j)^2 + (B_i - B_j)^2)
//
// by solving its 2x2 normal equations with Cramer's rule, then clamps both to [0, 1]. Levels run from 1x1 to the
// full size with sides round(side^(l / L)), L = ceil(log2(max side)); each starts from the previous level's
// colours resized by nearest neighbour, and the first from the image's mean colour. Slow on purpose.

export interface ReferenceOptions {
  regularization: number;
  gradientWeight: number;
  smallIterations: number;
  bigIterations: number;
  smallSize: number;
}

type Plane = { width: number; height: number; values: Float64Array; lanes: number };

function resize(src: Plane, width: number, height: number): Plane {
  const values = new Float64Array(width * height * src.lanes);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.floor(((2 * y + 1) * src.height) / (2 * height)), src.height - 1);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.floor(((2 * x + 1) * src.width) / (2 * width)), src.width - 1);
      for (let c = 0; c < src.lanes; c++) values[(y * width + x) * src.lanes + c] = src.values[(sy * src.width + sx) * src.lanes + c];
    }
  }
  return { width, height, values, lanes: src.lanes };
}

/** image: RGB in [0, 1] interleaved; alpha: one value per pixel. Returns RGB foreground and background. */
export function referenceForeground(
  image: Float64Array, alpha: Float64Array, width: number, height: number, o: ReferenceOptions,
): { foreground: Float64Array; background: Float64Array } {
  const n = width * height;
  const mean = [0, 1, 2].map((c) => { let s = 0; for (let i = 0; i < n; i++) s += image[3 * i + c]; return s / n; });
  let foreground: Plane = { width: 1, height: 1, values: Float64Array.from(mean), lanes: 3 };
  let background: Plane = { width: 1, height: 1, values: Float64Array.from(mean), lanes: 3 };
  const last = Math.ceil(Math.log2(Math.max(width, height)));
  for (let l = 0; l <= last; l++) {
    const w = last === 0 ? width : Math.round(width ** (l / last));
    const h = last === 0 ? height : Math.round(height ** (l / last));
    const I = resize({ width, height, values: image, lanes: 3 }, w, h).values;
    const A = resize({ width, height, values: alpha, lanes: 1 }, w, h).values;
    foreground = resize(foreground, w, h);
    background = resize(background, w, h);
    const F = foreground.values, B = background.values;
    const sweeps = w <= o.smallSize && h <= o.smallSize ? o.smallIterations : o.bigIterations;
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          const a = A[i];
          const neighbours = [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]]
            .map(([u, v]) => Math.min(Math.max(v, 0), h - 1) * w + Math.min(Math.max(u, 0), w - 1));
          const weights = neighbours.map((j) => o.regularization + o.gradientWeight * Math.abs(a - A[j]));
          const W = weights.reduce((s, v) => s + v, 0);
          const m00 = a * a + W, m01 = a * (1 - a), m11 = (1 - a) * (1 - a) + W;
          const det = m00 * m11 - m01 * m01;
          for (let c = 0; c < 3; c++) {
            let b0 = a * I[3 * i + c], b1 = (1 - a) * I[3 * i + c];
            neighbours.forEach((j, k) => { b0 += weights[k] * F[3 * j + c]; b1 += weights[k] * B[3 * j + c]; });
            F[3 * i + c] = Math.min(Math.max((m11 * b0 - m01 * b1) / det, 0), 1);
            B[3 * i + c] = Math.min(Math.max((m00 * b1 - m01 * b0) / det, 0), 1);
          }
        }
      }
    }
  }
  return { foreground: foreground.values, background: background.values };
}
