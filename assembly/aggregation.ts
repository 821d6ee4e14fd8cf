// Aggregation multigrid for the restricted matting Laplacian, used as the conjugate-gradient
// preconditioner. Geometric multigrid fails here: the Laplacian's near-null space is not smooth
// functions but functions that are locally affine in colour (alpha = a . I + b in every window;
// Levin et al. 2008, sec. 3), which bilinear interpolation cannot represent. So the first coarse
// level groups the unknown pixels into 4x4 blocks and gives each block four unknowns, the
// coefficients of an affine colour model on it: the tentative prolongator of smoothed aggregation
// (Vanek, Mandel, Brezina 1996) with the near-null space {1, R, G, B}, orthonormalised per block.
// Each further level groups 2x2 blocks and carries the same four-vector space down. Coarse operators
// are Galerkin products P^T A P; with 4x4 pixel blocks and a stencil of reach 2 (r = 1) a block
// couples only to its eight neighbours, so every coarse level is a grid of nodes with 3x3 blocks of
// 4x4 entries. Block Gauss-Seidel smooths, forward before the coarse correction and backward after it.
// Each coarse correction is a K-cycle (Notay and Vassilevski 2008; cycle.ts): two conjugate-gradient
// steps on the coarser level, preconditioned by that level's own cycle. It finds the scale that the
// energy of the unsmoothed piecewise prolongator gets wrong and halved the iterations of the W-cycle
// with a fixed over-correction that it replaced. The K-cycle is not a fixed linear operator, so the
// outer solver is flexible CG (solve.ts). Header field 11 scales the fine level's correction: 1, but
// tests raise it to break positive definiteness and check that the solver notices (alpha.ts).
//
// Level records (i32 fields, LEVEL_BYTES apart, after a header of HEADER_BYTES):
//   header: [0] block levels [1] fine rows [2] fine half [3] fine columns [4] fine values [5] fine diagonal
//           [6] fine sums (f64 rows + 1) [7] fine residual (f64 rows + 1; may be the sums) [8] node of each fine row (i32)
//           [9] fine row's prolongator coefficients (f32 x 4) [10] scratch (32 bytes)
//           [11] coarse correction factor (f32) [12] fine values in f32, read by the fine sweeps (fine.ts)
//           [13] 1 for smoothed aggregation (smoothed.ts; fields 8-9 and level fields 6-7 then hold several parents), else 0
//           [14] levels with more nodes sweep forward after their coarse correction on one thread (cycle.ts smoothCycle)
//           [15] 0, or at radius 1 a byte per fine row, 1 where all its neighbours are unknown (fine-regular.ts)
//   level:  [0] nodes M [1] neighbours (i32 M x 9; M = none) [2] blocks (f32 M x 9 x 16, column-major once
//           finished) [3] x [4] b [5] r (f32 4(M + 1)) [6] parent node (i32 M) [7] prolongator to the parent
//           (f32 M x 16, row i = child unknown i) [8] cell (i32 M) [9] inverse diagonal blocks (f32 M x 16)
//           K-cycle vectors (f32 4(M + 1)): [10] right-hand side [11] correction [12] A v1 [13] A v2
//           [14] the threads' node ranges (i32 N + 1; 0 when the level is not split between them)
//           [15] 0, or on a replicated level the bytes between the threads' copies of vectors 3-5 and 10-13
//           (each thread runs the whole level on its own copies; see cycle.ts)

import { REGULAR_HALF, isRegular } from "./fine-regular";
import { field, pointerField } from "./record";
import { beat, threadIndex, threads } from "./team";

export const HEADER_BYTES: i32 = 64;
export const LEVEL_BYTES: i32 = 64;
const DOFS = 4;
const BLOCK = 16; // DOFS x DOFS
const NEIGHBOURS = 9;
const FIRST_BLOCK = 4; // pixels per side of a first-level node
// A basis vector keeps less than this share of its norm after orthogonalisation: dropped as dependent.
const DEPENDENT = 1e-3;
// Relative shift of a diagonal block before inverting it (see finishLevel).
const REGULARISE = 1e-6;

/** Numbers, in raster order, the cells of a gw x gh grid that own something; -1 elsewhere. Returns the count. */
function numberCells(cells: usize, count: i32): i32 {
  let nodes = 0;
  for (let i = 0; i < count; i++) {
    const at = cells + (<usize>i << 2);
    if (load<i32>(at) >= 0) store<i32>(at, nodes++);
  }
  return nodes;
}

