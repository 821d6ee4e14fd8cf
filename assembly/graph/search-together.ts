// The k-d tree's and the grid's queries (kdtree.ts, grid-search.ts) shared by the engine's threads: each thread takes
// chunks of queries from a cursor in the job record (an atomic add in the threads build) until none is left, and
// answers them with its own scratch (thread t's at scratch + t * stride). A query's answer depends on nothing but
// the query (any start bound gives the exact neighbours), and each goes to its own row, so the rows are one thread's
// bit for bit, however the chunks fall. The threads meet at no barrier: each leaves once the cursor has passed the end,
// bumping its heartbeat at every chunk so that the calling thread, waiting for it, sees it live.
//
// kd job (i32): [0] cursor [1] end [2] chunk [3] scratch [4] stride [5] tree [6] query points (0: the tree's own)
//               [7] k [8] indices [9] distances [10] rows (own points only; 0: none)
// grid job (i32): [0] cursor [1] end [2] chunk [3] scratch [4] stride [5] features [6] layout [7] width [8] height
//                 [9] k [10] rows [11] budget [12] indices [13] counts (two i32: queries asked and left, summed over threads)
//                 Each thread's scratch ends with 16 bytes of its own counts.

import { field, pointerField } from "../record";
import { beat, takeChunk, threadScratch, threads } from "../team";
import { gridQueryPixels } from "./grid-search";
import { kdQuery, kdQueryOwnPoints } from "./kdtree";

/**
 * The items a thread takes at a time from a job laid out as these ([0] cursor [1] end [2] chunk; also
 * assembly/methods/ifm-together.ts): the job's chunk, or everything left for a team of one.
 */
@inline
export function jobChunk(job: usize, context: usize): i32 {
  return threads(context) == 1 ? max(1, field(job, 1) - load<i32>(job)) : field(job, 2);
}

/** This thread's scratch of such a job ([3] scratch [4] stride). */
@inline
export function jobScratch(job: usize, context: usize): usize {
  return threadScratch(context, pointerField(job, 3), field(job, 4));
}

/** kdQuery or kdQueryOwnPoints over the job's queries, by chunks, on every thread of the team. */
export function kdQueryTogether(job: usize, context: usize): void {
  const end = field(job, 1), chunk = jobChunk(job, context);
  const scratch = jobScratch(job, context), tree = pointerField(job, 5), queries = pointerField(job, 6), k = field(job, 7);
  const indices = pointerField(job, 8), distances = pointerField(job, 9), rows = pointerField(job, 10);
  for (;;) {
    const from = takeChunk(job, chunk);
    if (from >= end) break;
    const to = min(end, from + chunk);
    if (queries == 0) kdQueryOwnPoints(tree, from, to, k, indices, distances, scratch, rows);
    else kdQuery(tree, queries, from, to, k, indices, distances, scratch);
    beat(context);
  }
}

/** gridQueryPixels over the job's pixels, by chunks, on every thread of the team; the counts summed into the job's. */
export function gridQueryTogether(job: usize, context: usize): void {
  const end = field(job, 1), chunk = jobChunk(job, context);
  const scratch = jobScratch(job, context), counts = scratch + <usize>field(job, 4) - 16;
  store<i64>(counts, 0);
  for (;;) {
    const from = takeChunk(job, chunk);
    if (from >= end) break;
    const to = min(end, from + chunk);
    gridQueryPixels(pointerField(job, 5), pointerField(job, 6), field(job, 7), field(job, 8), field(job, 9), from, to, pointerField(job, 10),
      field(job, 11), pointerField(job, 12), scratch, counts);
    beat(context);
  }
  const total = pointerField(job, 13);
  if (ASC_FEATURE_THREADS) {
    atomic.add<i32>(total, load<i32>(counts));
    atomic.add<i32>(total + 4, load<i32>(counts, 4));
  } else {
    store<i32>(total, load<i32>(total) + load<i32>(counts));
    store<i32>(total + 4, load<i32>(total + 4) + load<i32>(counts, 4));
  }
}
