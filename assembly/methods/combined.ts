// The combined method's vote: per unknown pixel, the weighted median of three mattes, information flow (slot 0)
// counted twice, shared matting and closed-form once each. Each method hands back its own row order (its unknownIndex); the mattes are gathered into one
// pixel-ordered table of three clamped alphas per unknown pixel first. Then pixels whose colour no mix of a known
// foreground and a known background colour explains, amid others alike, move toward closed-form (slot 2).

import { LABEL_UNKNOWN } from "../convert";

/**
 * Writes alpha (clamped to [0, 1]) of the r-th unknown pixel in raster order at mattes[3 r + slot], reading it
 * from `solution` at the row `unknownIndex` (i32 per pixel) gives that pixel. Returns the unknown pixels met.
 */
export function gatherMatte(labels: usize, pixels: i32, unknownIndex: usize, solution: usize, slot: i32, mattes: usize): i32 {
  let row = 0;
  for (let i = 0; i < pixels; i++) {
    if (load<u8>(labels + <usize>i) != LABEL_UNKNOWN) continue;
    const k = load<i32>(unknownIndex + (<usize>i << 2));
    const a = min(max(load<f64>(solution + (<usize>k << 3)), 0.0), 1.0);
    store<f64>(mattes + ((<usize>(3 * row + slot)) << 3), a);
    row++;
  }
  return row;
}

/**
 * alpha[r] = (a + median(a, b, c)) / 2 with a, b, c = mattes[3 r], mattes[3 r + 1], mattes[3 r + 2]: the median of
 * the four votes a, a, b, c (the midpoint of the two middle ones). a stays where b and c lie on either side of it,
 * and moves halfway to the nearer of them where both lie on one side.
 */
export function weightedMedianVote(rows: i32, mattes: usize, alpha: usize): void {
  for (let r = 0; r < rows; r++) {
    const at = mattes + (<usize>(3 * r) << 3);
    const a = load<f64>(at), b = load<f64>(at, 8), c = load<f64>(at, 16);
    const median = max(min(a, b), min(max(a, b), c));
    store<f64>(alpha + (<usize>r << 3), 0.5 * (a + median));
  }
}

/**
 * The colour-line residual of each of `rows` unknown pixels (i32 pixel indices at `unknown`): the RGB distance
 * from its colour I to the segment between F, the colour of known pixel foreground[nearestForeground[r]], and B,
 * that of background[nearestBackground[r]] (i32 lists and rows into them), that is |I - B - a (F - B)| with
 * a = clamp((I - B).(F - B) / |F - B|^2, 0, 1) (the compositing equation I = a F + (1 - a) B); |I - B| where F = B.
 * `image` holds unit RGB as f64, 3 per pixel; residuals are f64.
 */
export function colourLineResiduals(
  image: usize, unknown: usize, rows: i32, foreground: usize, nearestForeground: usize, background: usize, nearestBackground: usize, residuals: usize,
): void {
  for (let r = 0; r < rows; r++) {
    const at = <usize>r << 2;
    const i = image + <usize>load<i32>(unknown + at) * 24;
    const f = image + <usize>load<i32>(foreground + (<usize>load<i32>(nearestForeground + at) << 2)) * 24;
    const b = image + <usize>load<i32>(background + (<usize>load<i32>(nearestBackground + at) << 2)) * 24;
    const ir = load<f64>(i) - load<f64>(b), ig = load<f64>(i, 8) - load<f64>(b, 8), ib = load<f64>(i, 16) - load<f64>(b, 16);
    const dr = load<f64>(f) - load<f64>(b), dg = load<f64>(f, 8) - load<f64>(b, 8), db = load<f64>(f, 16) - load<f64>(b, 16);
    const span = dr * dr + dg * dg + db * db;
    const a = span > 0 ? min(max((ir * dr + ig * dg + ib * db) / span, 0.0), 1.0) : 0.0;
    const er = ir - a * dr, eg = ig - a * dg, eb = ib - a * db;
    store<f64>(residuals + (<usize>r << 3), Math.sqrt(er * er + eg * eg + eb * eb));
  }
}

/**
 * weights[r] = u[r] * m[r] per unknown pixel in raster order, u = min(scale residuals[r], 1) and m the mean of u
 * over the unknown pixels of the (2 radius + 1)^2 window about it (clipped to the image), by summed-area tables
 * (Crow 1984) of u and of the unknown count in `table`: (width + 1) (height + 1) f64 sums, then as many i32 counts.
 */
export function unexplainedWeights(labels: usize, width: i32, height: i32, residuals: usize, scale: f64, radius: i32, table: usize, weights: usize): void {
  const stride = width + 1;
  const sums = table, counts = table + <usize>(stride * (height + 1)) * 8;
  for (let x = 0; x <= width; x++) {
    store<f64>(sums + (<usize>x << 3), 0);
    store<i32>(counts + (<usize>x << 2), 0);
  }
  let r = 0;
  for (let y = 0; y < height; y++) {
    const row = <usize>((y + 1) * stride), above = <usize>(y * stride);
    store<f64>(sums + (row << 3), 0);
    store<i32>(counts + (row << 2), 0);
    let lineSum = 0.0, lineCount = 0;
    for (let x = 0; x < width; x++) {
      if (load<u8>(labels + <usize>(y * width + x)) == LABEL_UNKNOWN) {
        lineSum += min(scale * load<f64>(residuals + (<usize>r << 3)), 1.0);
        lineCount++;
        r++;
      }
      const at = <usize>(x + 1);
      store<f64>(sums + ((row + at) << 3), load<f64>(sums + ((above + at) << 3)) + lineSum);
      store<i32>(counts + ((row + at) << 2), load<i32>(counts + ((above + at) << 2)) + lineCount);
    }
  }
  r = 0;
  for (let y = 0; y < height; y++) {
    const top = <usize>(max(y - radius, 0) * stride), bottom = <usize>((min(y + radius, height - 1) + 1) * stride);
    for (let x = 0; x < width; x++) {
      if (load<u8>(labels + <usize>(y * width + x)) != LABEL_UNKNOWN) continue;
      const left = <usize>max(x - radius, 0), right = <usize>(min(x + radius, width - 1) + 1);
      const sum = load<f64>(sums + ((bottom + right) << 3)) - load<f64>(sums + ((bottom + left) << 3))
        - load<f64>(sums + ((top + right) << 3)) + load<f64>(sums + ((top + left) << 3));
      const count = load<i32>(counts + ((bottom + right) << 2)) - load<i32>(counts + ((bottom + left) << 2))
        - load<i32>(counts + ((top + right) << 2)) + load<i32>(counts + ((top + left) << 2));
      const u = min(scale * load<f64>(residuals + (<usize>r << 3)), 1.0);
      store<f64>(weights + (<usize>r << 3), u * (sum / <f64>count));
      r++;
    }
  }
}

/** alpha[r] += weights[r] (c - alpha[r]) with c = mattes[3 r + 2] (closed-form). */
export function towardClosedForm(rows: i32, mattes: usize, weights: usize, alpha: usize): void {
  for (let r = 0; r < rows; r++) {
    const w = load<f64>(weights + (<usize>r << 3));
    const at = alpha + (<usize>r << 3);
    const a = load<f64>(at);
    store<f64>(at, a + w * (load<f64>(mattes + (<usize>(3 * r + 2) << 3)) - a));
  }
}
