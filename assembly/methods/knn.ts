// KNN matting (Chen, Li, Tang, "KNN Matting", TPAMI 2013) as pymatting 1.1.15 builds it (knn_laplacian.py,
// estimate_alpha_knn.py): features (r, g, b, w x, w y) with x, y in [0, 1], the k nearest pixels of every pixel
// for each (k, w) pair, weights 1 (binary kernel) or 1 - |f_i - f_j|_1 / 5 (soft), W = K + K^T, L = I - D^-1 W,
// then make_linear_system: (L + lambda C) x = lambda [foreground].
//
// L is not symmetric, D L = D - W is: the system solved is D (L + lambda C) x = D lambda [foreground], restricted
// to the unknown pixels and the known ones within `hops` hops (see assembly/solve/constrain.ts for why that gives
// the same alpha). knnSystem turns the neighbour lists into lists of rows in place, with the diagonal and the
// right-hand side beside them. The soft kernel's CG (assembly/methods/knn-cg.ts) multiplies straight from those lists,
// adding each edge to both its rows; the binary kernel's lays them out as compressed rows first (knnEdgeCounts,
// knnEdgeFill, knnMergeRows), whose product reads row after row. No row sort is needed: Jacobi CG takes any order.
//
// sets (i32 fields): [0] number of sets, then per set: [1 + 3s] k, [2 + 3s] neighbour indices (i32, pixels * k,
// -1 where a pixel has fewer neighbours), [3 + 3s] weights (f32, pixels * k; 0 for the binary kernel: all 1).

import { LABEL_FOREGROUND as FOREGROUND, LABEL_UNKNOWN as UNKNOWN } from "../convert";
import { field, pointerField } from "../record";

/** pymatting's features for one (k, w) pair, as f32: r, g, b, w x, w y with x = linspace(0, 1, width) and y likewise. */
export function knnFeatures(image: usize, width: i32, height: i32, distanceWeight: f64, features: usize): void {
  const xStep = width > 1 ? 1.0 / <f64>(width - 1) : 0.0, yStep = height > 1 ? 1.0 / <f64>(height - 1) : 0.0;
  for (let row = 0; row < height; row++) {
    // numpy's linspace: i * step, and the last value exactly 1.
    const y = row == height - 1 && height > 1 ? 1.0 : <f64>row * yStep;
    for (let column = 0; column < width; column++) {
      const x = column == width - 1 && width > 1 ? 1.0 : <f64>column * xStep;
      const p = <usize>(row * width + column);
      const src = image + p * 24, dst = features + p * 20;
      store<f32>(dst, <f32>load<f64>(src));
      store<f32>(dst, <f32>load<f64>(src, 8), 4);
      store<f32>(dst, <f32>load<f64>(src, 16), 8);
      store<f32>(dst, <f32>(distanceWeight * x), 12);
      store<f32>(dst, <f32>(distanceWeight * y), 16);
    }
  }
}

/** The soft kernel's weights 1 - |f_i - f_j|_1 / 5 of each pixel's k neighbours (the L1 sum and the division in f32, as pymatting). */
export function knnSoftWeights(features: usize, pixels: i32, k: i32, neighbours: usize, weights: usize): void {
  for (let i = 0; i < pixels; i++) {
    const fi = features + <usize>i * 20;
    for (let e = 0; e < k; e++) {
      const at = <usize>(i * k + e);
      const j = load<i32>(neighbours + (at << 2));
      let weight: f32 = 0;
      if (j >= 0) {
        const fj = features + <usize>j * 20;
        let sum: f32 = 0;
        for (let d = 0; d < 5; d++) sum += abs<f32>(load<f32>(fi + (<usize>d << 2)) - load<f32>(fj + (<usize>d << 2)));
        weight = <f32>(1.0 - <f64>(sum / <f32>5));
      }
      store<f32>(weights + (at << 2), weight);
    }
  }
}

