// Geometric multigrid V-cycle, used as the conjugate-gradient preconditioner for the restricted
// matting Laplacian. Each coarser grid keeps every other pixel; prolongation P is bilinear
// interpolation from the coarse points around a fine pixel, restricted to unknown pixels (known
// pixels carry no error), and each coarse operator is the Galerkin product P^T A P. A stencil
// with half-width h becomes one with half-width floor((h + 2) / 2) on the coarser grid, so every
// level keeps the stencil layout of assembly/stencil.ts. Smoothing is Gauss-Seidel, forward before
// the coarse correction and backward after it, so the V-cycle is a symmetric positive definite
// operator as CG requires (Trottenberg, Oosterlee, Schueller, "Multigrid", 2001, sec. 2 and 7).
//
// A level record holds 16 i32 fields:
//   [0] grid width [1] grid height [2] stencil half-width [3] half [4] index map (i32 per grid point)
//   [5] rows [6] columns [7] values [8] diagonal [9] x [10] b [11] residual [12] lower sums
// Vectors hold rows + 1 f64 with the dummy last entry kept at 0.

import { stencilMultiply } from "./stencil";
import { xpay } from "./vector";

const LEVEL_BYTES: usize = 64;
const COARSEST_SWEEPS = 8;

@inline
function slotY(s: i32, reach: i32, span: i32): i32 {
  return s < reach ? 0 : 1 + (s - reach) / span;
}

@inline
function slotX(s: i32, reach: i32, span: i32): i32 {
  return s < reach ? s + 1 : (s - reach) % span - reach;
}

/** Slot of an upper offset (dy > 0, or dy == 0 and dx > 0). */
@inline
function slotOf(dy: i32, dx: i32, reach: i32, span: i32): i32 {
  return dy == 0 ? dx - 1 : reach + (dy - 1) * span + dx + reach;
}

/**
 * Numbers the coarse grid points (cw = fw/2 + 1 by ch = fh/2 + 1) that interpolate to at least one
 * fine unknown, in raster order; -1 elsewhere. Returns their count.
 */
export function coarsenGrid(fineIndex: usize, fw: i32, fh: i32, coarseIndex: usize, cw: i32, ch: i32): i32 {
  memory.fill(coarseIndex, 0xff, <usize>(cw * ch) << 2);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      if (load<i32>(fineIndex + (<usize>(y * fw + x) << 2)) < 0) continue;
      for (let cy = y >> 1; cy <= (y + 1) >> 1; cy++) {
        for (let cx = x >> 1; cx <= (x + 1) >> 1; cx++) store<i32>(coarseIndex + (<usize>(cy * cw + cx) << 2), 0);
      }
    }
  }
  let rows = 0;
  for (let i = 0; i < cw * ch; i++) {
    const at = coarseIndex + (<usize>i << 2);
    if (load<i32>(at) == 0) store<i32>(at, rows++);
  }
  return rows;
}

/** Stencil columns for every numbered point of a grid: the neighbour's number, or `rows` (dummy). */
function stencilColumns(index: usize, gw: i32, gh: i32, reach: i32, rows: i32, columns: usize): void {
  const span = 2 * reach + 1;
  const half = (span * span - 1) >> 1;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const row = load<i32>(index + (<usize>(y * gw + x) << 2));
      if (row < 0) continue;
      for (let s = 0; s < half; s++) {
        const ny = y + slotY(s, reach, span), nx = x + slotX(s, reach, span);
        let column = rows;
        if (ny < gh && nx >= 0 && nx < gw) {
          const neighbour = load<i32>(index + (<usize>(ny * gw + nx) << 2));
          if (neighbour >= 0) column = neighbour;
        }
        store<i32>(columns + (<usize>(row * half + s) << 2), column);
      }
    }
  }
}

// Parents of a fine pixel along one axis: itself halved when even (weight 1), both neighbours when odd (1/2 each).
@inline
function firstParent(x: i32): i32 {
  return x >> 1;
}

@inline
function parentCount(x: i32): i32 {
  return 1 + (x & 1);
}

@inline
function parentWeight(x: i32): f64 {
  return (x & 1) != 0 ? 0.5 : 1.0;
}

