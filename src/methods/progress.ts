// Progress of a conjugate-gradient solve, shared by the methods that run one.
import type { MethodContext } from "./types.js";

/**
 * A report(iteration, residual) callback that maps the solve onto the fraction range [from, 1]: the relative
 * residual's fall from 1 to `tolerance` on a log scale. CG residuals do not fall monotonically, so the
 * furthest point reached so far is shown.
 */
export function solveProgress(context: MethodContext, tolerance: number, from: number): (iteration: number, residual: number) => void {
  const logTolerance = Math.log(tolerance);
  let reached = 0;
  return (iteration, residual) => {
    const done = Math.min(1, Math.max(0, Math.log(residual) / logTolerance));
    reached = Math.max(reached, Number.isFinite(done) ? done : 0);
    context.progress({ phase: "solve", fraction: from + (1 - from) * reached, iteration, residual });
  };
}