/** Cells of the first level: 4x4 pixel blocks holding at least one unknown. Returns their count. */
export function markFirstCells(unknownIndex: usize, width: i32, height: i32, cells: usize, gw: i32, gh: i32): i32 {
  memory.fill(cells, 0xff, <usize>(gw * gh) << 2);
  for (let y = 0; y < height; y++) {
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      // A cell's four pixels of this row at once (x a multiple of 4): unknown where an index has its sign bit clear.
      for (; x + 4 <= width; x += 4) {
        if (i32x4.bitmask(v128.load(unknownIndex + (<usize>(y * width + x) << 2))) != 0xf) {
          store<i32>(cells + (<usize>((y >> 2) * gw + (x >> 2)) << 2), 0);
        }
      }
    }
    for (; x < width; x++) {
      if (load<i32>(unknownIndex + (<usize>(y * width + x) << 2)) >= 0) {
        store<i32>(cells + (<usize>((y >> 2) * gw + (x >> 2)) << 2), 0);
      }
    }
  }
  return numberCells(cells, gw * gh);
}

/** Cells of the next level: factor x factor groups of the given level's cells (2, or 3 for smoothed.ts). Returns their count. */
export function markParentCells(cell: usize, nodes: i32, gw: i32, parentCells: usize, pw: i32, ph: i32, factor: i32): i32 {
  memory.fill(parentCells, 0xff, <usize>(pw * ph) << 2);
  for (let n = 0; n < nodes; n++) {
    const c = load<i32>(cell + (<usize>n << 2));
    store<i32>(parentCells + (<usize>((c / gw / factor) * pw + (c % gw) / factor) << 2), 0);
  }
  return numberCells(parentCells, pw * ph);
}

/** cell[n] (raster position of node n) and its neighbour table from a numbered grid: 3x3 (reach 1) or 5x5 (reach 2). */
export function nodeTables(cells: usize, gw: i32, gh: i32, nodes: i32, cell: usize, neighbours: usize, reach: i32): void {
  const side = 2 * reach + 1, count = side * side;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const n = load<i32>(cells + (<usize>(y * gw + x) << 2));
      if (n < 0) continue;
      store<i32>(cell + (<usize>n << 2), y * gw + x);
      for (let k = 0; k < count; k++) {
        const ny = y + k / side - reach, nx = x + k % side - reach;
        let m = nodes;
        if (ny >= 0 && ny < gh && nx >= 0 && nx < gw) {
          const found = load<i32>(cells + (<usize>(ny * gw + nx) << 2));
          if (found >= 0) m = found;
        }
        store<i32>(neighbours + (<usize>(n * count + k) << 2), m);
      }
    }
  }
}

/** x * x: AssemblyScript compiles x ** 2 to a call of its pow, several times slower (and not always the same bits). */
@inline
function square(x: f64): f64 {
  return x * x;
}

/**
 * Modified Gram-Schmidt on the DOFS columns of v (rows x DOFS, f64, row-major), in place: v becomes Q
 * with dependent columns zeroed; r (DOFS x DOFS, f64) gets the coefficients, v_original = Q r.
 */
export function orthonormalise(v: usize, rows: i32, r: usize): void {
  memory.fill(r, 0, BLOCK << 3);
  for (let c = 0; c < DOFS; c++) {
    let original = 0.0;
    for (let i = 0; i < rows; i++) original += square(load<f64>(v + (<usize>(i * DOFS + c) << 3)));
    for (let j = 0; j < c; j++) {
      let d = 0.0;
      for (let i = 0; i < rows; i++) d += load<f64>(v + (<usize>(i * DOFS + j) << 3)) * load<f64>(v + (<usize>(i * DOFS + c) << 3));
      store<f64>(r + (<usize>(j * DOFS + c) << 3), d);
      for (let i = 0; i < rows; i++) {
        const at = v + (<usize>(i * DOFS + c) << 3);
        store<f64>(at, load<f64>(at) - d * load<f64>(v + (<usize>(i * DOFS + j) << 3)));
      }
    }
    let norm = 0.0;
    for (let i = 0; i < rows; i++) norm += square(load<f64>(v + (<usize>(i * DOFS + c) << 3)));
    norm = Math.sqrt(norm);
    const keep = norm > DEPENDENT * Math.sqrt(original) && norm > 1e-12;
    store<f64>(r + (<usize>(c * DOFS + c) << 3), keep ? norm : 0);
    const scale = keep ? 1.0 / norm : 0.0;
    for (let i = 0; i < rows; i++) {
      const at = v + (<usize>(i * DOFS + c) << 3);
      store<f64>(at, load<f64>(at) * scale);
    }
  }
}

