// Set-up of information flow's two-level preconditioner (assembly/methods/ifm-coarse.ts): the aggregates' size, the
// basis, the coarse operator E = Z^T A Z and its Cholesky factor, then the fine part's diagonal blocks and their
// factors (assembly/methods/ifm-blocks.ts), in slices with abort checks between.
import { inSlices } from "../slices.js";
import type { IfmKernels } from "./ifm-kernels.js";
import type { MethodContext } from "./types.js";
import { searchThreads } from "./search-team.js";

const DOFS = 4;
/**
 * Coarse unknowns m at most: E's factorisation (m^3 / 3 multiply-adds) costs at most about 15 products with A (some
 * 150 per row) and E's m^2 f64 at most 32 bytes per unknown pixel: m <= min(cbrt(6750 rows), sqrt(4 rows)).
 */
export function maxCoarseUnknowns(rows: number): number {
  return Math.floor(Math.min(Math.cbrt(6750 * rows), Math.sqrt(4 * rows)));
}

/** Aggregate sides tried, smallest first: the first whose aggregates fit maxCoarseUnknowns is taken. */
export const SIDES = [4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 4096, 8192, 16384, 32768];

/** The fine part's blocks: BLOCK_SIDE x BLOCK_SIDE pixels (at most 16 unknowns, MOST_ROWS in assembly/methods/ifm-blocks.ts). */
export const BLOCK_SIDE = 4;

/**
 * Arena bytes the fine part's blocks hold for `rows` unknowns (record, starts, rows by block, the f32 inverses: a
 * block of s rows holds s rows of s rounded up to 4, at most 16 a row; at most a block per row), and the most their
 * set-up's scratch takes beside them (the blocks of pixels, each row's block and place, the lower triangles' starts
 * and f64 entries, s (s + 1) / 2 a block: at most (16 + 1) / 2 a row).
 */
function blockBytes(rows: number, pixels: number): { held: number; scratch: number } {
  const most = BLOCK_SIDE * BLOCK_SIDE;
  return {
    held: 128 + 3 * (rows + 1) * 4 + rows * most * 4,
    scratch: (Math.ceil(pixels / 4) + 1) * 4 + 3 * (rows + 1) * 4 + Math.ceil((rows * (most + 1)) / 2) * 8 + 128,
  };
}

/**
 * Arena bytes the coarse correction holds for `rows` unknown pixels (its set-up's scratch included); k: the colour-
 * mixture k, which is at least the stencil's half plus the intra-unknown k that the set-up's scratch also holds.
 */
export function coarseBytes(rows: number, pixels: number, k: number): number {
  const m = maxCoarseUnknowns(rows);
  const blocks = blockBytes(rows, pixels);
  // The blocks' set-up scratch is held while E's operator is built (both at once on threads), its own on top.
  return rows * (4 + 16) + m * m * 8 + m * 8 + 64 + blocks.held + Math.max(Math.ceil(pixels / 16) * 4, (m / DOFS) * 32 + (k + 1) * 36 + 8 + blocks.scratch + 64);
}

/** Rows of E's operator built per slice. */
const OPERATOR_ROWS_PER_SLICE = 16384;

/**
 * The coarse record (layout in assembly/methods/ifm-coarse.ts) for the assembled system `record` (whose colour-
 * mixture and intra-unknown columns are rows already), its fields [19] and [20] set so that the solve uses it. The
 * photo must still be held (the basis reads its colours).
 */
