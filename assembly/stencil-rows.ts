// How the windows' terms of the restricted Laplacian (assembly/stencil.ts) reach its rows.
//
// Every unknown pixel i has (4r+1)^2 slots, one per offset to a neighbour j within 2r, into which
// each window k holding both adds its term of Levin et al. 2008, eq. 12:
//   slot_ij <- slot_ij - 1/|w| - v_ik . (I_j - mu_k),   v_ik = Delta_k (I_i - mu_k) / |w|,
// windows in raster order of their centres, from 0. A pixel's finished slots give its row: the
// diagonal, the upper entries and the right-hand side (storeRow).
//
// At radius 1 and 2 the slots of the 2r+1 image rows that the current row of windows covers are kept
// in a ring and each window scatters its terms into its members' slots (scatterWindowRow): the
// deviations I_j - mu_k and the v_jk are computed once per window rather than once per pixel and
// window, and the same terms are added in the same order as a per-pixel gather would, so the values
// are the same to the bit. Wider windows gather per pixel (assembly/stencil.ts): the ring would take
// (2r+1) (4r+1)^2 f64 per column, 17 * 1089 at radius 8.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "./convert";

/** Window statistics per centre: mean (3), packed inverse (6), unknown count, foreground count. */
export const STATS: i32 = 11;
/** Byte offsets of the two counts in a centre's statistics; they are written for every window. */
export const UNKNOWN_COUNT: usize = 72;
export const FOREGROUND_COUNT: usize = 80;
/** Radii whose windows scatter into a ring of slots. */
export const SCATTER_MAX_RADIUS: i32 = 2;
/** Per member of a window: the deviation I_j - mu_k (3) and v_jk (3). */
const MEMBER_BYTES: usize = 48;

/** Bytes of the slot ring and the member scratch of scatterWindowRow, for a box `width` wide (0 if the radius gathers). */
export function scatterScratchBytes(width: i32, radius: i32): i32 {
  if (radius > SCATTER_MAX_RADIUS) return 0;
  const size = 2 * radius + 1;
  const span = 4 * radius + 1;
  return size * width * span * span * 8 + size * size * <i32>MEMBER_BYTES;
}

/** The first slot of pixel x on image row y in the ring. */
@inline
export function ringSlots(ring: usize, width: i32, radius: i32, y: i32, x: i32): usize {
  const span = 4 * radius + 1;
  return ring + ((<usize>((y % (2 * radius + 1)) * width + x) * <usize>(span * span)) << 3);
}

/** Zeroes the ring's slots of the unknown pixels of image row y (the only slots windows write). */
export function clearRowSlots(labels: usize, width: i32, stride: i32, radius: i32, y: i32, ring: usize): void {
  const span = 4 * radius + 1;
  const rowLabels = labels + <usize>(y * stride);
  for (let x = 0; x < width; x++) {
    if (load<u8>(rowLabels + <usize>x) == LABEL_UNKNOWN) memory.fill(ringSlots(ring, width, radius, y, x), 0, <usize>(span * span) << 3);
  }
}

/**
 * Adds the terms of the windows centred on row cy (statistics at statsRow, STATS f64 per column) to
 * the ring's slots of their unknown members: every upper neighbour and the diagonal, and lower
 * neighbours that are foreground (needed for the right-hand side only). Windows with no unknown
 * member are skipped, and lower neighbours in windows with no foreground one.
 */
export function scatterWindowRow(
  image: usize, labels: usize, width: i32, stride: i32, radius: i32, cy: i32, statsRow: usize, ring: usize, members: usize,
): void {
  const size = 2 * radius + 1;
  const span = 4 * radius + 1;
  const reach = 2 * radius;
  const invN = 1.0 / <f64>(size * size);
  for (let cx = radius; cx < width - radius; cx++) {
    const m = statsRow + (<usize>(cx * STATS) << 3);
    if (load<f64>(m + UNKNOWN_COUNT) < 0.5) continue;
    const hasForeground = load<f64>(m + FOREGROUND_COUNT) > 0.5;
    const mr = load<f64>(m), mg = load<f64>(m, 8), mb = load<f64>(m, 16);
    const a00 = load<f64>(m, 24), a01 = load<f64>(m, 32), a02 = load<f64>(m, 40);
    const a11 = load<f64>(m, 48), a12 = load<f64>(m, 56), a22 = load<f64>(m, 64);
    let member = members;
    for (let py = 0; py < size; py++) {
      let pixel = image + (<usize>((cy - radius + py) * stride + cx - radius)) * 24;
      for (let px = 0; px < size; px++) {
        const dr = load<f64>(pixel) - mr, dg = load<f64>(pixel, 8) - mg, db = load<f64>(pixel, 16) - mb;
        store<f64>(member, dr);
        store<f64>(member, dg, 8);
        store<f64>(member, db, 16);
        store<f64>(member, (a00 * dr + a01 * dg + a02 * db) * invN, 24);
        store<f64>(member, (a01 * dr + a11 * dg + a12 * db) * invN, 32);
        store<f64>(member, (a02 * dr + a12 * dg + a22 * db) * invN, 40);
        member += MEMBER_BYTES;
        pixel += 24;
      }
    }
    for (let ay = 0; ay < size; ay++) {
      const y = cy - radius + ay;
      const rowLabels = labels + <usize>(y * stride + cx - radius);
      for (let ax = 0; ax < size; ax++) {
        if (load<u8>(rowLabels + <usize>ax) != LABEL_UNKNOWN) continue;
        const a = members + <usize>(ay * size + ax) * MEMBER_BYTES;
        const vr = load<f64>(a, 24), vg = load<f64>(a, 32), vb = load<f64>(a, 40);
        // Slot of member (by, bx): the centre slot moved by (by - ay, bx - ax).
        const slots = ringSlots(ring, width, radius, y, cx - radius + ax) + (<usize>((reach - ay) * span + reach - ax) << 3);
        // The diagonal and the upper neighbours: the rest of row ay from ax, then the rows below.
        let b = a;
        for (let by = ay; by < size; by++) {
          let slot = slots + (<usize>(by * span) << 3);
          let bx = 0;
          if (by == ay) {
            bx = ax;
            slot += <usize>ax << 3;
          }
          for (; bx < size; bx++) {
            store<f64>(slot, load<f64>(slot) - invN - (vr * load<f64>(b) + vg * load<f64>(b, 8) + vb * load<f64>(b, 16)));
            slot += 8;
            b += MEMBER_BYTES;
          }
        }
        if (!hasForeground) continue;
        // The lower neighbours, for the right-hand side: the rows above, then row ay up to ax.
        b = members;
        const lowerLabels = labels + <usize>((cy - radius) * stride + cx - radius);
        for (let by = 0; by <= ay; by++) {
          const end = by == ay ? ax : size;
          const slot = slots + (<usize>(by * span) << 3);
          const byLabels = lowerLabels + <usize>(by * stride);
          for (let bx = 0; bx < end; bx++) {
            if (load<u8>(byLabels + <usize>bx) == LABEL_FOREGROUND) {
              const s = slot + (<usize>bx << 3);
              const d = b + <usize>bx * MEMBER_BYTES;
              store<f64>(s, load<f64>(s) - invN - (vr * load<f64>(d) + vg * load<f64>(d, 8) + vb * load<f64>(d, 16)));
            }
          }
          b += <usize>size * MEMBER_BYTES;
        }
      }
    }
  }
}