/** Adds w * (a outer b) to the 4x4 f32 block at `block` (row-major). a, b: DOFS f32 each. */
@inline
export function addOuter(block: usize, a: usize, b: usize, w: f64): void {
  if (ASC_FEATURE_SIMD) {
    const bv = v128.load(b);
    for (let k = 0; k < DOFS; k++) {
      const ak = <f32>(<f64>load<f32>(a + (<usize>k << 2)) * w);
      if (ak == 0) continue;
      const row = block + (<usize>(k * DOFS) << 2);
      v128.store(row, f32x4.add(v128.load(row), f32x4.mul(f32x4.splat(ak), bv)));
    }
  } else {
    for (let k = 0; k < DOFS; k++) {
      const ak = <f32>(<f64>load<f32>(a + (<usize>k << 2)) * w);
      if (ak == 0) continue;
      for (let l = 0; l < DOFS; l++) {
        const at = block + (<usize>(k * DOFS + l) << 2);
        store<f32>(at, load<f32>(at) + ak * load<f32>(b + (<usize>l << 2)));
      }
    }
  }
}

/** Slot (0..8) of node m among node n's neighbours, from their cells (at most one cell apart). */
@inline
function neighbourSlot(cell: usize, gw: i32, n: i32, m: i32): i32 {
  const a = load<i32>(cell + (<usize>n << 2)), b = load<i32>(cell + (<usize>m << 2));
  if (gw < 3) return (b / gw - a / gw + 1) * 3 + (b % gw - a % gw + 1);
  // On grids 3 or more cells wide the nine differences dy * gw + dx are distinct: no division needed.
  const d = b - a;
  const dy = d > 1 ? 1 : d < -1 ? -1 : 0;
  return (dy + 1) * 3 + (d - dy * gw + 1);
}

/**
 * First coarse level from the fine stencil system, in three stages that the engine runs one after the
 * other on every thread (each stage in slices: shares of this thread's nodes or rows):
 * 0. per node the orthonormal affine colour basis (fine row coefficients and node of each fine row) and
 *    its near-null space coefficients (f64 M x 16), its blocks cleared;
 * 1. the Galerkin blocks from this thread's fine rows;
 * 2. the blocks that the previous thread's rows finished for this thread's nodes, copied in.
 * scratch: 16 * DOFS + BLOCK f64.
 */
function firstLevelBasis(
  unknownIndex: usize, image: usize, width: i32, height: i32, gw: i32, cell: usize, blocks: usize, nullSpace: usize,
  rowNode: usize, rowBasis: usize, scratch: usize, firstNode: i32, endNode: i32, context: usize
): void {
  const v = scratch;
  const r = scratch + (<usize>(16 * DOFS) << 3);
  for (let n = firstNode; n < endNode; n++) {
    beat(context);
    const c = load<i32>(cell + (<usize>n << 2));
    const x0 = (c % gw) * FIRST_BLOCK, y0 = (c / gw) * FIRST_BLOCK;
    let rows = 0;
    for (let y = y0; y < min(y0 + FIRST_BLOCK, height); y++) {
      for (let x = x0; x < min(x0 + FIRST_BLOCK, width); x++) {
        const p = <usize>(y * width + x);
        if (load<i32>(unknownIndex + (p << 2)) < 0) continue;
        const row = v + (<usize>(rows * DOFS) << 3);
        store<f64>(row, 1.0);
        store<f64>(row, load<f64>(image + p * 24), 8);
        store<f64>(row, load<f64>(image + p * 24, 8), 16);
        store<f64>(row, load<f64>(image + p * 24, 16), 24);
        rows++;
      }
    }
    orthonormalise(v, rows, r);
    memory.copy(nullSpace + (<usize>(n * BLOCK) << 3), r, BLOCK << 3);
    rows = 0;
    for (let y = y0; y < min(y0 + FIRST_BLOCK, height); y++) {
      for (let x = x0; x < min(x0 + FIRST_BLOCK, width); x++) {
        const u = load<i32>(unknownIndex + (<usize>(y * width + x) << 2));
        if (u < 0) continue;
        store<i32>(rowNode + (<usize>u << 2), n);
        for (let k = 0; k < DOFS; k++) {
          store<f32>(rowBasis + (<usize>(u * DOFS + k) << 2), <f32>load<f64>(v + (<usize>(rows * DOFS + k) << 3)));
        }
        rows++;
      }
    }
  }
  memory.fill(blocks + (<usize>(firstNode * NEIGHBOURS * BLOCK) << 2), 0, <usize>((endNode - firstNode) * NEIGHBOURS * BLOCK) << 2);
}

