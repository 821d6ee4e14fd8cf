// The block levels below the first of smoothed aggregation (see assembly/smoothed.ts): level l's nodes
// group 3x3 into the cells of level l + 1; the tentative prolongator T is the orthonormalised near-null
// space of a cell's children (as in aggregation.ts), then smoothed, P = T - w D^-1 A T, and the next
// level's blocks are P^T A P. Level l's blocks are read column-major (finished by aggregation.ts finishLevel),
// the next level's are written row-major (finishLevel turns them once they are complete).
// Per node: its own cell's parent (parent, i32), the parents of its 3x3 window of cells starting at
// floor((x - 2) / 3) (parents, i32 x 9, the parent count where empty) and P's 4x4 blocks towards them
// (prolongator, f32 9 x 16, row i = the node's unknown i), as cycle.ts reads them. One thread.

import { addOuter, coarseBasis } from "./aggregation";

const DOFS = 4;
const BLOCK = 16;
const STENCIL = 25;
const MIDDLE = 12;
const PARENTS = 9;
const FACTOR = 3;
const REACH = 2;
const WINDOW_SIDE = 4; // parent cells reached by a row of A P: floor((x - 4) / 3) .. floor((x + 4) / 3)
/** Children per parent listed in `children`: a count and up to 9 nodes. */
const LIST = 10;

@inline
function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((b - 1 - a) / b);
}

/** Node at parent cell (x, y), or `none` outside the grid or where the cell is empty. */
@inline
function nodeAt(parentCells: usize, pw: i32, ph: i32, x: i32, y: i32, none: i32): i32 {
  if (x < 0 || y < 0 || x >= pw || y >= ph) return none;
  const found = load<i32>(parentCells + (<usize>(y * pw + x) << 2));
  return found >= 0 ? found : none;
}

/** Each node's own parent and its 3x3 window of parents; each parent's list of children. */
export function smoothedParents(
  nodes: i32, gw: i32, cell: usize, parentCells: usize, pw: i32, ph: i32, parentNodes: i32, parent: usize, parents: usize, children: usize
): void {
  memory.fill(children, 0, <usize>(parentNodes * LIST) << 2);
  for (let n = 0; n < nodes; n++) {
    const c = load<i32>(cell + (<usize>n << 2));
    const x = c % gw, y = c / gw;
    const own = nodeAt(parentCells, pw, ph, x / FACTOR, y / FACTOR, parentNodes);
    store<i32>(parent + (<usize>n << 2), own);
    const list = children + (<usize>(own * LIST) << 2);
    const count = load<i32>(list);
    store<i32>(list + (<usize>(1 + count) << 2), n);
    store<i32>(list, count + 1);
    // The window's cells that the node reaches (2 or 3 a side: those up to floor((x + 2) / 3)); none past them.
    const sx = floorDiv(x - REACH, FACTOR), sy = floorDiv(y - REACH, FACTOR);
    const ex = (x + REACH) / FACTOR, ey = (y + REACH) / FACTOR;
    for (let i = 0; i < PARENTS; i++) {
      const px = sx + i % 3, py = sy + i / 3;
      store<i32>(parents + (<usize>(n * PARENTS + i) << 2), px > ex || py > ey ? parentNodes : nodeAt(parentCells, pw, ph, px, py, parentNodes));
    }
  }
}

/**
 * For parents [first, end): the orthonormal basis of their children's near-null space, each child's block of
 * T (tentative, f32 16 per node) and the parent's near-null space (f64 16). scratch: (9 x 16 + 16) f64.
 */
export function smoothedCoarseBasis(nullSpace: usize, tentative: usize, parentNullSpace: usize, scratch: usize, children: usize, first: i32, end: i32): void {
  coarseBasis(nullSpace, tentative, parentNullSpace, scratch, children, LIST, first, end);
}

