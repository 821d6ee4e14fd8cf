// Information-flow matting's linear system on the unknown pixels (Aksoy et al., CVPR 2017, eq. 13 with the trimap
// as a hard constraint), assembled from the flows; its product and solver are in assembly/methods/ifm-pcg.ts.
//
//   A = S + s_cm (I - W)^T (I - W) + s_iu L_iu + diag(d),   restricted to the unknown rows and columns,
//
// S the closed-form stencil system of assembly/stencil.ts (built with the method's epsilon and scaled by the
// caller), W the colour-mixture weights (rows of unknown pixels only), L_iu the Laplacian of the symmetric
// intra-unknown affinity, d the known-to-unknown data weights. The non-local terms are applied as products with
// their rows, never formed: (I - W)^T (I - W) holds some 65 entries per row where W holds 20. The non-local
// weights are stored as f32 (their LLE fit and affinity are far coarser than its rounding), halving the bytes
// that every product reads.
//
// system (i32 fields): [0] rows [1] stencil half [2] its columns [3] its values
//   [4] the threads' first rows (i32 x threads + 1; 0: one thread) [5] their scatter buffers (f64 x threads x (rows + 1))
//   [6] the intra-unknown pairs' row offsets (i32 rows + 1: row u's pairs are entries [6][u]..[6][u + 1] of [15], [16])
//   [11] colour-mixture k [12] its columns (i32 rows x k: unknown row, or `rows` where the neighbour is known)
//   [13] its weights (f32 rows x k; s_cm = 1) [14] intra-unknown k (the most pairs a row holds) [15] its columns (i32)
//   [16] its weights (f32, times s_iu; a pair found in both directions or twice in a row held once, with the summed
//   weight, where that sum is exact in f32; see mergeIntraUnknown)
//   [17] the stencil's diagonal plus d (f64 rows): the diagonal the non-local products do not supply
//   [18] the Jacobi preconditioner, 1 / A's diagonal (f64 rows + 1)
// Vectors hold rows + 1 f64 whose last entry (the dummy unknown) is 0 on entry.

import { LABEL_FOREGROUND, LABEL_UNKNOWN } from "../convert";

/**
 * Colour-mixture rows into the system: neighbour pixels -> unknown rows (`rows` for known pixels), and their
 * share of the diagonal and of the right-hand side, b -= (I - W)^T c with c = (I - W) a_known over each row.
 * `columns` holds the neighbours' pixel indices on entry, `weights` f32. The term's weight is 1 (the others are
 * relative to it).
 */
export function addColourMixture(rows: i32, k: i32, columns: usize, weights: usize, unknownIndex: usize, labels: usize, diagonal: usize, rhs: usize): void {
  for (let u = 0; u < rows; u++) {
    let c = 0.0;
    const entries = <usize>(u * k);
    for (let j = 0; j < k; j++) {
      const at = entries + <usize>j;
      const pixel = load<i32>(columns + (at << 2));
      const w = <f64>load<f32>(weights + (at << 2));
      const v = load<i32>(unknownIndex + (<usize>pixel << 2));
      store<i32>(columns + (at << 2), v < 0 ? rows : v);
      if (v < 0) {
        if (load<u8>(labels + <usize>pixel) == LABEL_FOREGROUND) c -= w;
      } else {
        const d = diagonal + (<usize>v << 3);
        store<f64>(d, load<f64>(d) + w * w);
      }
    }
    const du = diagonal + (<usize>u << 3);
    store<f64>(du, load<f64>(du) + 1);
    const bu = rhs + (<usize>u << 3);
    store<f64>(bu, load<f64>(bu) - c);
    for (let j = 0; j < k; j++) {
      const at = entries + <usize>j;
      const v = load<i32>(columns + (at << 2));
      if (v == rows) continue;
      const bv = rhs + (<usize>v << 3);
      store<f64>(bv, load<f64>(bv) + <f64>load<f32>(weights + (at << 2)) * c);
    }
  }
}

