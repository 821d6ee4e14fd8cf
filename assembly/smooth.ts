// Gauss-Seidel smoothing and products for the block levels of assembly/aggregation.ts (the fine
// level's are in assembly/fine.ts). A backward sweep visits the nodes in exactly the reverse order of
// a forward one, so forward-then-backward is a symmetric operator. With threads (assembly/team.ts)
// each thread takes a range of nodes and the sweeps are hybrid, as on the fine level.

import { barrier, beat } from "./team";

const DOFS = 4;
const BLOCK = 16;

// Block levels: nodes of 4 unknowns with 3x3 (or, smoothed, 5x5) neighbour blocks of 4x4 f32 entries stored
// column by column (neighbours: i32 nodes x count, `nodes` for none; count 9 or 25, the node itself in the
// middle slot, count >> 1), vectors of 4 f32 per node plus a zero dummy node.

/**
 * acc -= block * xm, block column-major. The four column products are summed in a tree before they meet
 * acc, so that a node's eight blocks form a chain of eight dependent subtractions rather than 32: the
 * sweeps were bound by that chain's latency, not by arithmetic.
 */
@inline
function subtractProduct(acc: v128, block: usize, xm: v128): v128 {
  const low = f32x4.add(
    f32x4.mul(v128.load(block), v128.shuffle<f32>(xm, xm, 0, 0, 0, 0)),
    f32x4.mul(v128.load(block, 16), v128.shuffle<f32>(xm, xm, 1, 1, 1, 1)),
  );
  const high = f32x4.add(
    f32x4.mul(v128.load(block, 32), v128.shuffle<f32>(xm, xm, 2, 2, 2, 2)),
    f32x4.mul(v128.load(block, 48), v128.shuffle<f32>(xm, xm, 3, 3, 3, 3)),
  );
  return f32x4.sub(acc, f32x4.add(low, high));
}

/**
 * block * xm, block column-major, the column products added in order. For the inverse diagonal blocks,
 * whose large entries of both signs cancel: one product per node, not worth another rounding there.
 */
@inline
function productSequential(block: usize, xm: v128): v128 {
  let acc = f32x4.mul(v128.load(block), v128.shuffle<f32>(xm, xm, 0, 0, 0, 0));
  acc = f32x4.add(acc, f32x4.mul(v128.load(block, 16), v128.shuffle<f32>(xm, xm, 1, 1, 1, 1)));
  acc = f32x4.add(acc, f32x4.mul(v128.load(block, 32), v128.shuffle<f32>(xm, xm, 2, 2, 2, 2)));
  return f32x4.add(acc, f32x4.mul(v128.load(block, 48), v128.shuffle<f32>(xm, xm, 3, 3, 3, 3)));
}

/** out[k] = sum_j block[j][k] * v[j] - ... scalar twin of the column products: acc[k] -= sum_j col_j[k] x[j]. */
@inline
function subtractProductScalar(acc: usize, block: usize, x: usize): void {
  for (let k = 0; k < DOFS; k++) {
    let sum = load<f32>(acc + (<usize>k << 2));
    for (let j = 0; j < DOFS; j++) sum -= load<f32>(block + (<usize>(j * DOFS + k) << 2)) * load<f32>(x + (<usize>j << 2));
    store<f32>(acc + (<usize>k << 2), sum);
  }
}

/** Node m as the from-zero sweep sees it: earlier threads' nodes (below lo) are still 0, like the dummy. */
@inline
function seen(m: i32, lo: i32, nodes: i32): i32 {
  return m < lo ? nodes : m;
}

/** Where node m's current x is read from: x in this thread's nodes [lo, hi) (and the dummy), old elsewhere. */
@inline
function source(x: usize, old: usize, m: i32, lo: i32, hi: i32, nodes: i32): usize {
  return (m >= lo && m < hi) || m == nodes ? x + (<usize>(m * DOFS) << 2) : old + (<usize>(m * DOFS) << 2);
}

/**
 * Where a sweep reads neighbour m's x: from x alone (one thread, or the first from zero), else as seen from zero
 * (seen) or from this thread's nodes and old (source).
 */
