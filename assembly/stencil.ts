// The restricted matting Laplacian (Levin et al. 2008, eq. 12) in a symmetric stencil layout.
// Pixel i and j share a window only when |x_i - x_j| <= 2r and |y_i - y_j| <= 2r, so every row has
// its neighbours at the same (4r+1)^2 offsets. Each unknown row u keeps its diagonal and the
// `half` = ((4r+1)^2 - 1) / 2 offsets that follow the centre in raster order ("upper" offsets):
//   columns[u * half + s]  unknown index of the neighbour at upper offset s, or `rows` (a dummy
//                          unknown whose value is kept at 0) where that neighbour is known, outside
//                          the image or shares no window;
//   values[u * half + s]   L_uv (0 for the dummy).
// The lower half follows by symmetry. A known foreground neighbour j moves to the right-hand side,
// b_u = -sum over foreground j of L_uj, so alpha is exactly 1 / 0 on the trimap's known pixels.
//
// The window statistics (mean and regularised inverse covariance) are produced one row of window
// centres at a time by sliding box sums and kept in a ring of 2r+1 rows, so the build needs O(width)
// scratch beyond the image. How the windows' terms reach the rows: assembly/stencil-rows.ts.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "./convert";
import { storeSymmetricInverse } from "./mat3";
import { field, pointerField } from "./record";
import {
  FOREGROUND_COUNT, SCATTER_MAX_RADIUS, STATS, UNKNOWN_COUNT, clearRowSlots, ringSlots, scatterScratchBytes, scatterWindowRow, storeRow,
} from "./stencil-rows";
import { beat, threadIndex, threads } from "./team";

// Box-sum channels per column: r, g, b, rr, rg, rb, gg, gb, bb, unknown count, foreground count.
const CHANNELS: i32 = 11;

/** unknownIndex[i] = rank of pixel i among the unknown pixels in raster order, or -1. Returns the count. */
export function indexUnknowns(labels: usize, pixels: i32, unknownIndex: usize): i32 {
  let count = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Sixteen pixels at a time where none is unknown (most of a photo's known regions): sixteen -1s.
    const unknown = i8x16.splat(<i8>LABEL_UNKNOWN), none = i32x4.splat(-1);
    for (; i + 16 <= pixels; i += 16) {
      if (v128.any_true(i8x16.eq(v128.load(labels + <usize>i), unknown))) {
        count = indexUnknownsFrom(labels, i, i + 16, unknownIndex, count);
      } else {
        const at = unknownIndex + (<usize>i << 2);
        v128.store(at, none);
        v128.store(at, none, 16);
        v128.store(at, none, 32);
        v128.store(at, none, 48);
      }
    }
  }
  return indexUnknownsFrom(labels, i, pixels, unknownIndex, count);
}

/** indexUnknowns one pixel at a time over [from, to), numbering from `count`; returns the count after. */
@inline
function indexUnknownsFrom(labels: usize, from: i32, to: i32, unknownIndex: usize, count: i32): i32 {
  for (let i = from; i < to; i++) {
    const isUnknown = load<u8>(labels + <usize>i) == LABEL_UNKNOWN;
    store<i32>(unknownIndex + (<usize>i << 2), isUnknown ? count : -1);
    count += <i32>isUnknown;
  }
  return count;
}

/** Number of stored off-diagonal offsets per row. */
export function stencilHalf(radius: i32): i32 {
  const span = 4 * radius + 1;
  return (span * span - 1) >> 1;
}

/** Bytes of scratch assembleStencil needs for a given width and radius. */
export function stencilScratchBytes(width: i32, radius: i32): i32 {
  const size = 2 * radius + 1;
  const span = 4 * radius + 1;
  return (width * CHANNELS + size * width * STATS + span * span) * 8 + scatterScratchBytes(width, radius);
}

