// Threads for the solver: N instances of this module on one shared memory run the same solver call,
// each on its own share of the rows and nodes, and meet at barriers. The single-threaded builds have
// no atomics, so everything here reduces to nothing when N is 1 (always so there).
//
// Context (one per thread, CONTEXT_BYTES): [0] threads N (i32) [4] this thread's index (i32)
//   [8] team record (shared by the N threads) [12] reduction parity (i32) [16] sums of the last
//   reduction (f64 x REDUCED) [64] 1 if this thread may block in atomic.wait (a browser's main
//   thread may not) [68] offset of this thread's heartbeat (u32) [72] this thread's index, also in its
//   solo context (i32: which copy of a replicated level's vectors it uses, see assembly/cycle.ts)
//   [76] barriers this thread met (i32) [80] ms it waited at them (f64) [88] ms of that it spun (f64): what
//   bench/threads-profile.ts reads to tell synchronisation from work (spinning costs CPU time, blocking none)
//   [96] a solo context (N = 1) for work that one thread does alone (its heartbeat is its thread's).
// Team record: [0] threads arrived (i32) [4] barrier generation (i32) [8] failed (i32, so that nobody
//   waits on: 1 when a thread threw or died and said so, FAILED_STALLED when a waiting thread took one
//   for dead) [12] the stall bound in ms (i32; 0: STALL_MS), which the engine raises for the retries of a
//   call whose helpers it took for dead but saw come back (src/engine.ts run) [16] partial sums: 2 parities x N threads x REDUCED f64, then one heartbeat (i32) per
//   thread, HEARTBEAT_STRIDE bytes apart: a count that the thread bumps as it works through its long loops
//   (a row, a pixel, a node at a time: beat) and at every look while it waits, so that a waiting thread
//   can tell a thread that is slow from one that is dead.

const CONTEXT_BYTES: i32 = 192;
// Spins before a thread that may block waits at a barrier instead: a few tens of microseconds.
const SPINS = 20000;
// Longest single wait (ns): the failed flag is checked at least this often.
const WAIT_NS: i64 = 1_000_000;
// Spins between looks at the clock, for a thread that may not block.
const SPINS_PER_LOOK = 4096;
// A thread whose heartbeat has not moved for this long (ms) while another waits for it at a barrier is
// taken for dead, and the barrier fails the team (the engine then rejects the call and works alone). A
// helper thread that dies cannot always say so while the others wait inside the module (its exit event
// reaches the calling thread only between kernel calls), so this wait is what bounds the calling thread's
// block. It measures a lack of progress, not lateness: between two barriers a live thread may work for
// seconds (a sweep of millions of rows at radius 8), but it bumps its heartbeat many times a millisecond.
// A busy machine can still hold a live thread off its core for this long (gaps of 0.1-0.2 s were measured
// at load average 7 on 2 cores): the team record's bound (byte 12), when set, replaces it.
const STALL_MS: f64 = 600;
// The wait is counted in steps of at most this (ms): when the waiting thread itself comes back late from a
// 1 ms wait, the whole machine was paused or overloaded (a busy host, a throttled container), which stalls
// the awaited thread as much, and only this much of the pause counts against it.
const STALL_STEP_MS: f64 = 4;
// A thread that may not block (a browser page's main thread) spins all the while it waits and so takes a core
// from the threads it waits for: it allows them this many times longer.
const SPINNING_PATIENCE: f64 = 5;

// Milliseconds from a monotonic clock (performance.now() of the thread); only differences are used.
@external("env", "now")
declare function now(): f64;
const REDUCED = 6;
// Heartbeats sit a cache line apart: each thread stores to its own, often, without slowing the others.
const HEARTBEAT_STRIDE = 64;
// The team's failed flag when a waiting thread took another for dead (1: the thread said it failed).
const FAILED_STALLED = 2;

export function contextBytes(): i32 {
  return CONTEXT_BYTES;
}

@inline
export function threads(context: usize): i32 {
  return load<i32>(context);
}

@inline
export function threadIndex(context: usize): i32 {
  return load<i32>(context, 4);
}

@inline
export function soloContext(context: usize): usize {
  return context + 96;
}

