// The fine kernels' rows whose neighbours are all unknown, at radius 1 (assembly/fine.ts), with SIMD.
//
// A radius-1 row stores its 12 upper entries in the order of assembly/stencil.ts: the two to its right on its own
// image row (s = 0, 1), then the five from 2 left to 2 right on each of the next two image rows (s = 2-6, 7-11).
// Unknowns are numbered in raster order, so where all of them are unknown their columns are u + 1, u + 2 and two
// runs of five consecutive indices: the row needs only the first column of each run, and its neighbours' entries
// of x (and of the products' targets) lie side by side, two to an f64x2. Most rows of a trimap's unknown band are
// such rows (GT02 Trimap1: 90 %); the others, and every row with a neighbour in the next thread's rows, take the
// general code.
//
// Every sum here is the general code's to the bit: the same products (an f32 entry widens to f64 exactly), added
// in the same order into the same chains, the chains being lanes (entries s and s + 1 of a pair go to lanes 0 and 1,
// which are the general code's even and odd sums; four chains are two f64x2, pairs alternating between them).
// Scatters add into distinct entries, so doing two at once changes nothing.

/** Stored upper entries per row at radius 1. */
export const REGULAR_HALF: i32 = 12;

/**
 * Whether row u's upper neighbours are all unknown (columns as above), from five of its columns: an index is
 * below rows only for an unknown, and two unknowns four pixels apart on one image row have indices four apart only
 * when the three between them are unknown too. columns: the row's first column.
 */
@inline
export function isRegular(columns: usize, u: i32, rows: i32): bool {
  const right = load<i32>(columns, 4), first1 = load<i32>(columns, 8), last1 = load<i32>(columns, 24);
  const first2 = load<i32>(columns, 28), last2 = load<i32>(columns, 44);
  return ((right == u + 2) & (right < rows) & (last1 - first1 == 4) & (last1 < rows) & (last2 - first2 == 4) & (last2 < rows)) != 0;
}

/** Entries s and s + 1 of an f32 row as an f64x2 (values: the row's first entry). */
@inline
function pair32(values: usize, s: i32): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(values + (<usize>s << 2)));
}

/** target[j], target[j + 1] += a * xi, a an f64x2 of entries. */
@inline
function scatterPair(target: usize, j: i32, a: v128, xi: v128): void {
  const at = target + (<usize>j << 3);
  v128.store(at, f64x2.add(v128.load(at), f64x2.mul(a, xi)));
}

/** target[j0] += a0 * xi and target[j1] += a1 * xi for the pair that straddles two image rows (s = 6, 7). */
@inline
function scatterSplit(target: usize, j0: i32, j1: i32, a: v128, xi: f64): void {
  const at0 = target + (<usize>j0 << 3), at1 = target + (<usize>j1 << 3);
  store<f64>(at0, load<f64>(at0) + f64x2.extract_lane(a, 0) * xi);
  store<f64>(at1, load<f64>(at1) + f64x2.extract_lane(a, 1) * xi);
}

/** x[j], x[j + 1] as an f64x2. */
@inline
function xPair(x: usize, j: i32): v128 {
  return v128.load(x + (<usize>j << 3));
}

/** x[j0], x[j1] as an f64x2. */
@inline
function xSplit(x: usize, j0: i32, j1: i32): v128 {
  return f64x2.replace_lane(f64x2.splat(load<f64>(x + (<usize>j0 << 3))), 1, load<f64>(x + (<usize>j1 << 3)));
}

/** target[j] += a_uj xi over the 12 upper entries (f32 values) of regular row u; as scatterRow in fine.ts. */
@inline
export function scatterRegular(columns: usize, values: usize, u: i32, xi: f64, target: usize): void {
  const first1 = load<i32>(columns, 8), first2 = load<i32>(columns, 28);
  const xs = f64x2.splat(xi);
  scatterPair(target, u + 1, pair32(values, 0), xs);
  scatterPair(target, first1, pair32(values, 2), xs);
  scatterPair(target, first1 + 2, pair32(values, 4), xs);
  scatterSplit(target, first1 + 4, first2, pair32(values, 6), xi);
  scatterPair(target, first2 + 1, pair32(values, 8), xs);
  scatterPair(target, first2 + 3, pair32(values, 10), xs);
}

/**
 * -sum_s a_uj x_j over the 12 upper entries (f32 values) of regular row u, in four chains by s mod 4 summed as
 * -((chain 0 + chain 1) + (chain 2 + chain 3)); as the gather in gaussSeidelFromZero.
 */