/**
 * Galerkin blocks. A fine entry (u, v), v > u, couples node n of u with node m of v, m >= n: it adds to
 * block (n, m) and, transposed, to block (m, n). The latter belongs to the next thread when m is past this
 * thread's nodes (endNode); that thread copies it in (firstLevelCopy), transposed from the finished (n, m).
 * The same pass stores the fine entries in f32 (sweepValues) for the fine level's Gauss-Seidel sweeps and, where
 * regularFlags is not 0 (radius 1), which rows have all their neighbours unknown (fine-regular.ts).
 */
function firstLevelBlocks(
  fineRows: i32, fineHalf: i32, fineColumns: usize, fineValues: usize, fineDiagonal: usize, gw: i32, cell: usize, blocks: usize,
  rowNode: usize, rowBasis: usize, endNode: i32, firstRow: i32, endRow: i32, sweepValues: usize, regularFlags: usize, scratch: usize,
  context: usize
): void {
  // A row's entries to one neighbour node m add a (tu outer tv) each: summed first as w = sum a tv (f64, per slot of
  // the 3x3 neighbours), they take one outer product per node, tu outer w and its transpose, instead of one per entry.
  // Scratch: the slots' sums (f64 9 x 4), their nodes (i32 9, padded to 12 so that w stays 16-byte aligned), w (f32 x 4).
  const sums = scratch, slotNode = sums + (<usize>(NEIGHBOURS * DOFS) << 3), w = slotNode + (<usize>(NEIGHBOURS + 3) << 2);
  for (let u = firstRow; u < endRow; u++) {
    beat(context);
    if (regularFlags != 0 && fineHalf == REGULAR_HALF) {
      store<u8>(regularFlags + <usize>u, <u8>isRegular(fineColumns + (<usize>(u * fineHalf) << 2), u, fineRows));
    }
    const n = load<i32>(rowNode + (<usize>u << 2));
    const tu = rowBasis + (<usize>(u * DOFS) << 2);
    const own = blocks + (<usize>((n * NEIGHBOURS + 4) * BLOCK) << 2);
    addOuter(own, tu, tu, load<f64>(fineDiagonal + (<usize>u << 3)));
    let used = 0;
    for (let s = 0; s < fineHalf; s++) {
      const e = <usize>(u * fineHalf + s);
      const v2 = load<i32>(fineColumns + (e << 2));
      const a = load<f64>(fineValues + (e << 3));
      store<f32>(sweepValues + (e << 2), <f32>a);
      if (v2 == fineRows) continue;
      const m = load<i32>(rowNode + (<usize>v2 << 2));
      const tv = rowBasis + (<usize>(v2 * DOFS) << 2);
      const slot = neighbourSlot(cell, gw, n, m);
      const at = sums + (<usize>(slot * DOFS) << 3);
      const first = (used & (1 << slot)) == 0;
      if (first) {
        used |= 1 << slot;
        store<i32>(slotNode + (<usize>slot << 2), m);
      }
      if (ASC_FEATURE_SIMD) {
        // The same products and sums, two lanes at a time (an f32 widens to f64 exactly).
        const t = v128.load(tv), av = f64x2.splat(a);
        const low = f64x2.mul(av, f64x2.promote_low_f32x4(t)), high = f64x2.mul(av, f64x2.promote_low_f32x4(v128.shuffle<f32>(t, t, 2, 3, 2, 3)));
        v128.store(at, first ? low : f64x2.add(v128.load(at), low));
        v128.store(at, first ? high : f64x2.add(v128.load(at, 16), high), 16);
      } else if (first) {
        for (let k = 0; k < DOFS; k++) store<f64>(at + (<usize>k << 3), a * <f64>load<f32>(tv + (<usize>k << 2)));
      } else {
        for (let k = 0; k < DOFS; k++) store<f64>(at + (<usize>k << 3), load<f64>(at + (<usize>k << 3)) + a * <f64>load<f32>(tv + (<usize>k << 2)));
      }
    }
    for (let slot = 0; slot < NEIGHBOURS; slot++) {
      if ((used & (1 << slot)) == 0) continue;
      const m = load<i32>(slotNode + (<usize>slot << 2));
      const at = sums + (<usize>(slot * DOFS) << 3);
      for (let k = 0; k < DOFS; k++) store<f32>(w + (<usize>k << 2), <f32>load<f64>(at + (<usize>k << 3)));
      addOuter(blocks + (<usize>((n * NEIGHBOURS + slot) * BLOCK) << 2), tu, w, 1.0);
      if (m < endNode) addOuter(blocks + (<usize>((m * NEIGHBOURS + neighbourSlot(cell, gw, m, n)) * BLOCK) << 2), w, tu, 1.0);
    }
  }
}