@inline
function addRowToColumns(image: usize, labels: usize, width: i32, stride: i32, y: i32, columns: usize, sign: f64): void {
  const rowStart = <usize>y * <usize>stride;
  let column = columns;
  for (let x = 0; x < width; x++) {
    const i = rowStart + <usize>x;
    const pixel = image + i * 24;
    const r = load<f64>(pixel), g = load<f64>(pixel, 8), b = load<f64>(pixel, 16);
    const sr = r * sign, sg = g * sign, sb = b * sign;
    const label = load<u8>(labels + i);
    const unknown: f64 = label == LABEL_UNKNOWN ? sign : 0.0;
    const foreground: f64 = label == LABEL_FOREGROUND ? sign : 0.0;
    if (ASC_FEATURE_SIMD) {
      // The same products, two channels to a lane pair: (sr, sg), (sb, sr r), (sr g, sr b), (sg g, sg b), (sb b, unknown).
      const gb = v128.load(pixel, 8);
      v128.store(column, f64x2.add(v128.load(column), f64x2.mul(v128.load(pixel), f64x2.splat(sign))));
      v128.store(column, f64x2.add(v128.load(column, 16), f64x2.replace_lane(f64x2.splat(sb), 1, sr * r)), 16);
      v128.store(column, f64x2.add(v128.load(column, 32), f64x2.mul(f64x2.splat(sr), gb)), 32);
      v128.store(column, f64x2.add(v128.load(column, 48), f64x2.mul(f64x2.splat(sg), gb)), 48);
      v128.store(column, f64x2.add(v128.load(column, 64), f64x2.replace_lane(f64x2.splat(sb * b), 1, unknown)), 64);
      store<f64>(column, load<f64>(column, 80) + foreground, 80);
      column += <usize>CHANNELS << 3;
      continue;
    }
    store<f64>(column, load<f64>(column) + sr);
    store<f64>(column, load<f64>(column, 8) + sg, 8);
    store<f64>(column, load<f64>(column, 16) + sb, 16);
    store<f64>(column, load<f64>(column, 24) + sr * r, 24);
    store<f64>(column, load<f64>(column, 32) + sr * g, 32);
    store<f64>(column, load<f64>(column, 40) + sr * b, 40);
    store<f64>(column, load<f64>(column, 48) + sg * g, 48);
    store<f64>(column, load<f64>(column, 56) + sg * b, 56);
    store<f64>(column, load<f64>(column, 64) + sb * b, 64);
    store<f64>(column, load<f64>(column, 72) + unknown, 72);
    store<f64>(column, load<f64>(column, 80) + foreground, 80);
    column += <usize>CHANNELS << 3;
  }
}

/**
 * Window statistics from the 11 box sums (s0..s10: the channels of addRowToColumns) into m (STATS f64): the counts,
 * and for a window holding an unknown pixel the mean and the regularised inverse covariance.
 */
@inline
function storeWindow(
  m: usize, s0: f64, s1: f64, s2: f64, s3: f64, s4: f64, s5: f64, s6: f64, s7: f64, s8: f64, s9: f64, s10: f64, invN: f64, regulariser: f64,
): void {
  // The counts are sums of small integers: exact. Wholly known windows touch no unknown row.
  store<f64>(m + UNKNOWN_COUNT, s9);
  store<f64>(m + FOREGROUND_COUNT, s10);
  if (s9 < 0.5) return;
  const mr = s0 * invN, mg = s1 * invN, mb = s2 * invN;
  store<f64>(m, mr);
  store<f64>(m, mg, 8);
  store<f64>(m, mb, 16);
  storeSymmetricInverse(
    s3 * invN - mr * mr + regulariser, s4 * invN - mr * mg, s5 * invN - mr * mb,
    s6 * invN - mg * mg + regulariser, s7 * invN - mg * mb,
    s8 * invN - mb * mb + regulariser,
    m + 24
  );
}

/**
 * Statistics of the windows centred on row cy, into `out` (STATS f64 per column); only the counts for wholly known
 * windows. The box sums slide along the row; with SIMD ten of the eleven two to a lane pair (the same sums).
 */