/** target += a b for 4x4 f32 blocks, a column-major (a level's finished blocks), b and target row-major. */
@inline
function addProduct(target: usize, a: usize, b: usize): void {
  for (let k = 0; k < DOFS; k++) {
    const row = target + (<usize>(k * DOFS) << 2);
    if (ASC_FEATURE_SIMD) {
      let acc = v128.load(row);
      for (let l = 0; l < DOFS; l++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(a + (<usize>(l * DOFS + k) << 2))), v128.load(b + (<usize>(l * DOFS) << 2))));
      }
      v128.store(row, acc);
    } else {
      for (let c = 0; c < DOFS; c++) {
        let sum = load<f32>(row + (<usize>c << 2));
        for (let l = 0; l < DOFS; l++) sum += load<f32>(a + (<usize>(l * DOFS + k) << 2)) * load<f32>(b + (<usize>(l * DOFS + c) << 2));
        store<f32>(row + (<usize>c << 2), sum);
      }
    }
  }
}

/** Diagonal entry k of node n's own block (column-major or not, the same place). */
@inline
function diagonalEntry(blocks: usize, n: i32, k: i32): f64 {
  return <f64>load<f32>(blocks + (<usize>((n * STENCIL + MIDDLE) * BLOCK + k * DOFS + k) << 2));
}

/**
 * y = D^-1 A x on a level of 5x5-node column-major blocks (vectors f32 4 per node plus the zero dummy).
 * D: the point diagonal; unknowns whose diagonal is 0 (dropped basis vectors) get 0.
 */
function scaledProduct(nodes: i32, neighbours: usize, blocks: usize, x: usize, y: usize): void {
  for (let n = 0; n < nodes; n++) {
    const yn = y + (<usize>(n * DOFS) << 2);
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (let s = 0; s < STENCIL; s++) {
        const block = blocks + (<usize>((n * STENCIL + s) * BLOCK) << 2);
        const xm = v128.load(x + (<usize>(load<i32>(neighbours + (<usize>(n * STENCIL + s) << 2)) * DOFS) << 2));
        acc = f32x4.add(acc, f32x4.add(
          f32x4.add(f32x4.mul(v128.load(block), v128.shuffle<f32>(xm, xm, 0, 0, 0, 0)), f32x4.mul(v128.load(block, 16), v128.shuffle<f32>(xm, xm, 1, 1, 1, 1))),
          f32x4.add(f32x4.mul(v128.load(block, 32), v128.shuffle<f32>(xm, xm, 2, 2, 2, 2)), f32x4.mul(v128.load(block, 48), v128.shuffle<f32>(xm, xm, 3, 3, 3, 3))),
        ));
      }
      v128.store(yn, acc);
    } else {
      memory.fill(yn, 0, DOFS << 2);
      for (let s = 0; s < STENCIL; s++) {
        const block = blocks + (<usize>((n * STENCIL + s) * BLOCK) << 2);
        const xm = x + (<usize>(load<i32>(neighbours + (<usize>(n * STENCIL + s) << 2)) * DOFS) << 2);
        for (let l = 0; l < DOFS; l++) {
          const xl = load<f32>(xm + (<usize>l << 2));
          for (let k = 0; k < DOFS; k++) store<f32>(yn + (<usize>k << 2), load<f32>(yn + (<usize>k << 2)) + load<f32>(block + (<usize>(l * DOFS + k) << 2)) * xl);
        }
      }
    }
    for (let k = 0; k < DOFS; k++) {
      const d = diagonalEntry(blocks, n, k);
      store<f32>(yn + (<usize>k << 2), d > 0 ? <f32>(<f64>load<f32>(yn + (<usize>k << 2)) / d) : 0);
    }
  }
}

/**
 * rho(D^-1 A) of a finished block level by power iteration (as smoothed.ts fineSpectralRadius, here in f32:
 * it only sets the smoothing step). x, y: 4 (nodes + 1) f32 each.
 */