@inline
export function negatedUpperSum(columns: usize, values: usize, u: i32, x: usize): f64 {
  const first1 = load<i32>(columns, 8), first2 = load<i32>(columns, 28);
  // The chains start at 0, as the general code's do (0 + p is p but for the sign of a zero p).
  let low = f64x2.add(f64x2.splat(0), f64x2.mul(pair32(values, 0), xPair(x, u + 1)));
  let high = f64x2.add(f64x2.splat(0), f64x2.mul(pair32(values, 2), xPair(x, first1)));
  low = f64x2.add(low, f64x2.mul(pair32(values, 4), xPair(x, first1 + 2)));
  high = f64x2.add(high, f64x2.mul(pair32(values, 6), xSplit(x, first1 + 4, first2)));
  low = f64x2.add(low, f64x2.mul(pair32(values, 8), xPair(x, first2 + 1)));
  high = f64x2.add(high, f64x2.mul(pair32(values, 10), xPair(x, first2 + 3)));
  return -((f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1)) + (f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1)));
}

/**
 * Row u of y = A x for a regular row, f64 values (the outer CG's product): the diagonal and upper entries gathered
 * in two chains (the first starting from the diagonal's product), the upper entries scattered; as multiplyRow.
 */
@inline
export function multiplyRegular(columns: usize, values: usize, diagonal: f64, u: i32, x: usize, y: usize): void {
  const first1 = load<i32>(columns, 8), first2 = load<i32>(columns, 28);
  productRow(values, diagonal, u, load<f64>(x + (<usize>u << 3)), first1, first2, xPair(x, u + 1), xPair(x, first1), xPair(x, first1 + 2),
    xSplit(x, first1 + 4, first2), xPair(x, first2 + 1), xPair(x, first2 + 3), y);
}

/**
 * multiplyRegular's arithmetic from row u's x (xu) and its neighbours' x already read, as the six pairs of the
 * entries' order (right: u + 1, u + 2; then the runs from first1 and first2, the pair straddling them third).
 */
@inline
function productRow(
  values: usize, diagonal: f64, u: i32, xu: f64, first1: i32, first2: i32, right: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128,
  y: usize,
): void {
  const xs = f64x2.splat(xu);
  const a0 = v128.load(values), a1 = v128.load(values, 16), a2 = v128.load(values, 32);
  const a3 = v128.load(values, 48), a4 = v128.load(values, 64), a5 = v128.load(values, 80);
  let acc = f64x2.replace_lane(f64x2.splat(0), 0, diagonal * xu);
  acc = f64x2.add(acc, f64x2.mul(a0, right));
  scatterPair(y, u + 1, a0, xs);
  acc = f64x2.add(acc, f64x2.mul(a1, x1));
  scatterPair(y, first1, a1, xs);
  acc = f64x2.add(acc, f64x2.mul(a2, x2));
  scatterPair(y, first1 + 2, a2, xs);
  acc = f64x2.add(acc, f64x2.mul(a3, x3));
  scatterSplit(y, first1 + 4, first2, a3, xu);
  acc = f64x2.add(acc, f64x2.mul(a4, x4));
  scatterPair(y, first2 + 1, a4, xs);
  acc = f64x2.add(acc, f64x2.mul(a5, x5));
  scatterPair(y, first2 + 3, a5, xs);
  const yu = y + (<usize>u << 3);
  store<f64>(yu, load<f64>(yu) + (f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1)));
}

/**
 * The backward sweep's row u (backwardRow's sums: the entries on the image rows below in two chains, then the two on
 * its own row, nearest last) and, with `product` not 0, its row of y = A x as well (productRow), the neighbours' x read
 * once (they do not change when x_u does). Stores x_u.
 * values32: the row's f32 entries; values64: its f64 entries; reciprocal: 1 / a_uu.
 */
@inline
export function backwardRegular(
  columns: usize, values32: usize, values64: usize, diagonal: f64, reciprocal: f64, bu: f64, sum: f64, u: i32, x: usize, product: usize
): void {
  const first1 = load<i32>(columns, 8), first2 = load<i32>(columns, 28);
  const right = xPair(x, u + 1), x1 = xPair(x, first1), x2 = xPair(x, first1 + 2), x3 = xSplit(x, first1 + 4, first2);
  const x4 = xPair(x, first2 + 1), x5 = xPair(x, first2 + 3);
  let acc = f64x2.add(f64x2.splat(0), f64x2.mul(pair32(values32, 2), x1));
  acc = f64x2.add(acc, f64x2.mul(pair32(values32, 4), x2));
  acc = f64x2.add(acc, f64x2.mul(pair32(values32, 6), x3));
  acc = f64x2.add(acc, f64x2.mul(pair32(values32, 8), x4));
  acc = f64x2.add(acc, f64x2.mul(pair32(values32, 10), x5));
  sum += f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  sum += <f64>load<f32>(values32, 4) * f64x2.extract_lane(right, 1);
  sum += <f64>load<f32>(values32) * f64x2.extract_lane(right, 0);
  const xu = (bu - sum) * reciprocal;
  store<f64>(x + (<usize>u << 3), xu);
  if (product != 0) productRow(values64, diagonal, u, xu, first1, first2, right, x1, x2, x3, x4, x5, product);
}
