// The adaptive switch from the plain aggregation hierarchy (src/alpha.ts) to smoothed aggregation
// (src/smoothed.ts) in the middle of closed-form's solve. Smoothed aggregation takes about half the iterations
// but its set-up and iterations cost more (README, "Smoothed aggregation, built"), so it pays on slow solves only.
// The solve starts plain; at iteration CHECK_AT it predicts the iterations still to come from the residual's
// reduction rate since CHECK_FROM, and when they exceed PAYBACK_ITERATIONS it builds smoothed aggregation (from
// the plain hierarchy's first-level cells and basis, which are the same) and restarts the flexible CG from the
// current x.
import type { Arena, Engine } from "./engine.js";
import { MattingError, abortError } from "./errors.js";
import type { StencilSystem } from "./alpha.js";
import { pauses } from "./slices.js";
import { setUpSmoothedMultigrid, smoothedSetUpBytes } from "./smoothed.js";

/** Layout of the plain hierarchy's records (assembly/aggregation.ts, src/alpha.ts). */
const HEADER_BYTES = 64;
const LEVEL_BYTES = 64;

/**
 * The plain hierarchy's first level, kept for the switch: image size, cell grid, node count, near-null space, rows'
 * node and basis; at the switch also its fine vectors that smoothed aggregation reuses (header fields 6 and 12).
 */
export interface FirstLevel {
  width: number; height: number; cells: number; gw: number; gh: number; nodes: number; nullSpace: number; rowNode: number; rowBasis: number;
  sums?: number; sweepValues?: number;
}

/**
 * Recycles the plain hierarchy's levels (src/alpha.ts setUpMultigrid, one thread: one copy of each vector): their
 * neighbour tables, blocks, inverses, node cells, transfers and vectors, by the sizes their node counts give. The
 * header, the fine vectors the smoothed set-up reuses and the first level's kept arrays stay.
 */
function recyclePlainLevels(arena: Arena, plain: number): void {
  const levels = arena.i32(plain, 1)[0];
  for (let l = 0; l < levels; l++) {
    const [nodes, neighbours, blocks, x, b, r, parent, prolongator, cell, inverses, ...krylov] = arena.i32(plain + HEADER_BYTES + l * LEVEL_BYTES, 14);
    const dead = [[neighbours, nodes * 36], [blocks, nodes * 576], [cell, nodes * 4], [inverses, nodes * 64],
      ...[x, b, r, ...krylov].map((vector) => [vector, (nodes + 1) * 16]), ...(parent ? [[parent, nodes * 4], [prolongator, nodes * 64]] : [])];
    for (const [offset, bytes] of dead) arena.recycle(offset, bytes);
  }
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
 * The rate is measured over iterations CHECK_FROM..CHECK_AT: the first ten reduce the residual about as fast on the
 * alphamatting set's hard cases (GT13, 131-137 iterations) as on its easy ones (21-46), whose rates part later.
 */
const CHECK_FROM = 12;
const CHECK_AT = 20;
/**
 * Costs measured on the alphamatting set, one thread (README, "Smoothed aggregation, built"), in plain iterations:
 * the plain set-up costs about 2.6 (7 % of the time against the solve's 84 % over 1676 iterations in 54 cases),
 * smoothed aggregation's 3.3 times that; its iteration 1.55 times a plain one, and it needs 0.48 of the iterations
 * (263 against 552 over 10 cases). Over R remaining iterations it costs SETUP + COST * SHARE * R against R: it pays
 * when R > SETUP / (1 - COST * SHARE), about 34.
 */
const SMOOTHED_SETUP = 3.3 * 2.6;
const SMOOTHED_ITERATION_COST = 1.55;
const SMOOTHED_ITERATION_SHARE = 0.48;
export const PAYBACK_ITERATIONS = SMOOTHED_SETUP / (1 - SMOOTHED_ITERATION_COST * SMOOTHED_ITERATION_SHARE);

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
  private residualFrom = NaN;

  constructor(private readonly tolerance: number) {}

  /** At most this many iterations before the next check, so that a slice of CG ends on it. */
  stepsToCheck(iterations: number): number {
    if (iterations < CHECK_FROM) return CHECK_FROM - iterations;
    if (iterations < CHECK_AT) return CHECK_AT - iterations;
    return Infinity;
  }

  /** Records the relative residual after `iterations`; true when the solve should switch now. */
  observe(iterations: number, residual: number): boolean {
    if (iterations === CHECK_FROM) this.residualFrom = residual;
    if (iterations !== CHECK_AT || !(this.residualFrom > 0)) return false;
    const rate = (residual / this.residualFrom) ** (1 / (CHECK_AT - CHECK_FROM));
    return predictedIterations(residual, this.tolerance, rate) > PAYBACK_ITERATIONS;
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
    if (signal?.aborted) throw abortError(signal);
    const header = arena.i32(plain, 13);
    const first = { ...this.firstLevel, sums: header[6], sweepValues: header[12] };
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
