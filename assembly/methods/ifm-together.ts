// Information flow's per-row passes on the engine's threads (src/methods/search-team.ts rowPass): the colour mixture's
// LLE weights, the known-to-unknown estimates and both halves of patch trimming. Each row's result depends on its own
// inputs alone and goes to its own place, so the threads take chunks of rows from the job's cursor (as the searches
// do, assembly/graph/search-together.ts), each with its own scratch, and the results are one thread's bit for bit.
// Also the preconditioner's set-up, two of its parts at once (ifmSetUpTogether, at the end).
//
// job (i32): [0] cursor [1] end [2] chunk [3] scratch [4] stride [5] kind, then the pass's arguments (rows from 0):
//   ROWS_COLOUR_MIXTURE    [6] image [7] queries [8] neighbours [9] k [10] weights (f64 per neighbour)
//   ROWS_KNOWN_TO_UNKNOWN  [6] image [7] queries [8] foreground [9] background [10] k [11] estimate [12] confidence
//   ROWS_PATCH_FOREGROUND  [6] image [7] width [8] height [9] means [10] queries [11] foreground [12] k [13] toForeground
//   ROWS_PATCH_BACKGROUND  [6] image [7] width [8] height [9] means [10] neededPixels [11] needed [12] toForeground
//                          [13] background [14] k [15] trimmed

import { field, pointerField } from "../record";
import { beat, takeChunk, threadIndex, threads } from "../team";
import { jobChunk, jobScratch } from "../graph/search-together";
import { colourMixtureWeights, knownToUnknownEstimates } from "./ifm";
import { patchTrimBackground, patchTrimDistances } from "./ifm-trim";
import { ifmBlockEntries } from "./ifm-blocks";
import { ifmCoarseOperator } from "./ifm-coarse";

const ROWS_COLOUR_MIXTURE = 0;
const ROWS_KNOWN_TO_UNKNOWN = 1;
const ROWS_PATCH_FOREGROUND = 2;
const ROWS_PATCH_BACKGROUND = 3;

/** One of the passes above over the job's rows, by chunks, on every thread of the team. */
export function ifmRowsTogether(job: usize, context: usize): void {
  const end = field(job, 1), chunk = jobChunk(job, context);
  const scratch = jobScratch(job, context), kind = field(job, 5);
  for (;;) {
    const from = takeChunk(job, chunk);
    if (from >= end) break;
    const count = min(end, from + chunk) - from, row = <usize>from;
    if (kind == ROWS_COLOUR_MIXTURE) {
      const k = <usize>field(job, 9);
      colourMixtureWeights(pointerField(job, 6), pointerField(job, 7) + (row << 2), count, pointerField(job, 8) + ((row * k) << 2), <i32>k, scratch, pointerField(job, 10) + ((row * k) << 3));
    } else if (kind == ROWS_KNOWN_TO_UNKNOWN) {
      const k = <usize>field(job, 10);
      knownToUnknownEstimates(pointerField(job, 6), pointerField(job, 7) + (row << 2), count, pointerField(job, 8) + ((row * k) << 2), pointerField(job, 9) + ((row * k) << 2), <i32>k, scratch,
        pointerField(job, 11) + (row << 3), pointerField(job, 12) + (row << 3));
    } else if (kind == ROWS_PATCH_FOREGROUND) {
      const k = <usize>field(job, 12);
      patchTrimDistances(pointerField(job, 6), field(job, 7), field(job, 8), pointerField(job, 9), pointerField(job, 10) + (row << 2), count, pointerField(job, 11) + ((row * k) << 2), <i32>k,
        scratch, pointerField(job, 13) + (row << 3));
    } else if (kind == ROWS_PATCH_BACKGROUND) {
      const k = <usize>field(job, 14);
      patchTrimBackground(pointerField(job, 6), field(job, 7), field(job, 8), pointerField(job, 9), pointerField(job, 10) + (row << 2), pointerField(job, 11) + (row << 2), count, pointerField(job, 12),
        pointerField(job, 13) + ((row * k) << 2), <i32>k, scratch, pointerField(job, 15));
    } else {
      unreachable();
    }
    beat(context);
  }
}

/**
 * E's operator (ifm-coarse.ts ifmCoarseOperator) and the fine blocks' entries (ifm-blocks.ts ifmBlockEntries) over
 * rows [first, end) at once (src/methods/ifm-coarse.ts): the first thread builds the one and the second the other, each
 * the same call as one thread makes, into arrays of its own (one thread alone builds both, in that order).
 * job (i32): [0] first [1] end [2] system [3] coarse [4] operator scratch [5] blockOf [6] place [7] triangleStarts
 *   [8] entries
 */
export function ifmSetUpTogether(job: usize, context: usize): void {
  const index = threadIndex(context), alone = threads(context) == 1, first = field(job, 0), end = field(job, 1);
  if (index == 0) ifmCoarseOperator(pointerField(job, 2), pointerField(job, 3), pointerField(job, 4), first, end);
  if (index == 1 || alone) ifmBlockEntries(pointerField(job, 2), pointerField(job, 5), pointerField(job, 6), pointerField(job, 7), pointerField(job, 8), first, end);
}
