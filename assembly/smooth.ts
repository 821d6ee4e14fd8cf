// Gauss-Seidel smoothing for the stencil system (assembly/stencil.ts) and for the block levels of
// assembly/aggregation.ts. A backward sweep visits the unknowns in exactly the reverse order of a
// forward one, so forward-then-backward is a symmetric operator.

const DOFS = 4;
const BLOCK = 16;
const NEIGHBOURS = 9;

/** One backward Gauss-Seidel sweep: the lower sums of the current x first, then rows from the end. */
export function gaussSeidelBackward(rows: i32, half: i32, columns: usize, values: usize, diagonal: usize, b: usize, x: usize, sums: usize): void {
  memory.fill(sums, 0, <usize>(rows + 1) << 3);
  for (let i = 0; i < rows; i++) {
    const row = <usize>(i * half);
    const xi = load<f64>(x + (<usize>i << 3));
    for (let s = 0; s < half; s++) {
      const j = sums + (<usize>load<i32>(columns + ((row + <usize>s) << 2)) << 3);
      store<f64>(j, load<f64>(j) + load<f64>(values + ((row + <usize>s) << 3)) * xi);
    }
  }
  for (let i = rows - 1; i >= 0; i--) {
    const row = <usize>(i * half);
    let sum = load<f64>(b + (<usize>i << 3)) - load<f64>(sums + (<usize>i << 3));
    for (let s = 0; s < half; s++) {
      const j = <usize>load<i32>(columns + ((row + <usize>s) << 2)) << 3;
      sum -= load<f64>(values + ((row + <usize>s) << 3)) * load<f64>(x + j);
    }
    store<f64>(x + (<usize>i << 3), sum / load<f64>(diagonal + (<usize>i << 3)));
  }
}

/**
 * A forward sweep from x = 0 and the residual it leaves, fused. Starting from zero, the upper
 * neighbours of row i are still 0 when it is updated, so x_i = (b_i - sum_{j<i} a_ij x_j) / a_ii, and
 * afterwards b - A x is exactly -sum_{j>i} a_ij x_j: one scatter pass and one gather pass instead of a
 * sweep (both) and a product (both).
 */
export function gaussSeidelFromZero(
  rows: i32, half: i32, columns: usize, values: usize, diagonal: usize, b: usize, x: usize, sums: usize, residual: usize
): void {
  memory.fill(sums, 0, <usize>(rows + 1) << 3);
  store<f64>(x + (<usize>rows << 3), 0);
  for (let i = 0; i < rows; i++) {
    const row = <usize>(i * half);
    const xi = (load<f64>(b + (<usize>i << 3)) - load<f64>(sums + (<usize>i << 3))) / load<f64>(diagonal + (<usize>i << 3));
    store<f64>(x + (<usize>i << 3), xi);
    for (let s = 0; s < half; s++) {
      const j = sums + (<usize>load<i32>(columns + ((row + <usize>s) << 2)) << 3);
      store<f64>(j, load<f64>(j) + load<f64>(values + ((row + <usize>s) << 3)) * xi);
    }
  }
  for (let i = 0; i < rows; i++) {
    const row = <usize>(i * half);
    let sum = 0.0;
    for (let s = 0; s < half; s++) {
      const j = <usize>load<i32>(columns + ((row + <usize>s) << 2)) << 3;
      sum -= load<f64>(values + ((row + <usize>s) << 3)) * load<f64>(x + j);
    }
    store<f64>(residual + (<usize>i << 3), sum);
  }
  store<f64>(residual + (<usize>rows << 3), 0);
}

// Block levels: nodes of 4 unknowns with 3x3 neighbour blocks of 4x4 f32 entries stored column by column
// (neighbours: i32 nodes x 9, `nodes` for none), vectors of 4 f32 per node plus a zero dummy node.

