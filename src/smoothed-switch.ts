// The adaptive switch from the plain aggregation hierarchy (src/alpha.ts) to smoothed aggregation
// (src/smoothed.ts) in the middle of closed-form's solve. Smoothed aggregation takes about half the iterations
// but its set-up and iterations cost more (README, "Smoothed aggregation, built"), so it pays on slow solves only.
// The solve starts plain; from iteration CHECK_FIRST on it predicts the iterations still to come from the residual's
// recent reduction rate, and when they exceed PAYBACK_ITERATIONS it builds smoothed aggregation (from
// the plain hierarchy's first-level cells and basis, which are the same) and restarts the flexible CG from the
// current x.
import type { Arena, Engine } from "./engine.js";
import { MattingError, abortError } from "./errors.js";
import { type StencilSystem, recyclePlainLevels } from "./alpha.js";
import { pauses } from "./slices.js";
import { setUpSmoothedMultigrid, smoothedSetUpBytes } from "./smoothed.js";

/**
 * The plain hierarchy's first level, kept for the switch: image size, cell grid, node count, near-null space, rows'
 * node and basis; at the switch also its fine vectors that smoothed aggregation reuses (header fields 6 and 12).
 */
export interface FirstLevel {
  width: number; height: number; cells: number; gw: number; gh: number; nodes: number; nullSpace: number; rowNode: number; rowBasis: number;
  sums?: number; sweepValues?: number; regularFlags?: number;
}

/** Whether `bytes` more fit within the engine's memory limit on top of what is in use. */
function fits(arena: Arena, bytes: number): boolean {
  try {
    arena.ensureFits(bytes, "smoothed aggregation");
    return true;
  } catch (error) {
    if (error instanceof MattingError && error.code === "TOO_LARGE") return false;
    throw error;
  }
}

/**
 * The residual is sampled every CHECK_EVERY iterations; up to CHECK_LAST each sample predicts the iterations left
 * from the rate over the last RATE_WINDOW of them, both ends the lowest residual sampled so far (CG's residual is not
 * monotone, and on some cases falls in steps of about four iterations). The solve switches, at CHECK_FIRST or later,
 * when two samples in a row predict more than PAYBACK_ITERATIONS, the second with a residual below the lowest before
 * it (one that did not fall repeats the last prediction rather than confirming it). At iteration 20 alone (the first version) the
 * rate parted the alphamatting set's slow cases from its easy ones too early: GT13 Trimap2 (131 iterations) was
 * predicted short, GT05 Trimap1 (61) shorter than GT05 Trimap2 (44); one sample alone also switched GT26 Trimap1
 * (42 iterations; it lost 16 %), whose next sample predicted short; and GT05 Trimap2 (44; lost 10 %) was confirmed
 * by a sample whose residual had not fallen.
 */
const CHECK_EVERY = 4;
const CHECK_FIRST = 20;
const CHECK_LAST = 64;
const RATE_WINDOW = 12;
/**
 * Costs measured on the alphamatting set, one thread (README, "Smoothed aggregation, built"), in plain iterations:
 * smoothed aggregation's set-up about 7-9, its iteration 1.3-1.8, for 0.3-0.75 of the iterations left; by that
 * model it pays past about 34 iterations left. The prediction, though, falls short of the iterations left on the
 * slow cases (GT13: 30-40 predicted at iteration 20 for 111-117 left) and is about right on the others; so the
 * threshold is set on the residual histories of the 54 low-res cases (README, "The adaptive switch").
 */
export const PAYBACK_ITERATIONS = 28;

/** Iterations left to reach `tolerance` from `residual` at `rate` per iteration (Infinity when it does not fall). */
export function predictedIterations(residual: number, tolerance: number, rate: number): number {
  if (residual <= tolerance) return 0;
  return rate > 0 && rate < 1 ? Math.log(tolerance / residual) / Math.log(rate) : Infinity;
}

export class SmoothedSwitch {
  /** Filled by the plain set-up (src/alpha.ts setUpMultigrid). */
  readonly firstLevel = {} as FirstLevel;
  /** The iteration after which the solve went on with smoothed aggregation; 0 until then. */
  switchedAt = 0;
  /** The lowest residual sampled so far, by iteration (multiples of CHECK_EVERY). */
  private readonly lowest = new Map<number, number>();
  /** Whether the last sample predicted more than PAYBACK_ITERATIONS. */
  private longBefore = false;
  /** Set once the set-up has been tried (switched, did not fit, or aborted): no more checks. */
  private tried = false;

  constructor(private readonly tolerance: number) {}

  /** At most this many iterations before the next sample, so that a slice of CG ends on it. */
  stepsToCheck(iterations: number): number {
    return !this.tried && iterations < CHECK_LAST ? CHECK_EVERY - (iterations % CHECK_EVERY) : Infinity;
  }

  /** Records the relative residual after `iterations`; true when the solve should switch now. */
  observe(iterations: number, residual: number): boolean {
    if (this.tried || iterations % CHECK_EVERY !== 0 || iterations > CHECK_LAST) return false;
    const previous = this.lowest.get(iterations - CHECK_EVERY) ?? Infinity, lowest = Math.min(residual, previous);
    this.lowest.set(iterations, lowest);
    const before = this.lowest.get(iterations - RATE_WINDOW);
    const rate = before !== undefined && before > 0 ? (lowest / before) ** (1 / RATE_WINDOW) : NaN;
    const long = rate === rate && predictedIterations(lowest, this.tolerance, rate) > PAYBACK_ITERATIONS;
    const twice = long && this.longBefore && residual < previous;
    this.longBefore = long;
    return twice && iterations >= CHECK_FIRST;
  }

  /**
   * Builds smoothed aggregation in place of the plain hierarchy `plain` (whose levels it recycles), checking abort
   * between its slices. Where its set-up's bound (smoothedSetUpBytes) fits, the plain levels go first and their
   * memory takes the new ones' arrays; else they go after, and when the set-up does not fit within the engine's
   * memory limit it returns 0 and the solve goes on plain. Returns the new header's offset.
   */
  async setUp(
    arena: Arena, engine: Engine, system: StencilSystem, overCorrection: number, iterations: number, signal?: AbortSignal, plain = 0,
  ): Promise<number> {
    this.tried = true;
    if (signal?.aborted) throw abortError(signal);
    const header = arena.i32(plain, 16);
    const first = { ...this.firstLevel, sums: header[6], sweepValues: header[12], regularFlags: header[15] };
    const roomy = fits(arena, smoothedSetUpBytes(system.rows, first));
    if (roomy) recyclePlainLevels(arena, plain);
    const mark = arena.mark();
    let hierarchy: number;
    try {
      hierarchy = await setUpSmoothedMultigrid(arena, engine, system, undefined, 0, 0, overCorrection, pauses(signal, () => {}), first);
    } catch (error) {
      if (roomy || !(error instanceof MattingError && error.code === "TOO_LARGE")) throw error;
      arena.release(mark);
      return 0;
    }
    if (!roomy) recyclePlainLevels(arena, plain);
    // The first level's cells, near-null space and tentative basis served the set-up only.
    const { rows } = system, { cells, gw, gh, nodes, nullSpace, rowNode, rowBasis } = first;
    for (const [offset, bytes] of [[cells, gw * gh * 4], [nullSpace, nodes * 128], [rowNode, rows * 4], [rowBasis, rows * 16]]) arena.recycle(offset, bytes);
    if (signal?.aborted) throw abortError(signal);
    this.switchedAt = iterations;
    return hierarchy;
  }
}