@inline function edgeWeight(weights: usize, at: usize): f64 {
  return weights == 0 ? 1.0 : <f64>load<f32>(weights + (at << 2));
}

/** degree[i] = row sum of W = K + K^T: the weights of i's own neighbours and of every pixel that has i as one. */
export function knnDegrees(sets: usize, pixels: i32, degree: usize): void {
  memory.fill(degree, 0, <usize>pixels << 3);
  const count = field(sets, 0);
  for (let s = 0; s < count; s++) {
    const k = field(sets, 1 + 3 * s), neighbours = pointerField(sets, 2 + 3 * s), weights = pointerField(sets, 3 + 3 * s);
    if (weights == 0) {
      // Weights 1: the degrees are whole numbers, which sum exactly in any order, so i's own edges are counted in a
      // local and added once (a running sum in memory would wait on its own store at every edge).
      for (let i = 0; i < pixels; i++) {
        let own = 0;
        for (let e = 0; e < k; e++) {
          const j = load<i32>(neighbours + (<usize>(i * k + e) << 2));
          if (j < 0) continue;
          own++;
          store<f64>(degree + (<usize>j << 3), load<f64>(degree + (<usize>j << 3)) + 1.0);
        }
        store<f64>(degree + (<usize>i << 3), load<f64>(degree + (<usize>i << 3)) + <f64>own);
      }
      continue;
    }
    for (let i = 0; i < pixels; i++) {
      for (let e = 0; e < k; e++) {
        const at = <usize>(i * k + e);
        const j = load<i32>(neighbours + (at << 2));
        if (j < 0) continue;
        const w = edgeWeight(weights, at);
        store<f64>(degree + (<usize>i << 3), load<f64>(degree + (<usize>i << 3)) + w);
        store<f64>(degree + (<usize>j << 3), load<f64>(degree + (<usize>j << 3)) + w);
      }
    }
  }
}

/**
 * Marks the unknown pixels and the known ones within `hops` hops of them (a neighbour either way) and numbers them
 * in pixel order: activeIndex[p] = p's row, or -1. Returns the number of rows.
 */
export function knnActiveRows(sets: usize, pixels: i32, labels: usize, hops: i32, activeIndex: usize): i32 {
  for (let p = 0; p < pixels; p++) store<i32>(activeIndex + (<usize>p << 2), load<u8>(labels + <usize>p) == UNKNOWN ? 0 : -1);
  const count = field(sets, 0);
  for (let hop = 1; hop <= hops; hop++) {
    for (let s = 0; s < count; s++) {
      const k = field(sets, 1 + 3 * s), neighbours = pointerField(sets, 2 + 3 * s);
      for (let i = 0; i < pixels; i++) {
        const ai = activeIndex + (<usize>i << 2);
        for (let e = 0; e < k; e++) {
          const j = load<i32>(neighbours + (<usize>(i * k + e) << 2));
          if (j < 0) continue;
          const aj = activeIndex + (<usize>j << 2);
          const hi = load<i32>(ai), hj = load<i32>(aj);
          if (hi == hop - 1 && hj < 0) store<i32>(aj, hop);
          else if (hj == hop - 1 && hi < 0) store<i32>(ai, hop);
        }
      }
    }
  }
  let rows = 0;
  for (let p = 0; p < pixels; p++) {
    const at = activeIndex + (<usize>p << 2);
    store<i32>(at, load<i32>(at) >= 0 ? rows++ : -1);
  }
  return rows;
}

@inline function trimapValue(labels: usize, p: i32): f64 {
  return load<u8>(labels + <usize>p) == FOREGROUND ? 1.0 : 0.0;
}

/**
 * The diagonal and right-hand side of D - W + lambda D C over the active pixels, and each set's neighbour lists
 * rewritten in place as lists of rows (row r's k entries at r * k): the row of each active neighbour, -1 for the
 * rest. The diagonal is d_i - W_ii + lambda d_i [known] (W_ii = 2 w for a pixel among its own neighbours: the edge
 * is in K and in K^T), the right-hand side lambda d_i [foreground] + w b_j for every edge to a fixed pixel j, in
 * either direction. A row's list goes to r * k <= i * k, never past the pixel lists still to be read.
 */
