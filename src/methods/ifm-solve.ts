// Information flow's solve (assembly/methods/ifm-pcg.ts) as the engine runs it: how its threads share the rows,
// and Jacobi PCG in slices, with the threads' answer checked on one thread.
import { iterateInSlices, relativeResidual } from "../slices.js";
import { MIN_ROWS_PER_THREAD } from "../split.js";
import { seedGuess } from "./guess.js";
import type { MethodContext } from "./types.js";

/** Fewer unknowns per thread than this, and one thread solves alone (lowered by tests only, to split small images). */
export const IFM_THREADING = { minRowsPerThread: MIN_ROWS_PER_THREAD };

/**
 * How many threads share the solve: the engine's when each has IFM_THREADING.minRowsPerThread rows, else 1. For
 * several, their first rows and scatter buffers go into the system record (assembly/methods/ifm-pcg.ts).
 */
export function splitIfmRows(context: MethodContext, system: { record: number; rows: number }): number {
  const { arena, engine } = context;
  const { record, rows } = system;
  const threads = engine.threads > 1 && rows >= engine.threads * IFM_THREADING.minRowsPerThread ? engine.threads : 1;
  if (threads > 1) {
    const ranges = arena.alloc((threads + 1) * 4);
    arena.i32(ranges, threads + 1).set(Array.from({ length: threads + 1 }, (_, t) => Math.floor((t * rows) / threads)));
    const buffers = arena.alloc(threads * (rows + 1) * 8);
    arena.f64(buffers, threads * (rows + 1)).fill(0);
    arena.i32(record + 16, 2).set([ranges, buffers]);
  }
  return threads;
}

/**
 * Jacobi PCG from the caller's warm start, else from `start` (which writes x: ifm's estimates), else from x = 0, in
 * slices of about SLICE_MS, with `report` and abort between them, on `threads` threads (splitIfmRows). CG updates
 * its residual rather than recomputing it, so a threaded product that went wrong would still look converged: the
 * threads' answer is judged by one thread's product, and should it fail the solve goes on from it alone. Returns x
 * and how many threads finished the solve.
 */
export async function solveIfm(
  context: MethodContext, system: { record: number; rows: number; rhs: number; unknownIndex: number }, threads: number, o: { tolerance: number; maxIterations: number },
  report: (iteration: number, residual: number) => void = () => {}, start?: (x: number) => void,
) {
  const { arena, engine } = context;
  const { record, rows, rhs } = system;
  const vector = () => {
    const v = arena.alloc((rows + 1) * 8);
    arena.f64(v, rows + 1).fill(0);
    return v;
  };
  const x = vector(), r = vector(), z = vector(), p = vector(), q = vector();
  if (context.initialAlpha) seedGuess(context, system.unknownIndex, x);
  else start?.(x);
  const state = arena.alloc(24);
  let alone = threads === 1, iterations = 0, residual = 1;
  for (;;) {
    const done = iterations;
    const round = await iterateInSlices(engine.together("ifmPcgStart", [record, rhs, x, r, z, p, state], alone), o.tolerance, o.maxIterations - done,
      (steps) => engine.together("ifmPcgIterate", [record, x, r, z, p, q, state, steps, o.tolerance], alone), () => relativeResidual(arena.f64(state, 3)),
      async (ran, now) => {
        report(done + ran, now);
        await context.checkpoint();
      });
    iterations += round.iterations;
    residual = round.residual;
    if (alone) break;
    residual = engine.together("ifmPcgResidual", [record, rhs, x, q], true);
    if (residual <= o.tolerance || iterations >= o.maxIterations) break;
    alone = true;
  }
  return { x, iterations, residual, threads: alone && threads > 1 ? 1 : threads };
}
