// Smoothed aggregation (Vanek, Mandel, Brezina 1996) for the hierarchy of assembly/aggregation.ts: every
// tentative prolongator T (the affine-colour basis per 4x4 pixel block, then per 3x3 group of nodes) is
// smoothed by one damped Jacobi step, P = (I - w D^-1 A) T with w = omega / rho(D^-1 A), omega 4/3 and D
// the point diagonal; coarse operators are P^T A P. A fine row's P reaches the aggregates within the
// stencil's reach (2 pixels): a 2x2 window of cells; a block-level node's reaches those of nodes up to 2
// away: a 3x3 window of parent cells. P^T A P couples cells up to 2 apart on every level (5x5-node stencils):
// the supports of two columns of P are 4 + 2 + 2 pixels wide (3 + 2 + 2 nodes), and A reaches 2 more.
// Below the first level the nodes group 3x3, which keeps that reach; with 2x2 groups it would grow to 7x7.
// The f64 model bench/cf-coarse-prototype.py (variant smooth-all3) measured the iterations first.
//
// This file builds the first level from the fine stencil system (one thread; the Galerkin products in
// f32, as the block levels keep them). Per fine row: the four parents (rowParents, i32; the level's node
// count where the cell is empty or outside), P's 4 x 4 coefficients (rowProlongator, f32, parent by parent)
// and its place (rowPlace, 2 i32: cell column and row times 2, plus 1 when the window starts at the cell
// itself rather than one cell before). assembly/smoothed-coarse.ts builds the levels below.

import { addOuter } from "./aggregation";

const DOFS = 4;
const PARENTS = 4; // 2x2 cells per fine row
const WINDOW = 9; // 3x3 cells around a fine row's own: the reach of its row of A P
const STENCIL = 25; // 5x5 neighbour blocks per node
const MIDDLE = 12; // the node's own block
const BLOCK = 16;

/** Power iteration steps for rho(D^-1 A). */
export const RADIUS_STEPS = 6;

@inline
function placeColumn(rowPlace: usize, u: i32): i32 {
  return load<i32>(rowPlace + (<usize>(u * 2) << 2));
}

@inline
function placeRow(rowPlace: usize, u: i32): i32 {
  return load<i32>(rowPlace + (<usize>(u * 2 + 1) << 2));
}

/** First cell of a row's window: its own cell, or the one before when the pixel is in the first half of its cell. */
@inline
function windowStart(place: i32): i32 {
  return (place >> 1) + (place & 1) - 1;
}

/**
 * Each fine row's parents and place. A pixel at x reaches x - 2 .. x + 2, the cells (x - 2) >> 2 and the next;
 * so do its prolongator's entries. cells: the first level's numbered grid (aggregation.ts markFirstCells).
 */
export function smoothedRowParents(
  unknownIndex: usize, width: i32, height: i32, cells: usize, gw: i32, gh: i32, nodes: i32, rowParents: usize, rowPlace: usize
): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = load<i32>(unknownIndex + (<usize>(y * width + x) << 2));
      if (u < 0) continue;
      const cx = x >> 2, cy = y >> 2;
      const sx = (x & 3) < 2 ? 0 : 1, sy = (y & 3) < 2 ? 0 : 1;
      store<i32>(rowPlace + (<usize>(u * 2) << 2), cx * 2 + sx);
      store<i32>(rowPlace + (<usize>(u * 2 + 1) << 2), cy * 2 + sy);
      for (let i = 0; i < PARENTS; i++) {
        const px = cx + sx - 1 + (i & 1), py = cy + sy - 1 + (i >> 1);
        let q = nodes;
        if (px >= 0 && px < gw && py >= 0 && py < gh) {
          const found = load<i32>(cells + (<usize>(py * gw + px) << 2));
          if (found >= 0) q = found;
        }
        store<i32>(rowParents + (<usize>(u * PARENTS + i) << 2), q);
      }
    }
  }
}