export function knnSystem(sets: usize, pixels: i32, labels: usize, degree: usize, activeIndex: usize, lambda: f64, diagonal: usize, rhs: usize): void {
  for (let p = 0; p < pixels; p++) {
    const row = load<i32>(activeIndex + (<usize>p << 2));
    if (row < 0) continue;
    const label = load<u8>(labels + <usize>p);
    const d = load<f64>(degree + (<usize>p << 3));
    store<f64>(diagonal + (<usize>row << 3), d + (label == UNKNOWN ? 0.0 : lambda * d));
    store<f64>(rhs + (<usize>row << 3), label == FOREGROUND ? lambda * d : 0.0);
  }
  const count = field(sets, 0);
  for (let s = 0; s < count; s++) {
    const k = field(sets, 1 + 3 * s), neighbours = pointerField(sets, 2 + 3 * s), weights = pointerField(sets, 3 + 3 * s);
    for (let i = 0; i < pixels; i++) {
      const ri = load<i32>(activeIndex + (<usize>i << 2));
      for (let e = 0; e < k; e++) {
        const at = <usize>(i * k + e);
        const j = load<i32>(neighbours + (at << 2));
        let column = -1;
        if (j >= 0) {
          const w = edgeWeight(weights, at);
          const rj = j == i ? -1 : load<i32>(activeIndex + (<usize>j << 2));
          if (j == i) {
            if (ri >= 0) store<f64>(diagonal + (<usize>ri << 3), load<f64>(diagonal + (<usize>ri << 3)) - 2 * w);
          } else if (ri >= 0 && rj >= 0) {
            column = rj;
          } else if (ri >= 0) {
            store<f64>(rhs + (<usize>ri << 3), load<f64>(rhs + (<usize>ri << 3)) + w * trimapValue(labels, j));
          } else if (rj >= 0) {
            store<f64>(rhs + (<usize>rj << 3), load<f64>(rhs + (<usize>rj << 3)) + w * trimapValue(labels, i));
          }
        }
        if (ri < 0) continue;
        const to = <usize>(ri * k + e);
        store<i32>(neighbours + (to << 2), column);
        if (weights != 0) store<f32>(weights + (to << 2), load<f32>(weights + (at << 2)));
      }
    }
  }
}

/** A binary kernel's entry in the product's compressed rows: the column in the low 27 bits, its multiplicity less one in the next four. */
export const ROW_BITS: i32 = 27;
export const ROW_MASK: i32 = (1 << ROW_BITS) - 1;

/**
 * For the binary kernel (every weight 1), after knnSystem: counts[r] += 1 for each entry an edge gives row r in the
 * product's compressed rows (one in each of its two rows), so that rowStart can be summed from them.
 */
export function knnEdgeCounts(sets: usize, rows: i32, counts: usize): void {
  const count = field(sets, 0);
  for (let s = 0; s < count; s++) {
    const k = field(sets, 1 + 3 * s), lists = pointerField(sets, 2 + 3 * s);
    for (let r = 0; r < rows; r++) {
      // Row r's own entries counted in a local, added once (a count in memory would wait on its own store).
      let own = 0;
      for (let e = 0; e < k; e++) {
        const entry = load<i32>(lists + (<usize>(r * k + e) << 2));
        if (entry < 0) continue;
        own++;
        const cc = counts + (<usize>entry << 2);
        store<i32>(cc, load<i32>(cc) + 1);
      }
      const cr = counts + (<usize>r << 2);
      store<i32>(cr, load<i32>(cr) + own);
    }
  }
}