export function blockSpectralRadius(nodes: i32, neighbours: usize, blocks: usize, x: usize, y: usize, steps: i32): f64 {
  const count = nodes * DOFS;
  let seed: u32 = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    store<f32>(x + (<usize>i << 2), <f32>(<f64>(seed >> 8) / <f64>(1 << 24) - 0.5));
  }
  memory.fill(x + (<usize>count << 2), 0, DOFS << 2);
  memory.fill(y + (<usize>count << 2), 0, DOFS << 2);
  let estimate = 0.0;
  for (let k = 0; k < steps; k++) {
    scaledProduct(nodes, neighbours, blocks, x, y);
    let norm = 0.0, before = 0.0;
    for (let i = 0; i < count; i++) {
      const yi = <f64>load<f32>(y + (<usize>i << 2)), xi = <f64>load<f32>(x + (<usize>i << 2));
      norm += yi * yi;
      before += xi * xi;
    }
    if (!(norm > 0)) return estimate;
    estimate = Math.sqrt(norm / before);
    const scale = <f32>(1.0 / Math.sqrt(norm));
    for (let i = 0; i < count; i++) store<f32>(x + (<usize>i << 2), load<f32>(y + (<usize>i << 2)) * scale);
  }
  return estimate;
}

/** Window slot (0..8) of node m's own parent cell in node n's parent window. */
@inline
function parentSlot(cell: usize, gw: i32, n: i32, m: i32): i32 {
  const a = load<i32>(cell + (<usize>n << 2)), b = load<i32>(cell + (<usize>m << 2));
  const dx = (b % gw) / FACTOR - floorDiv(a % gw - REACH, FACTOR), dy = (b / gw) / FACTOR - floorDiv(a / gw - REACH, FACTOR);
  return dy * 3 + dx;
}

/**
 * P = T - w D^-1 A T on nodes [first, end): A T gathered over each node's 25 neighbours into its parent
 * window, each row k scaled by -w / A_kk (0 where A_kk is 0), T added at the node's own parent.
 */
export function smoothedCoarseProlongator(
  nodes: i32, gw: i32, cell: usize, neighbours: usize, blocks: usize, tentative: usize, prolongator: usize, weight: f64, first: i32, end: i32
): void {
  for (let n = first; n < end; n++) {
    const pn = prolongator + (<usize>(n * PARENTS * BLOCK) << 2);
    memory.fill(pn, 0, PARENTS * BLOCK << 2);
    for (let s = 0; s < STENCIL; s++) {
      const m = load<i32>(neighbours + (<usize>(n * STENCIL + s) << 2));
      if (m == nodes) continue;
      addProduct(pn + (<usize>(parentSlot(cell, gw, n, m) * BLOCK) << 2), blocks + (<usize>((n * STENCIL + s) * BLOCK) << 2),
        tentative + (<usize>(m * BLOCK) << 2));
    }
    for (let k = 0; k < DOFS; k++) {
      const d = diagonalEntry(blocks, n, k);
      const factor = <f32>(d > 0 ? -weight / d : 0.0);
      for (let i = 0; i < PARENTS; i++) {
        const row = pn + (<usize>(i * BLOCK + k * DOFS) << 2);
        for (let c = 0; c < DOFS; c++) store<f32>(row + (<usize>c << 2), factor * load<f32>(row + (<usize>c << 2)));
      }
    }
    const own = pn + (<usize>(parentSlot(cell, gw, n, n) * BLOCK) << 2);
    for (let e = 0; e < BLOCK; e++) {
      store<f32>(own + (<usize>e << 2), load<f32>(own + (<usize>e << 2)) + load<f32>(tentative + (<usize>(n * BLOCK + e) << 2)));
    }
  }
}

/**
 * The next level's blocks (parentNodes x 25 x 16 f32, row-major; cleared by the caller) from nodes [first, end):
 * node n's row of A P over the 4x4 parent cells from floor((x - 4) / 3) (work: 16 x 16 f32), then P(n, i)^T
 * (A P)(n, j) added to parent i's block towards cell j, for every parent i and node j of those windows, from
 * the middle slot on (smoothed.ts mirrorBlocks completes them).
 */