function windowRow(columns: usize, width: i32, radius: i32, epsilon: f64, out: usize): void {
  const size = 2 * radius + 1;
  const invN = 1.0 / <f64>(size * size);
  const regulariser = epsilon * invN;
  if (ASC_FEATURE_SIMD) {
    let p01 = f64x2.splat(0), p23 = p01, p45 = p01, p67 = p01, p89 = p01;
    let s10 = 0.0;
    for (let x = 0; x < size; x++) {
      const c = columns + (<usize>(x * CHANNELS) << 3);
      p01 = f64x2.add(p01, v128.load(c));
      p23 = f64x2.add(p23, v128.load(c, 16));
      p45 = f64x2.add(p45, v128.load(c, 32));
      p67 = f64x2.add(p67, v128.load(c, 48));
      p89 = f64x2.add(p89, v128.load(c, 64));
      s10 += load<f64>(c, 80);
    }
    for (let cx = radius; cx < width - radius; cx++) {
      if (cx > radius) {
        const add = columns + (<usize>((cx + radius) * CHANNELS) << 3);
        const sub = columns + (<usize>((cx - radius - 1) * CHANNELS) << 3);
        p01 = f64x2.add(p01, f64x2.sub(v128.load(add), v128.load(sub)));
        p23 = f64x2.add(p23, f64x2.sub(v128.load(add, 16), v128.load(sub, 16)));
        p45 = f64x2.add(p45, f64x2.sub(v128.load(add, 32), v128.load(sub, 32)));
        p67 = f64x2.add(p67, f64x2.sub(v128.load(add, 48), v128.load(sub, 48)));
        p89 = f64x2.add(p89, f64x2.sub(v128.load(add, 64), v128.load(sub, 64)));
        s10 += load<f64>(add, 80) - load<f64>(sub, 80);
      }
      storeWindow(out + (<usize>(cx * STATS) << 3),
        f64x2.extract_lane(p01, 0), f64x2.extract_lane(p01, 1), f64x2.extract_lane(p23, 0), f64x2.extract_lane(p23, 1),
        f64x2.extract_lane(p45, 0), f64x2.extract_lane(p45, 1), f64x2.extract_lane(p67, 0), f64x2.extract_lane(p67, 1),
        f64x2.extract_lane(p89, 0), f64x2.extract_lane(p89, 1), s10, invN, regulariser);
    }
    return;
  }
  let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0, s8 = 0.0, s9 = 0.0, s10 = 0.0;
  for (let x = 0; x < size; x++) {
    const c = columns + (<usize>(x * CHANNELS) << 3);
    s0 += load<f64>(c); s1 += load<f64>(c, 8); s2 += load<f64>(c, 16);
    s3 += load<f64>(c, 24); s4 += load<f64>(c, 32); s5 += load<f64>(c, 40);
    s6 += load<f64>(c, 48); s7 += load<f64>(c, 56); s8 += load<f64>(c, 64); s9 += load<f64>(c, 72);
    s10 += load<f64>(c, 80);
  }
  for (let cx = radius; cx < width - radius; cx++) {
    if (cx > radius) {
      const add = columns + (<usize>((cx + radius) * CHANNELS) << 3);
      const sub = columns + (<usize>((cx - radius - 1) * CHANNELS) << 3);
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
      s10 += load<f64>(add, 80) - load<f64>(sub, 80);
    }
    storeWindow(out + (<usize>(cx * STATS) << 3), s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, invN, regulariser);
  }
}