/**
 * The row of unknown pixel (x, y) from its finished slots (span^2 f64 at `slots`), into the stencil
 * layout of assembly/stencil.ts: diagonal (the centre slot plus one per window holding the pixel),
 * columns and values of the upper neighbours, and the right-hand side, -sum of the foreground
 * neighbours' entries in raster order. Every neighbour inside the box shares a window with the pixel
 * (the box is at least 2r+1 pixels each way); those outside it have no entry. Column and value
 * without branches on the labels; the right-hand side only where a neighbour is foreground, which most
 * unknown pixels have none of.
 */
export function storeRow(
  labels: usize, unknownIndex: usize, width: i32, height: i32, stride: i32, radius: i32, x: i32, y: i32,
  slots: usize, rows: i32, columns: usize, values: usize, diagonal: usize, rhs: usize,
): void {
  const span = 4 * radius + 1;
  const reach = 2 * radius;
  const half = (span * span - 1) >> 1;
  const row = load<i32>(unknownIndex + (<usize>(y * stride + x) << 2));
  const windows = (min(y + radius, height - 1 - radius) - max(y - radius, radius) + 1) * (min(x + radius, width - 1 - radius) - max(x - radius, radius) + 1);
  store<f64>(diagonal + (<usize>row << 3), load<f64>(slots + (<usize>(reach * span + reach) << 3)) + <f64>windows);
  // Neighbours inside the box: rows y + dy for dy in [top, bottom], columns x + dx for dx in [left, right].
  const top = max(-reach, -y), bottom = min(reach, height - 1 - y);
  const left = max(-reach, -x), right = min(reach, width - 1 - x);
  let b = 0.0;
  // Lower neighbours: the rows above, then the row itself left of the pixel; only the right-hand side.
  for (let dy = top; dy <= 0; dy++) {
    const end = dy == 0 ? -1 : right;
    const rowLabels = labels + <usize>((y + dy) * stride + x);
    const rowSlots = slots + (<usize>((dy + reach) * span + reach) << 3);
    for (let dx = left; dx <= end; dx++) {
      if (load<u8>(rowLabels + <isize>dx) == LABEL_FOREGROUND) b -= load<f64>(rowSlots + (<isize>dx << 3));
    }
  }
  // Upper neighbours, in the order of the stored offsets: dummies where outside the box or known.
  let out = <usize>(row * half);
  for (let dy = 0; dy <= reach; dy++) {
    const first = dy == 0 ? 1 : -reach;
    const inside = dy <= bottom;
    const rowLabels = labels + <usize>((y + dy) * stride + x);
    const rowIndex = unknownIndex + (<usize>((y + dy) * stride + x) << 2);
    const rowSlots = slots + (<usize>((dy + reach) * span + reach) << 3);
    for (let dx = first; dx <= reach; dx++) {
      let column = rows;
      let value = 0.0;
      if (inside && dx >= left && dx <= right) {
        const entry = load<f64>(rowSlots + (<isize>dx << 3));
        const label = load<u8>(rowLabels + <isize>dx);
        const unknown = label == LABEL_UNKNOWN;
        column = select<i32>(load<i32>(rowIndex + (<isize>dx << 2)), rows, unknown);
        value = select<f64>(entry, 0.0, unknown);
        if (label == LABEL_FOREGROUND) b -= entry;
      }
      store<i32>(columns + (out << 2), column);
      store<f64>(values + (out << 3), value);
      out++;
    }
  }
  store<f64>(rhs + (<usize>row << 3), b);
}
