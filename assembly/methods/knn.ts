// KNN matting (Chen, Li, Tang, "KNN Matting", TPAMI 2013) as pymatting 1.1.15 builds it (knn_laplacian.py,
// estimate_alpha_knn.py): features (r, g, b, w x, w y) with x, y in [0, 1], the k nearest pixels of every pixel
// for each (k, w) pair, weights 1 (binary kernel) or 1 - |f_i - f_j|_1 / 5 (soft), W = K + K^T, L = I - D^-1 W,
// then make_linear_system: (L + lambda C) x = lambda [foreground].
//
// L is not symmetric, D L = D - W is: the system solved is D (L + lambda C) x = D lambda [foreground], restricted
// to the unknown pixels and the known ones within `hops` hops (see assembly/solve/constrain.ts for why that gives
// the same alpha), assembled straight from the neighbour lists without W over all pixels.
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

/** counts[row]: off-diagonal entries (repeats included) of each row: an edge between two active pixels gives one to each. */
export function knnRowCounts(sets: usize, pixels: i32, activeIndex: usize, counts: usize): void {
  const count = field(sets, 0);
  for (let s = 0; s < count; s++) {
    const k = field(sets, 1 + 3 * s), neighbours = pointerField(sets, 2 + 3 * s);
    for (let i = 0; i < pixels; i++) {
      const ri = load<i32>(activeIndex + (<usize>i << 2));
      for (let e = 0; e < k; e++) {
        const j = load<i32>(neighbours + (<usize>(i * k + e) << 2));
        if (j < 0 || j == i) continue;
        const rj = load<i32>(activeIndex + (<usize>j << 2));
        if (ri < 0 || rj < 0) continue;
        const ci = counts + (<usize>ri << 2), cj = counts + (<usize>rj << 2);
        store<i32>(ci, load<i32>(ci) + 1);
        store<i32>(cj, load<i32>(cj) + 1);
      }
    }
  }
}

@inline function trimapValue(labels: usize, p: i32): f64 {
  return load<u8>(labels + <usize>p) == FOREGROUND ? 1.0 : 0.0;
}

/**
 * The rows of D - W + lambda D C over the active pixels: -w per edge between active pixels (in both rows), the
 * couplings to fixed pixels (at their trimap value) moved to the right-hand side, and diagonal d_i - W_ii + lambda d_i
 * [known], right-hand side lambda d_i [foreground] + sum of w b_j over fixed neighbours j.
 */
export function knnFill(
  sets: usize, pixels: i32, labels: usize, degree: usize, activeIndex: usize, lambda: f64,
  cursor: usize, columns: usize, values: usize, diagonal: usize, rhs: usize,
): void {
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
        if (j < 0) continue;
        const w = edgeWeight(weights, at);
        if (j == i) {
          // W_ii = 2 w (the edge in K and in K^T), off the diagonal of D - W.
          if (ri >= 0) store<f64>(diagonal + (<usize>ri << 3), load<f64>(diagonal + (<usize>ri << 3)) - 2 * w);
          continue;
        }
        const rj = load<i32>(activeIndex + (<usize>j << 2));
        if (ri >= 0 && rj >= 0) {
          appendEntry(cursor, columns, values, ri, rj, -w);
          appendEntry(cursor, columns, values, rj, ri, -w);
        } else if (ri >= 0) {
          store<f64>(rhs + (<usize>ri << 3), load<f64>(rhs + (<usize>ri << 3)) + w * trimapValue(labels, j));
        } else if (rj >= 0) {
          store<f64>(rhs + (<usize>rj << 3), load<f64>(rhs + (<usize>rj << 3)) + w * trimapValue(labels, i));
        }
      }
    }
  }
}

@inline function appendEntry(cursor: usize, columns: usize, values: usize, row: i32, column: i32, value: f64): void {
  const c = cursor + (<usize>row << 2);
  const at = load<i32>(c);
  store<i32>(columns + (<usize>at << 2), column);
  store<f64>(values + (<usize>at << 3), value);
  store<i32>(c, at + 1);
}