/** Intra-unknown rows: neighbour pixels -> unknown rows, weights (f32) scaled in place, both ends' diagonal. */
export function addIntraUnknown(rows: i32, k: i32, columns: usize, weights: usize, scale: f64, unknownIndex: usize, diagonal: usize): void {
  for (let u = 0; u < rows; u++) {
    for (let j = 0; j < k; j++) {
      const at = <usize>(u * k + j);
      const pixel = load<i32>(columns + (at << 2));
      const v = pixel < 0 ? rows : load<i32>(unknownIndex + (<usize>pixel << 2));
      const w = v == rows ? 0.0 : <f64>load<f32>(weights + (at << 2)) * scale;
      store<i32>(columns + (at << 2), v);
      store<f32>(weights + (at << 2), <f32>w);
      const du = diagonal + (<usize>u << 3), dv = diagonal + (<usize>v << 3);
      store<f64>(du, load<f64>(du) + w);
      if (v != rows) store<f64>(dv, load<f64>(dv) + w);
    }
  }
}

/** The stored entry of the pair (u, v) among row u's kept entries [first, end), or -1. */
@inline
function keptEntry(columns: usize, first: i32, end: i32, v: i32): i32 {
  for (let e = first; e < end; e++) if (load<i32>(columns + (<usize>e << 2)) == v) return e;
  return -1;
}

/** weights[e] += w where the sum is exact in f32 (then the merged pair applies the same flow); returns whether it was. */
@inline
function addExactly(weights: usize, e: i32, w: f32): bool {
  const held = load<f32>(weights + (<usize>e << 2)), sum = held + w;
  if (<f64>sum != <f64>held + <f64>w) return false;
  store<f32>(weights + (<usize>e << 2), sum);
  return true;
}

/**
 * The intra-unknown rows (rows x k after addIntraUnknown) compacted in place into rows of their own lengths, row
 * u's entries [offsets[u], offsets[u + 1]) (offsets: i32 rows + 1). Each pair's weight is the same from both ends
 * (intraUnknownWeights is symmetric in p and q, bit for bit), and 72-74 % of the entries are pairs that the other
 * end found too (GT08, GT13, GT01): the first end keeps the pair with both weights summed, the other end's entry
 * goes, as does a second find of the pair in one row (near and far neighbours) and a pair of weight 0 or with a
 * known pixel. A sum not exact in f32 leaves both entries, so that the flows the product applies stay those of the
 * separate entries, up to the f64 rounding of their order. Returns the entries kept.
 */
export function mergeIntraUnknown(rows: i32, k: i32, columns: usize, weights: usize, offsets: usize): i32 {
  let kept = 0;
  for (let u = 0; u < rows; u++) {
    const first = kept;
    store<i32>(offsets + (<usize>u << 2), first);
    for (let j = 0; j < k; j++) {
      const at = <usize>(u * k + j);
      const v = load<i32>(columns + (at << 2)), w = load<f32>(weights + (at << 2));
      if (v == rows || w == 0) continue;
      const twin = keptEntry(columns, first, kept, v);
      if (twin >= 0 && addExactly(weights, twin, w)) continue;
      store<i32>(columns + (<usize>kept << 2), v);
      store<f32>(weights + (<usize>kept << 2), w);
      // The pair's entries in row v (not compacted yet, as v > u) merge into this one.
      if (v > u) {
        for (let i = 0; i < k; i++) {
          const mirror = <usize>(v * k + i);
          if (load<i32>(columns + (mirror << 2)) == u && addExactly(weights, kept, load<f32>(weights + (mirror << 2)))) {
            store<i32>(columns + (mirror << 2), rows);
          }
        }
      }
      kept++;
    }
  }
  store<i32>(offsets + (<usize>rows << 2), kept);
  return kept;
}

/** A's diagonal (rows f64, rows + 1 allocated) -> 1 / itself in place, the last entry 0: the Jacobi preconditioner. */
export function ifmJacobiSetup(diagonal: usize, rows: i32): void {
  for (let u = 0; u < rows; u++) store<f64>(diagonal + (<usize>u << 3), 1.0 / load<f64>(diagonal + (<usize>u << 3)));
  store<f64>(diagonal + (<usize>rows << 3), 0);
}

/** count f64 values -> f32 at `out`, which may be `values` itself (each value is read before a write reaches it). */
export function narrowToF32(values: usize, count: i32, out: usize): void {
  for (let i = 0; i < count; i++) store<f32>(out + (<usize>i << 2), <f32>load<f64>(values + (<usize>i << 3)));
}

/** values *= scale over count f64: the closed-form stencil system times the local flow's weight. */
export function scaleValues(values: usize, count: i32, scale: f64): void {
  for (let i = 0; i < count; i++) store<f64>(values + (<usize>i << 3), load<f64>(values + (<usize>i << 3)) * scale);
}