function firstLevelCopy(blocks: usize, neighbours: usize, firstNode: i32, endNode: i32, context: usize): void {
  for (let m = firstNode; m < endNode; m++) {
    beat(context);
    for (let slot = 0; slot < 4; slot++) {
      const n = load<i32>(neighbours + (<usize>(m * NEIGHBOURS + slot) << 2));
      if (n >= firstNode) continue; // this thread's node, or none (= nodes)
      const from = blocks + (<usize>((n * NEIGHBOURS + 8 - slot) * BLOCK) << 2);
      const to = blocks + (<usize>((m * NEIGHBOURS + slot) * BLOCK) << 2);
      for (let i = 0; i < DOFS; i++) {
        for (let j = 0; j < DOFS; j++) store<f32>(to + (<usize>(i * DOFS + j) << 2), load<f32>(from + (<usize>(j * DOFS + i) << 2)));
      }
    }
  }
}

/** Bytes of the first level's scratch per thread. */
export function firstLevelScratchBytes(): i32 {
  return (16 * DOFS + BLOCK) << 3;
}

/** Units of a share of a thread's nodes or rows (job fields 22 and 23): 1 << SHARE_BITS is all of them. */
const SHARE_BITS = 16;

@inline
export function shareAt(first: i32, end: i32, share: i32): i32 {
  return first + <i32>((<i64>(end - first) * share) >> SHARE_BITS);
}

/**
 * A stage of the first level (see firstLevelBasis) on a share of this thread's nodes or fine rows. job (i32
 * fields): [0] unknownIndex [1] image [2] width [3] height [4] fineRows [5] fineHalf [6] fineColumns
 * [7] fineValues [8] fineDiagonal [9] cells [10] gw [11] nodes [12] cell [13] blocks [14] nullSpace
 * [15] rowNode [16] rowBasis [17] scratch (firstLevelScratchBytes per thread) [18] node ranges (i32 N + 1)
 * [19] fine row ranges (i32 N + 1) [20] neighbours [21] stage (0, 1, 2) [22] [23] the share, from and to,
 * in 1 << SHARE_BITS units (stage 2 takes all) [24] the fine entries in f32 (out, rows x half; see
 * gaussSeidelFromZero in fine.ts) [25] 0, or a byte per fine row (out: 1 where the row is regular, fine-regular.ts).
 * One thread (or no ranges): all nodes and rows.
 */
export function buildFirstLevelTogether(job: usize, context: usize): void {
  const t = threadIndex(context);
  const split = threads(context) > 1;
  const nodes = field(job, 11), fineRows = field(job, 4);
  const nodeRanges = pointerField(job, 18), rowRanges = pointerField(job, 19);
  const firstNode = split ? load<i32>(nodeRanges + (<usize>t << 2)) : 0;
  const endNode = split ? load<i32>(nodeRanges + (<usize>(t + 1) << 2)) : nodes;
  const firstRow = split ? load<i32>(rowRanges + (<usize>t << 2)) : 0;
  const endRow = split ? load<i32>(rowRanges + (<usize>(t + 1) << 2)) : fineRows;
  const stage = field(job, 21), from = field(job, 22), to = field(job, 23);
  const gw = field(job, 10), cell = pointerField(job, 12), blocks = pointerField(job, 13);
  if (stage == 0) {
    firstLevelBasis(pointerField(job, 0), pointerField(job, 1), field(job, 2), field(job, 3), gw, cell, blocks, pointerField(job, 14),
      pointerField(job, 15), pointerField(job, 16), pointerField(job, 17) + <usize>(t * firstLevelScratchBytes()),
      shareAt(firstNode, endNode, from), shareAt(firstNode, endNode, to), context);
  } else if (stage == 1) {
    firstLevelBlocks(fineRows, field(job, 5), pointerField(job, 6), pointerField(job, 7), pointerField(job, 8), gw, cell, blocks,
      pointerField(job, 15), pointerField(job, 16), endNode, shareAt(firstRow, endRow, from), shareAt(firstRow, endRow, to),
      pointerField(job, 24), pointerField(job, 25), pointerField(job, 17) + <usize>(t * firstLevelScratchBytes()), context);
  } else if (t > 0) {
    firstLevelCopy(blocks, pointerField(job, 20), firstNode, endNode, context);
  }
}