/** Rows of the unknown pixels on image row y, gathered per pixel from the window statistics in the ring (radius > SCATTER_MAX_RADIUS). */
function assembleRow(
  image: usize, labels: usize, unknownIndex: usize, width: i32, height: i32, stride: i32, radius: i32, y: i32,
  ring: usize, rows: i32, columns: usize, values: usize, diagonal: usize, rhs: usize, local: usize, context: usize
): void {
  const size = 2 * radius + 1;
  const span = 4 * radius + 1;
  const reach = 2 * radius;
  const invN = 1.0 / <f64>(size * size);
  for (let x = 0; x < width; x++) {
    const i = <usize>(y * stride + x);
    if (load<u8>(labels + i) != LABEL_UNKNOWN) continue;
    beat(context); // at radius 8 a pixel's row takes about half a millisecond
    memory.fill(local, 0, <usize>(span * span) << 3);
    const pixel = image + i * 24;
    const ir = load<f64>(pixel), ig = load<f64>(pixel, 8), ib = load<f64>(pixel, 16);
    for (let ky = max(y - radius, radius); ky <= min(y + radius, height - 1 - radius); ky++) {
      const statsRow = ring + (<usize>((ky % size) * width * STATS) << 3);
      for (let kx = max(x - radius, radius); kx <= min(x + radius, width - 1 - radius); kx++) {
        const m = statsRow + (<usize>(kx * STATS) << 3);
        const mr = load<f64>(m), mg = load<f64>(m, 8), mb = load<f64>(m, 16);
        const a00 = load<f64>(m, 24), a01 = load<f64>(m, 32), a02 = load<f64>(m, 40);
        const a11 = load<f64>(m, 48), a12 = load<f64>(m, 56), a22 = load<f64>(m, 64);
        const dr = ir - mr, dg = ig - mg, db = ib - mb;
        // v = Delta_k (I_i - mu_k) / |w|
        const vr = (a00 * dr + a01 * dg + a02 * db) * invN;
        const vg = (a01 * dr + a11 * dg + a12 * db) * invN;
        const vb = (a02 * dr + a12 * dg + a22 * db) * invN;
        for (let jy = ky - radius; jy <= ky + radius; jy++) {
          let slot = local + (<usize>((jy - y + reach) * span + (kx - radius - x + reach)) << 3);
          let neighbour = image + (<usize>(jy * stride + kx - radius)) * 24;
          const neighbourLabels = labels + <usize>(jy * stride + kx - radius);
          for (let t = 0; t < size; t++) {
            // Only the diagonal and the upper entries are stored (the lower ones are their rows' upper ones);
            // a lower neighbour's entry is needed only for the right-hand side, when it is foreground.
            const lower = jy < y || (jy == y && kx - radius + t < x);
            if (!lower || load<u8>(neighbourLabels + <usize>t) == LABEL_FOREGROUND) {
              const er = load<f64>(neighbour) - mr;
              const eg = load<f64>(neighbour, 8) - mg;
              const eb = load<f64>(neighbour, 16) - mb;
              store<f64>(slot, load<f64>(slot) - invN - (vr * er + vg * eg + vb * eb));
            }
            slot += 8;
            neighbour += 24;
          }
        }
      }
    }
    storeRow(labels, unknownIndex, width, height, stride, radius, x, y, local, rows, columns, values, diagonal, rhs);
  }
}

/**
 * Builds the stencil system's rows for the unknown pixels on box rows [first, end) (all of them:
 * 0, boxHeight), numbered by unknownIndex. image: f64 RGB; labels: u8; columns: i32 rows*half;
 * values: f64 rows*half; diagonal, rhs: f64 rows; scratch: stencilScratchBytes(boxWidth, radius)
 * bytes. The box (from unknownBox) holds every unknown pixel with a margin of 2r, or reaches the
 * image's edge: windows that touch an unknown pixel then lie inside the image exactly when they lie
 * inside the box, so nothing outside it needs to be read. Each image row's unknowns are written by
 * the pass over that row alone, so threads may build disjoint bands of rows at once.
 */