/** This thread's index among the team's, in its context and in its solo context alike. */
@inline
export function lane(context: usize): i32 {
  return load<i32>(context, 72);
}

/** The solo context of a context: the same thread working alone. */
export function soloContextOf(context: usize): usize {
  return soloContext(context);
}

/** Writes a context; solo is the context's own solo record (N = 1). */
export function initContext(context: usize, count: i32, index: i32, team: usize, mayBlock: i32): void {
  store<i32>(context, count);
  store<i32>(context, index, 4);
  store<u32>(context, <u32>team, 8);
  store<i32>(context, 0, 12);
  store<i32>(context, mayBlock, 64);
  store<u32>(context, <u32>heartbeatAt(team, count, index), 68);
  store<i32>(context, index, 72);
  store<i32>(context, 0, 76);
  store<f64>(context, 0, 80);
  store<f64>(context, 0, 88);
  const solo = soloContext(context);
  store<i32>(solo, 1);
  store<i32>(solo, 0, 4);
  store<u32>(solo, <u32>team, 8);
  store<i32>(solo, 0, 12);
  store<u32>(solo, <u32>heartbeatAt(team, count, index), 68);
  store<i32>(solo, index, 72);
}

/** Bytes of the team record for `count` threads. */
export function teamBytes(count: i32): i32 {
  return 16 + 2 * count * REDUCED * 8 + count * HEARTBEAT_STRIDE;
}

@inline
function heartbeatAt(team: usize, count: i32, index: i32): usize {
  return team + <usize>(16 + 2 * count * REDUCED * 8 + index * HEARTBEAT_STRIDE);
}

/** Offset of the heartbeat of a context's thread (the engine and the threads read and bump it too). */
export function heartbeatOf(context: usize): usize {
  return <usize>load<u32>(context, 68);
}

/**
 * Eight bytes that only this thread touches, on its heartbeat's cache line (HEARTBEAT_STRIDE bytes, the count in the
 * first four): where the fine kernels send their scatters into the vectors' dummy entry (assembly/fine.ts scatter).
 */
@inline
export function scratchSlot(context: usize): usize {
  return <usize>load<u32>(context, 68) + 8;
}

/** Offset of a context's barrier record (i32 meetings, f64 ms waited, f64 ms spun; cumulative since initContext). */
export function barrierRecordOf(context: usize): usize {
  return context + 76;
}

/**
 * One step of progress of this thread: kernels call it in every loop that may run long (per row, pixel or
 * node), so that a thread waiting at a barrier sees it move (a plain store: only this thread writes it).
 */
@inline
export function beat(context: usize): void {
  if (ASC_FEATURE_THREADS) {
    const at = <usize>load<u32>(context, 68);
    store<i32>(at, load<i32>(at) + 1);
  }
}

/**
 * Waits until all N threads have arrived. Threads mostly arrive within microseconds of each other, so
 * a waiting thread spins first; then, if it may, it blocks, which keeps more threads than cores from
 * starving the ones they wait for. A failed thread (team [8]) releases everybody. While it waits, the
 * thread watches the other threads' heartbeats one at a time: one that moved is alive (a thread waiting
 * here beats at each look too), and the next is watched afresh; one that stays still for the stall bound is taken
 * for dead. A dead thread is so reached after a look or two per live one.
 */