/**
 * The next level from a block level, in four stages (the last three on threads: coarse-together.ts): 0. each node's
 * parent, each parent's children, the parent blocks cleared; 1. each parent's orthonormal basis of its children's
 * near-null space (each child's 4x4 prolongator block) and the parent's near-null space (coarseBasis); 2. the
 * Galerkin blocks (coarseBlocks); 3. the level readied for the cycle (finishLevel). children: 5 i32 per parent.
 */
export function coarseParents(
  nodes: i32, gw: i32, cell: usize, parent: usize, parentCells: usize, pw: i32, parentNodes: i32, parentBlocks: usize, children: usize
): void {
  for (let n = 0; n < nodes; n++) {
    const c = load<i32>(cell + (<usize>n << 2));
    store<i32>(parent + (<usize>n << 2), load<i32>(parentCells + (<usize>(((c / gw) >> 1) * pw + ((c % gw) >> 1)) << 2)));
  }
  // children: 5 i32 per parent, a count and up to four child nodes, in the children's order.
  memory.fill(children, 0, <usize>(parentNodes * 5) << 2);
  for (let n = 0; n < nodes; n++) {
    const list = children + (<usize>(load<i32>(parent + (<usize>n << 2)) * 5) << 2);
    const count = load<i32>(list);
    store<i32>(list + (<usize>(1 + count) << 2), n);
    store<i32>(list, count + 1);
  }
  memory.fill(parentBlocks, 0, <usize>(parentNodes * NEIGHBOURS * BLOCK) << 2);
}

/**
 * For parents [first, end): the orthonormal basis of their children's near-null space, each child's 4x4 block of
 * the (tentative) prolongator, f32, and the parent's near-null space, f64. children: `listStride` i32 per parent, a
 * count and the child nodes (at most listStride - 1); scratch: (listStride - 1) x BLOCK + BLOCK f64.
 */
export function coarseBasis(
  nullSpace: usize, prolongator: usize, parentNullSpace: usize, scratch: usize, children: usize, listStride: i32, first: i32, end: i32,
): void {
  const v = scratch;
  const r = scratch + (<usize>((listStride - 1) * BLOCK) << 3);
  for (let q = first; q < end; q++) {
    const list = children + (<usize>(q * listStride) << 2);
    const count = load<i32>(list);
    for (let i = 0; i < count; i++) {
      const n = load<i32>(list + (<usize>(1 + i) << 2));
      memory.copy(v + (<usize>(i * BLOCK) << 3), nullSpace + (<usize>(n * BLOCK) << 3), BLOCK << 3);
    }
    orthonormalise(v, count * DOFS, r);
    memory.copy(parentNullSpace + (<usize>(q * BLOCK) << 3), r, BLOCK << 3);
    for (let i = 0; i < count; i++) {
      const n = load<i32>(list + (<usize>(1 + i) << 2));
      for (let e = 0; e < BLOCK; e++) {
        store<f32>(prolongator + (<usize>(n * BLOCK + e) << 2), <f32>load<f64>(v + (<usize>(i * BLOCK + e) << 3)));
      }
    }
  }
}