function assembleStencil(
  image: usize, labels: usize, unknownIndex: usize, width: i32, height: i32, radius: i32, epsilon: f64,
  rows: i32, columns: usize, values: usize, diagonal: usize, rhs: usize, scratch: usize,
  boxX: i32, boxY: i32, boxWidth: i32, boxHeight: i32, first: i32, end: i32, context: usize
): void {
  if (first >= end) return;
  // Work inside the box only: a sub-image of the same row stride.
  const stride = width;
  const offset = <usize>(boxY * width + boxX);
  image += offset * 24;
  labels += offset;
  unknownIndex += offset << 2;
  width = boxWidth;
  height = boxHeight;
  const size = 2 * radius + 1;
  const span = 4 * radius + 1;
  const columnSums = scratch;
  const ring = columnSums + (<usize>(width * CHANNELS) << 3);
  const local = ring + (<usize>(size * width * STATS) << 3);
  const scatter = radius <= SCATTER_MAX_RADIUS;
  const slots = local + (<usize>(span * span) << 3);
  const members = slots + (<usize>(size * width * span * span) << 3);
  // Window centres from r above the first row to r below the last (within the box).
  const firstCentre = max(radius, first - radius), endCentre = min(height - radius, end + radius);
  memory.fill(columnSums, 0, <usize>(width * CHANNELS) << 3);
  for (let y = firstCentre - radius; y <= firstCentre + radius; y++) addRowToColumns(image, labels, width, stride, y, columnSums, 1.0);
  // The rows the first window row covers; those from `first` on are finished here.
  if (scatter) for (let y = firstCentre - radius; y < firstCentre + radius; y++) clearRowSlots(labels, width, stride, radius, y, slots);
  for (let cy = firstCentre; cy < endCentre; cy++) {
    beat(context);
    const statsRow = ring + (<usize>((cy % size) * width * STATS) << 3);
    windowRow(columnSums, width, radius, epsilon, statsRow);
    if (scatter) {
      // Image row cy + r enters the ring in the place of row cy - r - 1, finished by the window row before.
      clearRowSlots(labels, width, stride, radius, cy + radius, slots);
      scatterWindowRow(image, labels, width, stride, radius, cy, statsRow, slots, members);
    }
    // Image row cy - r needs window rows up to cy: all present now.
    const y = cy - radius;
    if (y >= first && y < end) {
      if (scatter) storeRowsFromSlots(labels, unknownIndex, width, height, stride, radius, y, slots, rows, columns, values, diagonal, rhs);
      else assembleRow(image, labels, unknownIndex, width, height, stride, radius, y, ring, rows, columns, values, diagonal, rhs, local, context);
    }
    if (cy + radius + 1 < height && cy + 1 < endCentre) {
      addRowToColumns(image, labels, width, stride, cy + radius + 1, columnSums, 1.0);
      addRowToColumns(image, labels, width, stride, cy - radius, columnSums, -1.0);
    }
  }
  for (let y = max(first, height - 2 * radius); y < end; y++) {
    if (scatter) storeRowsFromSlots(labels, unknownIndex, width, height, stride, radius, y, slots, rows, columns, values, diagonal, rhs);
    else assembleRow(image, labels, unknownIndex, width, height, stride, radius, y, ring, rows, columns, values, diagonal, rhs, local, context);
  }
}

/** Rows of the unknown pixels on image row y from their finished slots in the ring. */
function storeRowsFromSlots(
  labels: usize, unknownIndex: usize, width: i32, height: i32, stride: i32, radius: i32, y: i32,
  slots: usize, rows: i32, columns: usize, values: usize, diagonal: usize, rhs: usize,
): void {
  const rowLabels = labels + <usize>(y * stride);
  for (let x = 0; x < width; x++) {
    if (load<u8>(rowLabels + <usize>x) != LABEL_UNKNOWN) continue;
    storeRow(labels, unknownIndex, width, height, stride, radius, x, y, ringSlots(slots, width, radius, y, x), rows, columns, values, diagonal, rhs);
  }
}

/** Units of a share of a band (job fields 20 and 21): 1 << SHARE_BITS is the whole band. */
const SHARE_BITS = 16;

/** Box row at `share` (in 1 << SHARE_BITS units) of the way through [first, end). */
@inline
function rowAt(first: i32, end: i32, share: i32): i32 {
  return first + <i32>((<i64>(end - first) * share) >> SHARE_BITS);
}

/**
 * assembleStencil on a share of this thread's band of box rows. job (i32 fields): [0] image [1] labels
 * [2] unknownIndex [3] width [4] height [5] radius [6] rows [7] columns [8] values [9] diagonal
 * [10] rhs [11] scratch, one stencilScratchBytes share per thread [12] bytes per share [13] boxX
 * [14] boxY [15] boxWidth [16] boxHeight [17] first box row of each thread (i32 N + 1); epsilon: f64
 * at byte 72; [20] [21] the share of the band to build, from and to, in 1 << SHARE_BITS units (the
 * engine builds the system in slices, between which it serves the event loop).
 */
export function assembleTogether(job: usize, context: usize): void {
  const t = threadIndex(context);
  const bands = pointerField(job, 17);
  const bandFirst = threads(context) == 1 ? 0 : load<i32>(bands + (<usize>t << 2));
  const bandEnd = threads(context) == 1 ? field(job, 16) : load<i32>(bands + (<usize>(t + 1) << 2));
  const first = rowAt(bandFirst, bandEnd, field(job, 20)), end = rowAt(bandFirst, bandEnd, field(job, 21));
  assembleStencil(pointerField(job, 0), pointerField(job, 1), pointerField(job, 2), field(job, 3), field(job, 4), field(job, 5), load<f64>(job, 72), field(job, 6), pointerField(job, 7), pointerField(job, 8),
    pointerField(job, 9), pointerField(job, 10), pointerField(job, 11) + <usize>t * pointerField(job, 12), field(job, 13), field(job, 14), field(job, 15), field(job, 16), first, end, context);
}