@inline
function neighbourX(x: usize, old: usize, m: i32, lo: i32, hi: i32, nodes: i32, fromZero: bool, alone: bool): usize {
  return alone ? x + (<usize>(m * DOFS) << 2) : fromZero ? x + (<usize>(seen(m, lo, nodes) * DOFS) << 2) : source(x, old, m, lo, hi, nodes);
}

/**
 * Solves node n's four unknowns with the inverse of its diagonal block (f32 16 per node, column-major):
 * x_n = D^-1 (b_n - sum of A_s x_m over its other neighbours). fromZero: the first sweep from x = 0,
 * which needs only the earlier neighbours (the slots before the middle one) and sees earlier threads' nodes
 * as 0; otherwise all the others, other threads' nodes read from old. scratch: 32 bytes (scalar build).
 */
@inline
function solveNode(
  n: i32, nodes: i32, count: i32, neighbours: usize, blocks: usize, inverses: usize, b: usize, x: usize, old: usize,
  lo: i32, hi: i32, scratch: usize, fromZero: bool, alone: bool
): void {
  const row = blocks + (<usize>(n * count * BLOCK) << 2);
  const links = neighbours + (<usize>(n * count) << 2);
  const inverse = inverses + (<usize>(n * BLOCK) << 2);
  const xn = x + (<usize>(n * DOFS) << 2);
  const middle = count >> 1;
  const last = fromZero ? middle : count;
  if (ASC_FEATURE_SIMD) {
    let acc = v128.load(b + (<usize>(n * DOFS) << 2));
    if (count > 9) {
      // 5x5 nodes: two chains of subtractions (even and odd slots; the middle one, 12, is even), half as long.
      let odd = f32x4.splat(0);
      for (let s = 0; s + 1 < last; s += 2) {
        if (s != middle) {
          const m = load<i32>(links + (<usize>s << 2));
          const xm = neighbourX(x, old, m, lo, hi, nodes, fromZero, alone);
          acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(xm));
        }
        const m = load<i32>(links + (<usize>(s + 1) << 2));
        const xm = neighbourX(x, old, m, lo, hi, nodes, fromZero, alone);
        odd = subtractProduct(odd, row + (<usize>((s + 1) * BLOCK) << 2), v128.load(xm));
      }
      if (!fromZero) {
        const m = load<i32>(links + (<usize>(count - 1) << 2));
        acc = subtractProduct(acc, row + (<usize>((count - 1) * BLOCK) << 2), v128.load(neighbourX(x, old, m, lo, hi, nodes, false, alone)));
      }
      acc = f32x4.add(acc, odd);
    } else {
      // The slots before the middle one, then (not from zero) those after it: no test for the middle per slot.
      for (let s = 0; s < middle; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        const xm = neighbourX(x, old, m, lo, hi, nodes, fromZero, alone);
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(xm));
      }
      for (let s = middle + 1; s < last; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        const xm = neighbourX(x, old, m, lo, hi, nodes, false, alone);
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(xm));
      }
    }
    // x_n = D^-1 acc
    v128.store(xn, productSequential(inverse, acc));
  } else {
    memory.copy(scratch, b + (<usize>(n * DOFS) << 2), 16);
    for (let s = 0; s < last; s++) {
      if (s == middle) continue;
      const m = load<i32>(links + (<usize>s << 2));
      const xm = neighbourX(x, old, m, lo, hi, nodes, fromZero, alone);
      subtractProductScalar(scratch, row + (<usize>(s * BLOCK) << 2), xm);
    }
    memory.fill(scratch + 16, 0, 16);
    subtractProductScalar(scratch + 16, inverse, scratch);
    for (let k = 0; k < DOFS; k++) store<f32>(xn + (<usize>k << 2), -load<f32>(scratch + 16 + (<usize>k << 2)));
  }
}

/**
 * out = -sum of A_s x_m over node n's neighbours (negate: +sum), leaving out the slots up to the middle
 * one (the earlier neighbours and the node itself) whose node is at or after `skipFrom`; i32.MAX_VALUE keeps all.
 */