/** y = A x for the fine stencil system (entries stored once, in the upper row; vectors rows + 1 f64). */
function fineProduct(rows: i32, half: i32, columns: usize, values: usize, diagonal: usize, x: usize, y: usize): void {
  for (let u = 0; u < rows; u++) store<f64>(y + (<usize>u << 3), load<f64>(diagonal + (<usize>u << 3)) * load<f64>(x + (<usize>u << 3)));
  store<f64>(y + (<usize>rows << 3), 0);
  for (let u = 0; u < rows; u++) {
    const xu = load<f64>(x + (<usize>u << 3));
    let sum = load<f64>(y + (<usize>u << 3));
    for (let s = 0; s < half; s++) {
      const e = <usize>(u * half + s);
      const v = load<i32>(columns + (e << 2));
      const a = load<f64>(values + (e << 3));
      sum += a * load<f64>(x + (<usize>v << 3));
      const at = y + (<usize>v << 3);
      store<f64>(at, load<f64>(at) + a * xu);
    }
    store<f64>(y + (<usize>u << 3), sum);
  }
}

/**
 * rho(D^-1 A) of the fine system by RADIUS_STEPS of power iteration from a fixed pseudo-random start (the same
 * estimate on every call). x, y: rows + 1 f64 of scratch each, x's last entry 0.
 */
export function fineSpectralRadius(rows: i32, half: i32, columns: usize, values: usize, diagonal: usize, x: usize, y: usize): f64 {
  let seed: u32 = 0x9e3779b9;
  for (let u = 0; u < rows; u++) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    store<f64>(x + (<usize>u << 3), <f64>(seed >> 8) / <f64>(1 << 24) - 0.5);
  }
  store<f64>(x + (<usize>rows << 3), 0);
  let estimate = 0.0;
  for (let k = 0; k < RADIUS_STEPS; k++) {
    fineProduct(rows, half, columns, values, diagonal, x, y);
    let norm = 0.0, before = 0.0;
    for (let u = 0; u < rows; u++) {
      const d = load<f64>(diagonal + (<usize>u << 3));
      const yu = d > 0 ? load<f64>(y + (<usize>u << 3)) / d : 0.0;
      store<f64>(y + (<usize>u << 3), yu);
      norm += yu * yu;
      const xu = load<f64>(x + (<usize>u << 3));
      before += xu * xu;
    }
    if (!(norm > 0)) return estimate;
    estimate = Math.sqrt(norm / before);
    const scale = 1.0 / Math.sqrt(norm);
    for (let u = 0; u < rows; u++) store<f64>(x + (<usize>u << 3), load<f64>(y + (<usize>u << 3)) * scale);
  }
  return estimate;
}

/** Slot (0..3) in row u's parent window of the cell of row v (its own cell), for v within the stencil's reach. */
@inline
function parentSlot(rowPlace: usize, u: i32, v: i32): i32 {
  const dx = (placeColumn(rowPlace, v) >> 1) - windowStart(placeColumn(rowPlace, u));
  const dy = (placeRow(rowPlace, v) >> 1) - windowStart(placeRow(rowPlace, u));
  return dy * 2 + dx;
}

/**
 * P = T - w D^-1 A T, row by row: first A T scattered from the stored entries (each adds to both of its rows)
 * into rowProlongator, then each row finished in place. T: rowBasis (the tentative prolongator, 4 f32 per row
 * for its own cell's node). The same pass stores the fine entries in f32 for the fine sweeps (fine.ts).
 */