export function smoothedCoarseGalerkin(
  nodes: i32, gw: i32, cell: usize, neighbours: usize, blocks: usize, parents: usize, prolongator: usize,
  parentCells: usize, pw: i32, ph: i32, parentNodes: i32, parentBlocks: usize, work: usize, first: i32, end: i32
): void {
  const side = WINDOW_SIDE;
  for (let n = first; n < end; n++) {
    const c = load<i32>(cell + (<usize>n << 2));
    const x = c % gw, y = c / gw;
    const wx = floorDiv(x - 2 * REACH, FACTOR), wy = floorDiv(y - 2 * REACH, FACTOR);
    const px = floorDiv(x - REACH, FACTOR), py = floorDiv(y - REACH, FACTOR);
    // The window cells j that some parent i of n takes a block towards (within 2, from the middle slot on).
    let used = 0;
    for (let i = 0; i < PARENTS; i++) {
      if (load<i32>(parents + (<usize>(n * PARENTS + i) << 2)) == parentNodes) continue;
      for (let j = 0; j < side * side; j++) {
        const dx = wx + j % side - px - i % 3, dy = wy + j / side - py - i / 3;
        if (abs(dx) <= REACH && abs(dy) <= REACH && (dy + REACH) * 5 + dx + REACH >= MIDDLE) used |= 1 << j;
      }
    }
    memory.fill(work, 0, side * side * BLOCK << 2);
    for (let s = 0; s < STENCIL; s++) {
      const m = load<i32>(neighbours + (<usize>(n * STENCIL + s) << 2));
      if (m == nodes) continue;
      const cm = load<i32>(cell + (<usize>m << 2));
      const mx = floorDiv(cm % gw - REACH, FACTOR) - wx, my = floorDiv(cm / gw - REACH, FACTOR) - wy;
      const a = blocks + (<usize>((n * STENCIL + s) * BLOCK) << 2);
      for (let i = 0; i < PARENTS; i++) {
        if (load<i32>(parents + (<usize>(m * PARENTS + i) << 2)) == parentNodes) continue;
        const j = (my + i / 3) * side + mx + i % 3;
        if ((used & (1 << j)) == 0) continue;
        addProduct(work + (<usize>(j * BLOCK) << 2), a, prolongator + (<usize>((m * PARENTS + i) * BLOCK) << 2));
      }
    }
    for (let i = 0; i < PARENTS; i++) {
      const q = load<i32>(parents + (<usize>(n * PARENTS + i) << 2));
      if (q == parentNodes) continue;
      const pi = prolongator + (<usize>((n * PARENTS + i) * BLOCK) << 2);
      const qx = px + i % 3, qy = py + i / 3;
      for (let j = 0; j < side * side; j++) {
        const jx = wx + j % side, jy = wy + j / side;
        // Cells more than 2 from q: their W is 0 (the window is wider than some nodes' reach).
        if (abs(jx - qx) > REACH || abs(jy - qy) > REACH) continue;
        // Only the blocks from the middle slot on: smoothed.ts mirrorBlocks copies the others.
        const slot = (jy - qy + REACH) * 5 + jx - qx + REACH;
        if (slot < MIDDLE || nodeAt(parentCells, pw, ph, jx, jy, parentNodes) == parentNodes) continue;
        const target = parentBlocks + (<usize>((q * STENCIL + slot) * BLOCK) << 2);
        const wj = work + (<usize>(j * BLOCK) << 2);
        // target += P(n, i)^T W(n, j): row k of both, an outer product each
        for (let k = 0; k < DOFS; k++) addOuter(target, pi + (<usize>(k * DOFS) << 2), wj + (<usize>(k * DOFS) << 2), 1.0);
      }
    }
  }
}
