// The next block level's set-up (aggregation.ts buildCoarseLevel, finishLevel) shared between the threads when
// the level it is built from is split between them (level field 14): each takes the nodes of its band and the
// parents of those nodes. This runs on threads only where every band starts at a multiple of the parents' cell
// height (src/split.ts splitParents), so a parent's children all lie in one thread's band: a thread writes only its
// own parents' prolongator blocks, near-null space and Galerkin block rows, in the order one thread would (children
// in ascending order), and the hierarchy is the same bits on any number of threads.
//
// job (i32 fields): [0] nodes [1] neighbours [2] blocks [3] nullSpace [4] parent [5] prolongator [6] parentNodes
//   [7] parentCell [8] parentBlocks [9] parentNullSpace [10] scratch (COARSE_SCRATCH_BYTES per thread)
//   [11] children (5 i32 per parent) [12] inverses [13] pw [14] node ranges (i32 N + 1) [15] parent ranges
//   (i32 N + 1) [16] stage: 1 the parents' bases, 2 the Galerkin blocks, 3 the level readied for the cycle
//   [17] [18] the share [from, to) of this thread's nodes or parents (units of 1 << 16).

import { coarseBasis, coarseBlocks, finishLevel, shareAt } from "./aggregation";
import { field, pointerField } from "./record";
import { beat, rangeEnd, rangeStart, threadIndex } from "./team";

/** Nodes or parents between heartbeats. */
const CHUNK = 64;
/** Scratch per thread: coarseBasis's 16 x 4 + 16 f64 (finishLevel's 32 fit in it). */
const COARSE_SCRATCH_BYTES: i32 = (16 * 4 + 16) * 8;

export function coarseScratchBytes(): i32 {
  return COARSE_SCRATCH_BYTES;
}

export function buildCoarseLevelTogether(job: usize, context: usize): void {
  const stage = field(job, 16), from = field(job, 17), to = field(job, 18);
  const nodes = field(job, 0);
  const ranges = pointerField(job, stage == 1 ? 15 : 14), count = stage == 1 ? field(job, 6) : nodes;
  const first = rangeStart(context, ranges), end = rangeEnd(context, ranges, count);
  const scratch = pointerField(job, 10) + <usize>(threadIndex(context) * COARSE_SCRATCH_BYTES);
  // In chunks, with a heartbeat between: the engine takes a helper that shows no progress for long for dead.
  for (let lo = shareAt(first, end, from), hi = shareAt(first, end, to); lo < hi; lo += CHUNK) {
    beat(context);
    const chunkEnd = min(lo + CHUNK, hi);
    if (stage == 1) {
      coarseBasis(pointerField(job, 3), pointerField(job, 5), pointerField(job, 9), scratch, pointerField(job, 11), 5, lo, chunkEnd);
    } else if (stage == 2) {
      coarseBlocks(nodes, pointerField(job, 1), pointerField(job, 2), pointerField(job, 4), pointerField(job, 5), field(job, 13),
        pointerField(job, 7), pointerField(job, 8), lo, chunkEnd);
    } else {
      finishLevel(lo, chunkEnd, pointerField(job, 2), pointerField(job, 12), scratch, 9);
    }
  }
}
