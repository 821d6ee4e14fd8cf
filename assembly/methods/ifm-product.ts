// Information flow's product y = A x over a range of rows (the system record of assembly/methods/ifm-system.ts),
// one pass per term: the stencil with the diagonal, then the colour-mixture rows, then the intra-unknown pairs.
// One pass per term rather than one loop over all three: each loop then holds only its own term's pointers, and
// the product took 21.8 ms against the fused loop's 26.3 ms (GT08 Trimap1, 142,232 rows, CPU time). A row gathers
// its own stored entries and scatters their mirror images into `scatter` (y itself on one thread; see
// assembly/methods/ifm-pcg.ts). Where SIMD is on, the stencil's and the colour-mixture's gathers go four entries at
// a time into f64x2 sums (two x values per v128, loaded lane by lane); the scatters stay scalar.

import { field, pointerField } from "../record";
import { beat } from "../team";

/** The x values of the entries whose columns are lanes 0 and 1 of `c` (i32x4), as an f64x2. */
@inline
function gatherLow(x: usize, c: v128): v128 {
  return v128.load64_lane(x + (<usize>i32x4.extract_lane(c, 1) << 3), v128.load64_zero(x + (<usize>i32x4.extract_lane(c, 0) << 3)), 1);
}

/** The x values of the entries whose columns are lanes 2 and 3 of `c` (i32x4), as an f64x2. */
@inline
function gatherHigh(x: usize, c: v128): v128 {
  return v128.load64_lane(x + (<usize>i32x4.extract_lane(c, 3) << 3), v128.load64_zero(x + (<usize>i32x4.extract_lane(c, 2) << 3)), 1);
}

/** scatter[v] += value. */
@inline
function addAt(scatter: usize, v: i32, value: f64): void {
  const at = scatter + (<usize>v << 3);
  store<f64>(at, load<f64>(at) + value);
}

/**
 * Rows [lo, hi) of the diagonal the non-local terms do not supply and the stencil's upper entries: each entry's
 * a_uv x_v gathered into y_u (added to what is there when `add`, else stored), its a_uv x_u scattered into v.
 */
function stencilRows(system: usize, x: usize, y: usize, scatter: usize, lo: i32, hi: i32, add: bool, context: usize): void {
  const half = field(system, 1), columns = pointerField(system, 2), values = pointerField(system, 3);
  const ownDiagonal = pointerField(system, 17);
  for (let u = lo; u < hi; u++) {
    if (context != 0) beat(context);
    const xu = load<f64>(x + (<usize>u << 3));
    let sum = load<f64>(ownDiagonal + (<usize>u << 3)) * xu;
    let at = <usize>u * <usize>half;
    let s = 0;
    if (ASC_FEATURE_SIMD) {
      const xs = f64x2.splat(xu);
      let pair = f64x2.splat(0);
      for (; s + 4 <= half; s += 4, at += 4) {
        const c = v128.load(columns + (at << 2));
        const a0 = v128.load(values + (at << 3)), a1 = v128.load(values + (at << 3), 16);
        pair = f64x2.add(pair, f64x2.mul(a0, gatherLow(x, c)));
        pair = f64x2.add(pair, f64x2.mul(a1, gatherHigh(x, c)));
        const m0 = f64x2.mul(a0, xs), m1 = f64x2.mul(a1, xs);
        addAt(scatter, i32x4.extract_lane(c, 0), f64x2.extract_lane(m0, 0));
        addAt(scatter, i32x4.extract_lane(c, 1), f64x2.extract_lane(m0, 1));
        addAt(scatter, i32x4.extract_lane(c, 2), f64x2.extract_lane(m1, 0));
        addAt(scatter, i32x4.extract_lane(c, 3), f64x2.extract_lane(m1, 1));
      }
      sum += f64x2.extract_lane(pair, 0) + f64x2.extract_lane(pair, 1);
    }
    for (; s < half; s++, at++) {
      const v = load<i32>(columns + (at << 2));
      const a = load<f64>(values + (at << 3));
      sum += a * load<f64>(x + (<usize>v << 3));
      addAt(scatter, v, a * xu);
    }
    const yu = y + (<usize>u << 3);
    store<f64>(yu, add ? load<f64>(yu) + sum : sum);
  }
}

/**
 * Rows [lo, hi) of (I - W)^T (I - W) x, added into y: row u's residual e_u = x_u - sum_j w_uj x_j goes to u and,
 * times -w_uj, to each j.
 */
function colourMixtureRows(system: usize, x: usize, y: usize, scatter: usize, lo: i32, hi: i32, context: usize): void {
  const k = field(system, 11), columns = pointerField(system, 12), weights = pointerField(system, 13);
  for (let u = lo; u < hi; u++) {
    if (context != 0) beat(context);
    const row = <usize>u * <usize>k;
    let mixed = 0.0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      let pair = f64x2.splat(0);
      for (; j + 4 <= k; j += 4) {
        const e = row + <usize>j;
        const w = v128.load(weights + (e << 2)), c = v128.load(columns + (e << 2));
        pair = f64x2.add(pair, f64x2.mul(f64x2.promote_low_f32x4(w), gatherLow(x, c)));
        pair = f64x2.add(pair, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(w, w, 2, 3, 2, 3)), gatherHigh(x, c)));
      }
      mixed = f64x2.extract_lane(pair, 0) + f64x2.extract_lane(pair, 1);
    }
    for (; j < k; j++) {
      const e = row + <usize>j;
      mixed += <f64>load<f32>(weights + (e << 2)) * load<f64>(x + (<usize>load<i32>(columns + (e << 2)) << 3));
    }
    const residual = load<f64>(x + (<usize>u << 3)) - mixed;
    for (j = 0; j < k; j++) {
      const e = row + <usize>j;
      addAt(scatter, load<i32>(columns + (e << 2)), -<f64>load<f32>(weights + (e << 2)) * residual);
    }
    addAt(y, u, residual);
  }
}

/** Rows [lo, hi) of the intra-unknown pairs, added into y: the flow w (x_u - x_v) leaves u and enters v. */
function intraUnknownRows(system: usize, x: usize, y: usize, scatter: usize, lo: i32, hi: i32, context: usize): void {
  const offsets = pointerField(system, 6), columns = pointerField(system, 15), weights = pointerField(system, 16);
  let end = load<i32>(offsets + (<usize>lo << 2));
  for (let u = lo; u < hi; u++) {
    if (context != 0) beat(context);
    const xu = load<f64>(x + (<usize>u << 3));
    let sum = 0.0;
    let e = <usize>end;
    end = load<i32>(offsets + (<usize>(u + 1) << 2));
    for (; e < <usize>end; e++) {
      const v = load<i32>(columns + (e << 2));
      const flow = <f64>load<f32>(weights + (e << 2)) * (xu - load<f64>(x + (<usize>v << 3)));
      sum += flow;
      addAt(scatter, v, -flow);
    }
    addAt(y, u, sum);
  }
}

/**
 * Rows [lo, hi) of y = A x: each row's gathered sums into y (added to what is there when `add`, else stored) and
 * the mirror images of its entries into `scatter` (y itself on one thread). context 0: no team (no heartbeat).
 */
export function ifmMultiplyRows(system: usize, x: usize, y: usize, scatter: usize, lo: i32, hi: i32, add: bool, context: usize): void {
  stencilRows(system, x, y, scatter, lo, hi, add, context);
  colourMixtureRows(system, x, y, scatter, lo, hi, context);
  intraUnknownRows(system, x, y, scatter, lo, hi, context);
}