/** acc -= block * xm, block column-major. */
@inline
function subtractProduct(acc: v128, block: usize, xm: v128): v128 {
  acc = f32x4.sub(acc, f32x4.mul(v128.load(block), v128.shuffle<f32>(xm, xm, 0, 0, 0, 0)));
  acc = f32x4.sub(acc, f32x4.mul(v128.load(block, 16), v128.shuffle<f32>(xm, xm, 1, 1, 1, 1)));
  acc = f32x4.sub(acc, f32x4.mul(v128.load(block, 32), v128.shuffle<f32>(xm, xm, 2, 2, 2, 2)));
  return f32x4.sub(acc, f32x4.mul(v128.load(block, 48), v128.shuffle<f32>(xm, xm, 3, 3, 3, 3)));
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

/**
 * One block Gauss-Seidel sweep: each node's four unknowns are solved together with the inverse of its
 * diagonal block (inverses: f32 16 per node, column-major). Backward sweeps visit nodes in reverse.
 * scratch: 32 bytes (used by the scalar build).
 */
export function blockGaussSeidel(nodes: i32, neighbours: usize, blocks: usize, inverses: usize, b: usize, x: usize, backward: bool, scratch: usize): void {
  for (let t = 0; t < nodes; t++) {
    const n = backward ? nodes - 1 - t : t;
    const row = blocks + (<usize>(n * NEIGHBOURS * BLOCK) << 2);
    const links = neighbours + (<usize>(n * NEIGHBOURS) << 2);
    const inverse = inverses + (<usize>(n * BLOCK) << 2);
    const xn = x + (<usize>(n * DOFS) << 2);
    if (ASC_FEATURE_SIMD) {
      let acc = v128.load(b + (<usize>(n * DOFS) << 2));
      for (let s = 0; s < NEIGHBOURS; s++) {
        if (s == 4) continue;
        const m = load<i32>(links + (<usize>s << 2));
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
      }
      // x_n = D^-1 acc = -(D^-1 (-acc)) through the same column products.
      v128.store(xn, f32x4.neg(subtractProduct(f32x4.splat(0), inverse, acc)));
    } else {
      memory.copy(scratch, b + (<usize>(n * DOFS) << 2), 16);
      for (let s = 0; s < NEIGHBOURS; s++) {
        if (s == 4) continue;
        const m = load<i32>(links + (<usize>s << 2));
        subtractProductScalar(scratch, row + (<usize>(s * BLOCK) << 2), x + (<usize>(m * DOFS) << 2));
      }
      memory.fill(scratch + 16, 0, 16);
      subtractProductScalar(scratch + 16, inverse, scratch);
      for (let k = 0; k < DOFS; k++) store<f32>(xn + (<usize>k << 2), -load<f32>(scratch + 16 + (<usize>k << 2)));
    }
  }
}

/** y = A x on a block level. */
export function blockProduct(nodes: i32, neighbours: usize, blocks: usize, x: usize, y: usize): void {
  for (let n = 0; n < nodes; n++) {
    const row = blocks + (<usize>(n * NEIGHBOURS * BLOCK) << 2);
    const links = neighbours + (<usize>(n * NEIGHBOURS) << 2);
    const yn = y + (<usize>(n * DOFS) << 2);
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (let s = 0; s < NEIGHBOURS; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
      }
      v128.store(yn, f32x4.neg(acc));
    } else {
      memory.fill(yn, 0, 16);
      for (let s = 0; s < NEIGHBOURS; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        subtractProductScalar(yn, row + (<usize>(s * BLOCK) << 2), x + (<usize>(m * DOFS) << 2));
      }
      for (let k = 0; k < DOFS; k++) store<f32>(yn + (<usize>k << 2), -load<f32>(yn + (<usize>k << 2)));
    }
  }
}

/**
 * A forward block sweep from x = 0 and the residual it leaves, fused as gaussSeidelFromZero does for
 * the fine level: nodes are numbered in raster order, so neighbour slots 0-3 come before a node and
 * 5-8 after it. From zero, x_n = D^-1 (b_n - sum_{s < 4} A_s x_s), and then b - A x is exactly
 * -sum_{s > 4} A_s x_s: 8 block products per node instead of 17. x[nodes] is set to 0.
 */
export function blockGaussSeidelFromZero(
  nodes: i32, neighbours: usize, blocks: usize, inverses: usize, b: usize, x: usize, r: usize, scratch: usize
): void {
  memory.fill(x + (<usize>(nodes * DOFS) << 2), 0, 16);
  for (let n = 0; n < nodes; n++) {
    const row = blocks + (<usize>(n * NEIGHBOURS * BLOCK) << 2);
    const links = neighbours + (<usize>(n * NEIGHBOURS) << 2);
    const inverse = inverses + (<usize>(n * BLOCK) << 2);
    const xn = x + (<usize>(n * DOFS) << 2);
    if (ASC_FEATURE_SIMD) {
      let acc = v128.load(b + (<usize>(n * DOFS) << 2));
      for (let s = 0; s < 4; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
      }
      v128.store(xn, f32x4.neg(subtractProduct(f32x4.splat(0), inverse, acc)));
    } else {
      memory.copy(scratch, b + (<usize>(n * DOFS) << 2), 16);
      for (let s = 0; s < 4; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        subtractProductScalar(scratch, row + (<usize>(s * BLOCK) << 2), x + (<usize>(m * DOFS) << 2));
      }
      memory.fill(scratch + 16, 0, 16);
      subtractProductScalar(scratch + 16, inverse, scratch);
      for (let k = 0; k < DOFS; k++) store<f32>(xn + (<usize>k << 2), -load<f32>(scratch + 16 + (<usize>k << 2)));
    }
  }
  for (let n = 0; n < nodes; n++) {
    const row = blocks + (<usize>(n * NEIGHBOURS * BLOCK) << 2);
    const links = neighbours + (<usize>(n * NEIGHBOURS) << 2);
    const rn = r + (<usize>(n * DOFS) << 2);
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (let s = 5; s < NEIGHBOURS; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        acc = subtractProduct(acc, row + (<usize>(s * BLOCK) << 2), v128.load(x + (<usize>(m * DOFS) << 2)));
      }
      v128.store(rn, acc);
    } else {
      memory.fill(rn, 0, 16);
      for (let s = 5; s < NEIGHBOURS; s++) {
        const m = load<i32>(links + (<usize>s << 2));
        subtractProductScalar(rn, row + (<usize>(s * BLOCK) << 2), x + (<usize>(m * DOFS) << 2));
      }
    }
  }
}