export function coarseBlocks(
  nodes: i32, neighbours: usize, blocks: usize, parent: usize, prolongator: usize, pw: i32, parentCell: usize, parentBlocks: usize,
  first: i32, end: i32
): void {
  for (let n = first; n < end; n++) {
    const p = load<i32>(parent + (<usize>n << 2));
    const tn = prolongator + (<usize>(n * BLOCK) << 2);
    for (let k = 0; k < NEIGHBOURS; k++) {
      const m = load<i32>(neighbours + (<usize>(n * NEIGHBOURS + k) << 2));
      if (m == nodes) continue;
      const pm = load<i32>(parent + (<usize>m << 2));
      const tm = prolongator + (<usize>(m * BLOCK) << 2);
      const a = blocks + (<usize>((n * NEIGHBOURS + k) * BLOCK) << 2);
      const target = parentBlocks + (<usize>((p * NEIGHBOURS + neighbourSlot(parentCell, pw, p, pm)) * BLOCK) << 2);
      // target += T_n^T A T_m
      for (let i = 0; i < DOFS; i++) {
        for (let j = 0; j < DOFS; j++) {
          const aij = <f64>load<f32>(a + (<usize>(i * DOFS + j) << 2));
          if (aij == 0) continue;
          addOuter(target, tn + (<usize>(i * DOFS) << 2), tm + (<usize>(j * DOFS) << 2), aij);
        }
      }
    }
  }
}

/**
 * Readies a level for the cycle once its parent is built: blocks turned column-major (what the SIMD
 * products read) and the inverse of each diagonal block, column-major, in f64 then stored as f32.
 * A dropped basis vector leaves a zero row and column in its diagonal block; a shift of REGULARISE times
 * the block's largest diagonal keeps the block invertible and leaves that unknown's update at 0 (its
 * right-hand side is 0). Nodes [first, end) (the engine readies a level in slices), `count` blocks per node
 * (9, or 25 for smoothed.ts), the diagonal one in the middle. scratch: 32 f64.
 */
export function finishLevel(first: i32, end: i32, blocks: usize, inverses: usize, scratch: usize, count: i32): void {
  for (let e = first * count; e < end * count; e++) {
    const block = blocks + (<usize>(e * BLOCK) << 2);
    for (let i = 0; i < DOFS; i++) {
      for (let j = i + 1; j < DOFS; j++) {
        const a = block + (<usize>(i * DOFS + j) << 2), b = block + (<usize>(j * DOFS + i) << 2);
        const t = load<f32>(a);
        store<f32>(a, load<f32>(b));
        store<f32>(b, t);
      }
    }
  }
  const m = scratch; // 4 x 8 augmented [D | I], f64
  for (let n = first; n < end; n++) {
    const diagonal = blocks + (<usize>((n * count + (count >> 1)) * BLOCK) << 2);
    let largest = 0.0;
    for (let i = 0; i < DOFS; i++) largest = max(largest, <f64>load<f32>(diagonal + (<usize>(i * DOFS + i) << 2)));
    const shift = largest > 0 ? largest * REGULARISE : 1.0;
    for (let i = 0; i < DOFS; i++) {
      for (let j = 0; j < DOFS; j++) {
        store<f64>(m + (<usize>(i * 8 + j) << 3), <f64>load<f32>(diagonal + (<usize>(j * DOFS + i) << 2)) + (i == j ? shift : 0));
        store<f64>(m + (<usize>(i * 8 + 4 + j) << 3), i == j ? 1.0 : 0.0);
      }
    }
    // Gauss-Jordan; the shifted block is symmetric positive definite, so no pivoting is needed.
    for (let c = 0; c < DOFS; c++) {
      const pivot = 1.0 / load<f64>(m + (<usize>(c * 8 + c) << 3));
      for (let j = 0; j < 8; j++) store<f64>(m + (<usize>(c * 8 + j) << 3), load<f64>(m + (<usize>(c * 8 + j) << 3)) * pivot);
      for (let i = 0; i < DOFS; i++) {
        if (i == c) continue;
        const f = load<f64>(m + (<usize>(i * 8 + c) << 3));
        if (f == 0) continue;
        for (let j = 0; j < 8; j++) {
          const at = m + (<usize>(i * 8 + j) << 3);
          store<f64>(at, load<f64>(at) - f * load<f64>(m + (<usize>(c * 8 + j) << 3)));
        }
      }
    }
    const inverse = inverses + (<usize>(n * BLOCK) << 2);
    for (let i = 0; i < DOFS; i++) {
      for (let j = 0; j < DOFS; j++) store<f32>(inverse + (<usize>(j * DOFS + i) << 2), <f32>load<f64>(m + (<usize>(i * 8 + 4 + j) << 3)));
    }
  }
}