@inline
function storeProducts(n: i32, count: i32, neighbours: usize, blocks: usize, x: usize, out: usize, skipFrom: i32, negate: bool): void {
  const row = blocks + (<usize>(n * count * BLOCK) << 2);
  const links = neighbours + (<usize>(n * count) << 2);
  const middle = count >> 1;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    if (count > 9 && (skipFrom == 0 || skipFrom == i32.MAX_VALUE)) {
      // 5x5 nodes, every slot (the product) or those after the middle one (the first thread's residual from zero),
      // with no test per slot: two chains, as below.
      let odd = f32x4.splat(0);
      for (let s = skipFrom == 0 ? middle : 0; s + 1 < count; s += 2) {
        if (skipFrom != 0 || s != middle) {
          const m = load<i32>(links + (<usize>s << 2));
          acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
        }
        const m1 = load<i32>(links + (<usize>(s + 1) << 2));
        odd = subtractProduct(odd, row + (<usize>((s + 1) * BLOCK) << 2), v128.load(x + (<usize>(m1 * DOFS) << 2)));
      }
      const m = load<i32>(links + (<usize>(count - 1) << 2));
      acc = f32x4.add(subtractProduct(acc, row + (<usize>((count - 1) * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2))), odd);
    } else if (count > 9) {
      // 5x5 nodes: two chains, as in solveNode.
      let odd = f32x4.splat(0);
      for (let s = 0; s + 1 < count; s += 2) {
        const m = load<i32>(links + (<usize>s << 2));
        if (!(s <= middle && m >= skipFrom)) acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
        const m1 = load<i32>(links + (<usize>(s + 1) << 2));
        if (!(s + 1 <= middle && m1 >= skipFrom)) {
          odd = subtractProduct(odd, row + (<usize>((s + 1) * BLOCK) << 2), v128.load(x + (<usize>(m1 * DOFS) << 2)));
        }
      }
      const m = load<i32>(links + (<usize>(count - 1) << 2));
      acc = f32x4.add(subtractProduct(acc, row + (<usize>((count - 1) * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2))), odd);
    } else if (skipFrom == i32.MAX_VALUE) {
      // Every slot, with no test per slot (the product).
      for (let s = 0; s < count; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
      }
    } else if (skipFrom == 0) {
      // Every node is at or after 0: the slots after the middle one only (the first thread's residual from zero).
      for (let s = middle + 1; s < count; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
      }
    } else {
      for (let s = 0; s < count; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        if (s <= middle && m >= skipFrom) continue;
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
      }
    }
    v128.store(out, negate ? f32x4.neg(acc) : acc);
  } else {
    memory.fill(out, 0, 16);
    for (let s = 0; s < count; s++) {
      const m = load<i32>(links + (<usize>s << 2));
      if (s <= middle && m >= skipFrom) continue;
      subtractProductScalar(out, row + (<usize>(s * BLOCK) << 2), x + (<usize>(m * DOFS) << 2));
    }
    if (negate) for (let k = 0; k < DOFS; k++) store<f32>(out + (<usize>k << 2), -load<f32>(out + (<usize>k << 2)));
  }
}

/** Nodes [from, to) of a sweep over [lo, hi), in reverse when backward; alone: every neighbour read from x with no test. */
@inline
function sweepNodes(
  nodes: i32, count: i32, neighbours: usize, blocks: usize, inverses: usize, b: usize, x: usize, backward: bool, scratch: usize,
  lo: i32, hi: i32, old: usize, from: i32, to: i32, alone: bool, context: usize
): void {
  for (let t = from; t < to; t++) {
    beat(context);
    solveNode(backward ? to - 1 - (t - from) : t, nodes, count, neighbours, blocks, inverses, b, x, old, lo, hi, scratch, false, alone);
  }
}

/**
 * One block Gauss-Seidel sweep over nodes [lo, hi); backward sweeps visit them in reverse. Other threads'
 * nodes are read from old, their values before the sweep (pass x when one thread has all nodes). This thread's inner
 * nodes [innerLo, innerHi) (src/split.ts nodeRanges: not on its band's first or last row of cells) have every
 * neighbour in [lo, hi): they read x with no test of where a neighbour lies, the same values.
 */