export function smoothedFineProlongator(
  rows: i32, half: i32, columns: usize, values: usize, diagonal: usize, rowBasis: usize, rowPlace: usize, rowProlongator: usize,
  sweepValues: usize, weight: f64
): void {
  memory.fill(rowProlongator, 0, <usize>(rows * PARENTS * DOFS) << 2);
  for (let u = 0; u < rows; u++) {
    const tu = rowBasis + (<usize>(u * DOFS) << 2);
    const pu = rowProlongator + (<usize>(u * PARENTS * DOFS) << 2);
    addScaled(pu + (<usize>(parentSlot(rowPlace, u, u) * DOFS) << 2), tu, load<f64>(diagonal + (<usize>u << 3)));
    for (let s = 0; s < half; s++) {
      const e = <usize>(u * half + s);
      const v = load<i32>(columns + (e << 2));
      const a = load<f64>(values + (e << 3));
      store<f32>(sweepValues + (e << 2), <f32>a);
      if (v == rows) continue;
      const tv = rowBasis + (<usize>(v * DOFS) << 2);
      addScaled(pu + (<usize>(parentSlot(rowPlace, u, v) * DOFS) << 2), tv, a);
      addScaled(rowProlongator + (<usize>((v * PARENTS + parentSlot(rowPlace, v, u)) * DOFS) << 2), tu, a);
    }
  }
  for (let u = 0; u < rows; u++) {
    const d = load<f64>(diagonal + (<usize>u << 3));
    const factor = <f32>(d > 0 ? -weight / d : 0.0);
    const pu = rowProlongator + (<usize>(u * PARENTS * DOFS) << 2);
    for (let k = 0; k < PARENTS * DOFS; k++) store<f32>(pu + (<usize>k << 2), factor * load<f32>(pu + (<usize>k << 2)));
    addScaled(pu + (<usize>(parentSlot(rowPlace, u, u) * DOFS) << 2), rowBasis + (<usize>(u * DOFS) << 2), 1.0);
  }
}

/** target += w * source, 4 f32. */
@inline
function addScaled(target: usize, source: usize, w: f64): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(target, f32x4.add(v128.load(target), f32x4.mul(v128.load(source), f32x4.splat(<f32>w))));
  } else {
    for (let k = 0; k < DOFS; k++) {
      const at = target + (<usize>k << 2);
      store<f32>(at, load<f32>(at) + <f32>w * load<f32>(source + (<usize>k << 2)));
    }
  }
}

/**
 * work(u) += a P(v), P(v)'s four parents moved into u's 3x3 window around its own cell: parent 0 of v lands
 * at (windowStart(v) - cell(u) + 1) in each direction, the others beside it.
 */
@inline
function addRow(
  work: usize, rowProlongator: usize, uColumn: i32, uRow: i32, vColumn: i32, vRow: i32, u: i32, v: i32, a: f64, used: i32
): void {
  const base = (windowStart(vRow) - (uRow >> 1) + 1) * 3 + windowStart(vColumn) - (uColumn >> 1) + 1;
  const wu = work + (<usize>((u * WINDOW + base) * DOFS) << 2);
  const pv = rowProlongator + (<usize>(v * PARENTS * DOFS) << 2);
  if (used & (1 << base)) addScaled(wu, pv, a);
  if (used & (2 << base)) addScaled(wu + (DOFS << 2), pv + (DOFS << 2), a);
  if (used & (8 << base)) addScaled(wu + (3 * DOFS << 2), pv + (2 * DOFS << 2), a);
  if (used & (16 << base)) addScaled(wu + (4 * DOFS << 2), pv + (3 * DOFS << 2), a);
}

/** Slot (0..24) of window cell j (3x3 around a row's own cell) from parent i of a row whose window starts at (sx - 1, sy - 1) or its own cell. */
@inline
function blockSlot(sx: i32, sy: i32, i: i32, j: i32): i32 {
  return (j / 3 - (sy - 1 + (i >> 1)) + 1) * 5 + j % 3 - (sx - 1 + (i & 1)) + 1;
}

/** Bits of the window cells j that a row's parents take blocks towards, from the middle slot on (place bits sx, sy). */
function usedCells(sx: i32, sy: i32): i32 {
  let used = 0;
  for (let i = 0; i < PARENTS; i++) {
    for (let j = 0; j < WINDOW; j++) if (blockSlot(sx, sy, i, j) >= MIDDLE) used |= 1 << j;
  }
  return used;
}