/** Adds w to the stored entry for the coarse pair (a, b) at grid points (ax, ay), (bx, by), a != b. */
@inline
function addOffDiagonal(
  coarseIndex: usize, cw: i32, reach: i32, span: i32, half: i32, values: usize,
  ax: i32, ay: i32, bx: i32, by: i32, w: f64
): void {
  let dy = by - ay, dx = bx - ax;
  let owner = ay * cw + ax;
  if (dy < 0 || (dy == 0 && dx < 0)) {
    dy = -dy;
    dx = -dx;
    owner = by * cw + bx;
  }
  const row = load<i32>(coarseIndex + (<usize>owner << 2));
  const at = values + (<usize>(row * half + slotOf(dy, dx, reach, span)) << 3);
  store<f64>(at, load<f64>(at) + w);
}

/** The coarse operator P^T A P of a fine stencil system, in the stencil layout with half-width coarseReach. */
export function galerkin(
  fineIndex: usize, fw: i32, fh: i32, fineReach: i32, fineRows: i32, fineColumns: usize, fineValues: usize, fineDiagonal: usize,
  coarseIndex: usize, cw: i32, ch: i32, coarseReach: i32, coarseRows: i32, coarseColumns: usize, coarseValues: usize, coarseDiagonal: usize
): void {
  const fineSpan = 2 * fineReach + 1;
  const fineHalf = (fineSpan * fineSpan - 1) >> 1;
  const span = 2 * coarseReach + 1;
  const half = (span * span - 1) >> 1;
  stencilColumns(coarseIndex, cw, ch, coarseReach, coarseRows, coarseColumns);
  memory.fill(coarseValues, 0, <usize>(coarseRows * half) << 3);
  memory.fill(coarseDiagonal, 0, <usize>coarseRows << 3);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const u = load<i32>(fineIndex + (<usize>(y * fw + x) << 2));
      if (u < 0) continue;
      const px = firstParent(x), py = firstParent(y), nx = parentCount(x), ny = parentCount(y);
      const wi = parentWeight(x) * parentWeight(y);
      // Fine diagonal: sum over parent pairs of w_I w_J a_uu (each unordered coarse pair once).
      const d = load<f64>(fineDiagonal + (<usize>u << 3)) * wi * wi;
      for (let a = 0; a < nx * ny; a++) {
        const ax = px + a % nx, ay = py + a / nx;
        const ra = load<i32>(coarseIndex + (<usize>(ay * cw + ax) << 2));
        const at = coarseDiagonal + (<usize>ra << 3);
        store<f64>(at, load<f64>(at) + d);
        for (let b = a + 1; b < nx * ny; b++) {
          addOffDiagonal(coarseIndex, cw, coarseReach, span, half, coarseValues, ax, ay, px + b % nx, py + b / nx, d);
        }
      }
      // Fine pairs (u, v), each stored once: both orderings add to the same coarse entry, twice on its diagonal.
      const row = <usize>(u * fineHalf);
      for (let s = 0; s < fineHalf; s++) {
        if (load<i32>(fineColumns + ((row + <usize>s) << 2)) == fineRows) continue;
        const value = load<f64>(fineValues + ((row + <usize>s) << 3));
        const jx = x + slotX(s, fineReach, fineSpan), jy = y + slotY(s, fineReach, fineSpan);
        const qx = firstParent(jx), qy = firstParent(jy), mx = parentCount(jx), my = parentCount(jy);
        const w = value * wi * parentWeight(jx) * parentWeight(jy);
        for (let a = 0; a < nx * ny; a++) {
          const ax = px + a % nx, ay = py + a / nx;
          for (let b = 0; b < mx * my; b++) {
            const bx = qx + b % mx, by = qy + b / mx;
            if (ax == bx && ay == by) {
              const at = coarseDiagonal + (<usize>load<i32>(coarseIndex + (<usize>(ay * cw + ax) << 2)) << 3);
              store<f64>(at, load<f64>(at) + 2 * w);
            } else {
              addOffDiagonal(coarseIndex, cw, coarseReach, span, half, coarseValues, ax, ay, bx, by, w);
            }
          }
        }
      }
    }
  }
}

/** coarse = P^T fine. */
function restrict(fineIndex: usize, fw: i32, fh: i32, fine: usize, coarseIndex: usize, cw: i32, coarseRows: i32, coarse: usize): void {
  memory.fill(coarse, 0, <usize>(coarseRows + 1) << 3);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const u = load<i32>(fineIndex + (<usize>(y * fw + x) << 2));
      if (u < 0) continue;
      const value = load<f64>(fine + (<usize>u << 3)) * parentWeight(x) * parentWeight(y);
      for (let cy = y >> 1; cy <= (y + 1) >> 1; cy++) {
        for (let cx = x >> 1; cx <= (x + 1) >> 1; cx++) {
          const at = coarse + (<usize>load<i32>(coarseIndex + (<usize>(cy * cw + cx) << 2)) << 3);
          store<f64>(at, load<f64>(at) + value);
        }
      }
    }
  }
}

