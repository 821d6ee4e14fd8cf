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

/**
 * One Gauss-Seidel sweep over a block level: nodes with 3x3 neighbour blocks of 4x4 f32 entries
 * (neighbours: i32 nodes x 9, `nodes` for none; x, b: f64 4(nodes + 1)). Unknowns whose diagonal is 0
 * (dropped basis vectors) stay 0.
 */
export function blockGaussSeidel(nodes: i32, neighbours: usize, blocks: usize, b: usize, x: usize, backward: bool): void {
  for (let t = 0; t < nodes; t++) {
    const n = backward ? nodes - 1 - t : t;
    for (let kk = 0; kk < DOFS; kk++) {
      const k = backward ? DOFS - 1 - kk : kk;
      const d = <f64>load<f32>(blocks + (<usize>((n * NEIGHBOURS + 4) * BLOCK + k * DOFS + k) << 2));
      if (!(d > 0)) continue;
      let sum = load<f64>(b + (<usize>(n * DOFS + k) << 3));
      for (let s = 0; s < NEIGHBOURS; s++) {
        const m = load<i32>(neighbours + (<usize>(n * NEIGHBOURS + s) << 2));
        const row = blocks + (<usize>((n * NEIGHBOURS + s) * BLOCK + k * DOFS) << 2);
        const xm = x + (<usize>(m * DOFS) << 3);
        sum -= <f64>load<f32>(row) * load<f64>(xm) + <f64>load<f32>(row, 4) * load<f64>(xm, 8)
          + <f64>load<f32>(row, 8) * load<f64>(xm, 16) + <f64>load<f32>(row, 12) * load<f64>(xm, 24);
      }
      const at = x + (<usize>(n * DOFS + k) << 3);
      store<f64>(at, load<f64>(at) + sum / d);
    }
  }
}

/** y = b - A x on a block level. */
export function blockResidual(nodes: i32, neighbours: usize, blocks: usize, b: usize, x: usize, y: usize): void {
  for (let n = 0; n < nodes; n++) {
    for (let k = 0; k < DOFS; k++) {
      let sum = load<f64>(b + (<usize>(n * DOFS + k) << 3));
      for (let s = 0; s < NEIGHBOURS; s++) {
        const m = load<i32>(neighbours + (<usize>(n * NEIGHBOURS + s) << 2));
        const row = blocks + (<usize>((n * NEIGHBOURS + s) * BLOCK + k * DOFS) << 2);
        const xm = x + (<usize>(m * DOFS) << 3);
        sum -= <f64>load<f32>(row) * load<f64>(xm) + <f64>load<f32>(row, 4) * load<f64>(xm, 8)
          + <f64>load<f32>(row, 8) * load<f64>(xm, 16) + <f64>load<f32>(row, 12) * load<f64>(xm, 24);
      }
      store<f64>(y + (<usize>(n * DOFS + k) << 3), sum);
    }
  }
}