export async function setUpCoarse(context: MethodContext, k: IfmKernels, record: number, unknownIndex: number): Promise<void> {
  const { arena, width, height, pixels } = context;
  const [rows, half] = arena.i32(record, 2);
  const cmK = arena.i32(record + 11 * 4, 1)[0], iuK = arena.i32(record + 14 * 4, 1)[0];
  const limit = maxCoarseUnknowns(rows);
  const coarse = arena.alloc(6 * 4), aggregateOf = arena.alloc(rows * 4), basis = arena.alloc(rows * 16);
  const mark = arena.mark();
  const cells = arena.alloc(Math.ceil(width / 4) * Math.ceil(height / 4) * 4);
  let aggregates = 0;
  for (const side of SIDES) {
    // A block holds at most side^2 unknowns: smaller sides give too many aggregates for certain.
    if (rows > side * side * Math.floor(limit / DOFS) && side < Math.max(width, height)) continue;
    aggregates = k.ifmCoarseAggregates(unknownIndex, width, height, side, cells, aggregateOf);
    if (aggregates * DOFS <= limit || side >= Math.max(width, height)) break;
  }
  arena.release(mark);
  const m = aggregates * DOFS;
  const matrix = arena.alloc(m * m * 8), coarseVector = arena.alloc(m * 8);
  arena.i32(coarse, 6).set([m, aggregateOf, basis, matrix, coarseVector, 0]);
  // The fine part's blocks are laid out first, so that their entries and E's operator can be built together: on an
  // engine with threads one thread builds each (assembly/methods/ifm-together.ts ifmSetUpTogether), slice by slice.
  const fine = layOutBlocks(context, k, record, unknownIndex);
  const scratchMark = arena.mark();
  k.ifmCoarseBasis(pixels.image, unknownIndex, width * height, aggregateOf, aggregates, arena.alloc(aggregates * 32), basis);
  const scratch = arena.alloc(k.ifmCoarseScratchBytes(Math.max(cmK, half + iuK)));
  const pause = () => context.checkpoint();
  const entries = (first: number, end: number) => k.ifmBlockEntries(record, fine.blockOf, fine.place, fine.triangleStarts, fine.entries, first, end);
  if (searchThreads(context.engine, rows) > 1) {
    const job = arena.alloc(9 * 4);
    await inSlices(rows, (first, end) => {
      arena.i32(job, 9).set([first, end, record, coarse, scratch, fine.blockOf, fine.place, fine.triangleStarts, fine.entries]);
      context.engine.together("ifmSetUpTogether", [job]);
    }, pause, OPERATOR_ROWS_PER_SLICE);
  } else {
    await inSlices(rows, (first, end) => k.ifmCoarseOperator(record, coarse, scratch, first, end), pause, OPERATOR_ROWS_PER_SLICE);
    await inSlices(rows, entries, pause, OPERATOR_ROWS_PER_SLICE);
  }
  arena.release(scratchMark);
  await inSlices(m, (first, end) => k.ifmCoarseFactor(coarse, first, end), pause);
  await inSlices(fine.count, (first, end) => k.ifmBlockInverse(fine.blocks, fine.triangleStarts, fine.entries, first, end), pause, OPERATOR_ROWS_PER_SLICE);
  arena.release(fine.scratchMark);
  // Views go stale when memory grows: the records are written once the set-up is done.
  arena.i32(coarse + 5 * 4, 1)[0] = fine.blocks;
  arena.i32(record + 19 * 4, 2).set([1, coarse]);
}

/**
 * The fine part's block record (layout in assembly/methods/ifm-blocks.ts) for the assembled system `record`, laid out
 * and its lower triangles zeroed; their entries and inverses are for the caller to build, after which it releases
 * the set-up's scratch (everything from scratchMark on).
 */
function layOutBlocks(context: MethodContext, k: IfmKernels, record: number, unknownIndex: number) {
  const { arena, width, height } = context;
  const rows = arena.i32(record, 1)[0];
  const blocks = arena.alloc(5 * 4), starts = arena.alloc((rows + 1) * 4), order = arena.alloc(rows * 4);
  const inverseStarts = arena.alloc((rows + 1) * 4), inverses = arena.alloc(rows * BLOCK_SIDE * BLOCK_SIDE * 4);
  const scratchMark = arena.mark();
  const blockOf = arena.alloc(rows * 4), place = arena.alloc(rows * 4);
  const cells = arena.alloc(Math.ceil(width / BLOCK_SIDE) * Math.ceil(height / BLOCK_SIDE) * 4);
  const count = k.ifmCoarseAggregates(unknownIndex, width, height, BLOCK_SIDE, cells, blockOf);
  arena.i32(blocks, 5).set([count, starts, order, inverseStarts, inverses]);
  const triangles = k.ifmBlockLayout(blocks, rows, blockOf, place);
  const triangleStarts = arena.alloc((count + 1) * 4), entries = arena.alloc(triangles * 8);
  k.ifmBlockTriangleStarts(blocks, triangleStarts);
  arena.f64(entries, triangles).fill(0);
  return { blocks, count, blockOf, place, triangleStarts, entries, scratchMark };
}