/**
 * The same matrix in compressed sparse rows with ascending columns, both halves and the diagonal:
 * rowStart (i32, rows + 1), csrColumns (i32), csrValues (f64). cursor: scratch of rows i32.
 * Returns the number of nonzeros. Pass csrColumns = 0 to only count and fill rowStart.
 */
export function stencilToCsr(
  rows: i32, half: i32, columns: usize, values: usize, diagonal: usize,
  rowStart: usize, csrColumns: usize, csrValues: usize, cursor: usize
): i32 {
  for (let u = 0; u < rows; u++) store<i32>(cursor + (<usize>u << 2), 1);
  for (let e = 0; e < rows * half; e++) {
    const v = load<i32>(columns + (<usize>e << 2));
    if (v == rows) continue;
    const u = e / half;
    store<i32>(cursor + (<usize>u << 2), load<i32>(cursor + (<usize>u << 2)) + 1);
    store<i32>(cursor + (<usize>v << 2), load<i32>(cursor + (<usize>v << 2)) + 1);
  }
  let total = 0;
  for (let u = 0; u < rows; u++) {
    store<i32>(rowStart + (<usize>u << 2), total);
    const count = load<i32>(cursor + (<usize>u << 2));
    store<i32>(cursor + (<usize>u << 2), total);
    total += count;
  }
  store<i32>(rowStart + (<usize>rows << 2), total);
  if (csrColumns == 0) return total;
  // Row u receives its lower entries from rows before it, so by the time u is reached they are in place,
  // ascending; its diagonal and upper entries (ascending by construction) follow.
  for (let u = 0; u < rows; u++) {
    let at = load<i32>(cursor + (<usize>u << 2));
    store<i32>(csrColumns + (<usize>at << 2), u);
    store<f64>(csrValues + (<usize>at << 3), load<f64>(diagonal + (<usize>u << 3)));
    at++;
    for (let s = 0; s < half; s++) {
      const e = <usize>(u * half + s);
      const v = load<i32>(columns + (e << 2));
      if (v == rows) continue;
      const a = load<f64>(values + (e << 3));
      store<i32>(csrColumns + (<usize>at << 2), v);
      store<f64>(csrValues + (<usize>at << 3), a);
      at++;
      const lower = load<i32>(cursor + (<usize>v << 2));
      store<i32>(csrColumns + (<usize>lower << 2), u);
      store<f64>(csrValues + (<usize>lower << 3), a);
      store<i32>(cursor + (<usize>v << 2), lower + 1);
    }
    store<i32>(cursor + (<usize>u << 2), at);
  }
  return total;
}

/**
 * The unknown pixels' bounding box grown by `margin` and clipped to the image, as [x, y, width, height]
 * (i32) at `box`. Requires at least one unknown pixel.
 */
export function unknownBox(labels: usize, width: i32, height: i32, margin: i32, box: usize): void {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = labels + <usize>(y * width);
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      // Sixteen pixels at a time: the first and last unknown of each group from the compare's bit mask.
      const unknown = i8x16.splat(<i8>LABEL_UNKNOWN);
      for (; x + 16 <= width; x += 16) {
        const bits = i8x16.bitmask(i8x16.eq(v128.load(row + <usize>x), unknown));
        if (bits == 0) continue;
        x0 = min(x0, x + ctz(bits));
        x1 = max(x1, x + 31 - clz(bits));
        y0 = min(y0, y);
        y1 = y;
      }
    }
    for (; x < width; x++) {
      if (load<u8>(row + <usize>x) != LABEL_UNKNOWN) continue;
      x0 = min(x0, x);
      x1 = max(x1, x);
      y0 = min(y0, y);
      y1 = y;
    }
  }
  x0 = max(x0 - margin, 0);
  y0 = max(y0 - margin, 0);
  x1 = min(x1 + margin, width - 1);
  y1 = min(y1 + margin, height - 1);
  store<i32>(box, x0);
  store<i32>(box, y0, 4);
  store<i32>(box, x1 - x0 + 1, 8);
  store<i32>(box, y1 - y0 + 1, 12);
}
