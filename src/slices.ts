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
 * SLICE_MS each (the first `first`, by default the FIRST_SLICES-th of the total, the next sized from the last one's
 * time, growing at most fourfold). Timed pieces are for work whose result does not depend on where the pieces start.
 */
export async function inSlices(
  total: number, step: (first: number, end: number) => void, pause: Pause, size?: number, first?: number,
): Promise<void> {
  let next = size ?? Math.max(1, Math.ceil(first ?? total / FIRST_SLICES));
  for (let done = 0; done < total;) {
    const end = Math.min(total, done + next);
    const started = now();
    step(done, end);
    const elapsed = now() - started;
    if (size === undefined) next = Math.max(1, Math.min(4 * next, Math.round((next * SLICE_MS) / Math.max(elapsed, 0.5))));
    done = end;
    await pause(done / total);
  }
}

/** The next slice's iteration count: sized so that it takes about SLICE_MS, growing at most fourfold. */
export function nextSlice(steps: number, elapsedMs: number): number {
  return Math.max(1, Math.min(4 * steps, Math.round((steps * SLICE_MS) / Math.max(elapsedMs, 0.5))));
}

/** Relative residual |r| / |b| from a CG kernel's state record (f64: [r.z, |b|, |r|, ...]); |r| when b is 0. */
export function relativeResidual(state: Float64Array): number {
  const [, bNorm, rNorm] = state;
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}

/**
 * An iterative solve in slices of about SLICE_MS, from the residual `first`: `iterate(steps)` runs at most `steps`
 * iterations and returns how many ran (fewer when it converged, or its direction vanished in rounding);
 * `residual()` reads the relative residual; `afterSlice` reports and yields (and may throw to abort).
 */
export async function iterateInSlices(
  first: number, tolerance: number, maxIterations: number,
  iterate: (steps: number) => number, residual: () => number, afterSlice: (iterations: number, residual: number) => Promise<void>,
): Promise<{ iterations: number; residual: number }> {
  let current = first, iterations = 0, steps = 1;
  while (current > tolerance && iterations < maxIterations) {
    const asked = Math.min(steps, maxIterations - iterations);
    const started = now();
    const ran = iterate(asked);
    const elapsed = now() - started;
    iterations += ran;
    current = residual();
    if (ran < asked) break;
    steps = nextSlice(steps, elapsed);
    await afterSlice(iterations, current);
  }
  return { iterations, residual: current };
}