/** fine += P coarse. */
function prolongAdd(fineIndex: usize, fw: i32, fh: i32, fine: usize, coarseIndex: usize, cw: i32, coarse: usize): void {
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const u = load<i32>(fineIndex + (<usize>(y * fw + x) << 2));
      if (u < 0) continue;
      let sum = 0.0;
      for (let cy = y >> 1; cy <= (y + 1) >> 1; cy++) {
        for (let cx = x >> 1; cx <= (x + 1) >> 1; cx++) {
          sum += load<f64>(coarse + (<usize>load<i32>(coarseIndex + (<usize>(cy * cw + cx) << 2)) << 3));
        }
      }
      const at = fine + (<usize>u << 3);
      store<f64>(at, load<f64>(at) + sum * parentWeight(x) * parentWeight(y));
    }
  }
}

/**
 * One forward Gauss-Seidel sweep. The stored upper half gives sum_{j>i} a_ij x_j (old values) by
 * gathering; the lower half is scattered into `sums` as each x_i is updated.
 */
function gaussSeidelForward(rows: i32, half: i32, columns: usize, values: usize, diagonal: usize, b: usize, x: usize, sums: usize): void {
  memory.fill(sums, 0, <usize>(rows + 1) << 3);
  for (let i = 0; i < rows; i++) {
    const row = <usize>(i * half);
    let sum = load<f64>(b + (<usize>i << 3)) - load<f64>(sums + (<usize>i << 3));
    for (let s = 0; s < half; s++) {
      const j = <usize>load<i32>(columns + ((row + <usize>s) << 2)) << 3;
      sum -= load<f64>(values + ((row + <usize>s) << 3)) * load<f64>(x + j);
    }
    const xi = sum / load<f64>(diagonal + (<usize>i << 3));
    store<f64>(x + (<usize>i << 3), xi);
    for (let s = 0; s < half; s++) {
      const j = sums + (<usize>load<i32>(columns + ((row + <usize>s) << 2)) << 3);
      store<f64>(j, load<f64>(j) + load<f64>(values + ((row + <usize>s) << 3)) * xi);
    }
  }
}

/** One backward Gauss-Seidel sweep: the lower sums of the current x first, then rows from the end. */
function gaussSeidelBackward(rows: i32, half: i32, columns: usize, values: usize, diagonal: usize, b: usize, x: usize, sums: usize): void {
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

@inline
function field(level: usize, index: i32): i32 {
  return load<i32>(level + (<usize>index << 2));
}

function vcycle(levels: usize, count: i32, l: i32): void {
  const level = levels + <usize>l * LEVEL_BYTES;
  const rows = field(level, 5), half = field(level, 3), columns = field(level, 6), values = field(level, 7), diagonal = field(level, 8);
  const x = field(level, 9), b = field(level, 10), sums = field(level, 12);
  memory.fill(x, 0, <usize>(rows + 1) << 3);
  if (l == count - 1) {
    for (let k = 0; k < COARSEST_SWEEPS; k++) {
      gaussSeidelForward(rows, half, columns, values, diagonal, b, x, sums);
      gaussSeidelBackward(rows, half, columns, values, diagonal, b, x, sums);
    }
    return;
  }
  gaussSeidelForward(rows, half, columns, values, diagonal, b, x, sums);
  const residual = field(level, 11);
  stencilMultiply(rows, half, columns, values, diagonal, x, residual);
  xpay(b, -1.0, residual, rows + 1);
  const coarse = level + LEVEL_BYTES;
  const fw = field(level, 0), fh = field(level, 1), index = field(level, 4);
  const cw = field(coarse, 0), coarseIndex = field(coarse, 4);
  restrict(index, fw, fh, residual, coarseIndex, cw, field(coarse, 5), field(coarse, 10));
  vcycle(levels, count, l + 1);
  prolongAdd(index, fw, fh, x, coarseIndex, cw, field(coarse, 9));
  gaussSeidelBackward(rows, half, columns, values, diagonal, b, x, sums);
}

/** z = V-cycle applied to r (level 0's b and x are set to r and z here). */
export function multigridApply(levels: usize, count: i32, r: usize, z: usize): void {
  store<i32>(levels, <i32>z, 9 << 2);
  store<i32>(levels, <i32>r, 10 << 2);
  vcycle(levels, count, 0);
}