@inline
function trimmedLabel(edgeTrimmed: usize, patchTrimmed: usize, p: i32): u8 {
  const edge = load<u8>(edgeTrimmed + <usize>p);
  return edge != LABEL_UNKNOWN ? edge : load<u8>(patchTrimmed + <usize>p);
}

/**
 * The known-to-unknown data term d_u (a_u - ahat_u)^2 (paper eq. 13) into the system: d = weight x confidence,
 * diagonal += d, rhs += d ahat. A pixel that a trimming step labelled gets ahat = 0 or 1 with confidence 1 (edge
 * trimming first); the others the flow's estimate and confidence (rows of `queries`, the unknown pixels left after
 * patch trimming).
 */
export function addKnownToUnknown(
  pixels: i32, labels: usize, unknownIndex: usize, edgeTrimmed: usize, patchTrimmed: usize,
  queries: usize, count: i32, estimate: usize, confidence: usize, weight: f64, diagonal: usize, rhs: usize,
): void {
  for (let p = 0; p < pixels; p++) {
    if (load<u8>(labels + <usize>p) != LABEL_UNKNOWN) continue;
    const label = trimmedLabel(edgeTrimmed, patchTrimmed, p);
    if (label == LABEL_UNKNOWN) continue;
    const u = <usize>load<i32>(unknownIndex + (<usize>p << 2)) << 3;
    store<f64>(diagonal + u, load<f64>(diagonal + u) + weight);
    if (label == LABEL_FOREGROUND) store<f64>(rhs + u, load<f64>(rhs + u) + weight);
  }
  for (let row = 0; row < count; row++) {
    const p = load<i32>(queries + (<usize>row << 2));
    if (load<u8>(edgeTrimmed + <usize>p) != LABEL_UNKNOWN) continue;
    const u = <usize>load<i32>(unknownIndex + (<usize>p << 2)) << 3;
    const d = weight * load<f64>(confidence + (<usize>row << 3));
    store<f64>(diagonal + u, load<f64>(diagonal + u) + d);
    store<f64>(rhs + u, load<f64>(rhs + u) + d * load<f64>(estimate + (<usize>row << 3)));
  }
}

/**
 * CG's starting point when the caller gives none: on each unknown row, 0 or 1 where a trimming step labelled the
 * pixel, the known-to-unknown flow's estimate (clamped to [0, 1]) where it made one, else 1/2. The data term pulls
 * alpha towards these, so CG starts nearer the solution than from 0 (measured: 12-20 % fewer iterations to the
 * same relative residual); the system and its stopping test are unchanged.
 */
export function ifmEstimateGuess(
  pixels: i32, labels: usize, unknownIndex: usize, edgeTrimmed: usize, patchTrimmed: usize, queries: usize, count: i32, estimate: usize, x: usize,
): void {
  for (let p = 0; p < pixels; p++) {
    if (load<u8>(labels + <usize>p) != LABEL_UNKNOWN) continue;
    const label = trimmedLabel(edgeTrimmed, patchTrimmed, p);
    const u = <usize>load<i32>(unknownIndex + (<usize>p << 2)) << 3;
    store<f64>(x + u, label == LABEL_FOREGROUND ? 1.0 : label == LABEL_UNKNOWN ? 0.5 : 0.0);
  }
  for (let row = 0; row < count; row++) {
    const p = load<i32>(queries + (<usize>row << 2));
    if (load<u8>(edgeTrimmed + <usize>p) != LABEL_UNKNOWN) continue;
    const u = <usize>load<i32>(unknownIndex + (<usize>p << 2)) << 3;
    store<f64>(x + u, min(max(load<f64>(estimate + (<usize>row << 3)), 0.0), 1.0));
  }
}

/** The paper's final step: alpha 0 or 1 wherever edge trimming labelled an unknown pixel. */
export function applyEdgeTrim(pixels: i32, labels: usize, unknownIndex: usize, edgeTrimmed: usize, solution: usize): void {
  for (let p = 0; p < pixels; p++) {
    const label = load<u8>(edgeTrimmed + <usize>p);
    if (load<u8>(labels + <usize>p) != LABEL_UNKNOWN || label == LABEL_UNKNOWN) continue;
    store<f64>(solution + (<usize>load<i32>(unknownIndex + (<usize>p << 2)) << 3), label == LABEL_FOREGROUND ? 1.0 : 0.0);
  }
}
