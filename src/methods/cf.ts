// Closed-form matting (Levin, Lischinski, Weiss 2008) as a method: the Laplacian restricted to the unknown
// pixels and its multigrid-preconditioned CG, both in src/alpha.ts.
import { buildSystem, bytesPerUnknown, solveSystem } from "../alpha.js";
import { pauses, within } from "../slices.js";
import { ALPHA_DEFAULTS, resolveAlphaOptions } from "../validate.js";
import { seedGuess } from "./guess.js";
import { solveProgress } from "./progress.js";
import type { AlphaMethod, OptionSpec } from "./types.js";

type ClosedFormKey = keyof typeof ALPHA_DEFAULTS;

/** An option whose default and check are estimateAlpha's since closed-form was the only method (src/validate.ts). */
function closedFormOption<Key extends ClosedFormKey>(key: Key): OptionSpec<(typeof ALPHA_DEFAULTS)[Key] extends string ? "multigrid" | "jacobi" : number> {
  return {
    default: ALPHA_DEFAULTS[key] as never,
    check: (value) => resolveAlphaOptions({ [key]: value })[key] as never,
  };
}

const options = {
  epsilon: closedFormOption("epsilon"),
  radius: closedFormOption("radius"),
  tolerance: closedFormOption("tolerance"),
  maxIterations: closedFormOption("maxIterations"),
  preconditioner: closedFormOption("preconditioner"),
};

/** Share of the progress bar given to building the Laplacian. */
const LAPLACIAN_SHARE = 0.1;

export const closedForm: AlphaMethod<typeof options> = {
  name: "cf",
  options,
  warmStart: true,
  minimumSide: ({ radius }) => ({ side: 2 * radius + 1, reason: `radius ${radius}` }),
  // The unknown index (4 per pixel), the stencil system and its solver, the alpha out (4 per pixel), each thread's
  // scratch for the build (window statistics and, at radius 1-2, the ring of slots: about 1 KB per column at radius 1).
  peakBytes: (size, o, engine) =>
    size.pixels * 8 + size.unknown * bytesPerUnknown(engine.kernels.stencilHalf(o.radius), o.preconditioner, engine.threads) +
    engine.kernels.stencilScratchBytes(size.width, o.radius) * engine.threads + 4096,
  async solve(context, o) {
    const { arena, engine, pixels, width, height } = context;
    const started = performance.now();
    context.progress({ phase: "laplacian", fraction: 0 });
    // The build and the preconditioner's set-up share the "laplacian" part of the progress, in slices.
    const pause = pauses(context.signal, (fraction) => context.progress({ phase: "laplacian", fraction }));
    const system = await buildSystem(arena, engine, pixels, width, height, o.radius, o.epsilon, undefined, within(pause, 0, LAPLACIAN_SHARE / 2));
    const laplacian = performance.now() - started;
    const solved = await solveSystem(arena, engine, system, pixels, { width, height }, { ...o, smoothedSwitch: true, signal: context.signal, seed: (x) => seedGuess(context, system.unknownIndex, x) },
      solveProgress(context, o.tolerance, LAPLACIAN_SHARE), within(pause, LAPLACIAN_SHARE / 2, LAPLACIAN_SHARE));
    return {
      solution: solved.solution, unknownIndex: system.unknownIndex,
      iterations: solved.iterations, residual: solved.residual, converged: solved.converged,
      milliseconds: { laplacian, preconditioner: solved.setupMilliseconds, solve: performance.now() - started - laplacian - solved.setupMilliseconds },
      threads: system.split ? engine.threads : 1, switchedAt: solved.switchedAt,
    };
  },
};