export function blockGaussSeidel(
  nodes: i32, count: i32, neighbours: usize, blocks: usize, inverses: usize, b: usize, x: usize, backward: bool, scratch: usize,
  lo: i32, hi: i32, old: usize, innerLo: i32, innerHi: i32, context: usize
): void {
  // Alone (old is x: one thread has all the nodes), every neighbour is read from x.
  if (old == x) {
    sweepNodes(nodes, count, neighbours, blocks, inverses, b, x, backward, scratch, lo, hi, old, lo, hi, true, context);
  } else if (!backward) {
    sweepNodes(nodes, count, neighbours, blocks, inverses, b, x, false, scratch, lo, hi, old, lo, innerLo, false, context);
    sweepNodes(nodes, count, neighbours, blocks, inverses, b, x, false, scratch, lo, hi, old, innerLo, innerHi, true, context);
    sweepNodes(nodes, count, neighbours, blocks, inverses, b, x, false, scratch, lo, hi, old, innerHi, hi, false, context);
  } else {
    sweepNodes(nodes, count, neighbours, blocks, inverses, b, x, true, scratch, lo, hi, old, innerHi, hi, false, context);
    sweepNodes(nodes, count, neighbours, blocks, inverses, b, x, true, scratch, lo, hi, old, innerLo, innerHi, true, context);
    sweepNodes(nodes, count, neighbours, blocks, inverses, b, x, true, scratch, lo, hi, old, lo, innerLo, false, context);
  }
}

/** y = A x on nodes [lo, hi) of a block level. */
export function blockProduct(count: i32, neighbours: usize, blocks: usize, x: usize, y: usize, lo: i32, hi: i32, context: usize): void {
  for (let n = lo; n < hi; n++) {
    beat(context);
    storeProducts(n, count, neighbours, blocks, x, y + (<usize>(n * DOFS) << 2), i32.MAX_VALUE, true);
  }
}

/**
 * A forward block sweep from x = 0 and the residual it leaves, fused as gaussSeidelFromZero does for
 * the fine level: nodes are numbered in raster order, so the neighbour slots before the middle one come
 * before a node and those after it after. From zero, x_n = D^-1 (b_n - sum_{s < middle} A_s x_s), and then
 * b - A x is exactly -sum_{s > middle} A_s x_s: 8 block products per node instead of 17 (3x3 nodes). With threads each sweeps its nodes
 * [lo, hi) seeing earlier threads' nodes as 0, and its residual takes their final values back in.
 * x[nodes], the dummy neighbour, must be 0: the engine zeroes every level vector once, and no kernel
 * writes a dummy entry (another thread may be reading it).
 */
export function blockGaussSeidelFromZero(
  nodes: i32, count: i32, neighbours: usize, blocks: usize, inverses: usize, b: usize, x: usize, r: usize, scratch: usize,
  lo: i32, hi: i32, innerLo: i32, context: usize
): void {
  // From zero a node reads only its earlier neighbours, which lie before lo only for the nodes on the first row of
  // cells of this thread's band, those before innerLo (src/split.ts nodeRanges); the first thread (lo 0) has none.
  // The others read every neighbour from x with no test.
  const inner = lo == 0 ? lo : innerLo;
  for (let n = lo; n < inner; n++) {
    beat(context);
    solveNode(n, nodes, count, neighbours, blocks, inverses, b, x, x, lo, hi, scratch, true, false);
  }
  for (let n = inner; n < hi; n++) {
    beat(context);
    solveNode(n, nodes, count, neighbours, blocks, inverses, b, x, x, lo, hi, scratch, true, true);
  }
  barrier(context);
  // This thread's earlier nodes and the node itself are accounted for by the sweep; the rest is the residual. Where
  // every neighbour is at or after lo, that is the slots after the middle one (skipFrom 0, with no test per slot).
  for (let n = lo; n < inner; n++) {
    beat(context);
    storeProducts(n, count, neighbours, blocks, x, r + (<usize>(n * DOFS) << 2), lo, false);
  }
  for (let n = inner; n < hi; n++) {
    beat(context);
    storeProducts(n, count, neighbours, blocks, x, r + (<usize>(n * DOFS) << 2), 0, false);
  }
}