export function barrier(context: usize): void {
  const count = threads(context);
  if (count == 1) return;
  if (ASC_FEATURE_THREADS) {
    const team = <usize>load<u32>(context, 8);
    store<i32>(context, load<i32>(context, 76) + 1, 76);
    const generation = atomic.load<i32>(team + 4);
    if (atomic.add<i32>(team, 1) == count - 1) {
      atomic.store<i32>(team, 0);
      atomic.store<i32>(team + 4, generation + 1);
      atomic.notify(team + 4, count);
    } else {
      const mayBlock = load<i32>(context, 64) != 0;
      const self = threadIndex(context);
      let spins = 0;
      const arrived = now();
      let blocked: f64 = -1;
      let looked: f64 = -1, stalled: f64 = 0;
      let watched = self, watchedBeat = 0;
      const bound = atomic.load<i32>(team + 12);
      const patience = (bound > 0 ? <f64>bound : STALL_MS) * (mayBlock ? 1 : SPINNING_PATIENCE);
      while (atomic.load<i32>(team + 4) == generation && atomic.load<i32>(team + 8) == 0) {
        ++spins;
        if (spins <= SPINS || (!mayBlock && spins % SPINS_PER_LOOK != 0)) continue;
        if (mayBlock) {
          if (blocked < 0) blocked = now();
          atomic.wait<i32>(team + 4, generation, WAIT_NS);
        }
        beat(context);
        const time = now();
        if (watched == self || atomic.load<i32>(heartbeatAt(team, count, watched)) != watchedBeat) {
          watched = (watched + 1) % count;
          if (watched == self) watched = (watched + 1) % count;
          watchedBeat = atomic.load<i32>(heartbeatAt(team, count, watched));
          stalled = 0;
        } else if (looked >= 0) {
          stalled += min(time - looked, STALL_STEP_MS);
        }
        looked = time;
        if (stalled > patience) failTeam(team, FAILED_STALLED);
      }
      const left = now();
      store<f64>(context, load<f64>(context, 80) + (left - arrived), 80);
      store<f64>(context, load<f64>(context, 88) + ((blocked < 0 ? left : blocked) - arrived), 88);
    }
  }
}

/** Marks the team failed (unless it already is: the first reason stays) and wakes every thread waiting at its barrier. */
function failTeam(team: usize, reason: i32): void {
  if (ASC_FEATURE_THREADS) {
    atomic.cmpxchg<i32>(team + 8, 0, reason);
    atomic.notify(team + 4, -1);
  }
}

/** This thread's share of a reduction, value k (k < REDUCED). */
@inline
export function contribute(context: usize, k: i32, value: f64): void {
  if (threads(context) == 1) {
    store<f64>(context + 16 + (<usize>k << 3), value);
    return;
  }
  const team = <usize>load<u32>(context, 8);
  const slot = (load<i32>(context, 12) * threads(context) + threadIndex(context)) * REDUCED + k;
  store<f64>(team + 16 + (<usize>slot << 3), value);
}

/**
 * Completes a reduction of `values` values: after it, total(k) is the sum over threads, added in
 * thread order so that every thread holds the same bits. Alternating two sets of partial sums lets a
 * thread contribute to the next reduction while another still reads this one.
 */
export function reduce(context: usize, values: i32): void {
  const count = threads(context);
  if (count == 1) return;
  barrier(context);
  const team = <usize>load<u32>(context, 8);
  const parity = load<i32>(context, 12);
  for (let k = 0; k < values; k++) {
    let sum = 0.0;
    for (let t = 0; t < count; t++) sum += load<f64>(team + 16 + (<usize>(((parity * count + t) * REDUCED) + k) << 3));
    store<f64>(context + 16 + (<usize>k << 3), sum);
  }
  store<i32>(context, parity ^ 1, 12);
}

@inline
export function total(context: usize, k: i32): f64 {
  return load<f64>(context + 16 + (<usize>k << 3));
}

/**
 * The first of the next `chunk` items of a job that threads share without barriers, from the i32 cursor at `cursor`
 * (an atomic add in the threads build: each item goes to one thread).
 */
@inline
export function takeChunk(cursor: usize, chunk: i32): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(cursor, chunk);
  const at = load<i32>(cursor);
  store<i32>(cursor, at + chunk);
  return at;
}

/** This thread's scratch among the team's: thread t's at base + t * stride (src/methods/search-team.ts threadScratch). */
@inline
export function threadScratch(context: usize, base: usize, stride: i32): usize {
  return base + <usize>threadIndex(context) * <usize>stride;
}

/** This thread's share [lo, hi) of `count` items split at ranges (i32 x N + 1); all of them when N is 1. */
@inline
export function rangeStart(context: usize, ranges: usize): i32 {
  return threads(context) == 1 ? 0 : load<i32>(ranges + (<usize>threadIndex(context) << 2));
}

@inline
export function rangeEnd(context: usize, ranges: usize, count: i32): i32 {
  return threads(context) == 1 ? count : load<i32>(ranges + (<usize>(threadIndex(context) + 1) << 2));
}