/**
 * The first level's blocks (nodes x 25 x 16 f32, row-major, cleared here) as P^T (A P): the rows of A P
 * (work: rows x 9 x 4 f32, each row's 3x3 window of cells) scattered from the stored entries, then each
 * row's outer products P(u, i)^T (A P)(u, j) added to the block of parent i's node towards window cell j.
 * Window cells without a node have zero columns in A P: their blocks only add zeros to slots the neighbour
 * table marks empty. Only the blocks from the middle slot on are summed; mirrorBlocks copies the others.
 */
export function smoothedFirstGalerkin(
  rows: i32, half: i32, columns: usize, values: usize, diagonal: usize, rowParents: usize, rowPlace: usize, rowProlongator: usize,
  nodes: i32, work: usize, blocks: usize
): void {
  // Window cells that no parent of the row takes a block towards need no column of A P.
  const used00 = usedCells(0, 0), used10 = usedCells(1, 0), used01 = usedCells(0, 1), used11 = usedCells(1, 1);
  memory.fill(work, 0, <usize>(rows * WINDOW * DOFS) << 2);
  for (let u = 0; u < rows; u++) {
    const uColumn = placeColumn(rowPlace, u), uRow = placeRow(rowPlace, u);
    const uUsed = uRow & 1 ? (uColumn & 1 ? used11 : used01) : uColumn & 1 ? used10 : used00;
    addRow(work, rowProlongator, uColumn, uRow, uColumn, uRow, u, u, load<f64>(diagonal + (<usize>u << 3)), uUsed);
    for (let s = 0; s < half; s++) {
      const e = <usize>(u * half + s);
      const v = load<i32>(columns + (e << 2));
      if (v == rows) continue;
      const a = load<f64>(values + (e << 3));
      const vColumn = placeColumn(rowPlace, v), vRow = placeRow(rowPlace, v);
      const vUsed = vRow & 1 ? (vColumn & 1 ? used11 : used01) : vColumn & 1 ? used10 : used00;
      addRow(work, rowProlongator, uColumn, uRow, vColumn, vRow, u, v, a, uUsed);
      addRow(work, rowProlongator, vColumn, vRow, uColumn, uRow, v, u, a, vUsed);
    }
  }
  memory.fill(blocks, 0, <usize>(nodes * STENCIL * BLOCK) << 2);
  for (let u = 0; u < rows; u++) {
    const sx = placeColumn(rowPlace, u) & 1, sy = placeRow(rowPlace, u) & 1;
    for (let i = 0; i < PARENTS; i++) {
      const q = load<i32>(rowParents + (<usize>(u * PARENTS + i) << 2));
      if (q == nodes) continue;
      const pi = rowProlongator + (<usize>((u * PARENTS + i) * DOFS) << 2);
      for (let j = 0; j < WINDOW; j++) {
        const slot = blockSlot(sx, sy, i, j);
        if (slot < MIDDLE) continue; // the earlier neighbours' blocks: mirrorBlocks
        addOuter(blocks + (<usize>((q * STENCIL + slot) * BLOCK) << 2), pi, work + (<usize>((u * WINDOW + j) * DOFS) << 2), 1.0);
      }
    }
  }
}

/**
 * Completes a level's row-major blocks (nodes x 25 x 16 f32) from the middle slot on: A is symmetric, so the
 * block of node n towards an earlier neighbour m (slot s < 12) is the transpose of m's towards n (slot 24 - s).
 */
export function mirrorBlocks(nodes: i32, neighbours: usize, blocks: usize): void {
  for (let n = 0; n < nodes; n++) {
    for (let s = 0; s < MIDDLE; s++) {
      const m = load<i32>(neighbours + (<usize>(n * STENCIL + s) << 2));
      const to = blocks + (<usize>((n * STENCIL + s) * BLOCK) << 2);
      if (m == nodes) {
        memory.fill(to, 0, BLOCK << 2);
        continue;
      }
      const from = blocks + (<usize>((m * STENCIL + STENCIL - 1 - s) * BLOCK) << 2);
      for (let i = 0; i < DOFS; i++) {
        for (let j = 0; j < DOFS; j++) store<f32>(to + (<usize>(i * DOFS + j) << 2), load<f32>(from + (<usize>(j * DOFS + i) << 2)));
      }
    }
  }
}