/** The compressed rows: each edge between rows r and c as c in row r and r in row c, from cursor[r] and cursor[c] on. */
export function knnEdgeFill(sets: usize, rows: i32, cursor: usize, columns: usize): void {
  const count = field(sets, 0);
  for (let s = 0; s < count; s++) {
    const k = field(sets, 1 + 3 * s), lists = pointerField(sets, 2 + 3 * s);
    for (let r = 0; r < rows; r++) {
      // Row r's cursor held in a local meanwhile (in memory each append would wait on the one before); only an
      // entry of r itself (none from knnSystem) appends to row r from the other side, after the own entry, as before.
      const at = cursor + (<usize>r << 2);
      let slot = load<i32>(at);
      for (let e = 0; e < k; e++) {
        const entry = load<i32>(lists + (<usize>(r * k + e) << 2));
        if (entry < 0) continue;
        store<i32>(columns + (<usize>slot << 2), entry);
        slot++;
        if (entry == r) {
          store<i32>(columns + (<usize>slot << 2), r);
          slot++;
        } else {
          appendEntry(cursor, columns, entry, r);
        }
      }
      store<i32>(at, slot);
    }
  }
}

@inline function appendEntry(cursor: usize, columns: usize, row: i32, entry: i32): void {
  const at = cursor + (<usize>row << 2);
  const slot = load<i32>(at);
  store<i32>(columns + (<usize>slot << 2), entry);
  store<i32>(at, slot + 1);
}

/**
 * Sums the repeats of each column within each row into one entry carrying their count (kNN graphs are largely
 * mutual, and two searches often find the same neighbour, so this about halves the product's reads), in place;
 * rowStart is rewritten for the shorter rows. `seen` (i32, rows, all -1 on entry): where each column's entry went,
 * which is in the current row when it is at or past the row's first. Returns the number of entries left. A count is
 * at most 2 * 8 searches (four bits); columns < 2^27 (a picture with more rows needs more than wasm32's 4 GiB).
 */
export function knnMergeRows(rows: i32, rowStart: usize, columns: usize, seen: usize): i32 {
  let out = 0;
  let start = load<i32>(rowStart);
  for (let r = 0; r < rows; r++) {
    const end = load<i32>(rowStart + (<usize>(r + 1) << 2));
    const rowOut = out;
    // Without a branch on whether the column repeats (about half do, at random): a repeat adds one to its entry's
    // count, a new column is written at `out` (<= at, so that slot was read already) and `out` moves on.
    for (let at = start; at < end; at++) {
      const c = load<i32>(columns + (<usize>at << 2));
      const seenAt = seen + (<usize>c << 2);
      const earlier = load<i32>(seenAt);
      const repeat = earlier >= rowOut;
      const slot = select(earlier, out, repeat), entry = columns + (<usize>slot << 2);
      store<i32>(entry, select(load<i32>(entry) + (1 << ROW_BITS), c, repeat));
      store<i32>(seenAt, slot);
      out += i32(!repeat);
    }
    store<i32>(rowStart + (<usize>r << 2), rowOut);
    start = end;
  }
  store<i32>(rowStart + (<usize>rows << 2), out);
  return out;
}

/**
 * After knnMergeRows: each row's entries reordered, in place, into those of columns below the row (the strictly
 * lower triangle) and then those above, for the symmetric Gauss-Seidel sweeps (assembly/methods/knn-sgs.ts);
 * split[r]: where row r's upper entries start.
 */
export function knnSplitRows(rows: i32, rowStart: usize, columns: usize, split: usize): void {
  for (let r = 0; r < rows; r++) {
    let lower = load<i32>(rowStart + (<usize>r << 2)), upper = load<i32>(rowStart + (<usize>(r + 1) << 2));
    // Hoare partition: [start, lower) below r, [upper, end) above.
    while (lower < upper) {
      const at = columns + (<usize>lower << 2);
      const entry = load<i32>(at);
      if ((entry & ROW_MASK) < r) {
        lower++;
        continue;
      }
      upper--;
      const other = columns + (<usize>upper << 2);
      store<i32>(at, load<i32>(other));
      store<i32>(other, entry);
    }
    store<i32>(split + (<usize>r << 2), lower);
  }
}
