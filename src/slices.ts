// Long kernels run in slices (bands of rows, shares of nodes) so that, between them, progress is reported,
// the event loop gets a turn (timers, I/O, a UI, an AbortSignal's timeout) and an abort is honoured.
import { abortError } from "./errors.js";
import { yieldToEventLoop } from "./yield.js";

const now = () => performance.now();
/** Target length of one uninterrupted slice of work. */
export const SLICE_MS = 40;
/** The first slice of a stretch of work: this share of it, then sized from the time it took. */
const FIRST_SLICES = 256;

/** Between two slices: reports `fraction` of the call done, yields if the stretch has run SLICE_MS, checks abort. */
export type Pause = (fraction: number) => Promise<void>;

export function pauses(signal: AbortSignal | undefined, report: (fraction: number) => void): Pause {
  let since = now();
  return async (fraction) => {
    report(fraction);
    if (now() - since >= SLICE_MS) {
      await yieldToEventLoop();
      since = now();
    }
    if (signal?.aborted) throw abortError(signal);
  };
}

/** The same pause, with its fractions 0..1 mapped onto [from, to] of the call. */
export function within(pause: Pause, from: number, to: number): Pause {
  return (fraction) => pause(from + (to - from) * fraction);
}

/**
 * Runs `step(first, end)` over [0, total) in pieces, pausing after each: of `size` when given, else of about
 * SLICE_MS each (the first FIRST_SLICES-th of the total, the next sized from the last one's time, growing at
 * most fourfold). Timed pieces are for work whose result does not depend on where the pieces start.
 */
export async function inSlices(total: number, step: (first: number, end: number) => void, pause: Pause, size?: number): Promise<void> {
  let next = size ?? Math.max(1, Math.ceil(total / FIRST_SLICES));
  for (let first = 0; first < total;) {
    const end = Math.min(total, first + next);
    const started = now();
    step(first, end);
    const elapsed = now() - started;
    if (size === undefined) next = Math.max(1, Math.min(4 * next, Math.round((next * SLICE_MS) / Math.max(elapsed, 0.5))));
    first = end;
    await pause(first / total);
  }
}
